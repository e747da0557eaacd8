import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';

/**
 * The fleet's declarations: `infra/fleet.json` (where the fleet lives, once per account and
 * region) and one JSON file per customer tenant in `infra/tenants/`. Validated here with zod, in
 * infra only (nothing here is bundled into a function). Non-secret settings only: public keys,
 * never private ones. Every problem of a file is reported at once.
 */

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `LOG_IDENTIFIERS` of the tenant's functions (`shared/http/log-identifiers.ts`). */
export const LOG_IDENTIFIER_MODES = ['clear', 'hmac'] as const;

/** The lowest steady rate that does not throttle Entra (it provisions at up to 25 requests/s). */
export const MIN_RATE_LIMIT = 25;

/**
 * Lambda's environment (all variables together) is limited to 4 KB; the keys and revoked ids
 * share it with the rest of the configuration, so they get at most this many bytes.
 */
export const MAX_TOKEN_SETTINGS_BYTES = 3_072;

/**
 * Worst-case duration of a request function (its timeout, see `SCIM_TIMEOUT`): with API Gateway
 * throttling it bounds how much of the account's Lambda concurrency one tenant can hold.
 */
export const REQUEST_TIMEOUT_SECONDS = 10;

/**
 * Requests a cycle may have in flight at once beyond the steady rate: Entra's job sends its
 * requests in parallel (how many is not documented, entra-scim-facts §3.4), so the burst leaves
 * room for one such wave on top of the rate before API Gateway answers 429 (which Entra retries
 * only in a later cycle).
 */
export const CYCLE_BURST = 100;

/** The Lambda concurrency one tenant may hold at most, by default (`maxTenantConcurrency`). */
export const DEFAULT_TENANT_CONCURRENCY = 600;

/**
 * A tenant's stage throttling derived from its share of the cell's Lambda concurrency: the burst
 * for a cycle's parallel requests, and the highest steady rate whose worst case (every request
 * running to its timeout) stays within the share: share = burst + rate × timeout. Refused when
 * the share cannot give Entra the 25 requests per second Microsoft's gallery requirements ask a
 * vendor to accept (entra-scim-facts §3.4, S-GALREQ).
 */
export function throttlingForShare(share: number): { rateLimit: number; burstLimit: number } {
  const rateLimit = Math.floor((share - CYCLE_BURST) / REQUEST_TIMEOUT_SECONDS);
  if (rateLimit < MIN_RATE_LIMIT) {
    throw new Error(
      `a tenant's share of ${share} concurrent functions allows ${Math.max(rateLimit, 0)} requests/s after a burst of ${CYCLE_BURST} (${REQUEST_TIMEOUT_SECONDS} s timeout), below the ${MIN_RATE_LIMIT}/s Entra must get: raise maxTenantConcurrency to at least ${CYCLE_BURST + MIN_RATE_LIMIT * REQUEST_TIMEOUT_SECONDS}`,
    );
  }
  return { rateLimit, burstLimit: CYCLE_BURST };
}

export const tenantDefaults = {
  logRetentionDays: RetentionDays.ONE_MONTH,
  logLevel: 'INFO',
  // Derived from the default share: (600 − 100) / 10 s = 50 requests/s with a burst of 100, twice
  // the 25/s Entra needs (see `throttlingForShare` and `tenantConcurrencyBound`).
  throttling: throttlingForShare(DEFAULT_TENANT_CONCURRENCY),
} as const;

export const TENANTS_DIR = fileURLToPath(new URL('./tenants/', import.meta.url));
export const FLEET_FILE = fileURLToPath(new URL('./fleet.json', import.meta.url));

const TENANT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const DOMAIN_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
// Deliberately loose: SNS and the mailbox decide; this catches a pasted name or a missing domain.
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
const ACM_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const ACCOUNT = /^\d{12}$/;
const CELL_ID = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
/** Private members of EC, RSA and symmetric JWKs (RFC 7518 §6). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const VALID_RETENTION_DAYS: readonly number[] = Object.values(RetentionDays).filter(
  (value): value is number => typeof value === 'number' && value !== RetentionDays.INFINITE,
);

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** A zod error message that quotes what was given. */
const got = (message: string) => ({
  error: (issue: { input?: unknown }) => `${message}, got ${show(issue.input)}`,
});

const account = z
  .string(got('must be a 12-digit AWS account id'))
  .regex(ACCOUNT, got('must be a 12-digit AWS account id'));
