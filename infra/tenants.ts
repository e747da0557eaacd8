import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * Per-tenant deployment settings. Each declared tenant is one JSON file in `infra/tenants/`
 * named after the tenant; it holds non-secret settings only (public keys, never private ones).
 */
export interface TenantConfig {
  /** Lower-case tenant id: stack name suffix, token audience and log field. */
  readonly name: string;
  /** When set, tokens issued by this Entra tenant are accepted as well as the service's own. */
  readonly entraTenantId?: string;
  /** Public keys (JWKS) that verify the tenant's Secret Tokens; `kid` allows rotation. */
  readonly tokenPublicKeys: PublicJwks;
  /** Token ids (`jti`) that are refused although their signature is valid. */
  readonly revokedTokenIds: readonly string[];
  /** Retention of the function and access logs, in days (a CloudWatch Logs value). */
  readonly logRetentionDays: RetentionDays;
  readonly logLevel: LogLevel;
  /** API Gateway default-stage throttling. */
  readonly throttling: Throttling;
  readonly customDomain?: CustomDomain;
  /** Where the stack's alarms are e-mailed (an SNS subscription the address must confirm). */
  readonly alarmEmail?: string;
}

export interface PublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg?: 'ES256';
  readonly use?: 'sig';
}

export interface PublicJwks {
  readonly keys: readonly PublicJwk[];
}

export interface Throttling {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst above the steady rate. */
  readonly burstLimit: number;
}

export interface CustomDomain {
  readonly domainName: string;
  /** ACM certificate for `domainName`, in the stack's region. */
  readonly certificateArn: string;
}

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const tenantDefaults = {
  logRetentionDays: RetentionDays.ONE_MONTH,
  logLevel: 'INFO',
  // Entra sends up to 25 requests per second per tenant and treats repeated 429s as a reason to
  // quarantine the job, so the defaults leave ample headroom.
  throttling: { rateLimit: 100, burstLimit: 200 },
} as const satisfies Partial<TenantConfig>;

/** The lowest steady rate that does not throttle Entra (it provisions at up to 25 requests/s). */
export const MIN_RATE_LIMIT = 25;

/**
 * Lambda's environment (all variables together) is limited to 4 KB; the keys and revoked ids
 * share it with the rest of the configuration, so they get at most this many bytes.
 */
export const MAX_TOKEN_SETTINGS_BYTES = 3_072;

export const TENANTS_DIR = fileURLToPath(new URL('./tenants/', import.meta.url));

const TENANT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const DOMAIN_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
// Deliberately loose: SNS and the mailbox decide; this catches a pasted name or a missing domain.
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
const ACM_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const JWK_MEMBERS = new Set(['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use', 'key_ops']);
/** Private members of EC, RSA and symmetric JWKs (RFC 7518 §6). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const TOP_LEVEL_FIELDS = new Set([
  'name',
  'entraTenantId',
  'tokenPublicKeys',
  'revokedTokenIds',
  'logRetentionDays',
  'logLevel',
  'throttling',
  'customDomain',
  'alarmEmail',
]);
const VALID_RETENTION_DAYS: readonly number[] = Object.values(RetentionDays).filter(
  (value): value is number => typeof value === 'number' && value !== RetentionDays.INFINITE,
);

/** Thrown when a tenant's configuration is invalid; the message names the tenant and every field. */
export class TenantConfigError extends Error {
  constructor(
    readonly tenant: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid configuration for tenant "${tenant}":\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'TenantConfigError';
  }
}

