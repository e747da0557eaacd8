/**
 * Cleanup markers: a deleted user or group whose membership items may outlive the request that
 * deleted it. A group's marker is written in its delete transaction (its memberships may be too
 * many for one request); a user's right after its memberships were removed (the byMember index
 * it read them from is eventually consistent). The sweeper deletes what is left, and removes a
 * marker once nothing is left and no request that started before the delete can still write.
 */
import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName, translateUnavailable } from './client.js';
import { keys, type ResourceTypeName } from './keys.js';

export interface Cleanup {
  readonly type: ResourceTypeName;
  readonly id: string;
  /** When the resource was deleted (ISO 8601). */
  readonly deletedAt: string;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The marker item. */
export function cleanupItem(cleanup: Cleanup): Record<string, unknown> {
  return { ...keys.cleanup(cleanup.type, cleanup.id), ...cleanup };
}

/** The marker as an action of the delete transaction. */
export function cleanupPut(cleanup: Cleanup): TransactItem {
  return { Put: { TableName: tableName, Item: cleanupItem(cleanup) } };
}

/** Params: a page of one type's markers (in id order), strongly consistent. */
export function cleanupsParams(
  type: ResourceTypeName,
  limit: number,
  exclusiveStartKey?: Record<string, unknown>,
): QueryCommandInput {
  return {
    TableName: tableName,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': 'pk' },
    ExpressionAttributeValues: { ':pk': keys.cleanupPartition(type) },
    ConsistentRead: true,
    Limit: limit,
    ExclusiveStartKey: exclusiveStartKey,
    ReturnConsumedCapacity: 'TOTAL',
  };
}

/** Writes a marker on its own (a user's, after its memberships were removed). */
export async function recordCleanup(cleanup: Cleanup): Promise<void> {
  try {
    await documentClient.send(
      new PutCommand({
        TableName: tableName,
        Item: cleanupItem(cleanup),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  } catch (error) {
    throw translateUnavailable(error);
  }
}

/** One page of a type's pending cleanups (one Query); `next` continues it. */
export async function pendingCleanups(
  type: ResourceTypeName,
  limit = 100,
  exclusiveStartKey?: Record<string, unknown>,
): Promise<{ cleanups: Cleanup[]; next?: Record<string, unknown> }> {
  try {
    const { Items = [], LastEvaluatedKey } = await documentClient.send(
      new QueryCommand(cleanupsParams(type, limit, exclusiveStartKey)),
    );
    return {
      cleanups: Items.map((item) => ({
        type,
        id: item.id as string,
        deletedAt: item.deletedAt as string,
      })),
      next: LastEvaluatedKey,
    };
  } catch (error) {
    throw translateUnavailable(error);
  }
}

/** Removes a marker once its resource's membership items are all gone. */
export async function removeCleanup(type: ResourceTypeName, id: string): Promise<void> {
  try {
    await documentClient.send(
      new DeleteCommand({
        TableName: tableName,
        Key: keys.cleanup(type, id),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  } catch (error) {
    throw translateUnavailable(error);
  }
}
