/**
 * The tenant's OAuth 2.0 token endpoint (`POST /oauth2/token`): the client-credentials grant
 * (RFC 6749 §4.4) for Entra's provisioning, with `client_secret_basic` or `client_secret_post`
 * (§2.3.1), or, where the client is configured for it, Entra's workload-identity assertion
 * (RFC 7523 `client_assertion`) instead of a secret. A token is answered as §5.1 says, a refusal
 * with one of §5.2's codes; two answers are not §5.2's and say "retry later" (see `RetryLater`).
 *
 * `scope` is accepted and ignored: an access token grants the SCIM API of this tenant, nothing
 * more or less, whatever Entra asks for (`scim` for workload identity).
 */
import { createHash } from 'node:crypto';
import {
  base64url,
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { rememberAssertion, type UsedAssertion } from '../store/assertions.js';
import type { Credential, CredentialRegistry, WorkloadIdentity } from './registry.js';
import { matchSecret } from './registry.js';
import type { TokenSigner } from './signer.js';
import { signAccessToken } from './tokens.js';
import { isRemoteKeyFetchFailure } from './verification-keys.js';

/** RFC 7523 §2.2's assertion type. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Failed attempts per client within `FAILURE_WINDOW_MS` before the endpoint answers 429. */
export const MAX_FAILED_ATTEMPTS = 10;
export const FAILURE_WINDOW_MS = 5 * 60 * 1000;
/**
 * Failed attempts for unknown clients per source address per instance within the window, before
 * that address's further unknown clients answer 429. A known client is never refused by it.
 */
export const MAX_FAILED_PER_ADDRESS = 30;
const CLOCK_TOLERANCE_SECONDS = 30;
/**
 * Longest assertion accepted (`exp - iat` and `exp - nbf`, seconds). Entra's assertion is one of
 * its access tokens, whose default lifetime is "a random value ranging between 60-90 minutes"
 * (learn.microsoft.com/entra/identity-platform/access-tokens#token-lifetime); Microsoft's own
 * example assertion lives 65 minutes (AzureAD/SCIMReferenceCode,
 * Workload-Identity-Federation-for-SCIM-Provisioning.md). A one-hour cap would refuse most of
 * them, so the cap is Entra's longest default: an assertion minted to last is still refused.
 */
export const MAX_ASSERTION_LIFETIME_SECONDS = 90 * 60;

export interface TokenRequest {
  readonly method: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
  readonly sourceIp: string;
}

export interface TokenResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What the request log records of a token request: never a secret or an assertion. */
export interface TokenOutcome {
  readonly response: TokenResponse;
  readonly error?: string;
  readonly clientId?: string;
  readonly method?: 'client_secret_basic' | 'client_secret_post' | 'client_assertion';
  /** Why, for the log only (the client reads the RFC error code). */
  readonly reason?: string;
}

export interface TokenEndpointOptions {
  readonly tenant: string;
  readonly registry: Pick<CredentialRegistry, 'get' | 'touch' | 'recordFailure'>;
  readonly signer: () => TokenSigner;
  /** Entra's login host, where assertion keys are fetched (a local JWKS server in tests). */
  readonly entraAuthority?: string;
  /**
   * Remembers an assertion until it expires: `false` when it was already used (the table by
   * default, `shared/store/assertions.ts`).
   */
  readonly rememberAssertion?: (used: UsedAssertion, nowSeconds: number) => Promise<boolean>;
  readonly now?: () => number;
}

/** RFC 6749 §5.2's codes this endpoint answers (400, or 401 for `invalid_client`). */
type RefusalCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type';

/**
 * "Retry later", which §5.2 has no code for. Both are registered OAuth error codes (RFC 6749
 * §8.5 lets a token endpoint answer registered extension codes) and keep their HTTP status and
 * `Retry-After`, which is what a client acts on:
 * - `slow_down` (429): RFC 8628 §3.5's, registered for token endpoint responses; here a client,
 *   or an address sending unknown clients, failed too often within the window;
 * - `temporarily_unavailable` (503): RFC 6749 §4.1.2.1's (authorization endpoint), which
 *   Microsoft's own token endpoint also answers ("The server is temporarily too busy",
 *   learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow, token endpoint
 *   errors); here Entra's assertion keys cannot be fetched.
 */
type RetryLater = 'slow_down' | 'temporarily_unavailable';

type OAuthError = RefusalCode | RetryLater;

class TokenError extends Error {
  constructor(
    readonly error: OAuthError,
    readonly description: string,
    /** Log-only detail. */
    readonly reason: string = description,
  ) {
    super(description);
  }
}

/**
 * Builds the endpoint of one tenant.
 *
 * @example
 * const endpoint = createTokenEndpoint({ tenant, registry: tenantRegistry(), signer: tenantSigner });
 * const { response } = await endpoint({ method: 'POST', headers, body, sourceIp });
 */
export function createTokenEndpoint(options: TokenEndpointOptions) {
  const now = options.now ?? Date.now;
  const remember = options.rememberAssertion ?? ((used, at) => rememberAssertion(used, at));
  const authority = (options.entraAuthority ?? 'https://login.microsoftonline.com').replace(
    /\/$/,
    '',
  );
  const entraKeys = new Map<string, JWTVerifyGetKey>();
  const failuresByAddress = new Map<string, { count: number; since: number }>();

  const keysOf = (entraTenantId: string): JWTVerifyGetKey => {
    let keys = entraKeys.get(entraTenantId);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(`${authority}/${entraTenantId}/discovery/v2.0/keys`));
      entraKeys.set(entraTenantId, keys);
    }
    return keys;
  };

  const addressThrottled = (ip: string): boolean => {
    const entry = failuresByAddress.get(ip);
    if (!entry || now() - entry.since >= FAILURE_WINDOW_MS) return false;
    return entry.count >= MAX_FAILED_PER_ADDRESS;
  };
  const addressFailed = (ip: string): void => {
    const entry = failuresByAddress.get(ip);
    if (!entry || now() - entry.since >= FAILURE_WINDOW_MS) {
      if (failuresByAddress.size >= 10_000) failuresByAddress.clear();
      failuresByAddress.set(ip, { count: 1, since: now() });
    } else {
      entry.count += 1;
    }
  };

  return async (request: TokenRequest): Promise<TokenOutcome> => {
    let clientId: string | undefined;
    let method: TokenOutcome['method'];
    try {
      if (request.method !== 'POST') {
        throw new TokenError('invalid_request', 'The token endpoint accepts POST only.');
      }
      const params = formParameters(request);
      const grantType = params.get('grant_type');
      const auth = clientAuthentication(request.headers.authorization, params);
      clientId = auth.clientId;
      method = auth.method;
      if (grantType === undefined) {
        throw new TokenError('invalid_request', 'The grant_type parameter is missing.');
      }
      if (grantType !== 'client_credentials') {
        throw new TokenError(
          'unsupported_grant_type',
          'Only the client_credentials grant is supported.',
        );
      }
      const client = await options.registry.get(auth.clientId);
      if (client?.kind !== 'oauth-client') {
        // Only unknown clients count against, and are refused by, the address: Entra's traffic
        // leaves from addresses shared by every customer, so another tenant's misconfigured app
        // must not lock a known client out (issue 21). A known client has its own throttle below.
        if (addressThrottled(request.sourceIp)) {
          throw new TokenError(
            'slow_down',
            'Too many failed attempts; retry later.',
            'address throttled: unknown client',
          );
        }
        addressFailed(request.sourceIp);
        throw new TokenError('invalid_client', 'Client authentication failed.', 'unknown client');
      }
      // Throttled or not, the right secret or assertion gets its token: the secrets carry 256
      // random bits, so the throttle guards against no guessing, and anyone who knows a client id
      // could otherwise lock Entra out by sending wrong secrets. Once throttled, a failure costs
      // no more registry write and answers 429.
      const throttled = Boolean(
        client.failedWindowStart &&
          now() - Date.parse(client.failedWindowStart) < FAILURE_WINDOW_MS &&
          (client.failedAttempts ?? 0) >= MAX_FAILED_ATTEMPTS,
      );
      const secretId = await authenticate(client, auth, throttled);
      const { accessToken, expiresIn } = await signAccessToken(options.signer(), {
        tenant: options.tenant,
        clientId: client.id,
        secretId,
        lifetimeSeconds: client.accessTokenSeconds ?? 3_600,
      });
      await options.registry.touch(client).catch(() => undefined);
      return {
        clientId,
        method,
        response: json(200, {
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: expiresIn,
        }),
      };
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      return {
        clientId,
        method,
        error: error.error,
        reason: error.reason,
        response: errorResponse(error),
      };
    }
  };

  /** The secret's id, or `wif`: the client is who it says, or a `TokenError`. */
  async function authenticate(
    client: Credential,
    auth: ClientAuthentication,
    throttled: boolean,
  ): Promise<string> {
    if (client.revokedAt) {
      throw new TokenError('invalid_client', 'Client authentication failed.', 'revoked client');
    }
    if (auth.method === 'client_assertion') {
      if (!client.workloadIdentity) {
        await failed(client, 'no workload identity configured', throttled);
      }
      await verifyAssertion(auth.assertion, client.workloadIdentity!, client, throttled);
      return 'wif';
    }
    const secret = matchSecret(client, auth.secret, now());
    if (!secret) await failed(client, 'wrong, expired or revoked secret', throttled);
    return secret!.id;
  }

  async function failed(client: Credential, reason: string, throttled = false): Promise<never> {
    if (throttled) {
      throw new TokenError(
        'slow_down',
        'Too many failed attempts; retry later.',
        `client throttled: ${reason}`,
      );
    }
    await options.registry.recordFailure(client.id, FAILURE_WINDOW_MS);
    throw new TokenError('invalid_client', 'Client authentication failed.', reason);
  }

  async function verifyAssertion(
    assertion: string,
    identity: WorkloadIdentity,
    client: Credential,
    throttled: boolean,
  ): Promise<void> {
    if (!identity.audience) {
      // Set up before the audience was required: any Entra token for the subject would do.
      return failed(client, 'workload identity without audience', throttled);
    }
    const issuer = `https://login.microsoftonline.com/${identity.entraTenantId}/v2.0`;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, keysOf(identity.entraTenantId), {
        algorithms: ['RS256'],
        issuer,
        audience: assertionAudiences(identity.audience),
        subject: identity.subject,
        requiredClaims: ['exp', 'iat', 'sub', 'aud'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      if (isRemoteKeyFetchFailure(error)) {
        throw new TokenError(
          'temporarily_unavailable',
          "The Entra tenant's signing keys cannot be fetched; retry later.",
          'Entra assertion keys unavailable',
        );
      }
      return failed(client, `assertion refused: ${(error as Error).name}`, throttled);
    }
    const nowSeconds = Math.floor(now() / 1000);
    const iat = payload.iat as number;
    const exp = payload.exp as number;
    const nbf = typeof payload.nbf === 'number' ? payload.nbf : iat;
    if (payload.tid !== undefined && payload.tid !== identity.entraTenantId) {
      return failed(client, 'assertion claims refused: tid', throttled);
    }
    if (iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) {
      return failed(client, 'assertion claims refused: iat in the future', throttled);
    }
    if (exp - iat > MAX_ASSERTION_LIFETIME_SECONDS || exp - nbf > MAX_ASSERTION_LIFETIME_SECONDS) {
      return failed(client, 'assertion claims refused: lifetime', throttled);
    }
    // RFC 7523 §3.2: an assertion that fails client authentication, a replay included, is
    // `invalid_client` (§3.1's `invalid_grant` is for assertions used as authorization grants).
    const first = await remember(
      {
        issuer,
        identifier: assertionIdentifier(assertion, payload),
        clientId: client.id,
        expiresAt: exp + CLOCK_TOLERANCE_SECONDS,
        usedAt: new Date(now()).toISOString(),
      },
      nowSeconds,
    );
    if (!first) await failed(client, 'assertion replayed', throttled);
  }
}

