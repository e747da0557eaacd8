/**
 * The sign-in steps of the integration page, between the HTTP chain and openid-client: start
 * (remember state, nonce and PKCE verifier in a sealed cookie, send the browser to Entra) and
 * finish (check the answer, admit only the tenant's directory users holding the role, record it).
 */
import { recordAdminAction } from '../store/admin-items.js';
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
import { newSession, openSignIn, SIGN_IN_SECONDS, sealSession, sealSignIn } from './session.js';

export const CALLBACK_PATH = '/admin/callback';

/**
 * Sends the browser to the provider. `login_hint` passes through to it, and `prompt` when it is
 * `select_account` (the refusal page's "another account").
 */
export async function beginSignIn(request: AdminRequest): Promise<AdminResponse> {
  const hint = request.query.get('login_hint') ?? undefined;
  const { url, transaction } = await startSignIn(
    request.config,
    `${request.origin}${CALLBACK_PATH}`,
    {
      ...(hint && hint.length <= 256 ? { login_hint: hint } : {}),
      ...(request.query.get('prompt') === 'select_account' ? { prompt: 'select_account' } : {}),
    },
  );
  const sealed = await sealSignIn(transaction, await request.sessionKey(), request.config.tenant);
  return redirect(url.href, [
    setCookie(request.cookieRules, request.cookieRules.signIn, sealed, SIGN_IN_SECONDS),
  ]);
}

/** Completes the sign-in from the provider's answer: a session, or a refusal page. */
export async function completeSignIn(request: AdminRequest): Promise<AdminResponse> {
  const { config, cookieRules } = request;
  const clearSignIn = setCookie(cookieRules, cookieRules.signIn, '', 0);
  const error = request.query.get('error');
  if (error) {
    // The provider's own refusal (the user cancelled, consent missing): its code, never its text.
    throw new AdminError(
      400,
      'providerError',
      `Entra did not sign you in (${error.slice(0, 64)}). Try again.`,
    );
  }
  const transaction = await openSignIn(
    request.cookies.get(cookieRules.signIn),
    await request.sessionKey(),
    config.tenant,
  );
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
  const refusal = refusalOf(user, config.entraTenantId, config.role);
  if (refusal) {
    await recordAdminAction({
      actorId: user.userId,
      actorName: user.username || user.name,
      action: 'signInRefused',
      detail:
        refusal === 'otherDirectory'
          ? `directory ${user.directoryId}`
          : `lacks ${config.role.kind} ${config.role.value}`,
    });
    return html(403, refusalPage(user, refusal, request), [clearSignIn]);
  }
  const session = newSession(user, config.sessionMinutes);
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

function refusalPage(user: SignedInUser, refusal: Refusal, request: AdminRequest): string {
  const { config } = request;
  const who = user.username || user.name;
  const message =
    refusal === 'otherDirectory'
      ? `You signed in as ${who}, an account of another Microsoft Entra directory. Only accounts of the directory this GroupTalk tenant (${config.tenantDisplayName}) is connected to may open its integration page.`
      : `You signed in as ${who}, but this account does not hold the ${config.role.kind === 'appRole' ? 'app role' : 'directory role'} “${config.role.value}” that the integration page of ${config.tenantDisplayName} requires. Ask your Entra administrator to assign it, then sign in again.`;
  return errorPage('Access refused', message, {
    href: '/admin/sign-in?prompt=select_account',
    label: 'Sign in with another account',
  });
}
