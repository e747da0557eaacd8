/**
 * What groups need beyond the generic resource store: a version bump that does not conflict with
 * concurrent membership changes, and a delete that leaves a cleanup marker behind.
 */
import { UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { cleanupPut } from './cleanups.js';
import { documentClient, tableName, translateUnavailable } from './client.js';
import { keys, MAX_KEY_VALUE_LENGTH } from './keys.js';
import { deleteResource, fromItem, type StoredResource } from './resources.js';

const MAX_ATTEMPTS = 8;

/**
 * Params: a new version for a group whose members changed. No version condition (concurrent
 * member PATCHes all succeed, each bumping once), only that the group still exists: run after the
 * membership writes, it tells whether the group was deleted meanwhile.
 */
export function touchParams(groupId: string, modified: string): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: keys.resource('Group', groupId),
    UpdateExpression: 'ADD #ver :one SET #modified = :modified',
    ConditionExpression: 'attribute_exists(#pk)',
    ExpressionAttributeNames: { '#ver': 'ver', '#modified': 'modified', '#pk': 'pk' },
    ExpressionAttributeValues: { ':one': 1, ':modified': modified },
    ReturnValues: 'ALL_NEW',
    ReturnConsumedCapacity: 'TOTAL',
  };
}

/** Bumps a group's version (see `touchParams`); undefined when the group no longer exists. */
export async function touchGroup(groupId: string): Promise<StoredResource | undefined> {
  if (groupId.length > MAX_KEY_VALUE_LENGTH) return undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      const { Attributes } = await documentClient.send(
        new UpdateCommand(touchParams(groupId, new Date().toISOString())),
      );
      return Attributes ? fromItem(Attributes) : undefined;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'ConditionalCheckFailedException') return undefined;
      // A rename or delete transaction on the group at this instant; the SDK does not retry it.
      if (name === 'TransactionConflictException' && attempt < MAX_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
        continue;
      }
      throw translateUnavailable(error);
    }
  }
}

/**
 * Deletes a group (at `record.version`), its displayName guard and its count, and records a
 * cleanup marker, all in one transaction: from then on the group is gone for every reader, and
 * the marker guarantees its membership items get deleted even if this request ends first.
 */
export async function deleteGroupRecord(record: StoredResource, deletedAt: string): Promise<void> {
  await deleteResource(record, [cleanupPut({ type: 'Group', id: record.id, deletedAt })]);
}
