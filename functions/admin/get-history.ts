import { adminHandler, json } from '../../shared/admin/http.js';
import { resourceHistory } from '../../shared/admin/integration.js';

/** GET /admin/api/history?term=…&days=30: every request about one user or group. */
export const handler = adminHandler(
  'getResourceHistory',
  { access: 'session', kind: 'api' },
  async (request) => json(200, await resourceHistory(request)),
);
