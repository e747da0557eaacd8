import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { type AuthConfig, tokenAudience } from '../config.js';
import { UnauthorizedError } from '../scim/errors.js';

/** Entra's application id for every custom (non-gallery) SCIM app: the `aud` of its tokens. */
export const ENTRA_CUSTOM_APP_AUDIENCE = '8adf8e6e-67b2-4cf2-a259-e3dc5476c621';

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
          new URL(
            config.entraJwksUrl ??
              `https://login.microsoftonline.com/${config.entraTenantId}/discovery/v2.0/keys`,
          ),
        ),
      }
    : undefined;

  return async (authorization) => {
    const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/i.exec(
      authorization ?? '',
    );
    const token = match?.[1];
    if (!token) throw new UnauthorizedError();

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
      const issued = await verifyOrUndefined(token, entra.keys, {
        algorithms: ['RS256'],
        issuer: entra.issuer,
        audience: ENTRA_CUSTOM_APP_AUDIENCE,
      });
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
  options: { algorithms: string[]; issuer: string; audience: string },
): Promise<(JWTPayload & Record<string, unknown>) | undefined> {
  try {
    const { payload } = await jwtVerify(token, keys, { ...options, clockTolerance: 30 });
    return payload as JWTPayload & Record<string, unknown>;
  } catch {
    // Signature, claim, key-lookup and network failures all mean "not this kind of token".
    return undefined;
  }
}
