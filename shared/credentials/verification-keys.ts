/**
 * The public keys that verify the service's own tokens: a configured JWKS (the local key, keys of
 * tokens issued before the move to KMS) and KMS keys, whose public keys are fetched once per
 * function instance with `GetPublicKey` and kept (a KMS key's public key never changes).
 *
 * Rotation: a new KMS key is listed first and signs; the old one stays listed, and so keeps
 * verifying, until nothing it signed is still in use (access tokens: 6 hours at most; Secret
 * Tokens: until each is revoked or replaced; `npm run token -- list` shows the key of each).
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import {
  createLocalJWKSet,
  errors,
  importJWK,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { kmsKeyId, kmsPublicJwk } from './kms-signer.js';

/** The KMS key set could not be read: a retryable outage, not a bad token. */
export class KeySetUnavailableError extends Error {
  override readonly name = 'KeySetUnavailableError';
}

export interface VerificationKeyOptions {
  /** Configured public keys (`{"keys":[…]}`). */
  readonly jwks: JSONWebKeySet;
  /** KMS key ids or ARNs whose public keys verify too. */
  readonly kmsKeyIds?: readonly string[];
  /** The KMS client, built on first use (none is needed without KMS keys). */
  readonly kms?: () => KMSClient;
}

/**
 * A jose key resolver over both sources: the token's `kid` picks the key; an unknown `kid` is
 * jose's "no matching key" (a 401), a KMS failure `KeySetUnavailableError` (a 503).
 *
 * @example jwtVerify(token, createVerificationKeys({ jwks, kmsKeyIds, kms: () => new KMSClient({}) }))
 */
export function createVerificationKeys(options: VerificationKeyOptions): JWTVerifyGetKey {
  const configured = createLocalJWKSet(options.jwks);
  const kmsKeys = new Map((options.kmsKeyIds ?? []).map((id) => [kmsKeyId(id), id]));
  const fetched = new Map<string, ReturnType<typeof importJWK>>();
  let kms: KMSClient | undefined;

  return async (header, token) => {
    const kmsKey = header.kid === undefined ? undefined : kmsKeys.get(header.kid);
    if (kmsKey === undefined || header.alg !== 'ES256') return configured(header, token);
    let key = fetched.get(kmsKey);
    if (!key) {
      kms ??= options.kms?.();
      if (!kms) throw new KeySetUnavailableError('no KMS client configured');
      key = kmsPublicJwk(kms, kmsKey).then((jwk) => importJWK(jwk, 'ES256'));
      // A failed fetch is tried again by the next token, not remembered.
      key.catch(() => fetched.delete(kmsKey));
      fetched.set(kmsKey, key);
    }
    try {
      return await key;
    } catch (error) {
      throw new KeySetUnavailableError(`KMS public key ${header.kid}: ${(error as Error).name}`);
    }
  };
}

/**
 * Whether jose failed to fetch or read a remote key set (an outage: retry), rather than finding
 * the token bad (no matching key, bad signature, bad claims).
 */
export function isRemoteKeyFetchFailure(error: unknown): boolean {
  if (!(error instanceof errors.JOSEError)) return true;
  return (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error.code === errors.JOSEError.code
  );
}
