import { completeEntraAction } from '../../shared/admin/connect/api.js';
import { adminHandler } from '../../shared/admin/http.js';

/** GET /admin/entra/callback: Entra's answer to a consent request; runs the action, back to the page. */
export const handler = adminHandler(
  'entraCallback',
  { access: 'session', kind: 'page' },
  completeEntraAction,
);
