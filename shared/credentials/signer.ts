/**
 * Who signs the service's tokens (Secret Tokens, OAuth access tokens): ES256 through a signer
 * whose private key the service never holds in AWS (KMS, `kms-signer.ts`) and a local key for
 * `npm start` and the tests. Both sign JWS signing inputs and answer the JWS form (`r||s`).
 */
import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import type { JWK } from 'jose';

/** An ES256 signer: the key's `kid`, and a signature in JWS form (64 bytes, `r||s`). */
export interface TokenSigner {
  readonly keyId: string;
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

/** The ES256 coordinate size in bytes (P-256). */
const P256_BYTES = 32;

/**
 * Converts an ASN.1 DER ECDSA signature (`SEQUENCE { INTEGER r, INTEGER s }`, what KMS and
 * OpenSSL produce) to the fixed-size `r||s` form JWS requires (RFC 7518 §3.4). DER integers are
 * signed and minimal: a leading 0x00 is dropped, a short one is left-padded.
 *
 * @example derToJose(kmsSignature) // Uint8Array(64)
 */
export function derToJose(der: Uint8Array, size = P256_BYTES): Uint8Array {
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`not a DER ECDSA signature: ${why}`);
  };
  const byte = () => (at < der.length ? (der[at++] as number) : fail('truncated'));
  const length = () => {
    const first = byte();
    if (first < 0x80) return first;
    const count = first & 0x7f;
    if (count === 0 || count > 2) fail('bad length');
    let value = 0;
    for (let i = 0; i < count; i++) value = (value << 8) | byte();
    return value;
  };
  if (byte() !== 0x30) fail('no SEQUENCE');
  if (length() !== der.length - at) fail('SEQUENCE length');
  const out = new Uint8Array(size * 2);
  for (const half of [0, 1]) {
    if (byte() !== 0x02) fail('no INTEGER');
    const n = length();
    if (n === 0 || at + n > der.length) fail('INTEGER length');
    let value = der.subarray(at, at + n);
    at += n;
    while (value.length > 1 && value[0] === 0) value = value.subarray(1);
    if (value.length > size) fail('INTEGER too large');
    out.set(value, half * size + size - value.length);
  }
  if (at !== der.length) fail('trailing bytes');
  return out;
}

/**
 * A signer over a local P-256 private key (a JWK with `d` and `kid`): `npm start` and the tests.
 *
 * @example const signer = createLocalSigner(await generateSigningKey());
 */
export function createLocalSigner(privateJwk: JWK): TokenSigner {
  if (!privateJwk.kid || !privateJwk.d) throw new Error('the signing key needs a kid and a d');
  const key: KeyObject = createPrivateKey({ key: privateJwk as never, format: 'jwk' });
  return {
    keyId: privateJwk.kid,
    sign: async (signingInput) =>
      new Uint8Array(sign('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' })),
  };
}

/**
 * Signs a JWT with ES256 through `signer`: the header names the signer's `kid`.
 *
 * @example await signJwt(signer, { jti, tenant, iat }, { typ: 'at+jwt' })
 */
export async function signJwt(
  signer: TokenSigner,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ typ: 'JWT', ...header, alg: 'ES256', kid: signer.keyId })}.${encode(payload)}`;
  const signature = await signer.sign(Buffer.from(signingInput, 'ascii'));
  if (signature.length !== P256_BYTES * 2) throw new Error('the signer did not answer r||s');
  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
}
