/**
 * Cleanup markers: a deleted user or group whose membership items may outlive the request that
 * deleted it. Both are written in the resource's delete transaction, so no crash between the
 * delete and its cleanup can skip them: a group's memberships may be too many for one request, a
 * user's are found through the byMember index, which is eventually consistent and may show one
 * late. The sweeper deletes what is left, and removes a marker once nothing is left and no
 * request that started before the delete can still write.
 */
import { DeleteCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ResourceTypeName } from '../common/resource-types.js';
import { documentClient, tableName } from './client.js';
import { keys } from './keys.js';
import type { TransactItem } from './transactions.js';

export interface Cleanup {
  readonly type: ResourceTypeName;
  readonly id: string;
  /** When the resource was deleted (ISO 8601). */
  readonly deletedAt: string;
}

/** The marker item. */
export function cleanupItem(cleanup: Cleanup): Record<string, unknown> {
  return { ...keys.cleanup(cleanup.type, cleanup.id), ...cleanup };
}

/** The marker as an action of the delete transaction. */
export function cleanupPut(cleanup: Cleanup): TransactItem {
  return { Put: { TableName: tableName(), Item: cleanupItem(cleanup) } };
}

/** Params: a page of one type's markers (in id order), strongly consistent. */
export function cleanupsParams(
  type: ResourceTypeName,
  limit: number,
  exclusiveStartKey?: Record<string, unknown>,
): QueryCommandInput {
  return {
    TableName: tableName(),
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': 'pk' },
    ExpressionAttributeValues: { ':pk': keys.cleanupPartition(type) },
    ConsistentRead: true,
    Limit: limit,
    ExclusiveStartKey: exclusiveStartKey,
    ReturnConsumedCapacity: 'TOTAL',
  };
}

/** One page of a type's pending cleanups (one Query); `next` continues it. */
export async function pendingCleanups(
  type: ResourceTypeName,
  limit = 100,
  exclusiveStartKey?: Record<string, unknown>,
): Promise<{ cleanups: Cleanup[]; next?: Record<string, unknown> }> {
  const { Items = [], LastEvaluatedKey } = await documentClient().send(
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
}

/** Removes a marker once its resource's membership items are all gone. */
export async function removeCleanup(type: ResourceTypeName, id: string): Promise<void> {
  await documentClient().send(
    new DeleteCommand({
      TableName: tableName(),
      Key: keys.cleanup(type, id),
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
}