const region = z
  .string(got('must be an AWS region such as eu-west-1'))
  .regex(REGION, got('must be an AWS region such as eu-west-1'));
const email = z
  .string(got('must be one e-mail address such as ops@example.com'))
  .max(254, got('must be one e-mail address such as ops@example.com'))
  .regex(EMAIL, got('must be one e-mail address such as ops@example.com'));

const p256Coordinate = z
  .string()
  .refine(
    (value) => BASE64URL.test(value) && Buffer.from(value, 'base64url').length === 32,
    'must be a base64url-encoded 32-byte P-256 coordinate',
  );

const publicJwk = z
  .strictObject(
    {
      kty: z.literal('EC'),
      crv: z.literal('P-256'),
      x: p256Coordinate,
      y: p256Coordinate,
      kid: z.string(),
      alg: z.literal('ES256', got('must be "ES256" when present')).optional(),
      use: z.literal('sig', got('must be "sig" when present')).optional(),
      key_ops: z.array(z.string()).optional(),
    },
    // Reported per member below with the JWK's own wording.
    { error: 'is not an allowed JWK member' },
  )
  .transform(({ key_ops: _keyOps, ...key }) => key);
export type PublicJwk = z.output<typeof publicJwk>;

/** Checks a JWK by hand where a plain schema would word it badly (private keys, kty/crv, kid). */
const jwkEntry = z.unknown().superRefine((key, ctx) => {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) {
    ctx.addIssue({ code: 'custom', message: 'must be a JWK object' });
    return z.NEVER;
  }
  const record = key as Record<string, unknown>;
  const secrets = PRIVATE_JWK_MEMBERS.filter((member) => member in record);
  if (secrets.length > 0) {
    // Checked first: a private key in the repository is the one mistake that must never deploy.
    ctx.addIssue({
      code: 'custom',
      message: `contains private key material (${secrets.map((s) => `"${s}"`).join(', ')}): configure public keys only and keep the private key with the operator`,
    });
    return z.NEVER;
  }
  if (record.kty !== 'EC' || record.crv !== 'P-256') {
    ctx.addIssue({ code: 'custom', message: 'must be an ES256 key (kty "EC", crv "P-256")' });
  }
  if (typeof record.kid !== 'string' || record.kid.trim() === '') {
    ctx.addIssue({
      code: 'custom',
      path: ['kid'],
      message: 'is required: tokens name their key by kid',
    });
  }
});

const tokenPublicKeys = z
  .object(
    {
      keys: z.array(jwkEntry.pipe(publicJwk)),
    },
    { error: 'must be a JWKS object {"keys": [...]} with at least one key' },
  )
  .superRefine(({ keys }, ctx) => {
    if (keys.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a JWKS object {"keys": [...]} with at least one key',
      });
    }
    const seen = new Set<string>();
    keys.forEach((key, index) => {
      if (seen.has(key.kid)) {
        ctx.addIssue({
          code: 'custom',
          path: ['keys', index, 'kid'],
          message: `"${key.kid}" is used by another key`,
        });
      }
      seen.add(key.kid);
    });
  });

const revokedTokenId = z.string().refine(
  // The functions receive the list comma-separated.
  (id) => id.trim() !== '' && !id.includes(',') && id === id.trim(),
  {
    error: (issue) =>
      `must be a non-empty token id without commas or surrounding spaces, got ${show(issue.input)}`,
  },
);

const throttling = z
  .strictObject({
    rateLimit: z
      .number(
        got(
          `must be a number of at least ${MIN_RATE_LIMIT} requests per second (Entra provisions at up to 25/s)`,
        ),
      )
      .min(
        MIN_RATE_LIMIT,
        got(
          `must be a number of at least ${MIN_RATE_LIMIT} requests per second (Entra provisions at up to 25/s)`,
        ),
      )
      .default(tenantDefaults.throttling.rateLimit),
    burstLimit: z
      .number(got('must be a positive integer'))
      .int(got('must be a positive integer'))
      .min(1, got('must be a positive integer'))
      .default(tenantDefaults.throttling.burstLimit),
  })
  .default({ ...tenantDefaults.throttling });

