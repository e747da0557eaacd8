import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mapConcurrently } from '../common/concurrency.js';
import type { ResourceTypeName } from '../common/resource-types.js';
import { retryUnprocessed } from './batch.js';
import { documentClient, tableName } from './client.js';
import {
  ItemTooLargeError,
  NameTakenError,
  UnusableNameError,
  VersionConflictError,
} from './errors.js';
import { type ItemKey, keys, MAX_KEY_VALUE_LENGTH } from './keys.js';
import {
  createActions,
  DIRECTORY_MARK,
  DIRECTORY_VERSION,
  deleteActions,
  replaceActions,
} from './search-items.js';
import { tableDesign } from './table-design.js';
import {
  type CancellationReason,
  CONDITION_FAILED,
  retryTransactionConflicts,
  returnedString,
  type TransactItem,
  type TransactionPart,
  transact,
} from './transactions.js';

/** A resource's attributes as the service gives them (the store reads only its names and keys). */
export type ResourceData = Record<string, unknown>;

/** A user or group as stored: the SCIM attributes plus the server-kept metadata. */
export interface StoredResource {
  readonly type: ResourceTypeName;
  readonly id: string;
  /** Incremented on every write; `meta.version` and the ETag are derived from it. */
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
  /** Canonical SCIM attributes without `id`, `schemas` and `meta`. */
  readonly data: ResourceData;
  /**
   * Set on a resource read from an item written before the directory (`store/search-items.ts`):
   * it has no search items and is not in the deactivated counter yet, so its next write writes
   * them (and `npm run migrate-directory` does for those nobody writes).
   */
  readonly unindexed?: true;
}

const COUNTER_SHARDS = 8;
/** DynamoDB's item limit is 400 KB; leave room for keys and metadata. */
const MAX_DATA_BYTES = 350_000;
const indexes = tableDesign.indexes;

/** The name that must be unique per type: userName for users, displayName for groups. */
export function uniqueNameOf(type: ResourceTypeName, data: ResourceData): string {
  const name = type === 'User' ? data.userName : data.displayName;
  if (typeof name !== 'string' || name === '') {
    throw new UnusableNameError(type, 'missing', MAX_KEY_VALUE_LENGTH);
  }
  if (!keys.fitsUniqueName(name)) {
    throw new UnusableNameError(type, 'tooLong', MAX_KEY_VALUE_LENGTH);
  }
  return name;
}

function firstOfType(values: unknown, type: string): string | undefined {
  if (!Array.isArray(values)) return undefined;
  for (const element of values) {
    const entry = element as { type?: unknown; value?: unknown } | null;
    if (
      typeof entry?.type === 'string' &&
      entry.type.toLowerCase() === type &&
      typeof entry.value === 'string' &&
      entry.value !== ''
    ) {
      return entry.value;
    }
  }
  return undefined;
}

function short(value: string | undefined): string | undefined {
  return value !== undefined && value.length <= MAX_KEY_VALUE_LENGTH ? value : undefined;
}

/**
 * The secondary-index keys of a resource. A value too long to be a key is left out of its index
 * (a lookup by it then finds nothing, which Entra treats as "create").
 */
export function indexKeys(type: ResourceTypeName, id: string, data: ResourceData) {
  const externalId = short(typeof data.externalId === 'string' ? data.externalId : undefined);
  const email = type === 'User' ? short(firstOfType(data.emails, 'work')) : undefined;
  const mobile = type === 'User' ? short(firstOfType(data.phoneNumbers, 'mobile')) : undefined;
  return {
    [indexes.byType.partitionKey]: keys.typePartition(type),
    [indexes.byType.sortKey]: keys.typeSort(uniqueNameOf(type, data), id),
    ...(externalId
      ? { [indexes.byExternalId.partitionKey]: keys.externalId(type, externalId) }
      : {}),
    ...(email ? { [indexes.byEmail.partitionKey]: keys.workEmail(email) } : {}),
    ...(mobile ? { [indexes.byPhone.partitionKey]: keys.mobilePhone(mobile) } : {}),
  };
}

