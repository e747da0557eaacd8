/**
 * The page's cookies: the session (which session, who signed in, their CSRF token, until when)
 * and the sign-in transaction (state, nonce and PKCE verifier between the redirect to Entra and
 * its answer). Both are JWTs encrypted with the tenant's session key (jose: `dir` + A256GCM), so
 * the browser holds them without being able to read or alter them. The session cookie alone does
 * not admit anyone: its session id must name an open session record in the tenant's table
 * (`shared/store/admin-items.ts`), which sign-out deletes and which holds when the role was last
 * checked (`ROLE_CHECK_SECONDS`).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';

/** Who is signed in, as the ID token said. */
export interface AdminSession {
  /** Names the session's record in the tenant's table (random, never reused). */
  readonly sessionId: string;
  /** Entra object id (`oid`). */
  readonly userId: string;
  readonly name: string;
  /** `preferred_username`, usually the UPN. */
  readonly username: string;
  /** Sent back in the `x-csrf-token` header of every state-changing call. */
  readonly csrfToken: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

/** What the callback needs to finish the sign-in it started. */
export interface SignInTransaction {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** The exact redirect URI sent to the provider (the token request must repeat it). */
  readonly redirectUri: string;
  /**
   * A silent re-check (`prompt=none`): when the provider cannot answer without the user, the
   * callback starts an ordinary sign-in instead of showing its error.
   */
  readonly silent: boolean;
}

const SESSION_PURPOSE = 'session';
const SIGN_IN_PURPOSE = 'sign-in';
/** Long enough to sign in with MFA; short enough that a stale transaction dies. */
export const SIGN_IN_SECONDS = 600;
/**
 * How long the provider's word on the user's role holds. The ID token's `roles`/`wids` are what
 * the provider said at sign-in; after this the page asks it again (silently, `prompt=none`), so
 * an admin whose role was removed in Entra loses the page within the hour, whatever the session's
 * length (`ADMIN_SESSION_MINUTES`, up to 12 hours).
 */
export const ROLE_CHECK_SECONDS = 3600;

/** Whether a session whose role was checked at `roleCheckedAt` must be checked again. */
export function roleCheckDue(roleCheckedAt: number, now = Date.now() / 1000): boolean {
  return now - roleCheckedAt >= ROLE_CHECK_SECONDS;
}

export function audience(tenant: string, purpose: string): string {
  return `urn:grouptalk:admin:${tenant}:${purpose}`;
}

/** Seals `claims` for `aud` until `expiresAt` (seconds): a cookie value only this tenant opens. */
export async function seal(
  claims: Record<string, unknown>,
  key: Uint8Array,
  aud: string,
  expiresAt: number,
): Promise<string> {
  return new EncryptJWT(claims)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setAudience(aud)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .encrypt(key);
}

/** The claims `seal` sealed for `aud`; undefined when expired, tampered with or not ours. */
export async function open(
  token: string | undefined,
  key: Uint8Array,
  aud: string,
): Promise<Record<string, unknown> | undefined> {
  if (!token) return undefined;
  try {
    const { payload } = await jwtDecrypt(token, key, {
      audience: aud,
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    return payload;
  } catch {
    // Expired, tampered with, sealed by an older key or for another tenant: not signed in.
    return undefined;
  }
}

/** A new session for `user`, `minutes` long, with a fresh session id and CSRF token. */
export function newSession(
  user: Pick<AdminSession, 'userId' | 'name' | 'username'>,
  minutes: number,
): AdminSession {
  return {
    sessionId: randomBytes(16).toString('base64url'),
    ...user,
    csrfToken: randomBytes(32).toString('base64url'),
    expiresAt: Math.floor(Date.now() / 1000) + minutes * 60,
  };
}

/** The session cookie's value. */
export function sealSession(session: AdminSession, key: Uint8Array, tenant: string) {
  const { expiresAt, ...claims } = session;
  return seal(claims, key, audience(tenant, SESSION_PURPOSE), expiresAt);
}

/** The session a cookie value holds; undefined when absent, expired or not ours. */
export async function openSession(
  value: string | undefined,
  key: Uint8Array,
  tenant: string,
): Promise<AdminSession | undefined> {
  const claims = await open(value, key, audience(tenant, SESSION_PURPOSE));
  if (!claims) return undefined;
  const { sessionId, userId, name, username, csrfToken, exp } = claims;
  if (
    // A cookie of an earlier version names no session record: signed out.
    typeof sessionId !== 'string' ||
    typeof userId !== 'string' ||
    typeof name !== 'string' ||
    typeof username !== 'string' ||
    typeof csrfToken !== 'string' ||
    typeof exp !== 'number'
  ) {
    return undefined;
  }
  return { sessionId, userId, name, username, csrfToken, expiresAt: exp };
}

export function sealSignIn(transaction: SignInTransaction, key: Uint8Array, tenant: string) {
  return seal(
    { ...transaction },
    key,
    audience(tenant, SIGN_IN_PURPOSE),
    Math.floor(Date.now() / 1000) + SIGN_IN_SECONDS,
  );
}

export async function openSignIn(
  value: string | undefined,
  key: Uint8Array,
  tenant: string,
): Promise<SignInTransaction | undefined> {
  const claims = await open(value, key, audience(tenant, SIGN_IN_PURPOSE));
  if (!claims) return undefined;
  const { state, nonce, codeVerifier, redirectUri, silent } = claims;
  if (
    typeof state !== 'string' ||
    typeof nonce !== 'string' ||
    typeof codeVerifier !== 'string' ||
    typeof redirectUri !== 'string'
  ) {
    return undefined;
  }
  return { state, nonce, codeVerifier, redirectUri, silent: silent === true };
}

/** Whether `sent` (the `x-csrf-token` header) is the session's CSRF token, in constant time. */
export function csrfMatches(session: AdminSession, sent: string | undefined): boolean {
  if (!sent) return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(sent);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