const customDomain = z.strictObject(
  {
    domainName: z
      .string()
      .regex(DOMAIN_NAME, got('must be a lower-case DNS name such as scim.example.com')),
    certificateArn: z
      .string()
      .regex(
        ACM_CERTIFICATE_ARN,
        got('must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)'),
      ),
    /**
     * Step 1 of a switch to a custom domain keeps the execute-api URL Entra uses today; once the
     * operator has seen Entra use the new one, step 2 sets `retire` and deploys again.
     */
    executeApiEndpoint: z.enum(['keep', 'retire']).default('keep'),
  },
  { error: (issue) => `must be an object {domainName, certificateArn}, got ${show(issue.input)}` },
);

const alarmsObject = z.strictObject(
  { email: email.optional() },
  got('must be true, false or {"email": …}'),
);
/** `true` or `{}`: alarms to the fleet topic; `{"email": …}`: to a topic of the tenant's own. */
const tenantAlarms = z.preprocess(
  (value: unknown): unknown => (value === true ? {} : value === false ? undefined : value),
  alarmsObject.optional(),
);

/**
 * The customer's integration page (`/admin`): the page's app registration in the customer's Entra
 * and who may sign in. Absent: the tenant's stack serves no page.
 */
const adminPage = z.strictObject(
  {
    /** The app registration's Application (client) id. */
    clientId: z.string().regex(GUID, got('must be a GUID (the Application (client) ID)')),
    /** The customer's directory; defaults to the tenant's `entraTenantId`. */
    entraTenantId: z
      .string()
      .regex(GUID, got('must be a GUID (the Entra directory id)'))
      .transform((id) => id.toLowerCase())
      .optional(),
    /** `appRole:<value>` or `directoryRole:<role template id>`. */
    role: z
      .string()
      .regex(
        /^(appRole|directoryRole):\S.{0,119}$/,
        got('must be appRole:<app role value> or directoryRole:<role template id>'),
      ),
    /** The tenant's name as the customer knows it; the tenant id by default. */
    displayName: z.string().min(1).max(120).optional(),
    sessionMinutes: z.number().int().min(1).max(720).default(60),
  },
  got('must be an object {clientId, role, entraTenantId?, displayName?, sessionMinutes?}'),
);