/** The whole item for a resource. */
export function resourceItem(record: StoredResource): Record<string, unknown> {
  const size = Buffer.byteLength(JSON.stringify(record.data), 'utf8');
  if (size > MAX_DATA_BYTES) {
    throw new ItemTooLargeError(record.type, size, MAX_DATA_BYTES);
  }
  return {
    ...keys.resource(record.type, record.id),
    ...indexKeys(record.type, record.id, record.data),
    type: record.type,
    id: record.id,
    ver: record.version,
    created: record.created,
    modified: record.lastModified,
    data: record.data,
    [DIRECTORY_MARK]: DIRECTORY_VERSION,
  };
}

export function fromItem(item: Record<string, unknown>): StoredResource {
  return {
    type: item.type as ResourceTypeName,
    id: item.id as string,
    version: item.ver as number,
    created: item.created as string,
    lastModified: item.modified as string,
    data: (item.data ?? {}) as ResourceData,
    ...(item[DIRECTORY_MARK] === undefined ? { unindexed: true as const } : {}),
  };
}

function counterUpdate(type: ResourceTypeName, delta: 1 | -1) {
  const shard = Math.floor(Math.random() * COUNTER_SHARDS);
  return {
    Update: {
      TableName: tableName(),
      Key: keys.counterShard(type, shard),
      UpdateExpression: 'ADD #n :delta',
      ExpressionAttributeNames: { '#n': 'n' },
      ExpressionAttributeValues: { ':delta': delta },
    },
  };
}

/**
 * The guard that claims a unique name. When the name is taken, the failed condition returns the
 * guard as it is, so the 409 can name the resource holding it.
 */
function guardPut(type: ResourceTypeName, id: string, name: string): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: { ...keys.uniqueName(type, name), id, name },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/**
 * Params: create a resource with its uniqueness guard, count it and write its search items
 * (`search-items.ts`), all or nothing.
 */
