/**
 * The one-off move of unique-name guards and byType sort keys from the keys names had before the
 * identifier profile (NFC and lower case) to the profile's (`shared/scim/identifier.ts`). Most
 * names fold the same both ways and need nothing; a name with full-width or other compatibility
 * characters (`Ｂjensen`) gets its guard under the new key, so that a look-alike cannot be created
 * beside it, and its sort key moves so lists keep name order. `npm run migrate-names` runs it.
 *
 * Each resource moves in one transaction, conditional on its version and on the guards' holders,
 * so the command may run while the service serves requests and may be run again: a second run
 * finds nothing to do.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { identifierProblem } from '../common/identifier.js';
import type { ResourceTypeName } from '../common/resource-types.js';
import { documentClient, tableName } from './client.js';
import { type ItemKey, keys } from './keys.js';
import { forEachResource, type StoredResource, uniqueNameOf } from './resources.js';
import { tableDesign } from './table-design.js';
import { CONDITION_FAILED, returnedString, transactWrite } from './transactions.js';

const indexes = tableDesign.indexes;

export interface NameMigrationReport {
  /** Users and groups read. */
  readonly examined: number;
  /** Resources whose guard or sort key moved. */
  readonly migrated: number;
  /** Resources left as they were: their new guard is held by another resource (look-alikes). */
  readonly conflicts: readonly { type: ResourceTypeName; id: string; heldBy?: string }[];
  /** Resources whose stored name the profile refuses (kept; a change of name must pass it). */
  readonly refused: readonly { type: ResourceTypeName; id: string; problem: string }[];
  /** Resources that changed while the command ran (run it again). */
  readonly changed: number;
}

/** Told of the work as it goes (the command's progress line). */
export interface MigrationProgress {
  /** `Users` or `Groups` begin: `total` of them. */
  step(name: string, total: number): void;
  /** One more examined. */
  advance(): void;
}

/**
 * Moves every user's and group's guard and sort key to the identifier profile's keys.
 *
 * @example
 * const report = await migrateNames();
 * // { examined: 1200, migrated: 3, conflicts: [], refused: [], changed: 0 }
 */
export async function migrateNames(
  options: { progress?: MigrationProgress } = {},
): Promise<NameMigrationReport> {
  let examined = 0;
  let migrated = 0;
  let changed = 0;
  const conflicts: { type: ResourceTypeName; id: string; heldBy?: string }[] = [];
  const refused: { type: ResourceTypeName; id: string; problem: string }[] = [];
  for (const type of ['User', 'Group'] as const) {
    // Read first, then written: the walk's pages do not stay open across the writes.
    const stored: [StoredResource, Record<string, unknown>][] = [];
    await forEachResource(type, (record, item) => stored.push([record, item]) > 0);
    options.progress?.step(`${type}s`, stored.length);
    for (const [record, item] of stored) {
      options.progress?.advance();
      examined++;
      let name: string;
      try {
        name = uniqueNameOf(type, record.data);
      } catch (error) {
        refused.push({ type, id: record.id, problem: (error as Error).message });
        continue;
      }
      const problem = identifierProblem(name);
      if (problem !== undefined) refused.push({ type, id: record.id, problem });
      const oldGuard = keys.legacy.uniqueName(type, name);
      const newGuard = keys.uniqueName(type, name);
      const sortKey = keys.typeSort(name, record.id);
      const sortKeyMoves = item[indexes.byType.sortKey] !== sortKey;
      const guardMoves = oldGuard.pk !== newGuard.pk && (await guardHolder(newGuard)) !== record.id;
      if (!guardMoves && !sortKeyMoves) continue;
      const reasons = await transactWrite({
        TransactItems: [
          {
            Update: {
              TableName: tableName(),
              Key: keys.resource(type, record.id),
              UpdateExpression: 'SET #sk = :sk',
              ConditionExpression: '#ver = :ver',
              ExpressionAttributeNames: { '#sk': indexes.byType.sortKey, '#ver': 'ver' },
              ExpressionAttributeValues: { ':sk': sortKey, ':ver': record.version },
            },
          },
          ...(guardMoves
            ? [
                {
                  Put: {
                    TableName: tableName(),
                    Item: { ...newGuard, id: record.id, name },
                    ConditionExpression: 'attribute_not_exists(pk) OR id = :id',
                    ExpressionAttributeValues: { ':id': record.id },
                    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
                  },
                },
                {
                  Delete: {
                    TableName: tableName(),
                    Key: oldGuard,
                    ConditionExpression: 'attribute_not_exists(pk) OR id = :id',
                    ExpressionAttributeValues: { ':id': record.id },
                  },
                },
              ]
            : []),
        ],
      });
      if (reasons === undefined) migrated++;
      else if (reasons[1]?.code === CONDITION_FAILED) {
        const heldBy = returnedString(reasons[1], 'id');
        conflicts.push(
          heldBy === undefined ? { type, id: record.id } : { type, id: record.id, heldBy },
        );
      } else changed++;
    }
  }
  return { examined, migrated, conflicts, refused, changed };
}

/** The id of the resource holding a guard (strongly consistent), undefined when it is free. */
async function guardHolder(key: ItemKey): Promise<string | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }),
  );
  return typeof Item?.id === 'string' ? Item.id : undefined;
}
