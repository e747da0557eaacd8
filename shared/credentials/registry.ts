/**
 * The credential registry: every credential that can call a tenant (Secret Tokens, OAuth clients)
 * is an item of the tenant's own table, and a token is accepted only while its credential is
 * active (an allow-list). It is the one inventory of who can call the tenant.
 *
 * All items share one partition (`keys.credentialsPartition`), so the request path reads the whole
 * registry with one Query and keeps it for a short window per function instance: at most one
 * extra DynamoDB read per instance per window, and a revocation takes effect within the window
 * without a deploy. Writes (create, revoke, rotate) go straight to the table.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  CredentialConditionError,
  type CredentialTable,
  type CredentialUpdate,
  countFailure,
  getCredentialItem,
  putCredentialPolicy,
  putNewCredential,
  readCredentialItems,
  updateCredentialItem,
  writeLastUsed,
} from '../store/credentials.js';
import { keys } from '../store/keys.js';

export type CredentialKind = 'secret-token' | 'oauth-client';

/** One secret of an OAuth client: only its hash is stored. */
export interface ClientSecret {
  readonly id: string;
  /** SHA-256 of the secret, base64url. */
  readonly hash: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt?: string;
}

/**
 * Where an OAuth client may authenticate with Entra's workload-identity assertion (RFC 7523)
 * instead of a secret: only assertions of this Entra tenant, for this subject.
 */
export interface WorkloadIdentity {
  /** The customer's Entra tenant id (assertion `iss` is `https://login.microsoftonline.com/<id>/v2.0`). */
  readonly entraTenantId: string;
  /** The assertion's `sub`: the object id of the provisioning workload identity. */
  readonly subject: string;
  /**
   * The assertion's `aud`: `api://<workload identity app id>`, as the assertion carries it, or
   * `api://<app id>/.default`, as Entra's portal shows it (either is accepted). Required: without
   * it any Entra token for the subject, issued for any resource, would pass. Optional in the
   * type only because clients created before it was required may lack it; the token endpoint
   * refuses their assertions.
   */
  readonly audience?: string;
}

/** What `createClient` accepts: the audience is required. */
export type NewWorkloadIdentity = WorkloadIdentity & { readonly audience: string };

export interface Credential {
  readonly id: string;
  readonly kind: CredentialKind;
  /** What it is for, as the operator or admin named it (never a secret). */
  readonly description?: string;
  readonly createdAt: string;
  /** Who created it: an operator, `npm start`, an admin's e-mail address, `migration`. */
  readonly createdBy: string;
  /** Updated at most hourly (see `CredentialRegistry.touch`). */
  readonly lastUsedAt?: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
  /** A Secret Token's expiry, when it has one. */
  readonly expiresAt?: string;
  /** The key id (`kid`) that signed a Secret Token: tells which tokens a key rotation affects. */
  readonly keyId?: string;
  /** An OAuth client's secrets (hashes); several are active during a rotation. */
  readonly secrets?: readonly ClientSecret[];
  readonly workloadIdentity?: WorkloadIdentity;
  /** An OAuth client's access-token lifetime in seconds (1 to 6 hours; 1 hour by default). */
  readonly accessTokenSeconds?: number;
  /** Failed token-endpoint attempts in the current throttling window. */
  readonly failedAttempts?: number;
  readonly failedWindowStart?: string;
}

/** The tenant-wide policy: every token issued before `notBefore` is refused. */
export interface CredentialPolicy {
  readonly notBefore?: string;
  readonly updatedAt?: string;
  readonly updatedBy?: string;
}

/** What a token names, checked against the registry. */
export interface TokenClaims {
  /** The credential the token was issued for. */
  readonly credentialId: string;
  /** `iat`, in seconds. */
  readonly issuedAt: number;
  /** For an access token: the client secret it was obtained with (`wif` for an assertion). */
  readonly secretId?: string;
  /**
   * The kind of credential the token's type names (an access token an OAuth client, a Secret
   * Token a Secret Token credential): a token naming a credential of the other kind is refused.
   */
  readonly kind?: CredentialKind;
}

/** The table (`documents`, `tableName`) and how the registry reads it. */
export interface RegistryOptions extends CredentialTable {
  /** How long a read of the registry is reused (ms, at most 60 s). */
  readonly cacheMs?: number;
  /**
   * A token naming a credential the cached registry does not know (created after the read) makes
   * it read again at once, but not again for the same id within this interval (ms). Only tokens
   * the service itself signed get that far, so this bounds what a holder of a valid token costs.
   */
  readonly missRefreshMs?: number;
  /** The clock (ms since the epoch); tests move it. */
  readonly now?: () => number;
}

