import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  InvalidValueError,
  PayloadTooLargeError,
  PreconditionFailedError,
  UniquenessError,
} from '../scim/errors.js';
import type { ScimResource } from '../scim/schemas/types.js';
import { documentClient, tableName, translateUnavailable } from './client.js';
import { type ItemKey, keys, MAX_KEY_VALUE_LENGTH, type ResourceTypeName } from './keys.js';
import { tableDesign } from './table-design.js';

/** A user or group as stored: the SCIM attributes plus the server-kept metadata. */
export interface StoredResource {
  readonly type: ResourceTypeName;
  readonly id: string;
  /** Incremented on every write; `meta.version` and the ETag are derived from it. */
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
  /** Canonical SCIM attributes without `id`, `schemas` and `meta`. */
  readonly data: ScimResource;
}

/** Raised when the version a write was based on is no longer current. */
export class VersionConflictError extends PreconditionFailedError {}

const COUNTER_SHARDS = 8;
/** DynamoDB's item limit is 400 KB; leave room for keys and metadata. */
const MAX_DATA_BYTES = 350_000;
const indexes = tableDesign.indexes;

/** The name that must be unique per type: userName for users, displayName for groups. */
export function uniqueNameOf(type: ResourceTypeName, data: ScimResource): string {
  const name = type === 'User' ? data.userName : data.displayName;
  if (typeof name !== 'string' || name === '') {
    throw new InvalidValueError(`${type === 'User' ? 'userName' : 'displayName'} is required.`);
  }
  if (name.length > MAX_KEY_VALUE_LENGTH) {
    throw new InvalidValueError(
      `${type === 'User' ? 'userName' : 'displayName'} is longer than ${MAX_KEY_VALUE_LENGTH} characters.`,
    );
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
export function indexKeys(type: ResourceTypeName, id: string, data: ScimResource) {
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
    throw new PayloadTooLargeError(
      `The ${record.type} is ${size} bytes; a resource may hold at most ${MAX_DATA_BYTES} bytes.`,
    );
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
  };
}

export function fromItem(item: Record<string, unknown>): StoredResource {
  return {
    type: item.type as ResourceTypeName,
    id: item.id as string,
    version: item.ver as number,
    created: item.created as string,
    lastModified: item.modified as string,
    data: (item.data ?? {}) as ScimResource,
  };
}

function counterUpdate(type: ResourceTypeName, delta: 1 | -1) {
  const shard = Math.floor(Math.random() * COUNTER_SHARDS);
  return {
    Update: {
      TableName: tableName,
      Key: keys.counterShard(type, shard),
      UpdateExpression: 'ADD #n :delta',
      ExpressionAttributeNames: { '#n': 'n' },
      ExpressionAttributeValues: { ':delta': delta },
    },
  };
}

/** Params: create a resource with its uniqueness guard and count it, all or nothing. */
export function createParams(record: StoredResource): TransactWriteCommandInput {
  const name = uniqueNameOf(record.type, record.data);
  return {
    ReturnConsumedCapacity: 'TOTAL',
    TransactItems: [
      {
        Put: {
          TableName: tableName,
          Item: resourceItem(record),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: tableName,
          Item: { ...keys.uniqueName(record.type, name), id: record.id, name },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      counterUpdate(record.type, 1),
    ],
  };
}

const guardReleaseCondition = 'attribute_not_exists(pk) OR id = :id';

/**
 * Params: replace a resource if it is still at `previous.version`. A plain conditional put when
 * the unique name keeps its folded form; a transaction that moves the guard when it changes.
 */
export function replaceParams(
  previous: StoredResource,
  next: StoredResource,
): { put: ReturnType<typeof putParams> } | { transaction: TransactWriteCommandInput } {
  const before = keys.uniqueName(previous.type, uniqueNameOf(previous.type, previous.data));
  const name = uniqueNameOf(next.type, next.data);
  const after = keys.uniqueName(next.type, name);
  if (before.pk === after.pk) {
    const put = putParams(previous, next);
    // The guard keeps the name as last written (for the record), not needed for correctness.
    return { put };
  }
  return {
    transaction: {
      ReturnConsumedCapacity: 'TOTAL',
      TransactItems: [
        { Put: putParams(previous, next) },
        {
          Delete: {
            TableName: tableName,
            Key: before,
            ConditionExpression: guardReleaseCondition,
            ExpressionAttributeValues: { ':id': previous.id },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: { ...after, id: next.id, name },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    },
  };
}

function putParams(previous: StoredResource, next: StoredResource) {
  return {
    TableName: tableName,
    Item: resourceItem(next),
    ConditionExpression: '#ver = :ver',
    ExpressionAttributeNames: { '#ver': 'ver' },
    ExpressionAttributeValues: { ':ver': previous.version },
    ReturnConsumedCapacity: 'TOTAL' as const,
  };
}

/**
 * Params: delete a resource at `record.version`, release its guard and uncount it. `extraItems`
 * join the same transaction (a group's cleanup marker).
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
          TableName: tableName,
          Key: keys.resource(record.type, record.id),
          ConditionExpression: '#ver = :ver',
          ExpressionAttributeNames: { '#ver': 'ver' },
          ExpressionAttributeValues: { ':ver': record.version },
        },
      },
      {
        Delete: {
          TableName: tableName,
          Key: keys.uniqueName(record.type, uniqueNameOf(record.type, record.data)),
          ConditionExpression: guardReleaseCondition,
          ExpressionAttributeValues: { ':id': record.id },
        },
      },
      counterUpdate(record.type, -1),
      ...extraItems,
    ],
  };
}

// ---- send -------------------------------------------------------------------------------------

/** Cancellation reasons of a failed transaction, by item position; undefined for other errors. */
export function cancellationCodes(error: unknown): string[] | undefined {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e?.name !== 'TransactionCanceledException') return undefined;
  return (e.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

/**
 * Runs a transaction, retrying (with jitter) when DynamoDB cancels it only because another
 * transaction touched one of its items at the same time. Each attempt is all-or-nothing.
 */
async function transact(
  input: TransactWriteCommandInput,
  onConditionFailed: (position: number) => Error,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await documentClient.send(new TransactWriteCommand(input));
      return;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw translateUnavailable(error);
      const failed = codes.indexOf('ConditionalCheckFailed');
      if (failed >= 0) throw onConditionFailed(failed);
      if (codes.includes('TransactionConflict') && attempt < 8) {
        await sleep(Math.random() * 20 * 2 ** attempt);
        continue;
      }
      throw translateUnavailable(
        codes.some((code) => code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded')
          ? Object.assign(new Error('throttled'), { name: 'ThrottlingException' })
          : Object.assign(new Error('transaction conflict'), { name: 'InternalServerError' }),
      );
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function nameTaken(type: ResourceTypeName, name: string): UniquenessError {
  const attribute = type === 'User' ? 'userName' : 'displayName';
  return new UniquenessError(`A ${type} with ${attribute} "${name}" already exists.`);
}

export async function createResource(record: StoredResource): Promise<void> {
  const name = uniqueNameOf(record.type, record.data);
  await transact(createParams(record), (position) =>
    position === 1 ? nameTaken(record.type, name) : new VersionConflictError(),
  );
}

export async function replaceResource(
  previous: StoredResource,
  next: StoredResource,
): Promise<void> {
  const params = replaceParams(previous, next);
  if ('put' in params) {
    for (let attempt = 1; ; attempt++) {
      try {
        await documentClient.send(new PutCommand(params.put));
        return;
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === 'ConditionalCheckFailedException') throw new VersionConflictError();
        // A membership transaction checking this user at the same instant; the SDK does not retry it.
        if (name === 'TransactionConflictException' && attempt < 8) {
          await sleep(Math.random() * 20 * 2 ** attempt);
          continue;
        }
        throw translateUnavailable(error);
      }
    }
  }
  await transact(params.transaction, (position) =>
    position === 2
      ? nameTaken(next.type, uniqueNameOf(next.type, next.data))
      : new VersionConflictError(),
  );
}

export async function deleteResource(
  record: StoredResource,
  extraItems?: NonNullable<TransactWriteCommandInput['TransactItems']>,
): Promise<void> {
  await transact(deleteParams(record, extraItems), () => new VersionConflictError());
}

export async function getResource(
  type: ResourceTypeName,
  id: string,
): Promise<StoredResource | undefined> {
  if (id.length > MAX_KEY_VALUE_LENGTH) return undefined;
  try {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: tableName,
        Key: keys.resource(type, id),
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    return Item ? fromItem(Item) : undefined;
  } catch (error) {
    throw translateUnavailable(error);
  }
}

/** The resource holding a unique name (case-insensitive): guard read, then resource read. */
export async function getByUniqueName(
  type: ResourceTypeName,
  name: string,
): Promise<StoredResource | undefined> {
  if (name.length > MAX_KEY_VALUE_LENGTH) return undefined;
  try {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: tableName,
        Key: keys.uniqueName(type, name),
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    return typeof Item?.id === 'string' ? getResource(type, Item.id) : undefined;
  } catch (error) {
    throw translateUnavailable(error);
  }
}

/** Reads many resources by key with strongly consistent reads, in request order. */
export async function batchGetResources(
  type: ResourceTypeName,
  ids: readonly string[],
): Promise<StoredResource[]> {
  const unique = [...new Set(ids)].filter((id) => id.length <= MAX_KEY_VALUE_LENGTH);
  const found = new Map<string, StoredResource>();
  for (let start = 0; start < unique.length; start += 100) {
    let pending: ItemKey[] = unique.slice(start, start + 100).map((id) => keys.resource(type, id));
    for (let attempt = 0; pending.length > 0; attempt++) {
      try {
        const output = await documentClient.send(
          new BatchGetCommand({
            RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        for (const item of output.Responses?.[tableName] ?? []) {
          const record = fromItem(item);
          found.set(record.id, record);
        }
        pending = (output.UnprocessedKeys?.[tableName]?.Keys ?? []) as ItemKey[];
      } catch (error) {
        throw translateUnavailable(error);
      }
      if (pending.length > 0) {
        if (attempt >= 8) {
          throw translateUnavailable(
            Object.assign(new Error('unprocessed keys'), { name: 'ThrottlingException' }),
          );
        }
        await sleep(Math.random() * 20 * 2 ** attempt);
      }
    }
  }
  return unique.flatMap((id) => found.get(id) ?? []);
}

export type LookupIndex = 'byExternalId' | 'byEmail' | 'byPhone';

/** Params: the keys of the resources whose lookup index holds `key`. */
export function lookupParams(index: LookupIndex, key: string, limit: number): QueryCommandInput {
  return {
    TableName: tableName,
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
  try {
    const { Items = [] } = await documentClient.send(
      new QueryCommand(lookupParams(index, key, limit)),
    );
    const ids = Items.map((item) => item.id ?? keys.decodeId(item.pk as string)) as string[];
    return ids.length ? batchGetResources(type, ids) : [];
  } catch (error) {
    throw translateUnavailable(error);
  }
}

/** Number of resources of a type: the sum of its counter shards (one Query). */
export async function countResources(type: ResourceTypeName): Promise<number> {
  try {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: tableName,
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
  } catch (error) {
    throw translateUnavailable(error);
  }
}

/**
 * Walks every resource of a type in name order, a page at a time, until `visit` returns false.
 * Used for unfiltered lists and for filters no index can answer; callers bound the work.
 */
export async function forEachResource(
  type: ResourceTypeName,
  visit: (record: StoredResource) => boolean,
  pageSize = 500,
): Promise<void> {
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    let output: QueryCommandOutput;
    try {
      output = await documentClient.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: indexes.byType.name,
          KeyConditionExpression: '#k = :k',
          ExpressionAttributeNames: { '#k': indexes.byType.partitionKey },
          ExpressionAttributeValues: { ':k': keys.typePartition(type) },
          ExclusiveStartKey: exclusiveStartKey,
          Limit: pageSize,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
    } catch (error) {
      throw translateUnavailable(error);
    }
    for (const item of output.Items ?? []) {
      if (!visit(fromItem(item))) return;
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
    TableName: tableName,
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
  let output: QueryCommandOutput;
  try {
    output = await documentClient.send(new QueryCommand(typePageParams(type, page)));
  } catch (error) {
    throw translateUnavailable(error);
  }
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
