/**
 * The Secret Tokens an administrator pastes into Entra: ES256 JWTs signed by the operator's private
 * key and verified by the functions with the public keys of the tenant's configuration (see
 * `shared/http/auth.ts`). Pure helpers: the CLI (`infra/cli/token.ts`), `npm start` and the tests
 * decide where keys are kept.
 */
import { randomUUID } from 'node:crypto';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  SignJWT,
} from 'jose';
import { TOKEN_ISSUER, tokenAudience } from '../shared/config.js';

const ALGORITHM = 'ES256';

/** A private signing key as a JWK; `kid` names it in token headers and in the public JWKS. */
export interface SigningKey extends JWK {
  readonly kid: string;
  readonly d: string;
}

/**
 * Generates an ES256 key pair. The `kid` is the one given (the CLI names keys `<tenant>-<random>`)
 * or else the key's RFC 7638 thumbprint.
 */
export async function generateSigningKey(options: { kid?: string } = {}): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const { kty, crv, x, y, d } = await exportJWK(privateKey);
  if (!d) throw new Error('the generated key has no private part');
  const kid = options.kid ?? (await calculateJwkThumbprint({ kty, crv, x, y }));
  return { kty, crv, x, y, d, kid, alg: ALGORITHM, use: 'sig' };
}

export interface IssueOptions {
  readonly tenant: string;
  /**
   * Lifetime such as `90d` or `12h` (jose's time span syntax). Undefined issues a token that never
   * expires: Entra stores the Secret Token once and has no way to refresh it, so revocation (by
   * `jti`) is how such a token ends.
   */
  readonly expiresIn?: string | undefined;
  /** Token id; a random UUID when omitted. */
  readonly jti?: string;
}

/** Signs a Secret Token for `tenant` with the private key. */
export async function issueToken(privateJwk: JWK, options: IssueOptions): Promise<string> {
  if (!privateJwk.kid) throw new Error('the signing key has no kid');
  const key = await importJWK({ ...privateJwk, alg: ALGORITHM }, ALGORITHM);
  const jwt = new SignJWT({ tenant: options.tenant })
    .setProtectedHeader({ alg: ALGORITHM, kid: privateJwk.kid, typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(tokenAudience(options.tenant))
    .setJti(options.jti ?? randomUUID())
    .setIssuedAt();
  if (options.expiresIn !== undefined) jwt.setExpirationTime(options.expiresIn);
  return jwt.sign(key);
}

/** The private members of a JWK (EC, RSA and symmetric): never part of a public JWKS. */
const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

/** The public JWKS (`{"keys":[…]}`) for the tenant configuration: private members removed. */
export function publicJwks(keys: readonly JWK[]): { keys: JWK[] } {
  return {
    keys: keys.map(
      (key) =>
        Object.fromEntries(
          Object.entries(key).filter(([name]) => !PRIVATE_MEMBERS.has(name)),
        ) as JWK,
    ),
  };
}
