/**
 * The integration page's own items in the tenant's table: the record of admin actions (who did
 * what, when), the signed-in sessions and, where no key is configured, the key that seals its
 * cookies.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
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

/**
 * A signed-in session of the page, as the server keeps it: the cookie names it (sealed), and the
 * page answers only while this item exists. Sign-out deletes it, so a copy of the cookie stops at
 * once; nothing secret is stored (the CSRF token stays in the sealed cookie). When the role was
 * last confirmed is kept here, not in the cookie, so a re-check renews every copy of the session
 * and an old copy cannot claim a newer check.
 */
export interface AdminSessionRecord {
  readonly userId: string;
  readonly sessionId: string;
  /** Seconds since the epoch, as in the cookie. */
  readonly expiresAt: number;
  /** When the provider last confirmed the user's role (seconds since the epoch). */
  readonly roleCheckedAt: number;
}

/** PutItem params of a new session (pure). A session id is never reused. */
export function putAdminSessionParams(record: AdminSessionRecord) {
  return {
    TableName: tableName(),
    Item: { ...keys.adminSession(record.userId, record.sessionId), ...record },
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: { '#pk': 'pk' },
  };
}

/**
 * GetItem params of a session (pure). Strongly consistent: a sign-out written by one function
 * instance is seen by the next request to any other.
 */
export function getAdminSessionParams(userId: string, sessionId: string) {
  return {
    TableName: tableName(),
    Key: keys.adminSession(userId, sessionId),
    ConsistentRead: true,
    ProjectionExpression: '#expiresAt, #roleCheckedAt',
    ExpressionAttributeNames: { '#expiresAt': 'expiresAt', '#roleCheckedAt': 'roleCheckedAt' },
  };
}

/** DeleteItem params of a session (pure). */
export function deleteAdminSessionParams(userId: string, sessionId: string) {
  return { TableName: tableName(), Key: keys.adminSession(userId, sessionId) };
}

/**
 * UpdateItem params recording a new role check of an open session (pure): only while the session
 * still exists, so a renewal racing a sign-out never brings the session back.
 */
export function renewAdminSessionParams(userId: string, sessionId: string, roleCheckedAt: number) {
  return {
    TableName: tableName(),
    Key: keys.adminSession(userId, sessionId),
    UpdateExpression: 'SET #roleCheckedAt = :at',
    ConditionExpression: 'attribute_exists(#pk)',
    ExpressionAttributeNames: { '#pk': 'pk', '#roleCheckedAt': 'roleCheckedAt' },
    ExpressionAttributeValues: { ':at': roleCheckedAt },
  };
}

/** Query params of one user's sessions (pure): keys and expiry only. */
export function userAdminSessionsParams(userId: string) {
  return {
    TableName: tableName(),
    KeyConditionExpression: '#pk = :pk',
    ProjectionExpression: '#pk, #sk, #expiresAt',
    ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#expiresAt': 'expiresAt' },
    ExpressionAttributeValues: { ':pk': keys.adminSessionPartition(userId) },
  };
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Records a new session, and deletes the user's sessions that have expired (the table has no
 * TTL: each sign-in sweeps its own user's partition, so it holds only sessions not yet expired).
 */
export async function startAdminSession(record: AdminSessionRecord): Promise<void> {
  await documentClient().send(new PutCommand(putAdminSessionParams(record)));
  const { Items = [] } = await documentClient().send(
    new QueryCommand(userAdminSessionsParams(record.userId)),
  );
  const expired = Items.filter(
    (item) => typeof item.expiresAt !== 'number' || item.expiresAt <= now(),
  );
  for (const item of expired) {
    await documentClient().send(
      new DeleteCommand({ TableName: tableName(), Key: { pk: item.pk, sk: item.sk } }),
    );
  }
}

/**
 * The session's record while it is open (recorded, not signed out, not expired); undefined
 * otherwise.
 */
export async function readAdminSession(
  userId: string,
  sessionId: string,
): Promise<AdminSessionRecord | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand(getAdminSessionParams(userId, sessionId)),
  );
  if (typeof Item?.expiresAt !== 'number' || typeof Item.roleCheckedAt !== 'number') {
    return undefined;
  }
  if (Item.expiresAt <= now()) return undefined;
  return { userId, sessionId, expiresAt: Item.expiresAt, roleCheckedAt: Item.roleCheckedAt };
}

/** Ends the session (sign-out, a refused re-check, a new sign-in in the same browser). */
export async function endAdminSession(userId: string, sessionId: string): Promise<void> {
  await documentClient().send(new DeleteCommand(deleteAdminSessionParams(userId, sessionId)));
}

/**
 * Records that the provider confirmed the role again; false when the session has ended meanwhile
 * (then the caller starts a new one).
 */
export async function renewAdminSession(
  userId: string,
  sessionId: string,
  roleCheckedAt: number,
): Promise<boolean> {
  try {
    await documentClient().send(
      new UpdateCommand(renewAdminSessionParams(userId, sessionId, roleCheckedAt)),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
