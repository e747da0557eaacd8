/**
 * The admin audit trail as the admin functions use it: handlers reach the table only through
 * `shared/admin` or `shared/service` (layer rules in biome.json); the items are written and read
 * in `shared/store/admin-items.ts`.
 */
export { listAdminActions, recordAdminAction } from '../store/admin-items.js';