/** The schema of `infra/tenants/<name>.json`; everything but `name` has a default. */
export const tenantSchema = z
  .strictObject({
    /** Lower-case tenant id: stack name suffix, token audience, log field and metric dimension. */
    name: z
      .string()
      .regex(
        TENANT_NAME,
        got('must be 1-32 characters of lower-case letters, digits and inner hyphens'),
      ),
    /**
     * The cell (`infra/fleet.json` `cells[].id`) the tenant lives in: its account and region.
     * `npm run tenant -- add` picks one with room.
     */
    cell: z
      .string(got('must be the id of a cell declared in infra/fleet.json'))
      .regex(CELL_ID, got('must be the id of a cell declared in infra/fleet.json'))
      .optional(),
    /** Where the tenant's stack goes; each defaults to its cell's, else the fleet's. */
    account: account.optional(),
    region: region.optional(),
    /** Canary tenants are deployed first, one at a time, before the rest of the fleet. */
    canary: z.boolean().default(false),
    /** When set, tokens issued by this Entra tenant are accepted as well as the service's own. */
    entraTenantId: z
      .string()
      .regex(GUID, got('must be a GUID (the Entra directory id)'))
      .transform((id) => id.toLowerCase())
      .optional(),
    /** Pins the `appid` an Entra-issued token must carry (the provisioning service's). */
    entraAppId: z
      .string()
      .regex(GUID, got('must be a GUID (the appid of the provisioning sign-ins)'))
      .optional(),
    /** Pins the `oid` an Entra-issued token must carry (the provisioning service principal). */
    entraObjectId: z
      .string()
      .regex(GUID, got('must be a GUID (the object id of the provisioning service principal)'))
      .optional(),
    /**
     * Public keys (JWKS) that verify Secret Tokens signed outside KMS (before the move to the
     * registry); `kid` allows rotation. Each such token must also be registered (README, migration).
     */
    tokenPublicKeys: tokenPublicKeys.default({ keys: [] }),
    /**
     * The fleet's token-signing KMS keys (ARNs, ECC_NIST_P256): the first signs new tokens, all
     * verify (rotation: prepend the new key; drop an old one once nothing it signed is in use).
     */
    tokenKmsKeyArns: z
      .array(
        z.string().regex(KMS_KEY_ARN, got('must be a KMS key ARN (arn:aws:kms:…:key/<id>)')),
        got('must be a list of KMS key ARNs'),
      )
      .default([]),
    /**
     * Gone: revocation is in the credential registry now (`npm run token -- revoke`). Kept only
     * to refuse a non-empty list with the migration's pointer.
     */
    revokedTokenIds: z
      .array(revokedTokenId, got('must be a list of token ids (jti)'))
      .max(0, {
        error:
          'is no longer read: tokens are refused unless registered; register the ones that must keep working (npm run token -- import) and delete this list',
      })
      .default([]),
    /** Retention of the function and access logs, in days (a CloudWatch Logs value). */
    logRetentionDays: z
      .number()
      .refine((days) => VALID_RETENTION_DAYS.includes(days), {
        error: (issue) =>
          `must be one of ${VALID_RETENTION_DAYS.join(', ')}, got ${show(issue.input)}`,
      })
      .default(tenantDefaults.logRetentionDays)
      .transform((days) => days as RetentionDays),
    logLevel: z.enum(LOG_LEVELS, got(`must be one of ${LOG_LEVELS.join(', ')}`)).default('INFO'),
    /**
     * How log lines write the personal identifiers (userName, displayName, externalId): as sent
     * (`clear`), or as a keyed hash under the tenant's own key (`hmac`), derived from the fleet's
     * KMS HMAC key (docs/operator-guide.md §5, "Personal data in a log line").
     */
    logIdentifiers: z
      .enum(LOG_IDENTIFIER_MODES, got(`must be one of ${LOG_IDENTIFIER_MODES.join(', ')}`))
      .default('clear'),
    /** API Gateway default-stage throttling. */
    throttling,
    customDomain: customDomain.optional(),
    /**
     * The tenant's own alarms (billed per tenant, see README): `true` sends them to the fleet's
     * alarm topic, `{"email": …}` to a topic of the tenant's own with that subscription.
     */
    alarms: tenantAlarms,
    admin: adminPage.optional(),
  })
  .superRefine((tenant, ctx) => {
    if (tenant.entraTenantId && !tenant.entraAppId && !tenant.entraObjectId) {
      // Entra's tokens for custom apps share one audience: unpinned, any app-only token of the
      // customer's directory would pass (issue 21).
      ctx.addIssue({
        code: 'custom',
        path: ['entraAppId'],
        message:
          "or entraObjectId is needed with entraTenantId (Entra-issued tokens must name their caller): in the customer's Microsoft Entra admin center, Entra ID > Enterprise apps > All applications > the GroupTalk application > Properties: Application ID (entraAppId), Object ID (entraObjectId)",
      });
    }
    if (tenant.admin && !tenant.admin.entraTenantId && !tenant.entraTenantId) {
      ctx.addIssue({
        code: 'custom',
        path: ['admin', 'entraTenantId'],
        message:
          "is needed (or the tenant's entraTenantId): only users of that directory may sign in",
      });
    }
    const { rateLimit, burstLimit } = tenant.throttling;
    if (burstLimit < rateLimit) {
      ctx.addIssue({
        code: 'custom',
        path: ['throttling', 'burstLimit'],
        message: `(${burstLimit}) must be at least throttling.rateLimit (${rateLimit})`,
      });
    }
    const settings = JSON.stringify(tenant.tokenPublicKeys) + tenant.tokenKmsKeyArns.join(',');
    if (Buffer.byteLength(settings, 'utf8') > MAX_TOKEN_SETTINGS_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `tokenPublicKeys and tokenKmsKeyArns together exceed ${MAX_TOKEN_SETTINGS_BYTES} bytes (Lambda environment limit is 4 KB): drop retired keys`,
      });
    }
  });

/** A declared tenant, defaults filled in (account and region may still come from the fleet). */
export type TenantConfig = z.output<typeof tenantSchema>;
export type Throttling = TenantConfig['throttling'];
export type CustomDomain = NonNullable<TenantConfig['customDomain']>;
export type PublicJwks = TenantConfig['tokenPublicKeys'];

/**
 * A cell: one AWS account and region with its own fleet stack, holding at most the tenants its
 * binding quota allows (`npm run fleet -- plan`, `infra/fleet-plan.ts`).
 */
const cellSchema = z.strictObject(
  {
    id: z
      .string()
      .regex(
        CELL_ID,
        got('must be 1-32 characters of lower-case letters, digits and inner hyphens'),
      ),
    account,
    region,
    /**
     * APIs the account and region hold besides the tenants' (other applications, REST or HTTP):
     * they share the 600 Regional APIs per region the plan counts as binding.
     */
    otherApis: z.number().int().min(0).default(50),
  },
  got('must be an object {id, account, region, otherApis?}'),
);
export type CellConfig = z.output<typeof cellSchema>;

