import { generateSecretToken } from '../../shared/admin/credentials.js';
import { adminHandler, json } from '../../shared/admin/http.js';

/** POST /admin/api/tokens: a new Secret Token, shown in this answer only. */
export const handler = adminHandler(
  'generateSecretToken',
  { access: 'change', kind: 'api' },
  async (request) => json(201, await generateSecretToken(request)),
);
