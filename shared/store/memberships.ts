/**
 * Membership items: one per group and member, in the group's partition (`GROUP#<gid>` /
 * `MEMBER#<uid>`) and indexed by member (byMember) for a user's groups. Members never live inside
 * the group item, so adding or removing one member touches O(1) items whatever the group's size.
 */
import {
  GetCommand,
  type GetCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mapConcurrently } from '../common/concurrency.js';
import { batchWrite } from './batch.js';
import { documentClient, tableName } from './client.js';
import { keys, MAX_KEY_VALUE_LENGTH } from './keys.js';
import { tableDesign } from './table-design.js';
import {
  CONDITION_FAILED,
  cancellationError,
  type TransactItem,
  type TransactionPart,
  transactWrite,
} from './transactions.js';

const byMember = tableDesign.indexes.byMember;
const PK = tableDesign.partitionKey;
const SK = tableDesign.sortKey;

/**
 * Members written by one TransactWriteItems: each member costs a ConditionCheck on its user and a
 * write of its membership, and a transaction holds at most 100 actions.
 */
export const MEMBERS_PER_TRANSACTION = 50;

/** Transactions (or BatchWriteItem calls) of one request in flight at once. */
const WRITE_PARALLELISM = 4;
/** BatchWriteItem calls in flight while a deleted group's memberships are swept. */
const SWEEP_PARALLELISM = 16;
/**
 * Deletes between two looks at the sweep's deadline (one round of parallel BatchWriteItem calls):
 * under half a second of work in AWS, where one group's items share a partition that takes about
 * 1,000 writes a second.
 */
const SWEEP_CHUNK = 400;

/** A membership item as stored (bulk loads and tests; requests write through `addMembersParams`). */
export function membershipItem(groupId: string, userId: string, added: string) {
  return { ...keys.membership(groupId, userId), added };
}

/**
 * Params: add members in one transaction. Each member is a ConditionCheck that its user exists
 * and an Update that writes the membership, so a user deleted at the same moment can never be
 * left behind as a member (user delete removes memberships after the user is gone). An existing
 * membership keeps its `added` time: adding a member twice changes nothing.
 */
export function addMembersParams(
  groupId: string,
  userIds: readonly string[],
  added: string,
): TransactWriteCommandInput {
  if (userIds.length > MEMBERS_PER_TRANSACTION) {
    throw new Error(`at most ${MEMBERS_PER_TRANSACTION} members per transaction`);
  }
  return {
    ReturnConsumedCapacity: 'TOTAL',
    TransactItems: addMemberActions(groupId, userIds, added),
  };
}

/** The two actions per member of `addMembersParams`: the user's ConditionCheck, then the Update. */
function addMemberActions(
  groupId: string,
  userIds: readonly string[],
  added: string,
): TransactItem[] {
  return userIds.flatMap((userId) => {
    const membership = keys.membership(groupId, userId);
    return [
      {
        ConditionCheck: {
          TableName: tableName(),
          Key: keys.resource('User', userId),
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        },
      },
      {
        Update: {
          TableName: tableName(),
          Key: { pk: membership.pk, sk: membership.sk },
          UpdateExpression: 'SET #mpk = :mpk, #msk = :msk, #added = if_not_exists(#added, :added)',
          ExpressionAttributeNames: {
            '#mpk': byMember.partitionKey,
            '#msk': byMember.sortKey,
            '#added': 'added',
          },
          ExpressionAttributeValues: {
            ':mpk': membership.gsi5pk,
            ':msk': membership.gsi5sk,
            ':added': added,
          },
        },
      },
    ];
  });
}

/**
 * Membership writes as part of a larger transaction (a group's create or PATCH, so that the group
 * item and its members change together): per added member its user's ConditionCheck and its
 * membership (see `addMembersParams`), per removed member a Delete. Ids too long to be keys are
 * left out of `remove` (they name no member); callers refuse them in `add` beforehand. A failed
 * condition means users do not exist: `onUnknownUsers` gets their ids and returns the error.
 */
export function membershipPart(
  groupId: string,
  changes: { readonly add: readonly string[]; readonly remove: readonly string[] },
  added: string,
  onUnknownUsers: (ids: string[]) => Error | Promise<Error>,
): TransactionPart {
  const removeActions: TransactItem[] = changes.remove
    .filter((userId) => userId.length <= MAX_KEY_VALUE_LENGTH)
    .map((userId) => {
      const { pk, sk } = keys.membership(groupId, userId);
      return { Delete: { TableName: tableName(), Key: { pk, sk } } };
    });
  return {
    items: [...addMemberActions(groupId, changes.add, added), ...removeActions],
    onConditionFailed: (reasons) =>
      // Even positions up to 2 × add are the users' ConditionChecks.
      onUnknownUsers(
        changes.add.filter((_, index) => reasons[index * 2]?.code === CONDITION_FAILED),
      ),
  };
}

