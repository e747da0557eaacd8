/**
 * Sign-in with the customer's Entra ID: the OpenID Connect authorization code flow with PKCE,
 * through openid-client. The page is a public client (no secret to keep): PKCE binds the code to
 * the browser that started the sign-in, and state and nonce bind the answer to it.
 */
import * as client from 'openid-client';
import type { AdminConfig, AdminRole } from './config.js';
import type { SignInTransaction } from './session.js';

/** What the ID token says about who signed in. */
export interface SignedInUser {
  readonly userId: string;
  readonly name: string;
  readonly username: string;
  /** The Entra directory the user belongs to (`tid`). */
  readonly directoryId: string;
  readonly roles: readonly string[];
  readonly directoryRoles: readonly string[];
}

/** Why a signed-in user may not use the page. */
export type Refusal = 'otherDirectory' | 'missingRole';

let discovered: Promise<client.Configuration> | undefined;

/**
 * The provider's configuration, discovered once per function instance. Plain http is accepted for
 * a loopback issuer only (the local provider of `npm start` and the tests).
 */
export function configuration(config: AdminConfig): Promise<client.Configuration> {
  if (!discovered) {
    const issuer = new URL(config.issuer);
    const loopback = issuer.protocol === 'http:' && isLoopback(issuer.hostname);
    discovered = client.discovery(issuer, config.clientId, undefined, client.None(), {
      ...(loopback ? { execute: [client.allowInsecureRequests] } : {}),
      timeout: 5,
    });
    // A failed discovery (provider unreachable) is retried on the next sign-in.
    discovered.catch(() => {
      discovered = undefined;
    });
  }
  return discovered;
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Starts a sign-in: the provider URL to send the browser to and what the callback must check.
 * `extra` adds Entra's `login_hint` (pre-fills the account) or `prompt` (`none`: the hourly role
 * re-check, answered without any page when the user is still signed in at the provider, OpenID
 * Connect Core §3.1.2.1).
 */
export async function startSignIn(
  config: AdminConfig,
  redirectUri: string,
  extra: { login_hint?: string; prompt?: string } = {},
): Promise<{ url: URL; transaction: SignInTransaction }> {
  const provider = await configuration(config);
  const codeVerifier = client.randomPKCECodeVerifier();
  const transaction: SignInTransaction = {
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier,
    redirectUri,
    silent: extra.prompt === 'none',
  };
  const url = client.buildAuthorizationUrl(provider, {
    redirect_uri: redirectUri,
    scope: 'openid profile',
    response_type: 'code',
    response_mode: 'query',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state: transaction.state,
    nonce: transaction.nonce,
    ...extra,
  });
  return { url, transaction };
}

/**
 * Finishes a sign-in from the callback URL: checks state, exchanges the code with the PKCE
 * verifier, validates the ID token (issuer, audience, signature, nonce, lifetime) and returns its
 * user. Throws when any check fails.
 */
export async function finishSignIn(
  config: AdminConfig,
  callbackUrl: URL,
  transaction: SignInTransaction,
): Promise<SignedInUser> {
  const provider = await configuration(config);
  const tokens = await client.authorizationCodeGrant(
    provider,
    callbackUrl,
    {
      pkceCodeVerifier: transaction.codeVerifier,
      expectedState: transaction.state,
      expectedNonce: transaction.nonce,
      idTokenExpected: true,
    },
    { redirect_uri: transaction.redirectUri },
  );
  const claims = tokens.claims();
  if (!claims) throw new Error('the provider returned no ID token');
  const text = (name: string) => (typeof claims[name] === 'string' ? (claims[name] as string) : '');
  const list = (name: string) =>
    Array.isArray(claims[name])
      ? (claims[name] as unknown[]).filter((v) => typeof v === 'string')
      : [];
  return {
    // Entra's `oid` is the user across apps; `sub` is pairwise per app.
    userId: text('oid') || claims.sub,
    name: text('name') || text('preferred_username') || claims.sub,
    username: text('preferred_username'),
    directoryId: text('tid'),
    roles: list('roles') as string[],
    directoryRoles: list('wids') as string[],
  };
}

/**
 * Whether `user` may use the page: a user of the tenant's own directory who holds the configured
 * role. Returns the reason when not.
 */
export function refusalOf(
  user: SignedInUser,
  entraTenantId: string,
  role: AdminRole,
): Refusal | undefined {
  if (user.directoryId.toLowerCase() !== entraTenantId.toLowerCase()) return 'otherDirectory';
  const held = role.kind === 'appRole' ? user.roles : user.directoryRoles;
  return held.some((value) => value.toLowerCase() === role.value.toLowerCase())
    ? undefined
    : 'missingRole';
}