/** The schema of `infra/fleet.json`: the account and region every tenant inherits, and more. */
export const fleetSchema = z.strictObject({
  /** Account and region of the fleet stack and of every tenant that names none. */
  account,
  region,
  /** Where the fleet's alarms are e-mailed (an SNS subscription the address must confirm). */
  alarmEmail: email.optional(),
  /** The account's Lambda concurrency quota ("Concurrent executions"), for the fleet alarm. */
  accountConcurrency: z.number().int().min(100).default(1_000),
  /** Share of `accountConcurrency` at which the fleet alarm fires. */
  concurrencyAlarmPercent: z.number().min(1).max(100).default(80),
  /**
   * What one tenant may hold of the account's concurrency at worst:
   * burstLimit + rateLimit × REQUEST_TIMEOUT_SECONDS must stay within it.
   */
  maxTenantConcurrency: z.number().int().min(1).default(DEFAULT_TENANT_CONCURRENCY),
  /** Stacks deployed at once after the canaries (`npm run deploy -- --concurrency` overrides). */
  deployConcurrency: z.number().int().min(1).max(10).default(4),
  /**
   * The declared cells, in the order new tenants fill them. Absent: one cell, `default`, at the
   * fleet's account and region.
   */
  cells: z
    .array(cellSchema, got('must be a list of cells {id, account, region}'))
    .min(1, got('must declare at least one cell'))
    .optional(),
});
export type FleetConfig = z.output<typeof fleetSchema>;

/** A tenant with the place its stack goes resolved: its own account and region, or the fleet's. */
export type PlacedTenant = TenantConfig & { readonly account: string; readonly region: string };

/** Thrown when a declaration is invalid; the message names the tenant and every field. */
export class TenantConfigError extends Error {
  constructor(
    readonly tenant: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid configuration for ${tenant === 'fleet' ? 'the fleet' : `tenant "${tenant}"`}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'TenantConfigError';
  }
}

/** `tokenPublicKeys.keys[0].kid`: the path of an issue as a reader writes it. */
function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

function problemsOf(error: z.ZodError, knownFields: readonly string[]): string[] {
  return error.issues.flatMap((issue) => {
    const at = pathOf(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const field = at ? `${at}.${key}` : key;
        return at.startsWith('tokenPublicKeys')
          ? `${field} is not an allowed JWK member`
          : `${field} is not a known field${at ? '' : ` (known: ${knownFields.join(', ')})`}`;
      });
    }
    return [at ? `${at} ${issue.message}` : issue.message];
  });
}

function parseWith<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  label: string,
  knownFields: readonly string[],
): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new TenantConfigError(label, problemsOf(result.error, knownFields));
  return result.data;
}

/**
 * Validates a tenant configuration and fills in defaults. All problems are reported at once.
 *
 * @param raw the parsed JSON
 * @param expectedName the tenant the file is declared as; `name` must equal it
 */
export function parseTenantConfig(raw: unknown, expectedName?: string): TenantConfig {
  const record = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : undefined;
  const name = (record as { name?: unknown } | undefined)?.name;
  const label = expectedName ?? (typeof name === 'string' ? name : '<unnamed>');
  if (!record) throw new TenantConfigError(label, ['the configuration must be an object']);
  const schema =
    expectedName === undefined
      ? tenantSchema
      : tenantSchema.refine((tenant) => tenant.name === expectedName, {
          path: ['name'],
          error: (issue) =>
            `must equal the file name "${expectedName}", got ${show((issue.input as { name?: unknown }).name)}`,
          when: (payload) => (payload.value as { name?: unknown }).name !== undefined,
        });
  const tenant = parseWith(schema, raw, label, Object.keys(tenantSchema.shape));
  if (!('throttling' in record)) defaultThrottling.add(tenant);
  return tenant;
}

/** Tenants whose file sets no `throttling`: theirs is derived from the fleet's share. */
const defaultThrottling = new WeakSet<TenantConfig>();

/** Validates the fleet configuration (`infra/fleet.json`). */
export function parseFleetConfig(raw: unknown): FleetConfig {
  return parseWith(fleetSchema, raw, 'fleet', Object.keys(fleetSchema.shape));
}

