/**
 * Incremental consent to Microsoft Graph: when the admin presses a button that needs Graph, the
 * browser goes to the same provider as for sign-in (same app registration, same public client with
 * PKCE, state and nonce) asking for the Graph permissions that button needs, and nothing more;
 * sign-in itself keeps asking only for `openid profile`. The callback exchanges the code for a
 * Graph access token that is used within that request and then dropped: never stored, logged,
 * sealed in a cookie or sent to the browser. The ID token that comes with it must name the
 * signed-in admin, so a consent given by another account is never used for this session.
 */
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { AdminConfig } from '../config.js';
import { configuration } from '../oidc.js';
import type { AdminSession } from '../session.js';
import { audience, open, seal } from '../session.js';

/** Microsoft Graph's resource URI: its tokens' audience and its scopes' prefix. */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

/**
 * The Graph permissions (delegated) each action needs, least privileged as Microsoft documents
 * them: `Synchronization.ReadWrite.All` for the job (create, validate, secrets, schema, start,
 * pause, restart, provision on demand), `Application.ReadWrite.All` to instantiate the
 * non-gallery application template, `AuditLog.Read.All` with `Directory.Read.All` for the
 * provisioning log (see docs/entra-connect.md for the pages).
 */
export const PERMISSIONS = {
  job: ['Synchronization.ReadWrite.All'],
  /** Reading the job's state (synchronization-synchronizationjob-get.md: least privileged). */
  readJob: ['Synchronization.Read.All'],
  app: ['Application.ReadWrite.All'],
  log: ['AuditLog.Read.All', 'Directory.Read.All'],
} as const;

/** The buttons that need Graph. */
export const ACTIONS = [
  'connect',
  'disconnect',
  'refresh',
  'restart',
  'pause',
  'provisionOnDemand',
  'readLog',
] as const;
export type EntraAction = (typeof ACTIONS)[number];

/** The permissions an action asks for. */
export function permissionsFor(action: EntraAction, withLog = false): string[] {
  switch (action) {
    case 'connect':
      return [...PERMISSIONS.job, ...PERMISSIONS.app, ...(withLog ? PERMISSIONS.log : [])];
    case 'readLog':
      return [...PERMISSIONS.log];
    case 'refresh':
      return [...PERMISSIONS.readJob];
    default:
      return [...PERMISSIONS.job];
  }
}

/** What the callback needs to finish the consent it started, sealed in a cookie. */
export interface ConsentTransaction {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
  readonly action: EntraAction;
  /** The action's argument (the user of provision on demand or of a log read). */
  readonly subject?: string;
  /** Connect also asked for the log permissions. */
  readonly withLog: boolean;
  /** Connect: the service principal the admin confirmed taking over. */
  readonly takeOver?: string;
  readonly permissions: readonly string[];
  /** Asked with `prompt=none` (already consented): an interaction answer starts over, asking. */
  readonly silent: boolean;
  /** The session that started it: another session's callback is refused. */
  readonly sessionId: string;
}

const PURPOSE = 'entra-consent';
/** Long enough to read Entra's consent page; short enough that a stale one dies. */
export const CONSENT_SECONDS = 600;

/** The consent cookie's name beside the session's (`__Host-…-entra` over https). */
export function consentCookieName(sessionCookie: string): string {
  return `${sessionCookie}-entra`;
}

export function sealConsent(transaction: ConsentTransaction, key: Uint8Array, tenant: string) {
  return seal(
    { ...transaction },
    key,
    audience(tenant, PURPOSE),
    Math.floor(Date.now() / 1000) + CONSENT_SECONDS,
  );
}

export async function openConsent(
  value: string | undefined,
  key: Uint8Array,
  tenant: string,
): Promise<ConsentTransaction | undefined> {
  const claims = await open(value, key, audience(tenant, PURPOSE));
  if (!claims) return undefined;
  const {
    state,
    nonce,
    codeVerifier,
    redirectUri,
    action,
    subject,
    withLog,
    takeOver,
    permissions,
    silent,
    sessionId,
  } = claims;
  if (
    typeof state !== 'string' ||
    typeof nonce !== 'string' ||
    typeof codeVerifier !== 'string' ||
    typeof redirectUri !== 'string' ||
    typeof sessionId !== 'string' ||
    !ACTIONS.includes(action as EntraAction) ||
    !Array.isArray(permissions) ||
    !permissions.every((item) => typeof item === 'string')
  ) {
    return undefined;
  }
  return {
    state,
    nonce,
    codeVerifier,
    redirectUri,
    action: action as EntraAction,
    ...(typeof subject === 'string' ? { subject } : {}),
    withLog: withLog === true,
    ...(typeof takeOver === 'string' ? { takeOver } : {}),
    permissions: permissions as string[],
    silent: silent === true,
    sessionId,
  };
}

