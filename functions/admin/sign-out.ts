import { recordAdminAction } from '../../shared/admin/audit.js';
import { adminHandler, json, setCookie } from '../../shared/admin/http.js';

/** POST /admin/sign-out: ends the session (the cookie; the session is not stored elsewhere). */
export const handler = adminHandler(
  'adminSignOut',
  { access: 'change', kind: 'api' },
  async ({ session, cookieRules }) => {
    await recordAdminAction({
      actorId: session!.userId,
      actorName: session!.username || session!.name,
      action: 'signOut',
    });
    return json(200, { signedOut: true }, [setCookie(cookieRules, cookieRules.session, '', 0)]);
  },
);
