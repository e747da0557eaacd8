import { adminHandler, json, setCookie } from '../../shared/admin/http.js';
import { endSession } from '../../shared/admin/sign-in.js';

/**
 * POST /admin/sign-out: ends the session on the server (its record is deleted, so every copy of
 * the cookie is refused from the next request on) and clears the cookie.
 */
export const handler = adminHandler(
  'adminSignOut',
  { access: 'change', kind: 'api' },
  async ({ session, cookieRules }) => {
    await endSession(session!);
    return json(200, { signedOut: true }, [setCookie(cookieRules, cookieRules.session, '', 0)]);
  },
);