/**
 * The audiences an assertion may carry for a configured one, whichever of Microsoft's two forms
 * the operator copied: the portal shows `api://{appid}/.default`, while the assertion Entra issues
 * carries `api://{appid}` (AzureAD/SCIMReferenceCode, Workload-Identity-Federation-for-SCIM-
 * Provisioning.md: the portal's table, then the token's claims). Both are accepted in the token.
 *
 * @example assertionAudiences('api://b5ba/.default') // ['api://b5ba', 'api://b5ba/.default']
 */
export function assertionAudiences(configured: string): string[] {
  const base = configured.trim().replace(/\/\.default$/i, '');
  return [base, `${base}/.default`];
}

/**
 * What identifies one assertion for the replay guard: its `jti` (RFC 7519), or `uti`, which
 * Microsoft's tokens carry instead ("Token identifier claim, equivalent to jti in the JWT
 * specification", learn.microsoft.com/entra/identity-platform/access-tokens), or, when it has
 * neither, a digest of its signature's bytes (decoded, so no other spelling of the same token
 * escapes it; RS256 signatures are deterministic, so no other signature covers the same claims).
 */
export function assertionIdentifier(assertion: string, payload: JWTPayload): string {
  if (typeof payload.jti === 'string' && payload.jti !== '') return `jti:${payload.jti}`;
  const uti = (payload as { uti?: unknown }).uti;
  if (typeof uti === 'string' && uti !== '') return `uti:${uti}`;
  const signature = base64url.decode(assertion.split('.')[2] ?? '');
  return `sig:${createHash('sha256').update(signature).digest('base64url')}`;
}