export function createParams(record: StoredResource): TransactWriteCommandInput {
  const name = uniqueNameOf(record.type, record.data);
  return {
    ReturnConsumedCapacity: 'TOTAL',
    TransactItems: [
      {
        Put: {
          TableName: tableName(),
          Item: resourceItem(record),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      guardPut(record.type, record.id, name),
      counterUpdate(record.type, 1),
      ...createActions(record),
    ],
  };
}

/** The create as part of a larger transaction: 409 uniqueness naming the holder of the name. */
export function createPart(record: StoredResource): TransactionPart {
  const name = uniqueNameOf(record.type, record.data);
  return {
    items: createParams(record).TransactItems ?? [],
    onConditionFailed: (reasons) =>
      reasons[1]?.code === CONDITION_FAILED
        ? nameTaken(record.type, name, reasons[1])
        : new VersionConflictError(),
  };
}

const guardReleaseCondition = 'attribute_not_exists(pk) OR id = :id';

/** Whether a replace moves the unique-name guard (the name's folded form changes). */
function guardMoves(previous: StoredResource, next: StoredResource): boolean {
  const before = keys.uniqueName(previous.type, uniqueNameOf(previous.type, previous.data));
  return before.pk !== keys.uniqueName(next.type, uniqueNameOf(next.type, next.data)).pk;
}

/**
 * Params: replace a resource if it is still at `previous.version`. A plain conditional put when
 * the unique name keeps its folded form and no searched value nor `active` changes; otherwise a
 * transaction that also moves the guard (its actions 2 and 3) and writes the search items and the
 * deactivated counter (`search-items.ts`).
 */
export function replaceParams(
  previous: StoredResource,
  next: StoredResource,
): { put: ReturnType<typeof putParams> } | { transaction: TransactWriteCommandInput } {
  const moves = guardMoves(previous, next);
  const directory = replaceActions(previous, next);
  if (!moves && directory.length === 0) {
    const put = putParams(previous, next);
    // The guard keeps the name as last written (for the record), not needed for correctness.
    return { put };
  }
  const guard: TransactItem[] = moves
    ? [
        {
          Delete: {
            TableName: tableName(),
            Key: keys.uniqueName(previous.type, uniqueNameOf(previous.type, previous.data)),
            ConditionExpression: guardReleaseCondition,
            ExpressionAttributeValues: { ':id': previous.id },
          },
        },
        guardPut(next.type, next.id, uniqueNameOf(next.type, next.data)),
      ]
    : [];
  return {
    transaction: {
      ReturnConsumedCapacity: 'TOTAL',
      TransactItems: [{ Put: putAction(previous, next) }, ...guard, ...directory],
    },
  };
}

/**
 * The condition of a write based on `previous`: still at its version and, when it was read
 * without the directory's mark, still without it. The backfill marks an item and counts it
 * without moving its version; a write that read it before must not count it again (nor skip
 * uncounting it), so it fails and re-reads (`VersionConflictError.versionMayBeCurrent`).
 */
function versionCondition(previous: StoredResource): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  return previous.unindexed
    ? {
        ConditionExpression: '#ver = :ver AND attribute_not_exists(#mark)',
        ExpressionAttributeNames: { '#ver': 'ver', '#mark': DIRECTORY_MARK },
        ExpressionAttributeValues: { ':ver': previous.version },
      }
    : {
        ConditionExpression: '#ver = :ver',
        ExpressionAttributeNames: { '#ver': 'ver' },
        ExpressionAttributeValues: { ':ver': previous.version },
      };
}

/** The conflict a failed `versionCondition` of `previous` reports. */
function versionConflict(previous: StoredResource): VersionConflictError {
  return new VersionConflictError({ versionMayBeCurrent: previous.unindexed === true });
}

function putAction(previous: StoredResource, next: StoredResource) {
  return {
    TableName: tableName(),
    Item: resourceItem(next),
    ...versionCondition(previous),
  };
}

function putParams(previous: StoredResource, next: StoredResource) {
  return { ...putAction(previous, next), ReturnConsumedCapacity: 'TOTAL' as const };
}

/**
 * The replace as part of a larger transaction (its actions: the conditional put, and the guard
 * move when the unique name changes): 412 when the version moved on, 409 naming the holder when
 * the new name is taken.
 */
export function replacePart(previous: StoredResource, next: StoredResource): TransactionPart {
  const params = replaceParams(previous, next);
  const items =
    'put' in params
      ? [{ Put: putAction(previous, next) }]
      : (params.transaction.TransactItems ?? []);
  const moves = guardMoves(previous, next);
  return {
    items,
    onConditionFailed: (reasons) =>
      moves && reasons[2]?.code === CONDITION_FAILED
        ? nameTaken(next.type, uniqueNameOf(next.type, next.data), reasons[2])
        : versionConflict(previous),
  };
}

/**
 * Params: delete a resource at `record.version`, release its guard, uncount it and delete its
 * search items (`search-items.ts`). `extraItems` join the same transaction (a group's cleanup
 * marker).
 */
export function deleteParams(
  record: StoredResource,
  extraItems: NonNullable<TransactWriteCommandInput['TransactItems']> = [],
): TransactWriteCommandInput {
  return {
    ReturnConsumedCapacity: 'TOTAL',
    TransactItems: [
      {
        Delete: {
          TableName: tableName(),
          Key: keys.resource(record.type, record.id),
          ...versionCondition(record),
        },
      },
      {
        Delete: {
          TableName: tableName(),
          Key: keys.uniqueName(record.type, uniqueNameOf(record.type, record.data)),
          ConditionExpression: guardReleaseCondition,
          ExpressionAttributeValues: { ':id': record.id },
        },
      },
      counterUpdate(record.type, -1),
      ...deleteActions(record),
      ...extraItems,
    ],
  };
}

// ---- send -------------------------------------------------------------------------------------

/**
 * The name is taken, naming the resource holding it (read from the guard the failed condition
 * returned): a POST retried after its response was lost gets this 409, and the id tells an
 * operator which resource the first attempt created.
 */
function nameTaken(
  type: ResourceTypeName,
  name: string,
  guard?: CancellationReason,
): NameTakenError {
  return new NameTakenError(type, name, returnedString(guard, 'id'));
}

/**
 * Creates a resource with its uniqueness guard and counter, and the actions of `extra` (a
 * group's first members) in the same transaction: all of it or nothing.
 */
export async function createResource(
  record: StoredResource,
  ...extra: TransactionPart[]
): Promise<void> {
  await transact([createPart(record), ...extra]);
}

/**
 * Replaces a resource if it is still at `previous.version` (else `VersionConflictError`), with
 * the actions of `extra` in the same transaction when given. Alone and without a new unique name,
 * it is a plain conditional put.
 */
export async function replaceResource(
  previous: StoredResource,
  next: StoredResource,
  ...extra: TransactionPart[]
): Promise<void> {
  const params = replaceParams(previous, next);
  if (extra.length > 0 || 'transaction' in params) {
    await transact([replacePart(previous, next), ...extra]);
    return;
  }
  try {
    // A membership transaction checking this resource at the same instant conflicts with it.
    await retryTransactionConflicts(() => documentClient().send(new PutCommand(params.put)));
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
      throw versionConflict(previous);
    }
    throw error;
  }
}

