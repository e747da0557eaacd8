/**
 * What groups need beyond the generic resource store: version bumps for membership changes (one
 * that never conflicts with concurrent member PATCHes, one pinned to the version a client named),
 * and a delete that leaves a cleanup marker behind.
 */
import { UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { cleanupPut } from './cleanups.js';
import { documentClient, tableName } from './client.js';
import { VersionConflictError } from './errors.js';
import { keys, MAX_KEY_VALUE_LENGTH } from './keys.js';
import { deleteResource, fromItem, type StoredResource } from './resources.js';
import { retryTransactionConflicts, type TransactionPart, transact } from './transactions.js';

/**
 * Params: a new version for a group whose members changed. No version condition (concurrent
 * member PATCHes all succeed, each bumping once), only that the group still exists: run after the
 * membership writes, it tells whether the group was deleted meanwhile.
 */
export function touchParams(groupId: string, modified: string): UpdateCommandInput {
  return {
    TableName: tableName(),
    Key: keys.resource('Group', groupId),
    UpdateExpression: 'ADD #ver :one SET #modified = :modified',
    ConditionExpression: 'attribute_exists(#pk)',
    ExpressionAttributeNames: { '#ver': 'ver', '#modified': 'modified', '#pk': 'pk' },
    ExpressionAttributeValues: { ':one': 1, ':modified': modified },
    ReturnValues: 'ALL_NEW',
    ReturnConsumedCapacity: 'TOTAL',
  };
}

/** The update of `bumpParams`, as it goes into a transaction. */
function bumpUpdate(groupId: string, version: number, modified: string) {
  return {
    TableName: tableName(),
    Key: keys.resource('Group', groupId),
    UpdateExpression: 'SET #ver = :next, #modified = :modified',
    ConditionExpression: '#ver = :ver',
    ExpressionAttributeNames: { '#ver': 'ver', '#modified': 'modified' },
    ExpressionAttributeValues: { ':ver': version, ':next': version + 1, ':modified': modified },
  };
}

/**
 * Params: a new version for a group whose members change, only if it is still at `version` (the
 * one `If-Match` named): of concurrent PATCHes pinned to one version, one wins.
 */
export function bumpParams(groupId: string, version: number, modified: string): UpdateCommandInput {
  return {
    ...bumpUpdate(groupId, version, modified),
    ReturnValues: 'ALL_NEW',
    ReturnConsumedCapacity: 'TOTAL',
  };
}

/** The pinned bump (see `bumpParams`) as part of a transaction; `VersionConflictError` if stale. */
function bumpPart(record: StoredResource, modified: string): TransactionPart {
  return {
    items: [{ Update: bumpUpdate(record.id, record.version, modified) }],
    onConditionFailed: () => new VersionConflictError(),
  };
}

/** Bumps a group's version (see `touchParams`); undefined when the group no longer exists. */
export async function touchGroup(groupId: string): Promise<StoredResource | undefined> {
  if (groupId.length > MAX_KEY_VALUE_LENGTH) return undefined;
  try {
    // A rename or delete transaction on the group at this instant conflicts with the update.
    const { Attributes } = await retryTransactionConflicts(() =>
      documentClient().send(new UpdateCommand(touchParams(groupId, new Date().toISOString()))),
    );
    return Attributes ? fromItem(Attributes) : undefined;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}

/**
 * Bumps a group's version if it is still at `record.version` (see `bumpParams`), with the actions
 * of `extra` (its membership writes) in the same transaction when given: all or nothing.
 *
 * @throws VersionConflictError when the version moved on or the group is gone.
 */
export async function bumpGroup(
  record: StoredResource,
  ...extra: TransactionPart[]
): Promise<StoredResource> {
  const modified = new Date().toISOString();
  if (extra.length > 0) {
    await transact([bumpPart(record, modified), ...extra]);
    return { ...record, version: record.version + 1, lastModified: modified };
  }
  let attributes: Record<string, unknown> | undefined;
  try {
    ({ Attributes: attributes } = await retryTransactionConflicts(() =>
      documentClient().send(new UpdateCommand(bumpParams(record.id, record.version, modified))),
    ));
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
      throw new VersionConflictError();
    }
    throw error;
  }
  if (!attributes) throw new VersionConflictError();
  return fromItem(attributes);
}

/**
 * Deletes a group (at `record.version`), its displayName guard and its count, and records a
 * cleanup marker, all in one transaction: from then on the group is gone for every reader, and
 * the marker guarantees its membership items get deleted even if this request ends first.
 */
export async function deleteGroupRecord(record: StoredResource, deletedAt: string): Promise<void> {
  await deleteResource(record, [cleanupPut({ type: 'Group', id: record.id, deletedAt })]);
}