/**
 * The provider URL asking `session`'s user for `permissions` on Graph, and the transaction to
 * seal. `silent` adds `prompt=none` (consent given before: no page at all); `login_hint` keeps
 * the signed-in account.
 */
export async function startConsent(
  config: AdminConfig,
  session: AdminSession,
  redirectUri: string,
  request: {
    action: EntraAction;
    subject?: string;
    withLog?: boolean;
    takeOver?: string;
    silent?: boolean;
  },
): Promise<{ url: URL; transaction: ConsentTransaction }> {
  const provider = await configuration(config);
  const permissions = permissionsFor(request.action, request.withLog);
  const codeVerifier = client.randomPKCECodeVerifier();
  const transaction: ConsentTransaction = {
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier,
    redirectUri,
    action: request.action,
    ...(request.subject ? { subject: request.subject } : {}),
    withLog: request.withLog === true,
    ...(request.takeOver ? { takeOver: request.takeOver } : {}),
    permissions,
    silent: request.silent === true,
    sessionId: session.sessionId,
  };
  const url = client.buildAuthorizationUrl(provider, {
    redirect_uri: redirectUri,
    // openid profile: the ID token tells who consented, by `oid`, which Entra puts in an ID token
    // only with the profile scope (its ID token claims reference); `sub` is pairwise per app and
    // never the session's user id. No offline_access, so no refresh token.
    scope: [
      'openid',
      'profile',
      ...permissions.map((permission) => `${GRAPH_RESOURCE}/${permission}`),
    ].join(' '),
    response_type: 'code',
    response_mode: 'query',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state: transaction.state,
    nonce: transaction.nonce,
    ...(session.username ? { login_hint: session.username } : {}),
    ...(transaction.silent ? { prompt: 'none' } : {}),
  });
  return { url, transaction };
}

/** A Graph token for this request only, and what it may do. */
export interface GraphGrant {
  readonly accessToken: string;
  /** The Graph permissions granted (names, `Synchronization.ReadWrite.All`). */
  readonly granted: readonly string[];
}

/** Why a consent answer cannot be used. */
export class ConsentError extends Error {
  constructor(
    readonly reason: 'otherAccount' | 'unverifiable',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ConsentError';
  }
}

/**
 * Exchanges the code for a Graph token: state, PKCE verifier and nonce checked, the ID token
 * validated and required to name the session's user in the tenant's directory. The token's
 * granted permissions come from the token response's `scope` (Entra lists what was granted).
 */
export async function finishConsent(
  config: AdminConfig,
  session: AdminSession,
  callbackUrl: URL,
  transaction: ConsentTransaction,
): Promise<GraphGrant> {
  const provider = await configuration(config);
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(
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
  } catch (error) {
    throw new ConsentError('unverifiable', 'Entra’s answer could not be verified.', {
      cause: error,
    });
  }
  const claims = tokens.claims();
  // Only `oid` names the user as the session does (`sub` is pairwise per app): without it the
  // answer cannot be matched to this session.
  const userId = typeof claims?.oid === 'string' ? claims.oid : undefined;
  const directory = typeof claims?.tid === 'string' ? claims.tid : '';
  if (
    !userId ||
    userId !== session.userId ||
    directory.toLowerCase() !== config.entraTenantId.toLowerCase()
  ) {
    throw new ConsentError(
      'otherAccount',
      'Entra answered for another account than the one signed in to this page.',
    );
  }
  const prefix = `${GRAPH_RESOURCE}/`;
  const granted = (tokens.scope ?? '')
    .split(' ')
    .map((scope) => (scope.startsWith(prefix) ? scope.slice(prefix.length) : scope))
    .filter((scope) => scope && !['openid', 'profile', 'email', 'offline_access'].includes(scope));
  return { accessToken: tokens.access_token, granted };
}

/** A random id for a run (not a secret). */
export function runId(): string {
  return randomBytes(9).toString('base64url');
}
