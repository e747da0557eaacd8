/**
 * Entra for fuzzing: the tenant settings that turn on Entra-issued tokens (`ENTRA_TENANT_ID`, its
 * key set, the pinned `appid`/`oid`) and the RSA keys that sign them, with a local stand-in for
 * the tenant's key set (`test/support/jwks-server.ts`). The handlers read these settings when the
 * first request builds the bearer verifier, so they are set before any request of the process.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { type JwksServer, startJwksServer } from '../support/jwks-server.js';

/** An RSA signing key and the `kid` it is published (or not) under. */
export interface EntraSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

export interface EntraSettings {
  readonly tenantId: string;
  readonly appId: string;
  readonly objectId: string;
  /** Whether the key set answers; when it does not, every RS256 token must get a 503. */
  readonly keySet: 'reachable' | 'unreachable';
  /** Published in the key set: the current key, and a second one as during a key rollover. */
  readonly current: EntraSigningKey;
  readonly rollover: EntraSigningKey;
  /** Not published: a forger's key. */
  readonly rogue: EntraSigningKey;
}

export const FUZZ_ENTRA_TENANT_ID = '3c0b6a52-9d1e-4f70-a8b3-5e2d7c9f1a04';
export const FUZZ_ENTRA_APP_ID = '00000014-0000-0000-c000-000000000000';
export const FUZZ_ENTRA_OBJECT_ID = 'c1d2e3f4-0000-4000-8000-00000000f022';

function rsaKey(kid: string): { key: EntraSigningKey; jwk: JWK } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    key: { kid, privateKey },
    jwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' },
  };
}

/**
 * Starts the key set (or, for `unreachable`, a port nothing listens on) and sets the tenant's
 * Entra variables in `process.env`.
 */
export async function startEntraKeySet(
  keySet: EntraSettings['keySet'],
): Promise<{ settings: EntraSettings; stop(): Promise<void> }> {
  const current = rsaKey('fuzz-entra-1');
  const rollover = rsaKey('fuzz-entra-2');
  const rogue = rsaKey('fuzz-entra-rogue');
  let server: JwksServer | undefined = await startJwksServer([current.jwk, rollover.jwk]);
  const url = server.url;
  if (keySet === 'unreachable') {
    await server.close();
    server = undefined;
  }
  Object.assign(process.env, {
    ENTRA_TENANT_ID: FUZZ_ENTRA_TENANT_ID,
    ENTRA_JWKS_URL: url,
    ENTRA_APP_ID: FUZZ_ENTRA_APP_ID,
    ENTRA_OBJECT_ID: FUZZ_ENTRA_OBJECT_ID,
  });
  return {
    settings: {
      tenantId: FUZZ_ENTRA_TENANT_ID,
      appId: FUZZ_ENTRA_APP_ID,
      objectId: FUZZ_ENTRA_OBJECT_ID,
      keySet,
      current: current.key,
      rollover: rollover.key,
      rogue: rogue.key,
    },
    stop: async () => server?.close(),
  };
}