/** Longest a revocation may take to reach every instance. */
export const MAX_CACHE_MS = 60_000;
/**
 * `lastUsedAt` is written at most this often per credential and instance, so it is exact to the
 * minute: the integration page's "Last used" is what an admin revoking an old credential "once
 * nothing uses it" reads, and it used to lag up to an hour (the resolution was an hour).
 *
 * The cost is small. Each instance writes a credential's date at most once a minute (its own
 * `touched` time), conditionally (skipped when another instance wrote it within the minute); a
 * conditional write that finds the date fresh is counted here as a full write (1 WRU, items
 * under 1 KB), as the worst case. An Entra provisioning cycle uses one credential; a quiet
 * incremental cycle sends nothing, one with changes lasts a few minutes (0.01 to 0.08 minutes per
 * object, /work/shared/entra/entra-scim-facts.md §3.4). So a cycle of M minutes served by N warm
 * instances costs at most M × N writes: a 5-minute cycle on 2 instances 10 WRU, about $0.000006
 * at $0.625 per million write units (DynamoDB on-demand, us-east-1, see docs/fleet.md); a day of
 * 36 such cycles about $0.0002 per tenant; the hourly resolution it replaces cost at most 1 × N a
 * cycle. An initial cycle of 10,000 users (about 100 to 800 minutes) costs at most 800 × N.
 */
export const LAST_USED_RESOLUTION_MS = 60 * 1000;
/** Bits of randomness in a client secret. */
const SECRET_BYTES = 32;

export interface CreateSecretTokenInput {
  readonly createdBy: string;
  readonly description?: string;
  readonly expiresAt?: string;
  readonly keyId?: string;
  /** The id to register (a migrated token's `jti`); a new UUID otherwise. */
  readonly id?: string;
}

export interface CreateClientInput {
  readonly createdBy: string;
  readonly description?: string;
  /** Expiry of the first secret; one year by default. */
  readonly secretExpiresAt?: string;
  readonly accessTokenSeconds?: number;
  readonly workloadIdentity?: NewWorkloadIdentity;
}

/** A secret as the caller sees it once: the value is never stored. */
export interface IssuedSecret {
  readonly secretId: string;
  readonly secret: string;
  readonly expiresAt: string;
}

interface Snapshot {
  readonly loadedAt: number;
  readonly credentials: ReadonlyMap<string, Credential>;
  readonly policy: CredentialPolicy;
}

export class CredentialNotFoundError extends Error {
  override readonly name = 'CredentialNotFoundError';
  constructor(readonly id: string) {
    super(`no credential ${id}`);
  }
}

/**
 * Creates the registry of one tenant's table.
 *
 * @example
 * const registry = createCredentialRegistry({ documents: documentClient, tableName });
 * const credential = await registry.activeCredential({ credentialId: jti, issuedAt: iat });
 */
