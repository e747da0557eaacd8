import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from './batch.js';
import { documentClient, tableName, translateUnavailable } from './client.js';
import { keys } from './keys.js';
import { tableDesign } from './table-design.js';

const byMember = tableDesign.indexes.byMember;

/**
 * The ids of the groups `userId` belongs to, from the byMember index (one Query per 1,000 groups).
 */
export async function groupIdsOf(userId: string): Promise<string[]> {
  const groupIds: string[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    let output: QueryCommandOutput;
    try {
      output = await documentClient.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: byMember.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': byMember.partitionKey },
          ExpressionAttributeValues: { ':pk': keys.membership('', userId).gsi5pk },
          ExclusiveStartKey: exclusiveStartKey,
          Limit: 1000,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
    } catch (error) {
      throw translateUnavailable(error);
    }
    for (const item of output.Items ?? []) {
      groupIds.push(keys.decodeId(item[byMember.sortKey] as string));
    }
    exclusiveStartKey = output.LastEvaluatedKey;
  } while (exclusiveStartKey);
  return groupIds;
}

/** Deletes every membership of a user (after the user itself is gone). */
export async function removeMemberships(userId: string): Promise<void> {
  const groupIds = await groupIdsOf(userId);
  await batchWrite(
    groupIds.map((groupId) => {
      const { pk, sk } = keys.membership(groupId, userId);
      return { delete: { pk, sk } };
    }),
  );
}
