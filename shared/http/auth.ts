import { KMSClient } from '@aws-sdk/client-kms';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { type AuthConfig, assertEntraPinned, tokenAudience } from '../config.js';
import type { Credential, CredentialRegistry, TokenClaims } from '../credentials/registry.js';
import { ACCESS_TOKEN_TYP } from '../credentials/tokens.js';
import {
  createVerificationKeys,
  isRemoteKeyFetchFailure,
  KeySetUnavailableError,
} from '../credentials/verification-keys.js';
import { ServiceUnavailableError, UnauthorizedError } from '../scim/errors.js';
import { scimErrorOf } from '../service/errors.js';
import { logger } from './logger.js';

/** Entra's application id for every custom (non-gallery) SCIM app: the `aud` of its tokens. */
export const ENTRA_CUSTOM_APP_AUDIENCE = '8adf8e6e-67b2-4cf2-a259-e3dc5476c621';

/** Clock skew tolerated on `iat`, `nbf` and `exp` (seconds). */
export const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Longest lifetime of an Entra-issued token accepted (seconds). Entra's access tokens live 60 to
 * 90 minutes; a day leaves room for configured lifetimes, and refuses tokens minted to last.
 */
export const ENTRA_MAX_LIFETIME_SECONDS = 24 * 60 * 60;

/** Seconds a client is asked to wait when Entra's or KMS's keys cannot be fetched. */
const KEYS_RETRY_AFTER_SECONDS = 30;

/**
 * Where an Entra tenant publishes the keys of its v1 tokens (issuer `https://sts.windows.net/…/`,
 * which is what provisioning sends). Fetched on first use, then cached by jose (refetched at most
 * every 30 s when a token names an unknown `kid`, e.g. after Entra rolls its keys).
 */
export function entraJwksUrl(entraTenantId: string): string {
  return `https://login.microsoftonline.com/${entraTenantId}/discovery/keys`;
}

/** Who called: logged with every request (never the token itself). */
export interface Caller {
  readonly kind: 'service-token' | 'access-token' | 'entra-token';
  /**
   * The registry id of the credential (a Secret Token's `jti`, an OAuth client's id), or the
   * `oid`/`sub` of an Entra token.
   */
  readonly tokenId: string;
}

/**
 * A token that a key of GroupTalk's or of the tenant's Entra did sign, refused: its credential
 * revoked or deleted, the access token expired, an Entra token of another app of the tenant. The
 * same 401 as any other (the body says nothing of why), but the log line names the caller it
 * claimed, so the reports count it as that credential failing (most likely Entra's own), not as
 * a stranger without a credential (`shared/admin/reports/health.ts`).
 */
export class RefusedCredentialError extends UnauthorizedError {
  constructor(readonly caller: Caller) {
    super();
  }
}

export type BearerVerifier = (authorization: string | undefined) => Promise<Caller>;

/** What the verifier needs of the registry (the cached allow-list and last-used dates). */
export type CredentialCheck = Pick<CredentialRegistry, 'activeCredential' | 'touch'>;

export interface VerifierDependencies {
  /** The tenant's registry: a token is accepted only while its credential is active. */
  readonly registry: CredentialCheck;
  /** The keys of the service's own tokens; built from `config` when omitted. */
  readonly keys?: JWTVerifyGetKey;
}

/**
 * Builds the verifier for one tenant: the service's own ES256 tokens (Secret Tokens and OAuth
 * access tokens), accepted only while their credential is active in the registry, and, when the
 * tenant enables it, RS256 tokens its Entra tenant issued to the provisioning service. Every
 * refusal is the same `UnauthorizedError`; a key set that cannot be fetched is a 503.
 *
 * @example
 * const verify = createBearerVerifier(readAuthConfig(), { registry: tenantRegistry() });
 * const caller = await verify(event.headers.authorization);
 */
