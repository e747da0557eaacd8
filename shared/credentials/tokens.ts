/**
 * The service's own tokens, signed through a `TokenSigner` (KMS in AWS, a local key otherwise):
 * - a Secret Token: `jti` is its credential's id in the registry; no `exp` unless asked for
 *   (Entra stores it once and cannot renew it; revocation in the registry ends it);
 * - an OAuth access token (`typ: at+jwt`, RFC 9068's shape): `cid` is the client's credential id,
 *   `sid` the secret (or `wif`) it was obtained with, `exp` 1 to 6 hours.
 * Both carry the tenant (`aud` and `tenant`) and `iat`, which the tenant's cut-off compares.
 */
import { randomUUID } from 'node:crypto';
import { TOKEN_ISSUER, tokenAudience } from '../config.js';
import type { CreateSecretTokenInput, Credential, CredentialRegistry } from './registry.js';
import { signJwt, type TokenSigner } from './signer.js';

/** The JOSE `typ` of access tokens: a Secret Token can never pass for one, nor the reverse. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface SecretTokenOptions {
  readonly tenant: string;
  /** The registry id of the credential; becomes the token's `jti`. */
  readonly credentialId: string;
  /** Expiry in seconds since the epoch; none when undefined. */
  readonly expiresAt?: number;
  readonly issuer?: string;
}

/** Signs a Secret Token for a credential already in the registry. */
export function signSecretToken(signer: TokenSigner, options: SecretTokenOptions): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return signJwt(signer, {
    iss: options.issuer ?? TOKEN_ISSUER,
    aud: tokenAudience(options.tenant),
    tenant: options.tenant,
    jti: options.credentialId,
    iat,
    ...(options.expiresAt === undefined ? {} : { exp: options.expiresAt }),
  });
}

/**
 * Registers a Secret Token in the registry and signs it: the one way to mint a token the service
 * accepts. The token is returned once; only its id is stored.
 *
 * @example
 * const { token, credential } = await issueSecretToken(registry, signer, {
 *   tenant: 'acme', createdBy: 'operator@example.com' });
 */
export async function issueSecretToken(
  registry: Pick<CredentialRegistry, 'createSecretToken'>,
  signer: TokenSigner,
  options: { tenant: string } & Omit<CreateSecretTokenInput, 'keyId'>,
): Promise<{ token: string; credential: Credential }> {
  const { tenant, ...input } = options;
  const credential = await registry.createSecretToken({ ...input, keyId: signer.keyId });
  const expiresAt = credential.expiresAt
    ? Math.floor(Date.parse(credential.expiresAt) / 1000)
    : undefined;
  const token = await signSecretToken(signer, {
    tenant,
    credentialId: credential.id,
    ...(expiresAt === undefined ? {} : { expiresAt }),
  });
  return { token, credential };
}

export interface AccessTokenOptions {
  readonly tenant: string;
  readonly clientId: string;
  /** The secret's id, or `wif` for a workload-identity assertion. */
  readonly secretId: string;
  readonly lifetimeSeconds: number;
  readonly issuer?: string;
}

/** Signs an OAuth access token; answers it with its lifetime (`expires_in`). */
export async function signAccessToken(
  signer: TokenSigner,
  options: AccessTokenOptions,
): Promise<{ accessToken: string; expiresIn: number }> {
  const iat = Math.floor(Date.now() / 1000);
  const accessToken = await signJwt(
    signer,
    {
      iss: options.issuer ?? TOKEN_ISSUER,
      aud: tokenAudience(options.tenant),
      tenant: options.tenant,
      sub: options.clientId,
      client_id: options.clientId,
      cid: options.clientId,
      sid: options.secretId,
      jti: randomUUID(),
      iat,
      exp: iat + options.lifetimeSeconds,
    },
    { typ: ACCESS_TOKEN_TYP },
  );
  return { accessToken, expiresIn: options.lifetimeSeconds };
}
