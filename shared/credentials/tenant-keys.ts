/**
 * A tenant's keys derived from a fleet KMS HMAC key instead of stored: one `kms:GenerateMac`
 * over a fixed, versioned message naming the purpose and the tenant gives 32 bytes that exist only
 * in the function's memory, in no table, template, variable or log. One module for every purpose
 * (the log identifiers' hash key, the integration page's cookie-sealing key), so each derives,
 * caches and fails alike: once per cold start, a failure remembered for `KEY_RETRY_SECONDS` and
 * then tried again, and never a fallback to a weaker key.
 */
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';

/**
 * What a derived key is for; each purpose has its own message, so knowing one key tells nothing
 * of another.
 */
export type TenantKeyPurpose = 'log-identifiers' | 'admin-session';

/** The version of each purpose's derivation: a new one (another message) changes its key. */
export const TENANT_KEY_VERSIONS: Readonly<Record<TenantKeyPurpose, string>> = {
  'log-identifiers': 'v1',
  'admin-session': 'v1',
};

/**
 * The fixed message whose MAC under the fleet's KMS HMAC key is the tenant's key for `purpose`.
 *
 * @example tenantKeyMessage('admin-session', 'acme') === 'grouptalk-scim/admin-session/v1/acme'
 */
export function tenantKeyMessage(purpose: TenantKeyPurpose, tenant: string): string {
  return `grouptalk-scim/${purpose}/${TENANT_KEY_VERSIONS[purpose]}/${tenant}`;
}

/**
 * The tenant's key for `purpose`: the HMAC-SHA256 that KMS computes over
 * `tenantKeyMessage(purpose, tenant)` with the fleet key `keyId` (key id, ARN, alias name or alias
 * ARN). Rejects unless KMS answers with 32 bytes.
 *
 * @example await deriveTenantKey(new KMSClient({}), 'alias/GroupTalkScim-admin-sessions', 'admin-session', 'acme')
 */
export async function deriveTenantKey(
  kms: KMSClient,
  keyId: string,
  purpose: TenantKeyPurpose,
  tenant: string,
): Promise<Uint8Array> {
  const { Mac } = await kms.send(
    new GenerateMacCommand({
      KeyId: keyId,
      MacAlgorithm: 'HMAC_SHA_256',
      Message: Buffer.from(tenantKeyMessage(purpose, tenant), 'utf8'),
    }),
  );
  if (Mac?.length !== 32) throw new Error('KMS GenerateMac answered without a 32-byte MAC');
  return new Uint8Array(Mac);
}

/** How long a failed derivation is answered from memory before KMS is asked again. */
export const KEY_RETRY_SECONDS = 5;

/**
 * The key could not be derived (KMS unavailable, throttled or denied). Callers answer a 503 to
 * retry; `cause` is KMS's error.
 */
export class TenantKeyUnavailableError extends Error {
  override readonly name = 'TenantKeyUnavailableError';
  constructor(
    readonly purpose: TenantKeyPurpose,
    cause: unknown,
  ) {
    super(`the tenant's ${purpose} key could not be derived from KMS`);
    this.cause = cause;
  }
}

export interface TenantKeySourceOptions {
  /** The fleet's KMS HMAC key (alias name in AWS). */
  readonly keyId: string;
  readonly purpose: TenantKeyPurpose;
  readonly tenant: string;
  /** The KMS client, created at the first derivation. */
  readonly kms?: () => KMSClient;
  /** Milliseconds, for the retry delay. */
  readonly now?: () => number;
}

/** Resolves to the derived key; the same promise while it holds (see `tenantKeySource`). */
export type TenantKeySource = () => Promise<Uint8Array>;

/**
 * The tenant's key for one purpose, derived at the first call and then answered from memory (one
 * GenerateMac per cold start, however many requests wait for it). A failed derivation rejects with
 * `TenantKeyUnavailableError`, the same rejection for `KEY_RETRY_SECONDS`, then KMS is asked
 * again: an outage fails requests while it lasts, not for the instance's life.
 *
 * @example
 * const sessionKey = tenantKeySource({ keyId: alias, purpose: 'admin-session', tenant: 'acme' });
 * const key = await sessionKey(); // 32 bytes
 */
export function tenantKeySource(options: TenantKeySourceOptions): TenantKeySource {
  const { keyId, purpose, tenant } = options;
  if (keyId === '') throw new Error(`the ${purpose} key needs a KMS key id`);
  if (tenant === '') throw new Error(`the ${purpose} key needs TENANT: the key is per tenant`);
  const kms = options.kms ?? (() => new KMSClient({}));
  const now = options.now ?? (() => Date.now());
  let client: KMSClient | undefined;
  let cached: { promise: Promise<Uint8Array>; failedAt?: number } | undefined;
  return () => {
    if (
      cached &&
      (cached.failedAt === undefined || now() - cached.failedAt < KEY_RETRY_SECONDS * 1000)
    ) {
      return cached.promise;
    }
    client ??= kms();
    const entry: { promise: Promise<Uint8Array>; failedAt?: number } = {
      promise: deriveTenantKey(client, keyId, purpose, tenant).catch((error: unknown) => {
        entry.failedAt = now();
        throw new TenantKeyUnavailableError(purpose, error);
      }),
    };
    cached = entry;
    return entry.promise;
  };
}
