import { adminHandler } from '../../shared/admin/http.js';
import { beginSignIn } from '../../shared/admin/sign-in.js';

/** GET /admin/sign-in: sends the browser to the customer's Entra ID. */
export const handler = adminHandler('adminSignIn', { access: 'public', kind: 'page' }, beginSignIn);
