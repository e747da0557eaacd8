import { adminHandler } from '../../shared/admin/http.js';
import { resourceHistory } from '../../shared/admin/integration.js';

/**
 * GET /admin/api/history?term=…&days=30[&source=logs]: every request about one user or group,
 * from the aggregated report items, or from the logs on demand (202 while queued).
 */
export const handler = adminHandler(
  'getResourceHistory',
  { access: 'session', kind: 'api' },
  (request) => resourceHistory(request),
);
