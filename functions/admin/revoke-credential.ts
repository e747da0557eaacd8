import { revokeCredential } from '../../shared/admin/credentials.js';
import { adminHandler, json } from '../../shared/admin/http.js';

/** POST /admin/api/credentials/{id}/revoke: stops a Secret Token or OAuth client. */
export const handler = adminHandler(
  'revokeCredential',
  { access: 'change', kind: 'api' },
  async (request) => json(200, await revokeCredential(request)),
);
