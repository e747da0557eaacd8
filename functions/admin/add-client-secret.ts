import { addClientSecret } from '../../shared/admin/credentials.js';
import { adminHandler, json } from '../../shared/admin/http.js';

/** POST /admin/api/clients/{id}/secrets: a new secret for an OAuth client, shown in this answer only. */
export const handler = adminHandler(
  'addClientSecret',
  { access: 'change', kind: 'api' },
  async (request) => json(201, await addClientSecret(request)),
);