export function createBearerVerifier(
  config: AuthConfig,
  dependencies: VerifierDependencies,
): BearerVerifier {
  const { registry } = dependencies;
  // A configuration built without readAuthConfig is held to the same rule.
  assertEntraPinned(config);
  const ownKeys =
    dependencies.keys ??
    createVerificationKeys({
      jwks: JSON.parse(config.publicKeys) as JSONWebKeySet,
      kmsKeyIds: config.kmsKeyIds,
      kms: () => new KMSClient({}),
    });
  const entra = config.entraTenantId
    ? {
        tenantId: config.entraTenantId,
        issuer: `https://sts.windows.net/${config.entraTenantId}/`,
        keys: createRemoteJWKSet(
          new URL(config.entraJwksUrl ?? entraJwksUrl(config.entraTenantId)),
        ),
      }
    : undefined;

  return async (authorization) => {
    const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/i.exec(
      authorization ?? '',
    );
    const token = match?.[1];
    if (!token) throw new UnauthorizedError();
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new UnauthorizedError();
    }

    if (alg === 'ES256') {
      const claims = await verifyOwn(token, ownKeys, config);
      let credential: Credential | undefined;
      try {
        credential = await registry.activeCredential(claims.check);
      } catch (error) {
        // DynamoDB throttled or unreachable: the SCIM answer to retry, as for any other read.
        throw scimErrorOf(error);
      }
      if (!credential) {
        throw new RefusedCredentialError({
          kind: claims.kind,
          tokenId: claims.check.credentialId,
        });
      }
      await recordUse(registry, credential);
      return { kind: claims.kind, tokenId: credential.id };
    }
    if (alg === 'RS256' && entra) {
      return verifyEntra(token, entra, config);
    }
    throw new UnauthorizedError();
  };
}