interface SecretAuthentication {
  readonly method: 'client_secret_basic' | 'client_secret_post';
  readonly clientId: string;
  readonly secret: string;
}
interface AssertionAuthentication {
  readonly method: 'client_assertion';
  readonly clientId: string;
  readonly assertion: string;
}
type ClientAuthentication = SecretAuthentication | AssertionAuthentication;

/**
 * The one authentication method the client used (RFC 6749 §2.3: never more than one). A missing
 * one is `invalid_client`; two, or a malformed one, `invalid_request`.
 */
function clientAuthentication(
  authorization: string | undefined,
  params: ReadonlyMap<string, string>,
): ClientAuthentication {
  const basic = authorization?.match(/^Basic\s+([A-Za-z0-9+/=_-]*)\s*$/i);
  const usesAssertion = params.has('client_assertion') || params.has('client_assertion_type');
  const usesPostSecret = params.has('client_secret');
  const methods = [authorization !== undefined, usesAssertion, usesPostSecret].filter(Boolean);
  if (methods.length > 1) {
    throw new TokenError('invalid_request', 'Use exactly one client authentication method.');
  }
  if (authorization !== undefined) {
    if (!basic) {
      throw new TokenError('invalid_client', 'Client authentication failed.', 'not Basic');
    }
    const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new TokenError('invalid_request', 'The Basic credentials are malformed.');
    }
    // §2.3.1: both are form-urlencoded before Basic encoding.
    const clientId = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    const bodyClientId = params.get('client_id');
    if (bodyClientId !== undefined && bodyClientId !== clientId) {
      throw new TokenError('invalid_request', 'client_id differs from the Basic credentials.');
    }
    if (!clientId || !secret) {
      throw new TokenError('invalid_client', 'Client authentication failed.', 'empty Basic part');
    }
    return { method: 'client_secret_basic', clientId, secret };
  }
  const clientId = params.get('client_id');
  if (usesAssertion) {
    const type = params.get('client_assertion_type');
    const assertion = params.get('client_assertion');
    if (type !== JWT_BEARER_ASSERTION || !assertion || !clientId) {
      throw new TokenError(
        'invalid_request',
        `client_assertion needs client_id and client_assertion_type ${JWT_BEARER_ASSERTION}.`,
      );
    }
    return { method: 'client_assertion', clientId, assertion };
  }
  if (usesPostSecret) {
    const secret = params.get('client_secret');
    if (!clientId) throw new TokenError('invalid_request', 'The client_id parameter is missing.');
    if (!secret) {
      throw new TokenError('invalid_client', 'Client authentication failed.', 'empty secret');
    }
    return { method: 'client_secret_post', clientId, secret };
  }
  throw new TokenError(
    'invalid_client',
    'Client authentication failed.',
    'no client authentication',
  );
}