export function createCredentialRegistry(options: RegistryOptions) {
  const table: CredentialTable = { documents: options.documents, tableName: options.tableName };
  const cacheMs = Math.min(options.cacheMs ?? MAX_CACHE_MS, MAX_CACHE_MS);
  const missRefreshMs = Math.min(options.missRefreshMs ?? 5_000, cacheMs);
  const now = options.now ?? Date.now;
  let snapshot: Snapshot | undefined;
  let loading: Promise<Snapshot> | undefined;
  /** When this instance last wrote a credential's `lastUsedAt` (ms). */
  const touched = new Map<string, number>();
  /** When an unknown id last made this instance read the registry again (ms). */
  const missReloads = new Map<string, number>();

  async function readAll(): Promise<Snapshot> {
    const credentials = new Map<string, Credential>();
    let policy: CredentialPolicy = {};
    for (const item of await readCredentialItems(table)) {
      if (keys.isCredentialSort(String(item.sk))) {
        const credential = fromItem(item);
        credentials.set(credential.id, credential);
      } else if (item.sk === keys.credentialPolicy().sk) {
        policy = fromPolicyItem(item);
      }
    }
    return { loadedAt: now(), credentials, policy };
  }

  /** The cached registry; one Query when the window has passed (concurrent callers share it). */
  async function cached(force = false): Promise<Snapshot> {
    const age = snapshot ? now() - snapshot.loadedAt : Number.POSITIVE_INFINITY;
    if (snapshot && !force && age < cacheMs) return snapshot;
    loading ??= readAll().finally(() => {
      loading = undefined;
    });
    snapshot = await loading;
    return snapshot;
  }

  function acceptable(snap: Snapshot, claims: TokenClaims): Credential | undefined {
    const credential = snap.credentials.get(claims.credentialId);
    if (!credential || !isActive(credential, now())) return undefined;
    if (claims.kind !== undefined && credential.kind !== claims.kind) return undefined;
    const notBefore = snap.policy.notBefore ? Date.parse(snap.policy.notBefore) : undefined;
    if (notBefore !== undefined && claims.issuedAt * 1000 < notBefore) return undefined;
    // `wif`: obtained with a workload-identity assertion, which only a client set up for one gets.
    if (claims.secretId === 'wif' && !credential.workloadIdentity) return undefined;
    if (claims.secretId !== undefined && claims.secretId !== 'wif') {
      // An access token dies with the secret it was obtained with (a leaked secret revoked).
      const secret = credential.secrets?.find((s) => s.id === claims.secretId);
      if (!secret || secret.revokedAt) return undefined;
    }
    return credential;
  }

  return {
    /**
     * The credential a token names, if the token may be accepted: the credential exists, is not
     * revoked or expired, the token was issued after the tenant's cut-off, and an access token's
     * secret is not revoked. Reads through the per-instance cache.
     */
    async activeCredential(claims: TokenClaims): Promise<Credential | undefined> {
      const snap = await cached();
      if (snap.credentials.has(claims.credentialId)) return acceptable(snap, claims);
      // Unknown here: perhaps created after the cached read (a token just issued).
      const at = now();
      const last = missReloads.get(claims.credentialId);
      if (last !== undefined && at - last < missRefreshMs) return undefined;
      if (missReloads.size >= 1_000) missReloads.clear();
      missReloads.set(claims.credentialId, at);
      return acceptable(await cached(true), claims);
    },

    /** Forgets the cached read (tests; the CLI after a write). */
    invalidate(): void {
      snapshot = undefined;
    },

    /** Every credential (revoked ones too) and the policy, read now (strongly consistent). */
    async list(): Promise<{ credentials: Credential[]; policy: CredentialPolicy }> {
      const snap = await readAll();
      const credentials = [...snap.credentials.values()].sort((a, b) =>
        a.createdAt.localeCompare(b.createdAt),
      );
      return { credentials, policy: snap.policy };
    },

    /** One credential, read now (strongly consistent); undefined when unknown. */
    async get(id: string): Promise<Credential | undefined> {
      const item = await getCredentialItem(table, id);
      return item ? fromItem(item) : undefined;
    },

    /** Registers a Secret Token; the caller signs a token whose `jti` is the returned id. */
    async createSecretToken(input: CreateSecretTokenInput): Promise<Credential> {
      const credential: Credential = {
        id: input.id ?? randomUUID(),
        kind: 'secret-token',
        createdAt: new Date(now()).toISOString(),
        createdBy: input.createdBy,
        ...(input.description ? { description: input.description } : {}),
        ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
        ...(input.keyId ? { keyId: input.keyId } : {}),
      };
      await put(credential);
      return credential;
    },

    /** Creates an OAuth client with its first secret, shown once in the answer. */
    async createClient(
      input: CreateClientInput,
    ): Promise<{ credential: Credential; secret: IssuedSecret }> {
      if (input.workloadIdentity) checkWorkloadIdentity(input.workloadIdentity);
      const created = new Date(now()).toISOString();
      const { record, issued } = newSecret(created, input.secretExpiresAt ?? inOneYear(now()));
      const credential: Credential = {
        id: randomUUID(),
        kind: 'oauth-client',
        createdAt: created,
        createdBy: input.createdBy,
        secrets: [record],
        accessTokenSeconds: accessTokenSeconds(input.accessTokenSeconds),
        ...(input.description ? { description: input.description } : {}),
        ...(input.workloadIdentity ? { workloadIdentity: input.workloadIdentity } : {}),
      };
      await put(credential);
      return { credential, secret: issued };
    },

    /**
     * Adds a secret to an active client (rotation: the old ones stay valid until they expire or
     * are revoked). Optionally revokes the client's other secrets in the same write. The new
     * secret is appended in the write itself, so a revocation or rotation running at the same
     * time is neither lost nor undone.
     */
    async rotateSecret(
      clientId: string,
      options: { expiresAt?: string; revokeOthers?: boolean } = {},
    ): Promise<IssuedSecret> {
      const client = await this.get(clientId);
      if (client?.kind !== 'oauth-client' || client.revokedAt) {
        throw new CredentialNotFoundError(clientId);
      }
      const at = new Date(now()).toISOString();
      const { record, issued } = newSecret(at, options.expiresAt ?? inOneYear(now()));
      const active = {
        condition: '#kind = :client AND attribute_not_exists(#revokedAt)',
        names: { '#kind': 'kind', '#revokedAt': 'revokedAt', '#secrets': 'secrets' },
        values: { ':client': 'oauth-client' },
      };
      if (!options.revokeOthers) {
        await update(
          clientId,
          'SET #secrets = list_append(if_not_exists(#secrets, :none), :new)',
          active.names,
          { ...active.values, ':none': [], ':new': [record] },
          active.condition,
        );
        return issued;
      }
      // The whole list is written: only if no secret was added meanwhile (revocations made
      // meanwhile are repeated here: every other secret is revoked).
      const secrets = client.secrets ?? [];
      const kept = secrets.map((secret) =>
        secret.revokedAt ? secret : { ...secret, revokedAt: at },
      );
      await update(
        clientId,
        'SET #secrets = :secrets',
        active.names,
        { ...active.values, ':secrets': [...kept, record], ':count': secrets.length },
        `${active.condition} AND size(#secrets) = :count`,
      );
      return issued;
    },

    /**
     * Revokes one secret of a client (idempotent); its access tokens are refused within the cache
     * window. Only that secret's entry is written, so a rotation at the same time is not lost.
     */
    async revokeSecret(clientId: string, secretId: string): Promise<void> {
      const client = await this.get(clientId);
      const secrets = client?.secrets ?? [];
      const index = secrets.findIndex((secret) => secret.id === secretId);
      if (!client || index < 0) {
        throw new CredentialNotFoundError(`${clientId}/${secretId}`);
      }
      if (secrets[index]?.revokedAt) return;
      // Entries are only ever appended, so the index read is still this secret's (checked).
      await update(
        clientId,
        `SET #secrets[${index}].#revokedAt = if_not_exists(#secrets[${index}].#revokedAt, :at)`,
        { '#secrets': 'secrets', '#revokedAt': 'revokedAt', '#id': 'id' },
        { ':at': new Date(now()).toISOString(), ':secretId': secretId },
        `#secrets[${index}].#id = :secretId`,
      );
    },

    /** Revokes a credential (idempotent: a second revoke keeps the first date). */
    async revoke(id: string, by: string): Promise<Credential> {
      const at = new Date(now()).toISOString();
      const result = await update(
        id,
        'SET #revokedAt = if_not_exists(#revokedAt, :at), #revokedBy = if_not_exists(#revokedBy, :by)',
        { '#revokedAt': 'revokedAt', '#revokedBy': 'revokedBy' },
        { ':at': at, ':by': by },
      );
      return result;
    },

    /** Refuses every token issued before `notBefore` (ISO 8601), whatever its credential. */
    async refuseIssuedBefore(notBefore: string, by: string): Promise<CredentialPolicy> {
      if (Number.isNaN(Date.parse(notBefore))) throw new Error(`not a date: ${notBefore}`);
      const policy: CredentialPolicy = {
        notBefore: new Date(notBefore).toISOString(),
        updatedAt: new Date(now()).toISOString(),
        updatedBy: by,
      };
      await putCredentialPolicy(table, { ...policy });
      return policy;
    },

    /**
     * Records that a credential was used, at most once a minute per credential and instance (the
     * item's `lastUsedAt` is compared in the write, so many instances still write about once a
     * minute): see `LAST_USED_RESOLUTION_MS`.
     */
    async touch(credential: Credential): Promise<void> {
      const at = now();
      const last = Math.max(
        touched.get(credential.id) ?? 0,
        credential.lastUsedAt ? Date.parse(credential.lastUsedAt) : 0,
      );
      if (at - last < LAST_USED_RESOLUTION_MS) return;
      touched.set(credential.id, at);
      // Not written when another instance wrote it first: the date is fresh, which is all this is for.
      await writeLastUsed(
        table,
        credential.id,
        new Date(at).toISOString(),
        new Date(at - LAST_USED_RESOLUTION_MS).toISOString(),
      );
    },

    /**
     * Counts a failed token-endpoint attempt for a client and answers how many the current window
     * holds (the window restarts when it has passed).
     */
    async recordFailure(clientId: string, windowMs: number): Promise<number> {
      return countFailure(table, clientId, now(), windowMs);
    },
  };

  async function put(credential: Credential): Promise<void> {
    await putNewCredential(table, credential.id, { ...credential });
  }

  /** Updates an existing credential, and only if `condition` holds when one is given. */
  async function update(
    id: string,
    expression: string,
    names: CredentialUpdate['names'],
    values: CredentialUpdate['values'],
    condition?: string,
  ): Promise<Credential> {
    try {
      return fromItem(
        await updateCredentialItem(table, id, { expression, names, values, condition }),
      );
    } catch (error) {
      if (error instanceof CredentialConditionError) throw new CredentialNotFoundError(id);
      throw error;
    }
  }
}

