import { adminHandler } from '../../shared/admin/http.js';
import { completeSignIn } from '../../shared/admin/sign-in.js';

/** GET /admin/callback: Entra's answer; a session for an administrator, a refusal for others. */
export const handler = adminHandler(
  'adminCallback',
  { access: 'public', kind: 'page' },
  completeSignIn,
);
