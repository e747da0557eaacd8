/**
 * The integration page's own items in the tenant's table: the record of admin actions (who did
 * what, when) and, where no key is configured, the key that seals its cookies.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.js';
import { keys } from './keys.js';

/** One admin action: who (the Entra user), what, when. Never holds a token or a secret. */
export interface AdminAction {
  readonly at: string;
  readonly id: string;
  /** The signed-in user's Entra object id and the name shown for them. */
  readonly actorId: string;
  readonly actorName: string;
  /** e.g. `signIn`, `signInRefused`, `generateSecretToken`, `revokeCredential`. */
  readonly action: string;
  /** What it acted on (a credential id), when anything. */
  readonly target?: string;
  /** A short, non-secret note (the role that was missing). */
  readonly detail?: string;
}

export type NewAdminAction = Omit<AdminAction, 'at' | 'id'>;

/** PutItem params of one admin action (pure: unit-testable without a table). */
export function putAdminActionParams(action: AdminAction) {
  return {
    TableName: tableName(),
    Item: { ...keys.auditEntry(action.at, action.id), ...action },
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: { '#pk': 'pk' },
  };
}

/**
 * Records an admin action now.
 *
 * @example await recordAdminAction({ actorId: oid, actorName: 'Ada', action: 'signIn' })
 */
export async function recordAdminAction(action: NewAdminAction): Promise<AdminAction> {
  const recorded: AdminAction = { at: new Date().toISOString(), id: randomUUID(), ...action };
  await documentClient().send(new PutCommand(putAdminActionParams(recorded)));
  return recorded;
}

/** The newest admin actions first, at most `limit`. */
export async function listAdminActions(limit = 50): Promise<AdminAction[]> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': keys.auditPartition },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return Items.map(({ pk: _pk, sk: _sk, ...action }) => action as AdminAction);
}

/**
 * The 32-byte key sealing the page's cookies: read from the table, or with `create` generated
 * there on first use (undefined without it: nothing can have been sealed yet). Two instances
 * racing to create it agree: the conditional put lets only the first win and the loser reads the
 * winner's key.
 */
export async function adminSessionKey(create: boolean): Promise<Uint8Array | undefined> {
  const key = keys.adminSessionKey();
  const read = async () =>
    (
      await documentClient().send(
        new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }),
      )
    ).Item?.value as string | undefined;
  const existing = await read();
  if (existing) return new Uint8Array(Buffer.from(existing, 'base64url'));
  if (!create) return undefined;
  const value = randomBytes(32).toString('base64url');
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...key, value, createdAt: new Date().toISOString() },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk' },
      }),
    );
    return new Uint8Array(Buffer.from(value, 'base64url'));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    const winner = await read();
    if (!winner) throw error;
    return new Uint8Array(Buffer.from(winner, 'base64url'));
  }
}
