import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { type AuthConfig, tokenAudience } from '../config.js';
import { UnauthorizedError } from '../scim/errors.js';
import { logger } from './logger.js';

/** Entra's application id for every custom (non-gallery) SCIM app: the `aud` of its tokens. */
export const ENTRA_CUSTOM_APP_AUDIENCE = '8adf8e6e-67b2-4cf2-a259-e3dc5476c621';

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
  readonly kind: 'service-token' | 'entra-token';
  /** `jti` of a service token, `oid`/`sub` of an Entra token. */
  readonly tokenId: string;
}

export type BearerVerifier = (authorization: string | undefined) => Promise<Caller>;

/**
 * Builds the verifier for one tenant: the service's own ES256 tokens (Secret Tokens), and,
 * when the tenant enables it, RS256 tokens issued by its Entra tenant. Every failure is the same
 * `UnauthorizedError`, whatever the reason.
 *
 * @example
 * const verify = createBearerVerifier(readAuthConfig());
 * const caller = await verify(event.headers.authorization);
 */
export function createBearerVerifier(config: AuthConfig): BearerVerifier {
  const ownKeys = createLocalJWKSet(JSON.parse(config.publicKeys) as JSONWebKeySet);
  const entra = config.entraTenantId
    ? {
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

    // No `exp` required: Entra stores the Secret Token and cannot renew it, so the operator may
    // issue one that never expires (`npm run token`); revocation by `jti` ends it instead.
    const own = await verifyOrUndefined(token, ownKeys, {
      algorithms: ['ES256'],
      issuer: config.issuer,
      audience: tokenAudience(config.tenant),
    });
    if (own) {
      if (own.tenant !== config.tenant || typeof own.jti !== 'string') {
        throw new UnauthorizedError();
      }
      if (config.revokedTokenIds.has(own.jti)) throw new UnauthorizedError();
      return { kind: 'service-token', tokenId: own.jti };
    }

    if (entra) {
      const issued = await verifyOrUndefined(
        token,
        entra.keys,
        {
          algorithms: ['RS256'],
          issuer: entra.issuer,
          audience: ENTRA_CUSTOM_APP_AUDIENCE,
          // Entra's tokens live about an hour; one without `exp` would be valid forever.
          requiredClaims: ['exp'],
        },
        true,
      );
      if (issued && issued.tid === config.entraTenantId) {
        return { kind: 'entra-token', tokenId: String(issued.oid ?? issued.sub ?? 'unknown') };
      }
    }
    throw new UnauthorizedError();
  };
}

async function verifyOrUndefined(
  token: string,
  keys: JWTVerifyGetKey,
  options: { algorithms: string[]; issuer: string; audience: string; requiredClaims?: string[] },
  remoteKeys = false,
): Promise<(JWTPayload & Record<string, unknown>) | undefined> {
  try {
    const { payload } = await jwtVerify(token, keys, { ...options, clockTolerance: 30 });
    return payload as JWTPayload & Record<string, unknown>;
  } catch (error) {
    // Signature, claim, key-lookup and network failures all mean "not this kind of token"; an
    // unreachable key set is worth a line of its own, since every Entra token then fails.
    if (remoteKeys && isKeyFetchFailure(error)) {
      logger.warn('Entra signing keys could not be fetched', {
        errorName: (error as Error).name,
        errorCode: (error as { code?: string }).code,
      });
    }
    return undefined;
  }
}

function isKeyFetchFailure(error: unknown): boolean {
  if (!(error instanceof errors.JOSEError)) return true;
  return (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error.code === errors.JOSEError.code
  );
}
