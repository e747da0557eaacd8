/**
 * The personal data a request log line may hold: a user's `userName` (usually an e-mail address),
 * a group's or user's `displayName` and a resource's `externalId`, as fields of their own, as the
 * value of a lookup (`filterValue`), inside a masked `filter` and in a uniqueness conflict's
 * `errorDetail`. No other attribute value reaches a line.
 *
 * A tenant may have those written as a keyed hash instead (`LOG_IDENTIFIERS=hmac`): HMAC-SHA256
 * under the tenant's key, so a line no longer says who a user is, while an operator who may use
 * the key finds one user's history with `npm run log-hash -- <value>` and the saved history query.
 * Names are folded as uniqueness folds them (`foldIdentifier`), so any spelling Entra sends hashes
 * alike; externalId is case-exact.
 *
 * The tenant's key, in AWS: derived at the first request from the fleet's KMS HMAC key
 * (`LOG_HASH_KMS_KEY_ID`) with one `kms:GenerateMac` over `logHashKeyMessage(tenant)`
 * (`shared/credentials/tenant-keys.ts`); it exists only in the function's memory and in no
 * template, variable or log. Locally and in tests:
 * `LOG_HASH_KEY` itself.
 */
import { createHmac } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import { foldIdentifier } from '../common/identifier.js';
import {
  deriveTenantKey,
  KEY_RETRY_SECONDS,
  TENANT_KEY_VERSIONS,
  TenantKeyUnavailableError,
  tenantKeyMessage,
  tenantKeySource,
} from '../credentials/tenant-keys.js';
import { ScimError } from '../scim/errors.js';

/** The identifier attributes a log line may carry. */
export type LoggedIdentifier = 'userName' | 'displayName' | 'externalId';

export const LOGGED_IDENTIFIERS: readonly LoggedIdentifier[] = [
  'userName',
  'displayName',
  'externalId',
];

/** What every hashed value starts with, so a reader knows it is not the name itself. */
export const HASH_PREFIX = 'hmac:';
/** A key shorter than this is refused: HMAC-SHA256 wants at least 256 bits. */
export const MIN_KEY_LENGTH = 32;

/**
 * How log lines write identifiers: as sent (`clear`) or as `logHash` under the tenant's key.
 */
export interface IdentifierLogPolicy {
  readonly mode: 'clear' | 'hmac';
  /** The value to write for `attribute`. */
  write(attribute: LoggedIdentifier, value: string): string;
}

/**
 * The keyed hash a log line holds instead of `value`.
 *
 * @param key the tenant's log hash key (at least 32 characters)
 * @example
 * logHash(key, 'userName', 'Bjensen@Example.com') === logHash(key, 'userName', 'bjensen@example.com')
 * // 'hmac:3b0f…' (32 hex digits)
 */
export function logHash(key: string, attribute: LoggedIdentifier, value: string): string {
  const canonical = attribute === 'externalId' ? value : foldIdentifier(value);
  return `${HASH_PREFIX}${createHmac('sha256', key).update(canonical, 'utf8').digest('hex').slice(0, 32)}`;
}

/** Identifiers as sent. */
export const CLEAR_POLICY: IdentifierLogPolicy = {
  mode: 'clear',
  write: (_attribute, value) => value,
};

/** Identifiers as `logHash` under `key`. */
export function hmacPolicy(key: string): IdentifierLogPolicy {
  return { mode: 'hmac', write: (attribute, value) => logHash(key, attribute, value) };
}

/**
 * What a line of a hashing tenant holds for an identifier when its key could not be derived: a
 * marker, never the value (no request of such a tenant runs then; the marker is a safety net).
 */
export const WITHHELD_POLICY: IdentifierLogPolicy = {
  mode: 'hmac',
  write: () => `${HASH_PREFIX}withheld`,
};

/** The version of the derivation below: a new one (another message) would change every hash. */
export const LOG_HASH_KEY_VERSION = TENANT_KEY_VERSIONS['log-identifiers'];

/**
 * The fixed message whose MAC under the fleet's KMS HMAC key is the tenant's log hash key.
 *
 * @example logHashKeyMessage('acme') === 'grouptalk-scim/log-identifiers/v1/acme'
 */
export function logHashKeyMessage(tenant: string): string {
  return tenantKeyMessage('log-identifiers', tenant);
}

/**
 * The tenant's log hash key: the HMAC-SHA256 that KMS computes over `logHashKeyMessage(tenant)`
 * with the fleet's HMAC key (`keyId`: key id, ARN, alias name or alias ARN), base64url-encoded. A
 * string so that it is also a valid `LOG_HASH_KEY` (43 characters): the same key, the same hashes.
 *
 * @example await deriveLogHashKey(new KMSClient({}), 'alias/GroupTalkScim-log-identifiers', 'acme')
 */