export type CredentialRegistry = ReturnType<typeof createCredentialRegistry>;

/** Whether a credential may be used at `at` (ms): not revoked, not expired. */
export function isActive(credential: Credential, at: number): boolean {
  if (credential.revokedAt) return false;
  if (credential.expiresAt && Date.parse(credential.expiresAt) <= at) return false;
  return true;
}

/**
 * The client's secret that `secret` is, if it is active at `at` (ms): compared by hash in
 * constant time. The secrets carry 256 random bits, so a fast hash is as safe as a slow one: no
 * dictionary to try.
 */
export function matchSecret(
  credential: Credential,
  secret: string,
  at: number,
): ClientSecret | undefined {
  const presented = Buffer.from(hashSecret(secret), 'base64url');
  let found: ClientSecret | undefined;
  for (const candidate of credential.secrets ?? []) {
    const stored = Buffer.from(candidate.hash, 'base64url');
    // Every candidate is compared, so the time taken does not tell which one matched.
    const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
    if (equal && !candidate.revokedAt && Date.parse(candidate.expiresAt) > at) found = candidate;
  }
  return found;
}

/** SHA-256, base64url: how a client secret is stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Access-token lifetime: Entra accepts 1 to 6 hours. */
export const ACCESS_TOKEN_SECONDS = { default: 3_600, min: 3_600, max: 21_600 } as const;