/** A service token's claims, checked: signature, issuer, audience, tenant, type, dates. */
async function verifyOwn(
  token: string,
  keys: JWTVerifyGetKey,
  config: AuthConfig,
): Promise<{ kind: Caller['kind']; check: TokenClaims }> {
  let payload: JWTPayload & Record<string, unknown>;
  let typ: string | undefined;
  try {
    // No `exp` required of a Secret Token: Entra stores it and cannot renew it; its credential
    // in the registry ends it instead.
    const verified = await jwtVerify(token, keys, {
      algorithms: ['ES256'],
      issuer: config.issuer,
      audience: tokenAudience(config.tenant),
      requiredClaims: ['iat', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    payload = verified.payload as JWTPayload & Record<string, unknown>;
    typ = verified.protectedHeader.typ;
  } catch (error) {
    if (error instanceof KeySetUnavailableError) {
      logger.error('token signing keys unavailable', { errorDetail: error.message });
      throw keysUnavailable();
    }
    // jose checks the signature, issuer and audience before the expiry: an expired token is ours.
    if (error instanceof joseErrors.JWTExpired && error.payload.tenant === config.tenant) {
      const cid = error.payload.cid;
      const jti = error.payload.jti;
      if (typeof cid === 'string') {
        throw new RefusedCredentialError({ kind: 'access-token', tokenId: cid });
      }
      if (typeof jti === 'string') {
        throw new RefusedCredentialError({ kind: 'service-token', tokenId: jti });
      }
    }
    throw new UnauthorizedError();
  }
  if (payload.tenant !== config.tenant || typeof payload.jti !== 'string') {
    throw new UnauthorizedError();
  }
  issuedInThePast(payload);
  const issuedAt = payload.iat as number;
  if (typ === ACCESS_TOKEN_TYP) {
    // An access token lives hours, names its client and the secret it was obtained with.
    if (
      typeof payload.exp !== 'number' ||
      typeof payload.cid !== 'string' ||
      typeof payload.sid !== 'string'
    ) {
      throw new UnauthorizedError();
    }
    // Only an OAuth client's: a Secret Token credential's id in `cid` names no client.
    return {
      kind: 'access-token',
      check: { credentialId: payload.cid, issuedAt, secretId: payload.sid, kind: 'oauth-client' },
    };
  }
  // A token carrying a client id without the access-token type is neither kind.
  if (payload.cid !== undefined) throw new UnauthorizedError();
  // Only a Secret Token credential's: an OAuth client's id as `jti` names no Secret Token.
  return {
    kind: 'service-token',
    check: { credentialId: payload.jti, issuedAt, kind: 'secret-token' },
  };
}

/**
 * An Entra-issued token, accepted only when it is the provisioning service's own: the tenant's
 * issuer and `tid`, the custom-app audience, app-only (no `scp`; `idtyp`, when present, `app`),
 * an expiry at most a day after issue, issued in the past, and the pinned `appid` and/or `oid`
 * (at least one is configured: `assertEntraPinned`).
 */
async function verifyEntra(
  token: string,
  entra: { tenantId: string; issuer: string; keys: JWTVerifyGetKey },
  config: AuthConfig,
): Promise<Caller> {
  let payload: JWTPayload & Record<string, unknown>;
  try {
    const verified = await jwtVerify(token, entra.keys, {
      algorithms: ['RS256'],
      issuer: entra.issuer,
      audience: ENTRA_CUSTOM_APP_AUDIENCE,
      requiredClaims: ['exp', 'iat'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    payload = verified.payload as JWTPayload & Record<string, unknown>;
  } catch (error) {
    if (isRemoteKeyFetchFailure(error)) {
      // Not the caller's fault: every Entra token fails until the key set is back. A 401 would
      // make Entra quarantine the job; a 503 makes it retry.
      logger.error('Entra signing keys unavailable', {
        errorName: (error as Error).name,
        errorCode: (error as { code?: string }).code,
      });
      throw keysUnavailable();
    }
    // Signed by Microsoft for this tenant's audience, but expired: the tenant's token.
    if (error instanceof joseErrors.JWTExpired && error.payload.tid === entra.tenantId) {
      throw new RefusedCredentialError(entraCaller(error.payload));
    }
    throw new UnauthorizedError();
  }
  issuedInThePast(payload);
  const lifetime =
    (payload.exp as number) - ((payload.nbf as number | undefined) ?? (payload.iat as number));
  const appId = payload.appid ?? payload.azp;
  if (
    payload.tid !== entra.tenantId ||
    payload.scp !== undefined ||
    (payload.idtyp !== undefined && payload.idtyp !== 'app') ||
    lifetime > ENTRA_MAX_LIFETIME_SECONDS ||
    (config.entraAppId !== undefined && appId !== config.entraAppId) ||
    (config.entraObjectId !== undefined && payload.oid !== config.entraObjectId)
  ) {
    // The tenant's own Entra signed it (another app, a delegated token): someone there holds it.
    if (payload.tid === entra.tenantId) throw new RefusedCredentialError(entraCaller(payload));
    throw new UnauthorizedError();
  }
  return entraCaller(payload);
}

function entraCaller(payload: JWTPayload): Caller {
  return { kind: 'entra-token', tokenId: String(payload.oid ?? payload.sub ?? 'unknown') };
}

/** `iat` in the future beyond the tolerance: a token minted ahead, or a wrong clock. */
function issuedInThePast(payload: JWTPayload): void {
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.iat !== 'number' || payload.iat > now + CLOCK_TOLERANCE_SECONDS) {
    throw new UnauthorizedError();
  }
}

/** Updates the credential's last-used date (once a minute at most); a failure never refuses the call. */
async function recordUse(registry: CredentialCheck, credential: Credential): Promise<void> {
  try {
    await registry.touch(credential);
  } catch (error) {
    logger.warn('credential last-used date not written', {
      credentialId: credential.id,
      errorName: (error as Error).name,
    });
  }
}

function keysUnavailable(): ServiceUnavailableError {
  return new ServiceUnavailableError(
    'Token signing keys are unavailable; retry later.',
    KEYS_RETRY_AFTER_SECONDS,
    503,
  );
}
