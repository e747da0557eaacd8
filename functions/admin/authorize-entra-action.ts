import { authorizeEntraAction } from '../../shared/admin/connect/api.js';
import { adminHandler } from '../../shared/admin/http.js';

/**
 * POST /admin/api/entra/authorize: `{ action, user?, withLog? }` → `{ url }`, the provider page
 * asking for the Graph permissions the action needs (the page's script goes there).
 */
export const handler = adminHandler(
  'authorizeEntraAction',
  { access: 'change', kind: 'api' },
  authorizeEntraAction,
);