/** The names of the declared tenants (`infra/tenants/<name>.json`), sorted. */
export function declaredTenants(dir: string = TENANTS_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** Reads and validates one declared tenant; throws with the tenant name and field on error. */
export function loadTenant(name: string, dir: string = TENANTS_DIR): TenantConfig {
  const declared = declaredTenants(dir);
  if (!declared.includes(name)) {
    throw new Error(
      `Unknown tenant "${name}": declare it in infra/tenants/${name}.json (declared: ${declared.join(', ') || 'none'})`,
    );
  }
  const file = join(dir, `${name}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TenantConfigError(name, [`${file} is not valid JSON: ${(error as Error).message}`]);
  }
  return parseTenantConfig(raw, name);
}

/**
 * Validates a tenant configuration and fills in defaults. All problems are reported at once.
 *
 * @param raw the parsed JSON
 * @param expectedName the tenant the file is declared as; `name` must equal it
 */
export function parseTenantConfig(raw: unknown, expectedName?: string): TenantConfig {
  const label =
    expectedName ?? (isRecord(raw) && typeof raw.name === 'string' ? raw.name : '<unnamed>');
  if (!isRecord(raw)) throw new TenantConfigError(label, ['the configuration must be an object']);

  const problems: string[] = [];
  for (const field of Object.keys(raw)) {
    if (!TOP_LEVEL_FIELDS.has(field)) {
      problems.push(`${field} is not a known field (known: ${[...TOP_LEVEL_FIELDS].join(', ')})`);
    }
  }

  const name = raw.name;
  if (typeof name !== 'string' || !TENANT_NAME.test(name)) {
    problems.push(
      `name must be 1-32 characters of lower-case letters, digits and inner hyphens, got ${show(name)}`,
    );
  } else if (expectedName !== undefined && name !== expectedName) {
    problems.push(`name must equal the file name "${expectedName}", got "${name}"`);
  }

  const entraTenantId = raw.entraTenantId;
  if (
    entraTenantId !== undefined &&
    (typeof entraTenantId !== 'string' || !GUID.test(entraTenantId))
  ) {
    problems.push(
      `entraTenantId must be a GUID (the Entra directory id), got ${show(entraTenantId)}`,
    );
  }

  const tokenPublicKeys = checkJwks(raw.tokenPublicKeys, problems);
  const revokedTokenIds = checkRevokedTokenIds(raw.revokedTokenIds, problems);
  if (
    tokenPublicKeys &&
    revokedTokenIds &&
    Buffer.byteLength(JSON.stringify(tokenPublicKeys) + revokedTokenIds.join(','), 'utf8') >
      MAX_TOKEN_SETTINGS_BYTES
  ) {
    problems.push(
      `tokenPublicKeys and revokedTokenIds together exceed ${MAX_TOKEN_SETTINGS_BYTES} bytes (Lambda environment limit is 4 KB): drop retired keys and ids of expired tokens`,
    );
  }

  const logRetentionDays = raw.logRetentionDays ?? tenantDefaults.logRetentionDays;
  if (typeof logRetentionDays !== 'number' || !VALID_RETENTION_DAYS.includes(logRetentionDays)) {
    problems.push(
      `logRetentionDays must be one of ${VALID_RETENTION_DAYS.join(', ')}, got ${show(logRetentionDays)}`,
    );
  }

  const logLevel = raw.logLevel ?? tenantDefaults.logLevel;
  if (!(LOG_LEVELS as readonly unknown[]).includes(logLevel)) {
    problems.push(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${show(logLevel)}`);
  }

  const throttling = checkThrottling(raw.throttling, problems);
  const customDomain = checkCustomDomain(raw.customDomain, problems);

  const alarmEmail = raw.alarmEmail;
  if (
    alarmEmail !== undefined &&
    (typeof alarmEmail !== 'string' || alarmEmail.length > 254 || !EMAIL.test(alarmEmail))
  ) {
    problems.push(
      `alarmEmail must be one e-mail address such as ops@example.com, got ${show(alarmEmail)}`,
    );
  }

  if (problems.length > 0) throw new TenantConfigError(label, problems);
  return {
    name: name as string,
    ...(entraTenantId === undefined
      ? {}
      : { entraTenantId: (entraTenantId as string).toLowerCase() }),
    tokenPublicKeys: tokenPublicKeys!,
    revokedTokenIds: revokedTokenIds!,
    logRetentionDays: logRetentionDays as RetentionDays,
    logLevel: logLevel as LogLevel,
    throttling: throttling!,
    ...(customDomain === undefined ? {} : { customDomain }),
    ...(alarmEmail === undefined ? {} : { alarmEmail: alarmEmail as string }),
  };
}

function checkJwks(value: unknown, problems: string[]): PublicJwks | undefined {
  if (!isRecord(value) || !Array.isArray(value.keys) || value.keys.length === 0) {
    problems.push('tokenPublicKeys must be a JWKS object {"keys": [...]} with at least one key');
    return undefined;
  }
  const before = problems.length;
  const kids = new Set<string>();
  value.keys.forEach((key: unknown, index: number) => {
    const at = `tokenPublicKeys.keys[${index}]`;
    if (!isRecord(key)) {
      problems.push(`${at} must be a JWK object`);
      return;
    }
    const secrets = PRIVATE_JWK_MEMBERS.filter((member) => member in key);
    if (secrets.length > 0) {
      // Checked first: a private key in the repository is the one mistake that must never deploy.
      problems.push(
        `${at} contains private key material (${secrets.map((s) => `"${s}"`).join(', ')}): configure public keys only and keep the private key with the operator`,
      );
      return;
    }
    for (const member of Object.keys(key)) {
      if (!JWK_MEMBERS.has(member)) problems.push(`${at}.${member} is not an allowed JWK member`);
    }
    if (key.kty !== 'EC' || key.crv !== 'P-256') {
      problems.push(`${at} must be an ES256 key (kty "EC", crv "P-256")`);
    }
    if (key.alg !== undefined && key.alg !== 'ES256') {
      problems.push(`${at}.alg must be "ES256" when present, got ${show(key.alg)}`);
    }
    if (key.use !== undefined && key.use !== 'sig') {
      problems.push(`${at}.use must be "sig" when present, got ${show(key.use)}`);
    }
    for (const coordinate of ['x', 'y'] as const) {
      if (!isP256Coordinate(key[coordinate])) {
        problems.push(`${at}.${coordinate} must be a base64url-encoded 32-byte P-256 coordinate`);
      }
    }
    if (typeof key.kid !== 'string' || key.kid.trim() === '') {
      problems.push(`${at}.kid is required: tokens name their key by kid`);
    } else if (kids.has(key.kid)) {
      problems.push(`${at}.kid "${key.kid}" is used by another key`);
    } else {
      kids.add(key.kid);
    }
  });
  if (problems.length > before) return undefined;
  return {
    keys: (value.keys as Record<string, unknown>[]).map(
      (key) =>
        Object.fromEntries(
          Object.entries(key).filter(([member]) => JWK_MEMBERS.has(member)),
        ) as unknown as PublicJwk,
    ),
  };
}

