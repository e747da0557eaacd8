/**
 * The integration page on this machine: a local OpenID provider standing in for the customer's
 * Entra ID (its test administrator signs in at once), a persistent cookie-sealing key in
 * `.local/keys/` (mode 0600), and the request records appended to `.local/logs/requests.jsonl`
 * for the reports. `npm start` and the browser test use it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  LOCAL_ADMIN_ROLE,
  LOCAL_CLIENT_ID,
  LOCAL_DIRECTORY_ID,
  LOCAL_USERS,
  type LocalOidcProvider,
  startLocalOidcProvider,
} from './oidc-provider.js';
import { appendRequestRecords } from './request-log-file.js';

export interface LocalAdminOptions {
  /** JSON-lines file of the request records (created with mode 0600). */
  readonly requestLogFile: string;
  /** Where the cookie-sealing key is kept; a fresh key per run when undefined. */
  readonly sessionKeyFile?: string;
  /** The local provider's port; any free one by default. */
  readonly oidcPort?: number;
  readonly tenantDisplayName?: string;
}

export interface LocalAdmin {
  readonly provider: LocalOidcProvider;
  /** Who signs in when the browser names nobody. */
  readonly testAdministrator: string;
  /** The environment the admin functions read (set it before their first request). */
  readonly environment: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/** Starts the provider and the record file; returns the admin functions' environment. */
export async function startLocalAdmin(options: LocalAdminOptions): Promise<LocalAdmin> {
  const provider = await startLocalOidcProvider(options.oidcPort ?? 0);
  const stopRecords = appendRequestRecords(options.requestLogFile);
  return {
    provider,
    testAdministrator: LOCAL_USERS.admin.username,
    environment: {
      ADMIN_OIDC_ISSUER: provider.issuer,
      ADMIN_ENTRA_TENANT_ID: LOCAL_DIRECTORY_ID,
      ADMIN_CLIENT_ID: LOCAL_CLIENT_ID,
      ADMIN_ROLE: `appRole:${LOCAL_ADMIN_ROLE}`,
      ADMIN_SESSION_KEY: await sessionKey(options.sessionKeyFile),
      REQUEST_LOG_FILE: options.requestLogFile,
      ...(options.tenantDisplayName ? { TENANT_DISPLAY_NAME: options.tenantDisplayName } : {}),
    },
    close: async () => {
      stopRecords();
      await provider.close();
    },
  };
}

/** The key in `file`, created on first use, so sessions survive a restart of `npm start`. */
async function sessionKey(file: string | undefined): Promise<string> {
  if (file && existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const key = randomBytes(32).toString('base64url');
  if (file) {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, `${key}\n`, { mode: 0o600 });
  }
  return key;
}