/** Params: one page of a group's membership keys, strongly consistent, in member id order. */
export function memberPageParams(
  groupId: string,
  exclusiveStartKey?: Record<string, unknown>,
): QueryCommandInput {
  return {
    TableName: tableName(),
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
    ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
    ExpressionAttributeValues: {
      ':pk': keys.membership(groupId, '').pk,
      ':prefix': keys.membershipSkPrefix,
    },
    // Only the sort key travels back: it holds the member id.
    ProjectionExpression: '#sk',
    ConsistentRead: true,
    ExclusiveStartKey: exclusiveStartKey,
    ReturnConsumedCapacity: 'TOTAL',
  };
}

/**
 * Member-id boundaries at which a large group is read in parallel. Members are users, and user
 * ids are random UUIDs (lower-case hex), so the 16 ranges hold about the same number of members;
 * the ranges still cover every possible id.
 */
const RANGE_BOUNDS = [...'123456789abcdef'];

/** A range of member ids: from `from` (excluded when `fromExclusive`) up to `to` (excluded). */
export interface MemberRange {
  readonly from: string;
  readonly fromExclusive: boolean;
  /** Undefined: to the end of the group's members. */
  readonly to?: string;
}

/**
 * The ranges that cover every member id after `after`, split at the hex boundaries above it.
 *
 * @example
 * memberRanges('e7') // → [{ from: 'e7', fromExclusive: true, to: 'f' }, { from: 'f', fromExclusive: false }]
 */
export function memberRanges(after: string): MemberRange[] {
  const starts = [after, ...RANGE_BOUNDS.filter((bound) => bound > after)];
  return starts.map((from, index) => {
    const to = starts[index + 1];
    return to === undefined
      ? { from, fromExclusive: index === 0 }
      : { from, fromExclusive: index === 0, to };
  });
}

/**
 * Params: one page of the membership keys in a range of member ids. The bounds are inclusive in
 * DynamoDB (`BETWEEN`), so the caller drops a key equal to an excluded bound.
 */
export function memberRangeParams(
  groupId: string,
  range: MemberRange,
  exclusiveStartKey?: Record<string, unknown>,
): QueryCommandInput {
  const lower = range.fromExclusive ? '>' : '>=';
  return {
    ...memberPageParams(groupId, exclusiveStartKey),
    KeyConditionExpression:
      range.to === undefined
        ? `#pk = :pk AND #sk ${lower} :from`
        : '#pk = :pk AND #sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': keys.membership(groupId, '').pk,
      ':from': keys.membership(groupId, range.from).sk,
      ...(range.to === undefined ? {} : { ':to': keys.membership(groupId, range.to).sk }),
    },
  };
}

/** Params: read one membership item (is `userId` a member of `groupId`?). */
export function membershipParams(groupId: string, userId: string): GetCommandInput {
  const { pk, sk } = keys.membership(groupId, userId);
  return {
    TableName: tableName(),
    Key: { pk, sk },
    ProjectionExpression: '#pk',
    ExpressionAttributeNames: { '#pk': PK },
    ConsistentRead: true,
    ReturnConsumedCapacity: 'TOTAL',
  };
}

/** Params: the keys of the membership items of `userId`, from the byMember index. */
export function groupsOfParams(
  userId: string,
  exclusiveStartKey?: Record<string, unknown>,
): QueryCommandInput {
  return {
    TableName: tableName(),
    IndexName: byMember.name,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': byMember.partitionKey },
    ExpressionAttributeValues: { ':pk': keys.membership('', userId).gsi5pk },
    ExclusiveStartKey: exclusiveStartKey,
    Limit: 1000,
    ReturnConsumedCapacity: 'TOTAL',
  };
}

// ---- send -------------------------------------------------------------------------------------

/**
 * The ids of the groups `userId` belongs to, from the byMember index (one Query per 1,000 groups).
 * The index is eventually consistent: a membership written a moment ago may be missing. With
 * `atMost`, reading stops once that many are known (more may exist).
 */
export async function groupIdsOf(
  userId: string,
  atMost = Number.POSITIVE_INFINITY,
): Promise<string[]> {
  // No user has an id too long to be a key (AWS would refuse the Query; DynamoDB Local does not).
  if (userId.length > MAX_KEY_VALUE_LENGTH) return [];
  const groupIds: string[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const params = groupsOfParams(userId, exclusiveStartKey);
    const wanted = atMost - groupIds.length;
    const output = await documentClient().send(
      new QueryCommand(wanted < (params.Limit ?? 0) ? { ...params, Limit: wanted } : params),
    );
    for (const item of output.Items ?? []) {
      groupIds.push(keys.decodeId(item[byMember.sortKey] as string));
    }
    exclusiveStartKey = output.LastEvaluatedKey;
  } while (exclusiveStartKey && groupIds.length < atMost);
  return groupIds;
}