function checkRevokedTokenIds(value: unknown, problems: string[]): string[] | undefined {
  const ids = value ?? [];
  if (!Array.isArray(ids)) {
    problems.push(`revokedTokenIds must be a list of token ids (jti), got ${show(value)}`);
    return undefined;
  }
  const before = problems.length;
  ids.forEach((id: unknown, index: number) => {
    // The functions receive the list comma-separated.
    if (typeof id !== 'string' || id.trim() === '' || id.includes(',') || id !== id.trim()) {
      problems.push(
        `revokedTokenIds[${index}] must be a non-empty token id without commas or surrounding spaces, got ${show(id)}`,
      );
    }
  });
  return problems.length > before ? undefined : [...new Set(ids as string[])];
}

function checkThrottling(value: unknown, problems: string[]): Throttling | undefined {
  const throttling = value ?? tenantDefaults.throttling;
  if (!isRecord(throttling)) {
    problems.push(`throttling must be an object {rateLimit, burstLimit}, got ${show(value)}`);
    return undefined;
  }
  const rateLimit = throttling.rateLimit ?? tenantDefaults.throttling.rateLimit;
  const burstLimit = throttling.burstLimit ?? tenantDefaults.throttling.burstLimit;
  const before = problems.length;
  for (const field of Object.keys(throttling)) {
    if (field !== 'rateLimit' && field !== 'burstLimit') {
      problems.push(`throttling.${field} is not a known field (known: rateLimit, burstLimit)`);
    }
  }
  if (typeof rateLimit !== 'number' || !Number.isFinite(rateLimit) || rateLimit < MIN_RATE_LIMIT) {
    problems.push(
      `throttling.rateLimit must be a number of at least ${MIN_RATE_LIMIT} requests per second (Entra provisions at up to 25/s), got ${show(rateLimit)}`,
    );
  }
  if (typeof burstLimit !== 'number' || !Number.isInteger(burstLimit) || burstLimit < 1) {
    problems.push(`throttling.burstLimit must be a positive integer, got ${show(burstLimit)}`);
  } else if (typeof rateLimit === 'number' && burstLimit < rateLimit) {
    problems.push(
      `throttling.burstLimit (${burstLimit}) must be at least throttling.rateLimit (${rateLimit})`,
    );
  }
  return problems.length > before
    ? undefined
    : { rateLimit: rateLimit as number, burstLimit: burstLimit as number };
}

function checkCustomDomain(value: unknown, problems: string[]): CustomDomain | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    problems.push(
      `customDomain must be an object {domainName, certificateArn}, got ${show(value)}`,
    );
    return undefined;
  }
  const before = problems.length;
  if (typeof value.domainName !== 'string' || !DOMAIN_NAME.test(value.domainName)) {
    problems.push(
      `customDomain.domainName must be a lower-case DNS name such as scim.example.com, got ${show(value.domainName)}`,
    );
  }
  if (typeof value.certificateArn !== 'string' || !ACM_CERTIFICATE_ARN.test(value.certificateArn)) {
    problems.push(
      `customDomain.certificateArn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>), got ${show(value.certificateArn)}`,
    );
  }
  for (const field of Object.keys(value)) {
    if (field !== 'domainName' && field !== 'certificateArn') {
      problems.push(
        `customDomain.${field} is not a known field (known: domainName, certificateArn)`,
      );
    }
  }
  return problems.length > before
    ? undefined
    : { domainName: value.domainName as string, certificateArn: value.certificateArn as string };
}

function isP256Coordinate(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    BASE64URL.test(value) &&
    Buffer.from(value, 'base64url').length === 32
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
