/**
 * What `npm start` records for the local commands (`token`, `simulate`, `log-hash`,
 * `migrate-names`, `verify` with `--local`): where the running service and its DynamoDB Local
 * are. No secret is in it: the Secret Token stays in its own 0600 file, named here.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
  /** The 0600 file holding the Secret Token `npm start` printed. */
  readonly secretTokenFile: string;
  /** The `npm start` process; a record whose process is gone is stale. */
  readonly pid: number;
  readonly startedAt: string;
}

export const SERVICE_RECORD_FILE = fileURLToPath(
  new URL('../../.local/service.json', import.meta.url),
);

/** Written whole or not at all (a temporary file renamed over the record), mode 0600. */
export async function writeServiceRecord(
  record: LocalServiceRecord,
  file: string = SERVICE_RECORD_FILE,
): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(file), `.service.${process.pid}.json`);
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/**
 * The record of the `npm start` that is running now, or `undefined` when none was written or
 * its process has ended (the endpoint it names would not answer).
 */
export async function readServiceRecord(
  file: string = SERVICE_RECORD_FILE,
): Promise<LocalServiceRecord | undefined> {
  let record: LocalServiceRecord;
  try {
    record = JSON.parse(await readFile(file, 'utf8')) as LocalServiceRecord;
  } catch {
    return undefined;
  }
  return processAlive(record.pid) ? record : undefined;
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