/**
 * The form body (§3.2: `application/x-www-form-urlencoded`, no parameter twice). An empty value
 * counts as absent (§3.1).
 */
function formParameters(request: TokenRequest): Map<string, string> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new TokenError(
      'invalid_request',
      'The request body must be application/x-www-form-urlencoded.',
    );
  }
  const seen = new Set<string>();
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(request.body ?? '')) {
    if (seen.has(name)) {
      throw new TokenError('invalid_request', `The ${name} parameter is repeated.`);
    }
    seen.add(name);
    if (value !== '') params.set(name, value);
  }
  return params;
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new TokenError('invalid_request', 'The Basic credentials are malformed.');
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): TokenResponse {
  return {
    status,
    // §5.1: token answers must not be cached.
    headers: {
      'content-type': 'application/json;charset=UTF-8',
      'cache-control': 'no-store',
      pragma: 'no-cache',
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

/**
 * §5.2: 400 with the error code; `invalid_client` 401 with `WWW-Authenticate`. The two "retry
 * later" answers (`RetryLater`) keep 429 and 503 with `Retry-After`.
 */
function errorResponse(error: TokenError): TokenResponse {
  const body = { error: error.error, error_description: error.description };
  switch (error.error) {
    case 'invalid_client':
      // §5.2 asks for the scheme the client used; HTTP asks every 401 for a challenge.
      return json(401, body, { 'www-authenticate': 'Basic realm="grouptalk-scim"' });
    case 'slow_down':
      return json(429, body, { 'retry-after': String(FAILURE_WINDOW_MS / 1000) });
    case 'temporarily_unavailable':
      return json(503, body, { 'retry-after': '30' });
    default:
      return json(400, body);
  }
}