function accessTokenSeconds(requested: number | undefined): number {
  const value = requested ?? ACCESS_TOKEN_SECONDS.default;
  if (
    !Number.isInteger(value) ||
    value < ACCESS_TOKEN_SECONDS.min ||
    value > ACCESS_TOKEN_SECONDS.max
  ) {
    throw new Error(
      `access-token lifetime must be ${ACCESS_TOKEN_SECONDS.min}-${ACCESS_TOKEN_SECONDS.max} s, got ${requested}`,
    );
  }
  return value;
}

/** A GUID, as Entra's tenant and object ids are. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Refuses a workload identity the token endpoint could never match, or would match too widely:
 * the audience is required and is `api://…` (with or without `/.default`), the ids are GUIDs.
 */
function checkWorkloadIdentity(identity: WorkloadIdentity): void {
  if (!GUID.test(identity.entraTenantId)) {
    throw new Error(`workloadIdentity.entraTenantId must be a GUID, got ${identity.entraTenantId}`);
  }
  if (!identity.subject) throw new Error('workloadIdentity.subject is required');
  if (!identity.audience || !/^api:\/\/[^\s/]+(\/\.default)?$/i.test(identity.audience.trim())) {
    throw new Error(
      `workloadIdentity.audience is required: api://<workload identity app id>, or api://<app id>/.default as Entra's portal shows it; got ${identity.audience}`,
    );
  }
}

function newSecret(createdAt: string, expiresAt: string) {
  if (Number.isNaN(Date.parse(expiresAt))) throw new Error(`not a date: ${expiresAt}`);
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  const record: ClientSecret = {
    id: randomBytes(6).toString('hex'),
    hash: hashSecret(secret),
    createdAt,
    expiresAt: new Date(expiresAt).toISOString(),
  };
  return { record, issued: { secretId: record.id, secret, expiresAt: record.expiresAt } };
}

function inOneYear(at: number): string {
  return new Date(at + 365 * 24 * 60 * 60 * 1000).toISOString();
}

function fromItem(item: Record<string, unknown>): Credential {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as Credential;
}

function fromPolicyItem(item: Record<string, unknown>): CredentialPolicy {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as CredentialPolicy;
}