function readJson(file: string, label: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TenantConfigError(label, [`${file} is not valid JSON: ${(error as Error).message}`]);
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
  return parseTenantConfig(readJson(join(dir, `${name}.json`), name), name);
}

/** Reads and validates the fleet configuration. */
export function loadFleet(file: string = FLEET_FILE): FleetConfig {
  return parseFleetConfig(readJson(file, 'fleet'));
}

/** The id of the implicit cell of a fleet that declares none: the fleet's account and region. */
export const DEFAULT_CELL_ID = 'default';

/** The fleet's cells: those declared, else one at the fleet's account and region. */
export function fleetCells(fleet: FleetConfig): CellConfig[] {
  const cells = fleet.cells ?? [
    { id: DEFAULT_CELL_ID, account: fleet.account, region: fleet.region, otherApis: 50 },
  ];
  const seen = new Map<string, string>();
  for (const cell of cells) {
    const place = `${cell.account}/${cell.region}`;
    if (seen.has(cell.id) || [...seen.values()].includes(place)) {
      throw new TenantConfigError('fleet', [
        `cells: "${cell.id}" (${place}) repeats a cell id or an account and region: a cell is one account and region`,
      ]);
    }
    seen.set(cell.id, place);
  }
  return cells;
}

/**
 * The cell a tenant lives in: the one it names, else the one at its own account and region
 * (tenants declared before cells keep theirs), else the first cell. Throws when the named cell is
 * not declared or contradicts the tenant's own account or region.
 */
export function cellOf(tenant: TenantConfig, fleet: FleetConfig): CellConfig {
  const cells = fleetCells(fleet);
  if (tenant.cell) {
    const cell = cells.find((c) => c.id === tenant.cell);
    if (!cell) {
      throw new TenantConfigError(tenant.name, [
        `cell "${tenant.cell}" is not declared in infra/fleet.json (cells: ${cells.map((c) => c.id).join(', ')})`,
      ]);
    }
    if (
      (tenant.account && tenant.account !== cell.account) ||
      (tenant.region && tenant.region !== cell.region)
    ) {
      throw new TenantConfigError(tenant.name, [
        `account/region ${tenant.account ?? '-'}/${tenant.region ?? '-'} contradict cell "${cell.id}" (${cell.account}/${cell.region})`,
      ]);
    }
    return cell;
  }
  const account = tenant.account ?? fleet.account;
  const region = tenant.region ?? fleet.region;
  const same = cells.find((c) => c.account === account && c.region === region);
  if (same) return same;
  // A fleet without declared cells keeps what it always did: each account and region is a cell.
  if (!fleet.cells) return { id: `${account}-${region}`, account, region, otherApis: 50 };
  if (tenant.account || tenant.region) {
    throw new TenantConfigError(tenant.name, [
      `${account}/${region} is no declared cell: declare it in infra/fleet.json cells, or name a cell`,
    ]);
  }
  return cells[0]!;
}

/** The tenant's account and region: its cell's (its own, where it names them, are the same). */
export function placeTenant(tenant: TenantConfig, fleet: FleetConfig): PlacedTenant {
  const cell = cellOf(tenant, fleet);
  return {
    ...tenant,
    // No throttling of its own: derived from the share each tenant has of the cell's concurrency.
    ...(defaultThrottling.has(tenant)
      ? { throttling: throttlingForShare(fleet.maxTenantConcurrency) }
      : {}),
    cell: cell.id,
    account: cell.account,
    region: cell.region,
  };
}

/**
 * The most Lambda concurrency one tenant can hold: API Gateway admits at most `burstLimit` at once
 * plus `rateLimit` a second, and each request function ends within its timeout.
 */
export function tenantConcurrencyBound(throttling: Throttling): number {
  return Math.ceil(throttling.burstLimit + throttling.rateLimit * REQUEST_TIMEOUT_SECONDS);
}

/** Problems of a tenant against the fleet it joins (what one file alone cannot tell). */
export function checkTenantInFleet(tenant: TenantConfig, fleet: FleetConfig): void {
  const bound = tenantConcurrencyBound(tenant.throttling);
  if (bound > fleet.maxTenantConcurrency) {
    throw new TenantConfigError(tenant.name, [
      `throttling allows ${bound} concurrent functions (burstLimit + rateLimit × ${REQUEST_TIMEOUT_SECONDS} s), more than the fleet's maxTenantConcurrency (${fleet.maxTenantConcurrency})`,
    ]);
  }
}
