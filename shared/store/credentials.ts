/**
 * The credential registry's table access: every item lives in one partition
 * (`keys.credentialsPartition`), one item per credential plus the tenant's credential policy.
 * Parameter builders (tested by equality) and thin sends; the rules of what a credential may do
 * (hashing, matching, the cache, the policy) stay in `shared/credentials/registry.ts`.
 *
 * The registry is also used by the operator's CLI and `npm start` against a table of their
 * choosing, so every send takes the document client and table name it works on.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.js';

type Item = Record<string, unknown>;

/** Where a credential table lives: the client that reaches it and its name. */
export interface CredentialTable {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** An update of one credential item: expression, names and values, and an extra condition. */
export interface CredentialUpdate {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
  /** ANDed with the item's existence. */
  readonly condition?: string;
}

/** The credential or its update was refused because the item is missing or the condition failed. */
export class CredentialConditionError extends Error {
  override readonly name = 'CredentialConditionError';
  constructor(readonly id: string) {
    super(`credential ${id} is missing or its condition failed`);
  }
}

/**
 * Query params for one page of the credentials partition (strongly consistent: a revocation
 * just written is seen).
 *
 * @example credentialsPageParams('t', undefined).KeyConditionExpression // '#pk = :pk'
 */
export function credentialsPageParams(
  tableName: string,
  startKey: Item | undefined,
): QueryCommandInput {
  return {
    TableName: tableName,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': 'pk' },
    ExpressionAttributeValues: { ':pk': keys.credentialsPartition },
    ConsistentRead: true,
    ExclusiveStartKey: startKey,
  };
}

export function credentialGetParams(tableName: string, id: string): GetCommandInput {
  return { TableName: tableName, Key: keys.credential(id), ConsistentRead: true };
}

/** A new credential's put: refused when the id is taken. */
export function credentialPutParams(
  tableName: string,
  id: string,
  attributes: Item,
): PutCommandInput {
  return {
    TableName: tableName,
    Item: { ...keys.credential(id), ...attributes },
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: { '#pk': 'pk' },
  };
}

export function credentialPolicyPutParams(tableName: string, policy: Item): PutCommandInput {
  return { TableName: tableName, Item: { ...keys.credentialPolicy(), ...policy } };
}

/** An update of an existing credential, returning the whole new item. */
export function credentialUpdateParams(
  tableName: string,
  id: string,
  update: CredentialUpdate,
): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: keys.credential(id),
    UpdateExpression: update.expression,
    ConditionExpression: update.condition
      ? `attribute_exists(#pk) AND ${update.condition}`
      : 'attribute_exists(#pk)',
    ExpressionAttributeNames: { '#pk': 'pk', ...update.names },
    ExpressionAttributeValues: update.values,
    ReturnValues: 'ALL_NEW',
  };
}

/** `lastUsedAt` set to `at` unless another writer set it after `due` (both ISO 8601). */
export function lastUsedParams(
  tableName: string,
  id: string,
  at: string,
  due: string,
): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: keys.credential(id),
    UpdateExpression: 'SET #lastUsedAt = :at',
    ConditionExpression:
      'attribute_exists(#pk) AND (attribute_not_exists(#lastUsedAt) OR #lastUsedAt < :due)',
    ExpressionAttributeNames: { '#pk': 'pk', '#lastUsedAt': 'lastUsedAt' },
    ExpressionAttributeValues: { ':at': at, ':due': due },
  };
}

const FAILURE_NAMES = { '#pk': 'pk', '#failed': 'failedAttempts', '#start': 'failedWindowStart' };

/** One more failed attempt in the window that started at or after `windowStart`. */
export function failureCountParams(
  tableName: string,
  id: string,
  windowStart: string,
): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: keys.credential(id),
    UpdateExpression: 'ADD #failed :one',
    ConditionExpression: 'attribute_exists(#pk) AND #start >= :windowStart',
    ExpressionAttributeNames: FAILURE_NAMES,
    ExpressionAttributeValues: { ':one': 1, ':windowStart': windowStart },
    ReturnValues: 'UPDATED_NEW',
  };
}

/** A new failure window starting at `at`, holding one failure (only for a client that exists). */
export function failureWindowParams(tableName: string, id: string, at: string): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: keys.credential(id),
    UpdateExpression: 'SET #failed = :one, #start = :now',
    ConditionExpression: 'attribute_exists(#pk)',
    ExpressionAttributeNames: FAILURE_NAMES,
    ExpressionAttributeValues: { ':one': 1, ':now': at },
  };
}

/** Every item of the credentials partition, page after page. */
export async function readCredentialItems({ documents, tableName }: CredentialTable) {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await documents.send(new QueryCommand(credentialsPageParams(tableName, startKey)));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export async function getCredentialItem(
  { documents, tableName }: CredentialTable,
  id: string,
): Promise<Item | undefined> {
  const { Item } = await documents.send(new GetCommand(credentialGetParams(tableName, id)));
  return Item;
}

/** Writes a new credential (DynamoDB's `ConditionalCheckFailedException` when the id is taken). */
export async function putNewCredential(
  { documents, tableName }: CredentialTable,
  id: string,
  attributes: Item,
): Promise<void> {
  await documents.send(new PutCommand(credentialPutParams(tableName, id, attributes)));
}

export async function putCredentialPolicy(
  { documents, tableName }: CredentialTable,
  policy: Item,
): Promise<void> {
  await documents.send(new PutCommand(credentialPolicyPutParams(tableName, policy)));
}

/** Updates an existing credential; `CredentialConditionError` when missing or refused. */
export async function updateCredentialItem(
  { documents, tableName }: CredentialTable,
  id: string,
  update: CredentialUpdate,
): Promise<Item> {
  const { Attributes } = await sendConditional(id, () =>
    documents.send(new UpdateCommand(credentialUpdateParams(tableName, id, update))),
  );
  return Attributes ?? {};
}

/** `true` when written, `false` when another writer had already written a recent date. */
export async function writeLastUsed(
  { documents, tableName }: CredentialTable,
  id: string,
  at: string,
  due: string,
): Promise<boolean> {
  return conditionHeld(() =>
    documents.send(new UpdateCommand(lastUsedParams(tableName, id, at, due))),
  );
}

/**
 * Counts a failed attempt of a client in the window of `windowMs` ending at `at` (ms) and answers
 * how many the window holds; a window that has passed (or none yet) starts again at one. An
 * unknown client counts nothing (and answers one).
 */
export async function countFailure(
  { documents, tableName }: CredentialTable,
  id: string,
  at: number,
  windowMs: number,
): Promise<number> {
  const windowStart = new Date(at - windowMs).toISOString();
  let counted: number | undefined;
  const held = await conditionHeld(async () => {
    const { Attributes } = await documents.send(
      new UpdateCommand(failureCountParams(tableName, id, windowStart)),
    );
    counted = Number(Attributes?.failedAttempts ?? 1);
  });
  if (held && counted !== undefined) return counted;
  await conditionHeld(() =>
    documents.send(
      new UpdateCommand(failureWindowParams(tableName, id, new Date(at).toISOString())),
    ),
  );
  return 1;
}

async function sendConditional<T>(id: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (isConditionFailure(error)) throw new CredentialConditionError(id);
    throw error;
  }
}

async function conditionHeld(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

function isConditionFailure(error: unknown): boolean {
  return (error as Error).name === 'ConditionalCheckFailedException';
}
