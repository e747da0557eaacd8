/**
 * What `npm start` records for the local commands (`token`, `simulate`, `log-hash`,
 * `migrate-names`, `verify` with `--local`): where the running service and its DynamoDB Local
 * are. No secret is in it: the Secret Token stays in its own 0600 file, named here.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LocalServiceRecord {
  readonly tenant: string;
  /** e.g. `http://127.0.0.1:8080/scim/v2` */
  readonly tenantUrl: string;
  readonly tokenEndpoint: string;
  readonly adminUrl: string;
  readonly dynamodbEndpoint: string;
  readonly tableName: string;
  /** The change feed's JSON lines. */
  readonly eventsFile: string;
  /** The per-request records the local reports read. */
  readonly requestLogFile: string;
  /** The functions' JSON log lines. */
  readonly logFile: string;
  /** The 0600 file holding the Secret Token `npm start` printed. */
  readonly secretTokenFile: string;
  /** The 0600 file holding the local tenant's signing key (what `token -- issue --local` signs with). */
  readonly signingKeyFile: string;
  /**
   * How its log lines write user names and ids: as sent, or as a keyed hash (`LOG_IDENTIFIERS`
   * of npm start's environment; the key itself is not here).
   */
  readonly logIdentifiers: 'clear' | 'hmac';
  /** The `npm start` process; a record whose process is gone is stale. */
  readonly pid: number;
  readonly startedAt: string;
}

/**
 * The folder of `npm start`'s state: `.local/` of the repository, or `SCIM_LOCAL_DIR` (the tests
 * use a folder of their own, so that they never touch the developer's keys or record).
 */
export function localStateDir(): string {
  const configured = process.env.SCIM_LOCAL_DIR;
  return configured
    ? resolve(configured)
    : fileURLToPath(new URL('../../.local/', import.meta.url));
}

/** `.local/service.json` (under `SCIM_LOCAL_DIR` when set). */
export function serviceRecordFile(): string {
  return join(localStateDir(), 'service.json');
}

/** Thrown when a `--local` command finds no running `npm start`; its message says what to do. */
export class NoLocalServiceError extends Error {}

/** Written whole or not at all (a temporary file renamed over the record), mode 0600. */
export async function writeServiceRecord(
  record: LocalServiceRecord,
  file: string = serviceRecordFile(),
): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(file), `.service.${process.pid}.json`);
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/**
 * The record of the `npm start` that is running now, or `undefined` when none was written or
 * its process has ended (the endpoint it names would not answer). `alive: false` reads it
 * whatever its process.
 */
export async function readServiceRecord(
  file: string = serviceRecordFile(),
  options: { alive?: boolean } = {},
): Promise<LocalServiceRecord | undefined> {
  let record: LocalServiceRecord;
  try {
    record = JSON.parse(await readFile(file, 'utf8')) as LocalServiceRecord;
  } catch {
    return undefined;
  }
  return options.alive === false || processAlive(record.pid) ? record : undefined;
}

/**
 * What a `--local` command needs: the running `npm start`'s record, or a `NoLocalServiceError`
 * that says what to do.
 *
 * @example
 * const { dynamodbEndpoint, tableName } = await runningLocalService();
 */
export async function runningLocalService(
  file: string = serviceRecordFile(),
): Promise<LocalServiceRecord> {
  const record = await readServiceRecord(file);
  if (record) return record;
  throw new NoLocalServiceError(
    `--local found no running npm start (${file} is missing or its process has ended): run npm start in another terminal first`,
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
