/**
 * `npm run log-hash -- <value>…`: for a tenant whose log lines write identifiers as a keyed hash
 * (`logIdentifiers: "hmac"`), prints what its lines hold instead of each value, and the filter of
 * the saved history query (`3 History of one user or group`) that finds them. The key is:
 * - in AWS, the tenant's key derived from the fleet's KMS HMAC key (`--tenant <t>`, optionally
 *   `--kms-key <alias|arn>`): one `kms:GenerateMac` with the operator's AWS credentials, exactly
 *   as the tenant's functions derive it; the key is never printed;
 * - locally, `LOG_HASH_KEY` from the environment or `--key-file` (a file only its owner may read);
 *   `--local` first checks that the running `npm start` hashes at all (`.local/service.json`).
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KMSClient } from '@aws-sdk/client-kms';
import { deriveLogHashKey, logHash, MIN_KEY_LENGTH } from '../../shared/http/log-identifiers.js';
import { LOG_HASH_KEY_ALIAS } from '../fleet-names.js';
import { runningLocalService } from '../local/service-record.js';
import { loadTenant } from '../tenants.js';

const HELP = `Usage: npm run log-hash -- --tenant <tenant> [--kms-key <alias|arn>] [--region <r>] <value> [<value>…]
       npm run log-hash -- [--local] [--key-file <path>] <value> [<value>…]

Prints the keyed hashes a tenant with logIdentifiers "hmac" writes for userName,
displayName and externalId values, and a Logs Insights filter for the saved query
"3 History of one user or group".

With --tenant, the tenant's key is derived as its functions derive it: kms:GenerateMac
on the fleet's HMAC key (default ${LOG_HASH_KEY_ALIAS}, in --region or the AWS
profile's region) with your AWS credentials. Otherwise the key is LOG_HASH_KEY from the
environment, or the contents of --key-file (mode 0600), as npm start uses it; --local
first checks that the running npm start hashes (LOG_IDENTIFIERS=hmac) at all.`;

export interface LogHashIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly kms: (region: string | undefined) => KMSClient;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Where the tenants are declared (`infra/tenants/` unless a test says otherwise). */
  readonly tenantsDir?: string;
  /** The running `npm start`'s record (`.local/service.json` unless a test says otherwise). */
  readonly serviceRecordFile?: string;
}

/** Runs the command; resolves to its exit code. */
export async function main(argv: readonly string[], io: LogHashIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      'kms-key': { type: 'string' },
      region: { type: 'string' },
      'key-file': { type: 'string' },
      local: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  if (values.local) {
    if (values.tenant) {
      io.err('--local and --tenant name different tenants: use one');
      return 2;
    }
    const service = await runningLocalService(io.serviceRecordFile).catch((error: Error) => {
      io.err(error.message);
    });
    if (!service) return 1;
    if (service.logIdentifiers !== 'hmac') {
      io.err(
        `npm start logs identifiers as sent (LOG_IDENTIFIERS is not hmac): search ${service.logFile} for the value itself`,
      );
      return 1;
    }
  }
  const key = values.tenant
    ? await kmsKey(values.tenant, values['kms-key'], values.region, io)
    : localKey(values['key-file'], values['kms-key'] ?? values.region, io);
  if (key === undefined) return 1;
  for (const value of positionals) {
    const name = logHash(key, 'userName', value);
    const exact = logHash(key, 'externalId', value);
    io.out(`${JSON.stringify(value)}`);
    io.out(`  userName / displayName: ${name}`);
    io.out(`  externalId:             ${exact}`);
    io.out(
      `  history filter: filter userName = '${name}' or displayName = '${name}' or externalId = '${exact}' or filterValue = '${name}' or filterValue = '${exact}'`,
    );
  }
  return 0;
}

async function kmsKey(
  tenant: string,
  keyId: string | undefined,
  region: string | undefined,
  io: LogHashIo,
): Promise<string | undefined> {
  if (io.env.LOG_HASH_KEY) {
    io.err('--tenant derives the key from KMS: unset LOG_HASH_KEY (or drop --tenant)');
    return undefined;
  }
  // A name the fleet does not declare derives a key no function uses.
  const declared = loadTenant(tenant, io.tenantsDir);
  if (declared.logIdentifiers !== 'hmac') {
    io.err(
      `Tenant "${tenant}" logs identifiers as sent (logIdentifiers "clear"): search for the value itself`,
    );
    return undefined;
  }
  try {
    return await deriveLogHashKey(io.kms(region), keyId ?? LOG_HASH_KEY_ALIAS, tenant);
  } catch (error) {
    io.err(
      `KMS GenerateMac on ${keyId ?? LOG_HASH_KEY_ALIAS} failed (${(error as Error).name}: ${(error as Error).message}): your credentials need kms:GenerateMac on the fleet's log hash key, in the fleet's region`,
    );
    return undefined;
  }
}

function localKey(
  file: string | undefined,
  kmsOnly: string | undefined,
  io: LogHashIo,
): string | undefined {
  if (kmsOnly !== undefined) {
    io.err('--kms-key and --region go with --tenant <tenant>');
    return undefined;
  }
  let key = io.env.LOG_HASH_KEY;
  if (file) {
    // A key others can read is a key others can use to undo the pseudonyms.
    if ((statSync(file).mode & 0o077) !== 0) {
      io.err(`${file} is readable by others: chmod 600 it first`);
      return undefined;
    }
    key = readFileSync(file, 'utf8').trim();
  }
  if (!key || key.length < MIN_KEY_LENGTH) {
    io.err(
      `No key: pass --tenant <tenant> (AWS), or set LOG_HASH_KEY or pass --key-file (at least ${MIN_KEY_LENGTH} characters)`,
    );
    return undefined;
  }
  return key;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2), {
    env: process.env,
    kms: (region) => new KMSClient(region ? { region } : {}),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
}
