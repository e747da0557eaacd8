import { listAdminActions } from '../../shared/admin/audit.js';
import { adminHandler, json } from '../../shared/admin/http.js';

/** GET /admin/api/audit: the latest admin actions, newest first. */
export const handler = adminHandler(
  'listAdminActions',
  { access: 'session', kind: 'api' },
  async () => json(200, { actions: await listAdminActions(50) }),
);
