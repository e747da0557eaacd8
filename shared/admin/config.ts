/**
 * The integration page's configuration, read once per function instance and failing fast. The
 * CDK stack sets these variables from the tenant's settings; `npm start` and the tests set them
 * for the local OpenID provider.
 */

/** Who may sign in besides being a user of the tenant's own directory. */
export type AdminRole =
  /** An app role of the page's app registration, found in the ID token's `roles` claim. */
  | { readonly kind: 'appRole'; readonly value: string }
  /**
   * A directory role by its template id (Application Administrator is
   * `9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3`), found in the ID token's `wids` claim.
   */
  | { readonly kind: 'directoryRole'; readonly value: string };

export interface AdminConfig {
  /** The GroupTalk tenant (its id, as in tokens and log lines). */
  readonly tenant: string;
  /** The tenant's name as its administrators know it. */
  readonly tenantDisplayName: string;
  /** The customer's Entra directory (tenant) id: only its users may sign in (`tid`). */
  readonly entraTenantId: string;
  /** The OpenID issuer: Entra's v2.0 endpoint of that directory unless a test provider stands in. */
  readonly issuer: string;
  /** The page's app registration in the customer's Entra (a public client: PKCE, no secret). */
  readonly clientId: string;
  readonly role: AdminRole;
  /** Session lifetime; the customer signs in again after it. */
  readonly sessionMinutes: number;
  /**
   * 32 random bytes (base64url) sealing the session cookies (`ADMIN_SESSION_KEY`: `npm start`,
   * tests). When neither it nor `sessionKmsKeyId` is set, a key generated into the tenant's table on
   * first use seals them (see `shared/store/admin-items.ts`; local runs only).
   */
  readonly sessionKey?: Uint8Array;
  /**
   * In AWS (`ADMIN_SESSION_KMS_KEY_ID`, set by the stack on the page's functions only): the fleet
   * KMS HMAC key the sealing key is derived from (`shared/credentials/tenant-keys.ts`, purpose
   * `admin-session`). Nothing is then read from or written to the table.
   */
  readonly sessionKmsKeyId?: string;
  /** Where the reports read the request records: a local JSON-lines file… */
  readonly requestLogFile?: string;
  /** …or, in AWS, the CloudWatch log groups of the tenant's SCIM functions. */
  readonly requestLogGroups: readonly string[];
}

function optional(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

function required(name: string): string {
  const value = optional(name);
  if (value === undefined) throw new Error(`${name} environment variable is not set`);
  return value;
}

/**
 * Parses `appRole:<value>` or `directoryRole:<template id>`.
 *
 * @example parseAdminRole('appRole:GroupTalk.Admin') // { kind: 'appRole', value: 'GroupTalk.Admin' }
 */
export function parseAdminRole(text: string): AdminRole {
  const at = text.indexOf(':');
  const kind = text.slice(0, at);
  const value = text.slice(at + 1).trim();
  if (at < 0 || value === '' || (kind !== 'appRole' && kind !== 'directoryRole')) {
    throw new Error(
      `ADMIN_ROLE must be appRole:<app role value> or directoryRole:<role template id>, got ${text}`,
    );
  }
  return { kind, value };
}

function sessionKey(): Uint8Array | undefined {
  const text = optional('ADMIN_SESSION_KEY');
  if (text === undefined) return undefined;
  const key = Buffer.from(text, 'base64url');
  if (key.length !== 32) throw new Error('ADMIN_SESSION_KEY must be 32 bytes, base64url-encoded');
  return new Uint8Array(key);
}

/** Reads the page's configuration from the environment; throws naming the first missing one. */
export function readAdminConfig(): AdminConfig {
  const tenant = required('TENANT');
  const entraTenantId = required('ADMIN_ENTRA_TENANT_ID');
  const minutes = Number(optional('ADMIN_SESSION_MINUTES') ?? 60);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 720) {
    throw new Error('ADMIN_SESSION_MINUTES must be a whole number of minutes from 1 to 720');
  }
  const sessionKmsKeyId = optional('ADMIN_SESSION_KMS_KEY_ID');
  const configuredKey = sessionKey();
  if (sessionKmsKeyId !== undefined && configuredKey !== undefined) {
    throw new Error('The page takes ADMIN_SESSION_KMS_KEY_ID or ADMIN_SESSION_KEY, not both');
  }
  return {
    tenant,
    tenantDisplayName: optional('TENANT_DISPLAY_NAME') ?? tenant,
    entraTenantId,
    issuer:
      optional('ADMIN_OIDC_ISSUER') ?? `https://login.microsoftonline.com/${entraTenantId}/v2.0`,
    clientId: required('ADMIN_CLIENT_ID'),
    role: parseAdminRole(required('ADMIN_ROLE')),
    sessionMinutes: minutes,
    ...(configuredKey ? { sessionKey: configuredKey } : {}),
    ...(sessionKmsKeyId ? { sessionKmsKeyId } : {}),
    requestLogFile: optional('REQUEST_LOG_FILE'),
    requestLogGroups: (optional('REQUEST_LOG_GROUPS') ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  };
}

let cached: AdminConfig | undefined;
/** The configuration of this function instance (read on first use). */
export function adminConfig(): AdminConfig {
  cached ??= readAdminConfig();
  return cached;
}
