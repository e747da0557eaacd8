import { listCredentials } from '../../shared/admin/credentials.js';
import { adminHandler, json } from '../../shared/admin/http.js';

/** GET /admin/api/credentials: Secret Tokens and OAuth clients, with created, by whom, last used. */
export const handler = adminHandler(
  'listCredentials',
  { access: 'session', kind: 'api' },
  async () => json(200, { credentials: await listCredentials() }),
);
