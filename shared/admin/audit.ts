/**
 * The admin audit trail as the admin functions use it: handlers reach the table only through
 * `shared/admin` or `shared/service` (layer rules in biome.json); the items are written and read
 * in `shared/store/admin-items.ts`.
 */
import { type AdminAction, listAdminActions } from '../store/admin-items.js';
import { auditTitle } from './reports/wording.js';

export { listAdminActions, recordAdminAction } from '../store/admin-items.js';

/** The newest admin actions first, each with its words for the page (`title`). */
export async function listAuditEntries(limit = 50): Promise<(AdminAction & { title: string })[]> {
  return (await listAdminActions(limit)).map((action) => ({
    ...action,
    title: auditTitle(action.action),
  }));
}