/**
 * Deletes the memberships of `userId` the byMember index shows now, at most `atMost` of them, and
 * says whether none is left to delete. The index is eventually consistent, so a membership
 * written a moment before the user's delete may not show yet: the cleanup marker written with the
 * delete has the sweeper look again later (and delete those beyond `atMost`).
 */
export async function removeIndexedMemberships(
  userId: string,
  atMost = Number.POSITIVE_INFINITY,
): Promise<boolean> {
  // One more than asked for tells whether any is left.
  const groupIds = await groupIdsOf(userId, atMost + 1);
  const removed = groupIds.slice(0, atMost);
  await batchWrite(
    removed.map((groupId) => {
      const { pk, sk } = keys.membership(groupId, userId);
      return { delete: { pk, sk } };
    }),
    WRITE_PARALLELISM,
  );
  return removed.length === groupIds.length;
}

/** Whether `userId` is a member of `groupId` (one consistent GetItem). */
export async function isMember(groupId: string, userId: string): Promise<boolean> {
  if (userId.length > MAX_KEY_VALUE_LENGTH || groupId.length > MAX_KEY_VALUE_LENGTH) return false;
  const { Item } = await documentClient().send(new GetCommand(membershipParams(groupId, userId)));
  return Item !== undefined;
}

/** One Query page of a group's member ids, and where the next page starts. */
export interface MemberPage {
  readonly ids: string[];
  readonly next?: Record<string, unknown>;
}

async function memberPage(
  groupId: string,
  exclusiveStartKey?: Record<string, unknown>,
): Promise<MemberPage> {
  const output = await documentClient().send(
    new QueryCommand(memberPageParams(groupId, exclusiveStartKey)),
  );
  return {
    ids: (output.Items ?? []).map((item) => keys.decodeMemberId(item[SK] as string)),
    next: output.LastEvaluatedKey,
  };
}

/**
 * The first page of a group's member ids (one Query): read alongside the group item, it is all
 * `memberIdsOf` needs for a group of up to about 4,500 members.
 */
export function firstMemberPage(groupId: string): Promise<MemberPage> {
  return memberPage(groupId);
}

/**
 * Every member id of a group, in id order. One Query answers a group of up to about 4,500
 * members (a 1 MB page); the rest of a larger group is read as 16 ranges of member ids in
 * parallel, each page by page, instead of one page after another. `first`, when given, is the
 * first page already read (`firstMemberPage`).
 */
export async function memberIdsOf(groupId: string, first?: MemberPage): Promise<string[]> {
  return continueMembers(groupId, first ?? (await memberPage(groupId)));
}

async function continueMembers(groupId: string, first: MemberPage): Promise<string[]> {
  const last = first.ids.at(-1);
  if (!first.next || last === undefined) return first.ids;
  const ranges = await Promise.all(memberRanges(last).map((range) => memberIdsIn(groupId, range)));
  return [...first.ids, ...ranges.flat()];
}

async function memberIdsIn(groupId: string, range: MemberRange): Promise<string[]> {
  const ids: string[] = [];
  let next: Record<string, unknown> | undefined;
  do {
    const output = await documentClient().send(
      new QueryCommand(memberRangeParams(groupId, range, next)),
    );
    for (const item of output.Items ?? []) {
      const sk = item[SK] as string;
      // Past the last membership (another kind of item), or a bound another range owns.
      if (!sk.startsWith(keys.membershipSkPrefix)) continue;
      const id = keys.decodeMemberId(sk);
      if (id === range.to || (range.fromExclusive && id === range.from)) continue;
      ids.push(id);
    }
    next = output.LastEvaluatedKey;
  } while (next);
  return ids;
}

/**
 * Adds members, `MEMBERS_PER_TRANSACTION` per transaction, a few transactions at a time.
 *
 * A member whose user does not exist when its transaction runs is reported in `missing`. With
 * `atomic` (only for at most `MEMBERS_PER_TRANSACTION` members: one transaction), a missing user
 * means nothing was written. Otherwise the transaction is retried without the missing members:
 * callers validated the ids before, so a user missing now was deleted in between, and leaving it
 * out is what adding it just before its deletion would have ended in.
 */
