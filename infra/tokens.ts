/**
 * Local signing keys and the Secret Tokens they sign: ES256 JWTs verified by the functions with
 * configured public keys (see `shared/http/auth.ts`) and accepted only while their `jti` is an
 * active credential of the tenant's registry. In AWS the key lives in KMS
 * (`shared/credentials/kms-signer.ts`); these local keys serve `npm start`, the tests, the
 * benchmark and the fuzzer, and verify tokens issued before the move to KMS.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  SignJWT,
} from 'jose';
import { TOKEN_ISSUER, tokenAudience } from '../shared/config.js';
import { type Credential, createCredentialRegistry } from '../shared/credentials/registry.js';
import { createLocalSigner } from '../shared/credentials/signer.js';
import { issueSecretToken } from '../shared/credentials/tokens.js';

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

/**
 * Signs a Secret Token for `tenant` with the private key. The token is not registered: the service
 * refuses it until its `jti` is an active credential (see `issueRegisteredToken`).
 */
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

/** A DynamoDB document client for a local endpoint (DynamoDB Local accepts any credentials). */
export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}

/**
 * Registers a Secret Token in a local table's registry and signs it with a local key: what
 * `npm start`, the benchmark and the fuzzer give their clients.
 *
 * @example
 * const { token } = await issueRegisteredToken(key, { tenant, endpoint, tableName, createdBy: 'npm start' });
 */
export async function issueRegisteredToken(
  privateJwk: JWK,
  options: {
    tenant: string;
    endpoint: string;
    tableName: string;
    createdBy: string;
    description?: string;
  },
): Promise<{ token: string; credential: Credential }> {
  const documents = localDocumentClient(options.endpoint);
  try {
    const registry = createCredentialRegistry({ documents, tableName: options.tableName });
    return await issueSecretToken(registry, createLocalSigner(privateJwk), {
      tenant: options.tenant,
      createdBy: options.createdBy,
      ...(options.description ? { description: options.description } : {}),
    });
  } finally {
    documents.destroy();
  }
}