/** Deletes a resource at `record.version` with `extraItems` (unconditional) in one transaction. */
export async function deleteResource(
  record: StoredResource,
  extraItems?: TransactItem[],
): Promise<void> {
  await transact([
    {
      items: deleteParams(record, extraItems).TransactItems ?? [],
      onConditionFailed: () => versionConflict(record),
    },
  ]);
}

export async function getResource(
  type: ResourceTypeName,
  id: string,
): Promise<StoredResource | undefined> {
  if (id.length > MAX_KEY_VALUE_LENGTH) return undefined;
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.resource(type, id),
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  return Item ? fromItem(Item) : undefined;
}

/** The resource holding a unique name (case-insensitive): guard read, then resource read. */
export async function getByUniqueName(
  type: ResourceTypeName,
  name: string,
): Promise<StoredResource | undefined> {
  if (!keys.fitsUniqueName(name)) return undefined;
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.uniqueName(type, name),
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  return typeof Item?.id === 'string' ? getResource(type, Item.id) : undefined;
}

/** BatchGetItem calls of one request in flight at once (each reads up to 100 items). */
const READ_PARALLELISM = 4;

/**
 * Reads many resources by key with strongly consistent reads, in request order. The
 * BatchGetItem calls (100 keys each) do not depend on each other and run a few at a time.
 */
export async function batchGetResources(
  type: ResourceTypeName,
  ids: readonly string[],
): Promise<StoredResource[]> {
  const found = new Map<string, StoredResource>();
  const unique = await batchGetItems(type, ids, {}, (item) => {
    const record = fromItem(item);
    found.set(record.id, record);
  });
  return unique.flatMap((id) => found.get(id) ?? []);
}

/**
 * Which of `ids` name a stored resource of `type`: the same consistent BatchGetItem calls as
 * `batchGetResources`, but each item read back is its key alone, so checking 500 members does not
 * parse 500 whole users (CPU the request would pay for, issue 10).
 */
export async function existingResourceIds(
  type: ResourceTypeName,
  ids: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  const keyOnly = {
    ProjectionExpression: '#pk',
    ExpressionAttributeNames: { '#pk': tableDesign.partitionKey },
  };
  await batchGetItems(type, ids, keyOnly, (item) => {
    found.add(keys.decodeId(item[tableDesign.partitionKey] as string));
  });
  return found;
}

/**
 * Reads the items of `ids` (each once; ids too long to be a key name nothing) in consistent
 * BatchGetItem calls of 100 keys, a few at a time, unprocessed keys retried, handing each item
 * read to `onItem`. Answers the ids it looked up.
 */
async function batchGetItems(
  type: ResourceTypeName,
  ids: readonly string[],
  projection: { ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> },
  onItem: (item: Record<string, unknown>) => void,
): Promise<string[]> {
  const unique = [...new Set(ids)].filter((id) => id.length <= MAX_KEY_VALUE_LENGTH);
  const chunks: ItemKey[][] = [];
  for (let start = 0; start < unique.length; start += 100) {
    chunks.push(unique.slice(start, start + 100).map((id) => keys.resource(type, id)));
  }
  await mapConcurrently(chunks, READ_PARALLELISM, (pending) =>
    retryUnprocessed(pending, async (left) => {
      const output = await documentClient().send(
        new BatchGetCommand({
          RequestItems: { [tableName()]: { Keys: left, ConsistentRead: true, ...projection } },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      for (const item of output.Responses?.[tableName()] ?? []) onItem(item);
      return (output.UnprocessedKeys?.[tableName()]?.Keys ?? []) as ItemKey[];
    }),
  );
  return unique;
}

export type LookupIndex = 'byExternalId' | 'byEmail' | 'byPhone';

/** Params: the keys of the resources whose lookup index holds `key`. */
export function lookupParams(index: LookupIndex, key: string, limit: number): QueryCommandInput {
  return {
    TableName: tableName(),
    IndexName: indexes[index].name,
    KeyConditionExpression: '#k = :k',
    ExpressionAttributeNames: { '#k': indexes[index].partitionKey },
    ExpressionAttributeValues: { ':k': key },
    Limit: limit,
    ReturnConsumedCapacity: 'TOTAL',
  };
}

/**
 * Resources found through a KEYS_ONLY lookup index: one Query for the keys, then one consistent
 * BatchGetItem. The index is eventually consistent, so callers re-check the match on what they read.
 */
export async function lookupResources(
  type: ResourceTypeName,
  index: LookupIndex,
  key: string,
  limit: number,
): Promise<StoredResource[]> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand(lookupParams(index, key, limit)),
  );
  const ids = Items.map((item) => item.id ?? keys.decodeId(item.pk as string)) as string[];
  return ids.length ? batchGetResources(type, ids) : [];
}

/** Number of resources of a type: the sum of its counter shards (one Query). */
export async function countResources(type: ResourceTypeName): Promise<number> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.counterPartition(type) },
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  return Math.max(
    0,
    Items.reduce((sum, item) => sum + Number(item.n ?? 0), 0),
  );
}

