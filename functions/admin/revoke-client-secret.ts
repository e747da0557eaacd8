import { revokeClientSecret } from '../../shared/admin/credentials.js';
import { adminHandler, json } from '../../shared/admin/http.js';

/** POST /admin/api/clients/{id}/secrets/{secretId}/revoke: stops one secret of an OAuth client. */
export const handler = adminHandler(
  'revokeClientSecret',
  { access: 'change', kind: 'api' },
  async (request) => json(200, await revokeClientSecret(request)),
);
