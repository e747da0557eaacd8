/**
 * Configuration, read once at module load and failing fast. Every function and the local server
 * get the same variables (the CDK stack sets them; `infra/local` sets them for `npm start`).
 */

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

export interface AuthConfig {
  /** The GroupTalk tenant this deployment serves; tokens must name it. */
  readonly tenant: string;
  /** Issuer of the service's own tokens. */
  readonly issuer: string;
  /** JWKS JSON (`{"keys":[…]}`) with the public keys that verify the service's own tokens. */
  readonly publicKeys: string;
  /** Token ids (`jti`) that are refused. */
  readonly revokedTokenIds: ReadonlySet<string>;
  /** When set, tokens issued by this Entra tenant (Secret Token left blank) are accepted too. */
  readonly entraTenantId?: string;
  /** Where Entra's signing keys are fetched; defaults to the tenant's public JWKS. */
  readonly entraJwksUrl?: string;
}

export const TOKEN_ISSUER = 'https://scim.grouptalk.com';

/** The audience of a tenant's Secret Tokens. */
export function tokenAudience(tenant: string): string {
  return `urn:grouptalk:scim:${tenant}`;
}

export function readAuthConfig(): AuthConfig {
  const tenant = required('TENANT');
  return {
    tenant,
    issuer: optional('TOKEN_ISSUER') ?? TOKEN_ISSUER,
    publicKeys: required('TOKEN_PUBLIC_KEYS'),
    revokedTokenIds: new Set(
      (optional('REVOKED_TOKEN_IDS') ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    ),
    entraTenantId: optional('ENTRA_TENANT_ID'),
    entraJwksUrl: optional('ENTRA_JWKS_URL'),
  };
}

export interface StoreConfig {
  readonly tableName: string;
  /** Local DynamoDB endpoint; unset in AWS. */
  readonly endpoint?: string;
  readonly region: string;
}

export function readStoreConfig(): StoreConfig {
  return {
    tableName: required('TABLE_NAME'),
    endpoint: optional('DYNAMODB_ENDPOINT'),
    region: optional('AWS_REGION') ?? 'us-east-1',
  };
}

/** Request limits, advertised by `/ServiceProviderConfig` where SCIM has a place for them. */
export const limits = {
  /** Largest request body accepted (bytes). */
  maxBodyBytes: integer('MAX_BODY_BYTES', 1_048_576),
  /** Largest page a list returns. */
  maxPageSize: integer('MAX_PAGE_SIZE', 200),
  /** Page size when the client does not ask for one. */
  defaultPageSize: integer('DEFAULT_PAGE_SIZE', 100),
  /** Operations in one PATCH request. */
  maxPatchOperations: integer('MAX_PATCH_OPERATIONS', 1_000),
  /** Members added or removed by one PATCH request. */
  maxPatchMembers: integer('MAX_PATCH_MEMBERS', 10_000),
  /** Resources a non-indexed filter may evaluate before answering 400 tooMany. */
  maxFilterCandidates: integer('MAX_FILTER_CANDIDATES', 20_000),
  /** Characters in a filter expression. */
  maxFilterLength: integer('MAX_FILTER_LENGTH', 4_096),
} as const;
