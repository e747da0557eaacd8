import { listAuditEntries } from '../../shared/admin/audit.js';
import { adminHandler, json } from '../../shared/admin/http.js';

/** GET /admin/api/audit: the latest admin actions, newest first, each with its `title`. */
export const handler = adminHandler(
  'listAdminActions',
  { access: 'session', kind: 'api' },
  async () => json(200, { actions: await listAuditEntries(50) }),
);