export async function deriveLogHashKey(
  kms: KMSClient,
  keyId: string,
  tenant: string,
): Promise<string> {
  return encodeLogHashKey(await deriveTenantKey(kms, keyId, 'log-identifiers', tenant));
}

function encodeLogHashKey(key: Uint8Array): string {
  return Buffer.from(key).toString('base64url');
}

/**
 * The tenant's key could not be derived (KMS unavailable, throttled or denied): the request is
 * refused with a 503 to retry rather than logged without its hashes, and never logged in clear.
 */
export class LogHashKeyUnavailableError extends ScimError {
  override readonly name = 'LogHashKeyUnavailableError';
  constructor(cause: unknown) {
    super(503, 'The service is temporarily unavailable; retry later.', undefined, {
      'Retry-After': String(KEY_RETRY_SECONDS),
    });
    this.cause = cause;
  }
}

/** Resolves to the tenant's policy; see `identifierLogPolicySource`. */
export type IdentifierLogPolicySource = () => Promise<IdentifierLogPolicy>;

export interface PolicySourceOptions {
  /** The KMS client, created at the first derivation. */
  readonly kms?: () => KMSClient;
  /** Milliseconds, for the retry delay. */
  readonly now?: () => number;
}

/**
 * The tenant's policy from `LOG_IDENTIFIERS` (`clear`, the default, or `hmac`) and, for `hmac`,
 * exactly one of `LOG_HASH_KMS_KEY_ID` (AWS: the key is derived with `deriveLogHashKey` for
 * `TENANT` at the first call, once per cold start) or `LOG_HASH_KEY` (local runs, tests; at
 * least 32 characters). Throws at once on a bad setting (the cold start fails loudly). A failed
 * derivation rejects with `LogHashKeyUnavailableError`, answered from memory for
 * `KEY_RETRY_SECONDS`, then tried again: a KMS outage fails requests while it lasts, not forever.
 *
 * @example
 * const policy = await identifierLogPolicySource({ LOG_IDENTIFIERS: 'hmac', LOG_HASH_KEY: key })();
 * policy.write('externalId', 'e1'); // 'hmac:…'
 */
export function identifierLogPolicySource(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: PolicySourceOptions = {},
): IdentifierLogPolicySource {
  const mode = env.LOG_IDENTIFIERS ?? 'clear';
  if (mode === 'clear') return () => Promise.resolve(CLEAR_POLICY);
  if (mode !== 'hmac') {
    throw new Error(`LOG_IDENTIFIERS must be clear or hmac, got ${JSON.stringify(mode)}`);
  }
  const kmsKeyId = env.LOG_HASH_KMS_KEY_ID ?? '';
  const key = env.LOG_HASH_KEY ?? '';
  if (kmsKeyId !== '' && key !== '') {
    throw new Error('LOG_IDENTIFIERS=hmac takes LOG_HASH_KMS_KEY_ID or LOG_HASH_KEY, not both');
  }
  if (kmsKeyId === '') {
    if (key.length < MIN_KEY_LENGTH) {
      throw new Error(
        `LOG_IDENTIFIERS=hmac needs LOG_HASH_KMS_KEY_ID, or LOG_HASH_KEY of at least ${MIN_KEY_LENGTH} characters`,
      );
    }
    const policy = Promise.resolve(hmacPolicy(key));
    return () => policy;
  }
  const tenant = env.TENANT ?? '';
  if (tenant === '') throw new Error('LOG_HASH_KMS_KEY_ID needs TENANT: the key is per tenant');
  const source = tenantKeySource({
    keyId: kmsKeyId,
    purpose: 'log-identifiers',
    tenant,
    ...(options.kms ? { kms: options.kms } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  // The source answers the same promise while a key or a failure holds: so does this.
  let last: { derived: Promise<Uint8Array>; policy: Promise<IdentifierLogPolicy> } | undefined;
  return () => {
    const derived = source();
    if (last?.derived !== derived) {
      last = {
        derived,
        policy: derived.then(
          (bytes) => hmacPolicy(encodeLogHashKey(bytes)),
          (error: unknown) => {
            throw new LogHashKeyUnavailableError(
              error instanceof TenantKeyUnavailableError ? error.cause : error,
            );
          },
        ),
      };
    }
    return last.policy;
  };
}

let processSource: IdentifierLogPolicySource | undefined;

/**
 * The process's policy source, from its environment, created at the first call: the request log
 * and the integration page's history search hash with the same key.
 */
export function tenantIdentifierLogPolicy(): IdentifierLogPolicySource {
  processSource ??= identifierLogPolicySource(process.env);
  return processSource;
}

/** `userName` → `userName`, any case, for the bare attribute names a filter may use. */
export function loggedIdentifier(attribute: string): LoggedIdentifier | undefined {
  const lower = attribute.toLowerCase();
  return LOGGED_IDENTIFIERS.find((name) => name.toLowerCase() === lower);
}