/**
 * Walks every resource of a type in name order, a page at a time, until `visit` returns false.
 * Used for unfiltered lists and for filters no index can answer; callers bound the work.
 */
export async function forEachResource(
  type: ResourceTypeName,
  /** `item` is the stored item with its index keys (for `migrate-names.ts`). */
  visit: (record: StoredResource, item: Record<string, unknown>) => boolean,
  pageSize = 500,
): Promise<void> {
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const output = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: indexes.byType.name,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': indexes.byType.partitionKey },
        ExpressionAttributeValues: { ':k': keys.typePartition(type) },
        ExclusiveStartKey: exclusiveStartKey,
        Limit: pageSize,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    for (const item of output.Items ?? []) {
      if (!visit(fromItem(item), item)) return;
    }
    exclusiveStartKey = output.LastEvaluatedKey;
  } while (exclusiveStartKey);
}

/** An entry of the byType index: where a page of a type's resources starts or ended. */
export interface TypeIndexPosition {
  /** The entry's sort key (`keys.typeSort`). */
  readonly sortKey: string;
  readonly id: string;
}

/** The byType index position of a resource (its name order entry). */
export function typeIndexPosition(record: StoredResource): TypeIndexPosition {
  return {
    sortKey: keys.typeSort(uniqueNameOf(record.type, record.data), record.id),
    id: record.id,
  };
}

/** Params: one Query page of a type's resources in name order, after `after` when given. */
export function typePageParams(
  type: ResourceTypeName,
  page: { after?: TypeIndexPosition; descending?: boolean; limit: number },
): QueryCommandInput {
  const byType = indexes.byType;
  // A GSI's ExclusiveStartKey names the index keys and the table keys of the last entry read.
  const exclusiveStartKey =
    page.after === undefined
      ? undefined
      : {
          [byType.partitionKey]: keys.typePartition(type),
          [byType.sortKey]: page.after.sortKey,
          ...keys.resource(type, page.after.id),
        };
  return {
    TableName: tableName(),
    IndexName: byType.name,
    KeyConditionExpression: '#k = :k',
    ExpressionAttributeNames: { '#k': byType.partitionKey },
    ExpressionAttributeValues: { ':k': keys.typePartition(type) },
    ...(exclusiveStartKey === undefined ? {} : { ExclusiveStartKey: exclusiveStartKey }),
    ScanIndexForward: page.descending !== true,
    Limit: page.limit,
    ReturnConsumedCapacity: 'TOTAL',
  };
}

/**
 * One Query page of a type's resources in name order (or its reverse), continuing after `after`:
 * what cursor paging reads, O(page) at any depth. `last` is where DynamoDB stopped when there may
 * be more (undefined at the end of the index).
 */
export async function queryTypePage(
  type: ResourceTypeName,
  page: { after?: TypeIndexPosition; descending?: boolean; limit: number },
): Promise<{ records: StoredResource[]; last?: TypeIndexPosition }> {
  const output = await documentClient().send(new QueryCommand(typePageParams(type, page)));
  const records = (output.Items ?? []).map(fromItem);
  const lastKey = output.LastEvaluatedKey;
  return lastKey === undefined
    ? { records }
    : {
        records,
        last: {
          sortKey: lastKey[indexes.byType.sortKey] as string,
          id: keys.decodeId(lastKey.pk as string),
        },
      };
}
