/**
 * Configuration, read once at module load and failing fast. Every function and the local server
 * get the same variables (the CDK stack sets them; `infra/local` sets them for `npm start`).
 */
import { DEFAULT_LIMITS, type Limits } from './common/limits.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} environment variable is not set`);
  }
  return value;
}

function optional(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

function integer(name: string, fallback: number): number {
  const raw = optional(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got ${raw}`);
  }
  return value;
}

function optionalInteger(name: string): number | undefined {
  return optional(name) === undefined ? undefined : integer(name, 0);
}

export interface AuthConfig {
  /** The GroupTalk tenant this deployment serves; tokens must name it. */
  readonly tenant: string;
  /** Issuer of the service's own tokens. */
  readonly issuer: string;
  /**
   * JWKS JSON (`{"keys":[…]}`) with configured public keys that verify the service's own tokens:
   * the local key of `npm start`, keys of tokens issued before the move to KMS.
   */
  readonly publicKeys: string;
  /** KMS keys (ids or ARNs) whose public keys verify the service's own tokens; newest first. */
  readonly kmsKeyIds: readonly string[];
  /** When set, tokens issued by this Entra tenant (Secret Token left blank) are accepted too. */
  readonly entraTenantId?: string;
  /** Where Entra's signing keys are fetched; defaults to the tenant's public JWKS. */
  readonly entraJwksUrl?: string;
  /** When set, an Entra-issued token must carry this `appid` (or `azp`). */
  readonly entraAppId?: string;
  /** When set, an Entra-issued token must carry this `oid`. */
  readonly entraObjectId?: string;
}

export const TOKEN_ISSUER = 'https://scim.grouptalk.com';

/** The audience of a tenant's Secret Tokens. */
export function tokenAudience(tenant: string): string {
  return `urn:grouptalk:scim:${tenant}`;
}

function list(name: string): string[] {
  return (optional(name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * Where the operator finds the pin of Entra-issued tokens: the customer's enterprise application
 * (Microsoft Graph calls the service principal's id "the Object ID of the enterprise application"
 * in the portal; its Properties page shows both).
 */
export const ENTRA_PIN_WHERE =
  "in the customer's Microsoft Entra admin center, Entra ID > Enterprise apps > All applications > the GroupTalk application > Properties: Application ID, Object ID (or the first Entra request's log line: callerTokenId is the oid)";

/**
 * Refuses Entra-issued tokens without a pinned caller: their audience
 * (`ENTRA_CUSTOM_APP_AUDIENCE`) is shared by every non-gallery application, so without
 * `entraAppId` or `entraObjectId` any app-only token of the directory for it would pass.
 */
export function assertEntraPinned(
  config: Pick<AuthConfig, 'entraTenantId' | 'entraAppId' | 'entraObjectId'>,
): void {
  if (config.entraTenantId && !config.entraAppId && !config.entraObjectId) {
    throw new Error(
      `ENTRA_TENANT_ID is set without ENTRA_APP_ID or ENTRA_OBJECT_ID: Entra-issued tokens must name their caller. Set one (tenant fields entraAppId, entraObjectId), found ${ENTRA_PIN_WHERE}`,
    );
  }
}

export function readAuthConfig(): AuthConfig {
  const tenant = required('TENANT');
  const config = {
    tenant,
    issuer: optional('TOKEN_ISSUER') ?? TOKEN_ISSUER,
    publicKeys: optional('TOKEN_PUBLIC_KEYS') ?? '{"keys":[]}',
    kmsKeyIds: list('TOKEN_KMS_KEY_IDS'),
    entraTenantId: optional('ENTRA_TENANT_ID'),
    entraJwksUrl: optional('ENTRA_JWKS_URL'),
    entraAppId: optional('ENTRA_APP_ID'),
    entraObjectId: optional('ENTRA_OBJECT_ID'),
  };
  assertEntraPinned(config);
  return config;
}

/** How the token endpoint signs: a KMS key in AWS, a local private JWK for `npm start`. */
export interface SignerConfig {
  /** The KMS key (id or ARN) that signs new tokens. */
  readonly kmsKeyId?: string;
  /** A private JWK (JSON): `npm start` and the tests only; never set by the stack. */
  readonly localSigningKey?: string;
}

export function readSignerConfig(): SignerConfig {
  const kmsKeyId = optional('TOKEN_SIGNING_KMS_KEY_ID');
  const localSigningKey = optional('TOKEN_SIGNING_KEY');
  return {
    ...(kmsKeyId ? { kmsKeyId } : {}),
    ...(localSigningKey ? { localSigningKey } : {}),
  };
}

export interface CredentialConfig {
  /** How long a function instance reuses its read of the credential registry (1 to 60 s). */
  readonly cacheSeconds: number;
}

/** The credential registry's settings (see `shared/credentials`). */
export function readCredentialConfig(): CredentialConfig {
  const cacheSeconds = integer('CREDENTIAL_CACHE_SECONDS', 60);
  if (cacheSeconds > 60) {
    throw new Error(`CREDENTIAL_CACHE_SECONDS must be at most 60, got ${cacheSeconds}`);
  }
  return { cacheSeconds };
}

/**
 * The Tenant URL as deployed (`TENANT_URL`, e.g. `https://scim.example.com/scim/v2`), without a
 * trailing slash: the base of `Location`, `meta.location`, `$ref` and the fallback's redirects,
 * so none of them depends on the client's `Host` header. Undefined when unset (`npm start`, most
 * tests), where the request's own host names the Tenant URL.
 *
 * @throws Error when set to anything but an http(s) URL without query or fragment.
 */
export function readTenantUrl(): string | undefined {
  const raw = optional('TENANT_URL');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`TENANT_URL must be an absolute URL, got ${raw}`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    throw new Error(`TENANT_URL must be an http(s) URL without query or fragment, got ${raw}`);
  }
  return url.href.replace(/\/+$/, '');
}

export interface StoreConfig {
  readonly tableName: string;
  /** Local DynamoDB endpoint; unset in AWS. */
  readonly endpoint?: string;
  readonly region: string;
  /**
   * How long the client waits to connect and for an answer before it gives up on an attempt.
   * Unset in AWS (the client's defaults fit a 10 s function); the test environment sets them
   * generously, because a DynamoDB Local on a loaded 2-core machine answers slower than AWS.
   */
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

export function readStoreConfig(): StoreConfig {
  return {
    tableName: required('TABLE_NAME'),
    endpoint: optional('DYNAMODB_ENDPOINT'),
    region: optional('AWS_REGION') ?? 'us-east-1',
    connectionTimeoutMs: optionalInteger('DYNAMODB_CONNECTION_TIMEOUT_MS'),
    requestTimeoutMs: optionalInteger('DYNAMODB_REQUEST_TIMEOUT_MS'),
  };
}

/** The request limits (see `common/limits.ts`), each overridable by its environment variable. */
export const limits: Limits = {
  maxBodyBytes: integer('MAX_BODY_BYTES', DEFAULT_LIMITS.maxBodyBytes),
  maxPageSize: integer('MAX_PAGE_SIZE', DEFAULT_LIMITS.maxPageSize),
  defaultPageSize: integer('DEFAULT_PAGE_SIZE', DEFAULT_LIMITS.defaultPageSize),
  maxPatchOperations: integer('MAX_PATCH_OPERATIONS', DEFAULT_LIMITS.maxPatchOperations),
  maxPatchMembers: integer('MAX_PATCH_MEMBERS', DEFAULT_LIMITS.maxPatchMembers),
  maxFilterCandidates: integer('MAX_FILTER_CANDIDATES', DEFAULT_LIMITS.maxFilterCandidates),
  maxFilterLength: integer('MAX_FILTER_LENGTH', DEFAULT_LIMITS.maxFilterLength),
  maxBulkOperations: integer('MAX_BULK_OPERATIONS', DEFAULT_LIMITS.maxBulkOperations),
  maxJsonDepth: integer('MAX_JSON_DEPTH', DEFAULT_LIMITS.maxJsonDepth),
  maxMultiValues: integer('MAX_MULTI_VALUES', DEFAULT_LIMITS.maxMultiValues),
};

/**
 * CloudWatch names shared by the functions, which emit them, and the stack, which graphs and
 * alarms on them.
 */
export const telemetry = {
  /** The `service` of every log line and metric. */
  serviceName: 'grouptalk-scim',
  /** The custom metrics' namespace; dimension sets are `service`+`tenant` and `service`+`operation`. */
  metricsNamespace: 'GroupTalkScim',
  metrics: {
    /** Milliseconds per request; its SampleCount is the number of requests. */
    latency: 'Latency',
    /** 1 for a 4xx answer, 0 otherwise: its Sum counts them, its Average is the rate. */
    clientErrors: 'ClientErrors',
    /** 1 for a 5xx answer, 0 otherwise. */
    serverErrors: 'ServerErrors',
  },
} as const;
