import { adminHandler, json } from '../../shared/admin/http.js';
import { integrationFacts } from '../../shared/admin/integration.js';

/** GET /admin/api/session: who is signed in, their CSRF token and the tenant's integration facts. */
export const handler = adminHandler(
  'adminSession',
  { access: 'session', kind: 'api' },
  async (request) => json(200, integrationFacts(request)),
);