export async function addMembers(
  groupId: string,
  userIds: readonly string[],
  options: { readonly atomic?: boolean } = {},
): Promise<{ missing: string[] }> {
  if (options.atomic && userIds.length > MEMBERS_PER_TRANSACTION) {
    throw new Error(`an atomic add takes at most ${MEMBERS_PER_TRANSACTION} members`);
  }
  const missing = userIds.filter((id) => id.length > MAX_KEY_VALUE_LENGTH);
  if (options.atomic && missing.length > 0) return { missing };
  const writable = userIds.filter((id) => id.length <= MAX_KEY_VALUE_LENGTH);
  const chunks: string[][] = [];
  for (let start = 0; start < writable.length; start += MEMBERS_PER_TRANSACTION) {
    chunks.push(writable.slice(start, start + MEMBERS_PER_TRANSACTION));
  }
  const added = new Date().toISOString();
  await mapConcurrently(chunks, WRITE_PARALLELISM, async (chunk) => {
    missing.push(...(await addChunk(groupId, chunk, added, options.atomic ?? false)));
  });
  return { missing };
}

async function addChunk(
  groupId: string,
  chunk: readonly string[],
  added: string,
  atomic: boolean,
): Promise<string[]> {
  const missing: string[] = [];
  let pending = [...chunk];
  while (pending.length > 0) {
    const reasons = await transactWrite(addMembersParams(groupId, pending, added));
    if (!reasons) return missing;
    // Even positions are the users' ConditionChecks (the only conditions of the transaction).
    const gone = pending.filter((_, index) => reasons[index * 2]?.code === CONDITION_FAILED);
    if (gone.length === 0) throw cancellationError(reasons);
    missing.push(...gone);
    if (atomic) return missing;
    pending = pending.filter((id) => !gone.includes(id));
  }
  return missing;
}

/** Removes members (idempotent: removing one who is not a member changes nothing). */
export async function removeMembers(groupId: string, userIds: readonly string[]): Promise<void> {
  await batchWrite(
    userIds
      .filter((id) => id.length <= MAX_KEY_VALUE_LENGTH)
      .map((userId) => {
        const { pk, sk } = keys.membership(groupId, userId);
        return { delete: { pk, sk } };
      }),
    WRITE_PARALLELISM,
  );
}

/**
 * Deletes every membership item of a group, page by page (the next page is read while the
 * current one is deleted), `SWEEP_CHUNK` deletes at a time. Stops at the first chunk boundary
 * after `deadline` (epoch ms) or once `atMost` items are deleted, and says whether the partition
 * was emptied.
 */
export async function removeAllMembers(
  groupId: string,
  deadline?: number,
  atMost = Number.POSITIVE_INFINITY,
): Promise<boolean> {
  let deleted = 0;
  const overdue = () => (deadline !== undefined && Date.now() > deadline) || deleted >= atMost;
  let page = await memberPage(groupId);
  for (;;) {
    const following = page.next ? memberPage(groupId, page.next) : undefined;
    // A rejected read-ahead must not go unhandled while this page is being written.
    following?.catch(() => undefined);
    for (let start = 0; start < page.ids.length; start += SWEEP_CHUNK) {
      if (overdue()) return false;
      const chunk = page.ids.slice(start, start + Math.min(SWEEP_CHUNK, atMost - deleted));
      await batchWrite(
        chunk.map((userId) => {
          const { pk, sk } = keys.membership(groupId, userId);
          return { delete: { pk, sk } };
        }),
        SWEEP_PARALLELISM,
      );
      deleted += chunk.length;
      if (chunk.length < SWEEP_CHUNK && start + chunk.length < page.ids.length) return false;
    }
    if (!following) return true;
    if (overdue()) return false;
    page = await following;
  }
}

/**
 * How many members a group has, counted up to `atMost` (then `capped`): Queries with `Select:
 * COUNT` of its membership items, about 40 members per read unit (eventually consistent), so a
 * count of 10,000 reads about 125 units and a larger group is said to have "at least" that many.
 */
export async function countMembers(
  groupId: string,
  atMost: number,
): Promise<{ count: number; capped: boolean }> {
  if (groupId.length > MAX_KEY_VALUE_LENGTH) return { count: 0, capped: false };
  let count = 0;
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const { ProjectionExpression: _keysOnly, ...page } = memberPageParams(
      groupId,
      exclusiveStartKey,
    );
    const output = await documentClient().send(
      new QueryCommand({
        ...page,
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        Select: 'COUNT',
        ConsistentRead: false,
        Limit: atMost + 1 - count,
      }),
    );
    count += output.Count ?? 0;
    exclusiveStartKey = output.LastEvaluatedKey;
  } while (exclusiveStartKey && count <= atMost);
  return count > atMost ? { count: atMost, capped: true } : { count, capped: false };
}
