/**
 * The sign-in steps of the integration page, between the HTTP chain and openid-client: start
 * (remember state, nonce and PKCE verifier in a sealed cookie, send the browser to Entra) and
 * finish (check the answer, admit only the tenant's directory users holding the role, record the
 * session in the tenant's table). The same steps with `prompt=none` are the hourly role re-check.
 */
import {
  endAdminSession,
  recordAdminAction,
  renewAdminSession,
  startAdminSession,
} from '../store/admin-items.js';
import {
  AdminError,
  type AdminRequest,
  type AdminResponse,
  html,
  redirect,
  setCookie,
} from './http.js';
import { finishSignIn, type Refusal, refusalOf, type SignedInUser, startSignIn } from './oidc.js';
import { errorPage } from './page.js';
import {
  type AdminSession,
  newSession,
  openSession,
  openSignIn,
  SIGN_IN_SECONDS,
  sealSession,
  sealSignIn,
} from './session.js';

export const CALLBACK_PATH = '/admin/callback';

/**
 * The provider's answers to `prompt=none` that mean "not without the user" (OpenID Connect Core
 * §3.1.2.6; Entra uses them too): signed out there, MFA or consent due, several accounts.
 */
const INTERACTION_ERRORS = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

/** The browser's session cookie, opened (stale or not); undefined when none or not ours. */
async function cookieSession(request: AdminRequest): Promise<AdminSession | undefined> {
  const value = request.cookies.get(request.cookieRules.session);
  if (!value) return undefined;
  return openSession(value, await request.sessionKey(), request.config.tenant);
}

/**
 * Sends the browser to the provider. `login_hint` passes through to it, and `prompt` when it is
 * `select_account` (the refusal page's "another account") or `none` (the role re-check, which
 * names the session's own account so that Entra need not ask which one).
 */
export async function beginSignIn(request: AdminRequest): Promise<AdminResponse> {
  const prompt = request.query.get('prompt');
  const silent = prompt === 'none';
  const given = request.query.get('login_hint') ?? undefined;
  const hint =
    given ?? (silent ? (await cookieSession(request))?.username || undefined : undefined);
  const { url, transaction } = await startSignIn(
    request.config,
    `${request.origin}${CALLBACK_PATH}`,
    {
      ...(hint && hint.length <= 256 ? { login_hint: hint } : {}),
      ...(prompt === 'select_account' || silent ? { prompt } : {}),
    },
  );
  const sealed = await sealSignIn(transaction, await request.sessionKey(), request.config.tenant);
  return redirect(url.href, [
    setCookie(request.cookieRules, request.cookieRules.signIn, sealed, SIGN_IN_SECONDS),
  ]);
}

/**
 * Completes the sign-in from the provider's answer: a session, or a refusal page. A silent
 * re-check of the browser's own session keeps that session (same cookie, CSRF token and end) and
 * records the new role check; one that finds the role gone ends it. An interactive sign-in always
 * starts a new session and ends the one it replaces in this browser.
 */
export async function completeSignIn(request: AdminRequest): Promise<AdminResponse> {
  const { config, cookieRules } = request;
  const clearSignIn = setCookie(cookieRules, cookieRules.signIn, '', 0);
  const clearSession = setCookie(cookieRules, cookieRules.session, '', 0);
  const transaction = await openSignIn(
    request.cookies.get(cookieRules.signIn),
    await request.sessionKey(),
    config.tenant,
  );
  const error = request.query.get('error');
  if (error) {
    if (transaction?.silent && INTERACTION_ERRORS.has(error)) {
      // Entra cannot confirm the role without the user: an ordinary sign-in, which may ask.
      return redirect('/admin/sign-in', [clearSignIn]);
    }
    // The provider's own refusal (the user cancelled, consent missing): its code, never its text.
    throw new AdminError(
      400,
      'providerError',
      `Entra did not sign you in (${error.slice(0, 64)}). Try again.`,
    );
  }
  if (!transaction) {
    throw new AdminError(
      400,
      'signInExpired',
      'The sign-in took too long or was started elsewhere. Sign in again.',
    );
  }
  const callbackUrl = new URL(`${request.origin}${CALLBACK_PATH}`);
  callbackUrl.search = request.query.toString();
  let user: SignedInUser;
  try {
    user = await finishSignIn(config, callbackUrl, transaction);
  } catch {
    throw new AdminError(
      401,
      'signInFailed',
      'Entra’s answer could not be verified. Sign in again.',
    );
  }
  const previous = await cookieSession(request);
  const sameUser = previous !== undefined && previous.userId === user.userId;
  const refusal = refusalOf(user, config.entraTenantId, config.role);
  if (refusal) {
    // The provider no longer vouches for this user: their session in this browser ends.
    if (sameUser) await endAdminSession(previous.userId, previous.sessionId);
    await recordAdminAction({
      actorId: user.userId,
      actorName: user.username || user.name,
      action: 'signInRefused',
      detail:
        refusal === 'otherDirectory'
          ? `directory ${user.directoryId}`
          : `lacks ${config.role.kind} ${config.role.value}`,
    });
    return html(
      403,
      refusalPage(user, refusal, request),
      sameUser ? [clearSignIn, clearSession] : [clearSignIn],
    );
  }
  const now = Math.floor(Date.now() / 1000);
  if (
    transaction.silent &&
    sameUser &&
    (await renewAdminSession(previous.userId, previous.sessionId, now))
  ) {
    return redirect('/admin', [clearSignIn]);
  }
  if (previous) await endAdminSession(previous.userId, previous.sessionId);
  const session = newSession(user, config.sessionMinutes);
  await startAdminSession({
    userId: session.userId,
    sessionId: session.sessionId,
    expiresAt: session.expiresAt,
    roleCheckedAt: now,
  });
  await recordAdminAction({
    actorId: user.userId,
    actorName: user.username || user.name,
    action: 'signIn',
  });
  const sealed = await sealSession(session, await request.sessionKey(), config.tenant);
  return redirect('/admin', [
    clearSignIn,
    setCookie(cookieRules, cookieRules.session, sealed, config.sessionMinutes * 60),
  ]);
}

/** Signs the session out: its record goes (every copy of the cookie stops), and it is audited. */
export async function endSession(session: AdminSession): Promise<void> {
  await endAdminSession(session.userId, session.sessionId);
  await recordAdminAction({
    actorId: session.userId,
    actorName: session.username || session.name,
    action: 'signOut',
  });
}

function refusalPage(user: SignedInUser, refusal: Refusal, request: AdminRequest): string {
  const { config } = request;
  const who = user.username || user.name;
  const message =
    refusal === 'otherDirectory'
      ? `You signed in as ${who}, an account of another Microsoft Entra directory. Only accounts of the directory this GroupTalk tenant (${config.tenantDisplayName}) is connected to may open its integration page.`
      : `You signed in as ${who}, but this account does not hold the ${config.role.kind === 'appRole' ? 'app role' : 'directory role'} “${config.role.value}” that the integration page of ${config.tenantDisplayName} requires. Ask your Entra administrator to assign it, then sign in again.`;
  return errorPage('Access refused', message, [
    { href: '/admin/sign-in?prompt=select_account', label: 'Sign in with another account' },
  ]);
}
