import { createOAuthClient } from '../../shared/admin/credentials.js';
import { adminHandler, json } from '../../shared/admin/http.js';

/** POST /admin/api/clients: a new OAuth client; its secret is shown in this answer only. */
export const handler = adminHandler(
  'createOAuthClient',
  { access: 'change', kind: 'api' },
  async (request) => json(201, await createOAuthClient(request)),
);
