import { entraConnectionView } from '../../shared/admin/connect/api.js';
import { adminHandler, json } from '../../shared/admin/http.js';

/** GET /admin/api/entra: the Entra connection, the job's state and the last run's steps. */
export const handler = adminHandler(
  'getEntraConnection',
  { access: 'session', kind: 'api' },
  async (request) => json(200, await entraConnectionView(request)),
);
