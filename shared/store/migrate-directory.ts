/**
 * The one-off backfill of the integration page's directory for users and groups written before
 * it: their search items (`search-items.ts`) and their place in the deactivated users' counter.
 * Every write since the directory does this itself, for the resource it writes; this command does
 * it for those nobody has written since. `npm run migrate-directory` runs it, once the bySearch
 * index is ACTIVE (CloudFormation does not wait for the index it adds).
 *
 * Each resource is brought up to date in one transaction that marks its item, conditional on its
 * version and on the mark's absence: a resource written meanwhile (the write path did the work)
 * is left alone, one whose version moved without that work (a group's member change) is read
 * again and tried again. So the command may run while the service serves requests, and may be
 * run again: a second run finds nothing to do, and nothing is ever counted twice.
 */
import { mapConcurrently } from '../common/concurrency.js';
import type { ResourceTypeName } from '../common/resource-types.js';
import { backoff, RETRY_POLICY } from '../common/retry.js';
import { tableName } from './client.js';
import { keys } from './keys.js';
import type { MigrationProgress } from './migrate-names.js';
import { forEachResource, getResource, type StoredResource } from './resources.js';
import { backfillActions, DIRECTORY_MARK, DIRECTORY_VERSION } from './search-items.js';
import { transactWrite } from './transactions.js';

export interface DirectoryMigrationReport {
  /** Users and groups read. */
  readonly examined: number;
  /** Resources whose search items and count were written by this run. */
  readonly migrated: number;
  /**
   * Resources written by the service while the command ran (their write did the work) or
   * deleted meanwhile.
   */
  readonly changed: number;
}

/** Transactions in flight: a handful, so the service's own writes keep most of the capacity. */
const PARALLELISM = 4;

/**
 * Writes the search items and the deactivated count of every user and group that lacks them.
 *
 * @example
 * const report = await migrateDirectory();
 * // { examined: 10200, migrated: 10200, changed: 0 } (then, run again: migrated 0)
 */
export async function migrateDirectory(
  options: { progress?: MigrationProgress } = {},
): Promise<DirectoryMigrationReport> {
  let examined = 0;
  let migrated = 0;
  let changed = 0;
  for (const type of ['User', 'Group'] as const satisfies readonly ResourceTypeName[]) {
    // Read first, then written: the walk's pages do not stay open across the writes.
    const stored: StoredResource[] = [];
    await forEachResource(type, (record) => stored.push(record) > 0);
    options.progress?.step(`${type}s`, stored.length);
    await mapConcurrently(stored, PARALLELISM, async (record) => {
      examined++;
      if (record.unindexed) {
        if ((await backfillResource(record)) === 'migrated') migrated++;
        else changed++;
      }
      options.progress?.advance();
    });
  }
  return { examined, migrated, changed };
}

/**
 * Brings one resource read before the walk's writes up to date: `migrated` when this did it,
 * `changed` when the service's own write did (or deleted it). A write that moved the version
 * without writing the directory (a group's member change bumps it alone, `groups.ts`
 * `touchParams`) leaves the resource unmarked: it is read again and tried again.
 *
 * @throws Error when its version kept moving through every attempt (run the command again).
 */
export async function backfillResource(record: StoredResource): Promise<'migrated' | 'changed'> {
  let current = record;
  for (let attempt = 1; ; attempt++) {
    if (await backfill(current)) return 'migrated';
    const fresh = await getResource(record.type, record.id);
    if (fresh === undefined || !fresh.unindexed) return 'changed';
    if (attempt >= RETRY_POLICY.attempts) {
      throw new Error(
        `${record.type} ${record.id} kept changing while being brought up to date; run the command again`,
      );
    }
    current = fresh;
    await backoff(attempt);
  }
}

/** One resource brought up to date; false when it changed since it was read. */
async function backfill(record: StoredResource): Promise<boolean> {
  const reasons = await transactWrite({
    TransactItems: [
      {
        Update: {
          TableName: tableName(),
          Key: keys.resource(record.type, record.id),
          UpdateExpression: 'SET #mark = :mark',
          ConditionExpression: '#ver = :ver AND attribute_not_exists(#mark)',
          ExpressionAttributeNames: { '#mark': DIRECTORY_MARK, '#ver': 'ver' },
          ExpressionAttributeValues: { ':mark': DIRECTORY_VERSION, ':ver': record.version },
        },
      },
      ...backfillActions(record),
    ],
  });
  return reasons === undefined;
}
