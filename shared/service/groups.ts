/**
 * Groups and their memberships. The group item holds the attributes; each member is an item of
 * its own (`shared/store/memberships.ts`), so the cost of a membership change depends on the
 * members it changes, never on the group's size:
 *
 * - add members: the ids are validated (BatchGetItem, 100 per call) unless the request is one
 *   transaction anyway, then written 50 per TransactWriteItems, each member conditioned on its
 *   user existing; an unknown id is 400 invalidValue and nothing of the request is applied;
 * - remove members: BatchWriteItem deletes, 25 per call;
 * - then one UpdateItem bumps the group's version, conditioned only on the group existing, so
 *   concurrent member PATCHes never conflict; if the group was deleted meanwhile, the memberships
 *   just written are deleted again and the answer is 404.
 *
 * Deleting a group deletes its item and writes a cleanup marker in one transaction (the group is
 * gone at once), then deletes its membership items for up to `DELETE_SWEEP_BUDGET_MS`; whatever
 * is left, `sweepCleanups` (a scheduled function) finishes.
 */
import { randomUUID } from 'node:crypto';
import { limits } from '../config.js';
import {
  InvalidValueError,
  NotFoundError,
  PayloadTooLargeError,
  ScimError,
} from '../scim/errors.js';
import { applyPatch } from '../scim/patch.js';
import {
  checkImmutable,
  type MemberInput,
  normalizeResource,
  type Projection,
  wantsAttribute,
} from '../scim/resource.js';
import type { ScimResource } from '../scim/schemas/types.js';
import { type Cleanup, pendingCleanups, removeCleanup } from '../store/cleanups.js';
import { deleteGroupRecord, touchGroup } from '../store/groups.js';
import {
  addMembers,
  groupIdsOf,
  isMember,
  MEMBERS_PER_TRANSACTION,
  memberIdsOf,
  planMembership,
  removeAllMembers,
  removeIndexedMemberships,
  removeMembers,
  resolveMembership,
} from '../store/memberships.js';
import {
  batchGetResources,
  createResource,
  getResource,
  replaceResource,
  type StoredResource,
  VersionConflictError,
} from '../store/resources.js';
import {
  type FilterCandidate,
  type ListQuery,
  listResources,
  locationOf,
  type Presented,
  type PresentOptions,
  presentResource,
} from './resources.js';
import { checkIfMatch } from './versions.js';

const TYPE = 'Group' as const;

/**
 * How many times a write is re-applied when another write got in between its read and write.
 * Every member PATCH bumps the group's version, so a rename competes with membership traffic:
 * attempts are spaced with jitter.
 */
const WRITE_ATTEMPTS = 8;

/**
 * Bytes the `members` of one response may take in the Lambda response payload (limit 6 MB for the
 * whole payload, in which the body is a JSON string: every quote of the body is escaped). At
 * about 53 bytes per member without `$ref`, 100,000 members fit; with `$ref` (about 150 bytes
 * each) some 36,000 do, so larger groups are returned without `$ref`.
 */
export const MAX_MEMBERS_BYTES = 5_500_000;

/**
 * How long a DELETE spends deleting membership items before it answers and leaves the rest to
 * the sweeper: well inside the functions' 10 s timeout. That empties a group of some 15,000
 * members on DynamoDB Local; in AWS one group's items share a partition, which takes about 1,000
 * deletes a second, so a group of 100,000 members is always finished by the sweeper.
 */
export const DELETE_SWEEP_BUDGET_MS = 5_000;

/**
 * A cleanup marker is removed only when nothing is left and the marker is older than this: by
 * then every request that read the group (or checked the user) before the delete has ended (the
 * functions time out after 10 s), so none can still write a membership the sweep would miss, and
 * the byMember index has caught up with every membership of a deleted user.
 */
export const CLEANUP_GRACE_MS = 5 * 60_000;

/** Options of a PATCH: whether the response carries a body (the client asked for attributes). */
export interface PatchOptions extends PresentOptions {
  readonly bodyWanted: boolean;
}

export async function createGroup(body: unknown, options: PresentOptions): Promise<Presented> {
  const { resource, members } = normalizeResource(TYPE, body);
  const memberIds = memberIdsFrom(members ?? []);
  await requireUsers(memberIds);
  const now = new Date().toISOString();
  const record: StoredResource = {
    type: TYPE,
    id: randomUUID(),
    version: 1,
    created: now,
    lastModified: now,
    data: resource,
  };
  await createResource(record);
  let written = memberIds;
  if (memberIds.length > 0) {
    const { missing } = await addMembers(record.id, memberIds);
    written = without(memberIds, missing);
    // The id was not known to anyone before this response, unless a list read it: check anyway.
    if (!(await getResource(TYPE, record.id))) {
      await removeMembers(record.id, written);
      throw new NotFoundError(TYPE, record.id);
    }
  }
  return presentGroup(record, options, written);
}

export async function getGroup(id: string, options: PresentOptions): Promise<Presented> {
  const record = await requireGroup(id);
  const members = wantsMembers(options.projection) ? await memberIdsOf(id) : undefined;
  return presentGroup(record, options, members);
}

/**
 * A ListResponse of groups. Members are read only when `attributes` names them: a page of large
 * groups would not fit in a response, and Entra always asks with `excludedAttributes=members`.
 */
export async function listGroups(query: ListQuery, options: PresentOptions) {
  const withMembers = namesExplicitly(options.projection, 'members');
  return listResources(
    TYPE,
    query,
    options,
    async (record) =>
      presentGroup(record, options, withMembers ? await memberIdsOf(record.id) : undefined).body,
    memberCandidates,
  );
}

/**
 * Replaces a group's attributes. With `members` in the body the membership becomes exactly that
 * list (only the difference is written); without it the members are kept, because a PUT that
 * omits a read-write attribute is commonly sent by clients that never manage members this way
 * (Microsoft's suite renames a group so), and clearing 100,000 memberships by omission would be
 * a costly surprise.
 */
export async function replaceGroup(
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  options: PresentOptions,
): Promise<Presented> {
  const { resource, members } = normalizeResource(TYPE, body);
  const memberIds = members === undefined ? undefined : memberIdsFrom(members);
  if (memberIds) await requireUsers(memberIds);
  let record = await withRetry(ifMatch, async () => {
    const current = await requireGroup(id);
    checkIfMatch(ifMatch, current.version);
    // RFC 7644 §3.5.1: readOnly values were dropped by normalizeResource; immutable ones must match.
    checkImmutable(TYPE, current.data, resource);
    const next = nextVersion(current, resource);
    await replaceResource(current, next);
    return next;
  });
  if (memberIds === undefined) {
    const current = wantsMembers(options.projection) ? await memberIdsOf(id) : undefined;
    return presentGroup(record, options, current);
  }
  const { add, remove } = resolveMembership(
    { cleared: true, add: memberIds, remove: [] },
    await memberIdsOf(id),
  );
  const result = await writeMembers(id, add, remove, false);
  record = result.record ?? record;
  return presentGroup(record, options, without(memberIds, result.skipped));
}

/**
 * Applies a PATCH (both Entra dialects). Attribute changes are a conditional put of the group
 * item, re-applied to the fresh version when another write got in between (unless If-Match
 * pins the version); member changes are membership writes followed by a version bump.
 */
export async function patchGroup(
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  options: PatchOptions,
): Promise<Presented> {
  let add: string[] = [];
  let remove: string[] = [];
  let atomicAdd = false;
  let record = await withRetry(ifMatch, async () => {
    const current = await requireGroup(id);
    checkIfMatch(ifMatch, current.version);
    const patch = applyPatch(current.data, body, TYPE);
    for (const change of patch.members) {
      if (change.op === 'add' || change.op === 'replace') memberIdsFrom(change.members);
    }
    const plan = planMembership(patch.members);
    ({ add, remove } = resolveMembership(plan, plan.cleared ? await memberIdsOf(id) : []));
    // One transaction validates its members itself, all or nothing: no separate read needed as
    // long as nothing else was written before it.
    atomicAdd = !patch.changed && add.length <= MEMBERS_PER_TRANSACTION;
    if (!atomicAdd) await requireUsers(add);
    if (!patch.changed) return current;
    const next = nextVersion(current, patch.resource);
    await replaceResource(current, next);
    return next;
  });
  const result = await writeMembers(id, add, remove, atomicAdd);
  record = result.record ?? record;
  let members: string[] | undefined;
  if (options.bodyWanted && wantsMembers(options.projection)) members = await memberIdsOf(id);
  return presentGroup(record, options, members);
}

export async function deleteGroup(id: string, ifMatch: string | undefined): Promise<void> {
  await withRetry(ifMatch, async () => {
    const current = await requireGroup(id);
    checkIfMatch(ifMatch, current.version);
    await deleteGroupRecord(current, new Date().toISOString());
  });
  // The marker stays for the sweeper even when this finishes (see CLEANUP_GRACE_MS).
  await removeAllMembers(id, Date.now() + DELETE_SWEEP_BUDGET_MS);
}

/** What one run of the sweeper did. */
export interface SweepResult {
  /** Deleted users and groups whose membership items were all deleted in this run. */
  readonly emptied: number;
  /** Markers removed (emptied and past the grace period). */
  readonly finished: number;
  /** Markers left unfinished for lack of time (at least; the rest of a page is not counted). */
  readonly pending: number;
}

/**
 * Finishes the membership cleanup of deleted groups and users: deletes the membership items a
 * group's DELETE left behind and any membership of a deleted user the byMember index showed late,
 * within `budgetMs`; removes each marker once nothing is left and the grace period is over. Run
 * on a schedule (e.g. every 5 minutes).
 */
export async function sweepCleanups(budgetMs: number): Promise<SweepResult> {
  const deadline = Date.now() + budgetMs;
  const result = { emptied: 0, finished: 0, pending: 0 };
  for (const type of ['Group', 'User'] as const) {
    let next: Record<string, unknown> | undefined;
    do {
      const page = await pendingCleanups(type, 100, next);
      for (const cleanup of page.cleanups) await sweepOne(cleanup, deadline, result);
      next = page.next;
    } while (next && Date.now() < deadline);
    if (next) result.pending += 1;
  }
  return result;
}

async function sweepOne(
  cleanup: Cleanup,
  deadline: number,
  result: { emptied: number; finished: number; pending: number },
): Promise<void> {
  if (Date.now() > deadline) {
    result.pending += 1;
    return;
  }
  if (cleanup.type === 'Group') {
    if (!(await removeAllMembers(cleanup.id, deadline))) {
      result.pending += 1;
      return;
    }
  } else {
    await removeIndexedMemberships(cleanup.id);
  }
  result.emptied += 1;
  if (Date.now() - Date.parse(cleanup.deletedAt) > CLEANUP_GRACE_MS) {
    await removeCleanup(cleanup.type, cleanup.id);
    result.finished += 1;
  }
}

/** A user's `groups` attribute: direct memberships from the byMember index (no group reads). */
export async function groupsOfUser(
  userId: string,
  baseUrl: string,
): Promise<{ value: string; $ref: string; type: 'direct' }[]> {
  return (await groupIdsOf(userId)).map((groupId) => ({
    value: groupId,
    $ref: locationOf(baseUrl, TYPE, groupId),
    type: 'direct' as const,
  }));
}

/** Whether `attributes` names `attribute` (lists add attributes kept outside items only then). */
export function namesExplicitly(projection: Projection | undefined, attribute: string): boolean {
  return projection?.attributes !== undefined && wantsAttribute(TYPE, projection, attribute);
}

/**
 * The `members` entries of a response: `{value, $ref}`, or `{value}` alone when `$ref` would
 * take the response past `MAX_MEMBERS_BYTES` (about 36,000 members).
 *
 * @throws ScimError 400 tooMany when even the ids alone would not fit (over ~100,000 members).
 */
export function memberEntries(
  ids: readonly string[],
  baseUrl: string,
): { value: string; $ref?: string }[] {
  const refBase = locationOf(baseUrl, 'User', '');
  // Escaped in the payload: {\"value\":\"<id>\"}, plus ,\"$ref\":\"<url>\" and a comma.
  const idBytes = ids.reduce((sum, id) => sum + Buffer.byteLength(id, 'utf8') + 17, 0);
  const withRefBytes =
    idBytes +
    ids.reduce(
      (sum, id) => sum + Buffer.byteLength(refBase, 'utf8') + Buffer.byteLength(id, 'utf8') + 14,
      0,
    );
  if (withRefBytes <= MAX_MEMBERS_BYTES) {
    return ids.map((value) => ({ value, $ref: `${refBase}${value}` }));
  }
  if (idBytes <= MAX_MEMBERS_BYTES) return ids.map((value) => ({ value }));
  throw new ScimError(
    400,
    `The group has ${ids.length} members, more than one response can carry; read it with excludedAttributes=members and check memberships with filter=id eq "<group>" and members eq "<user>".`,
    'tooMany',
  );
}

function presentGroup(
  record: StoredResource,
  options: PresentOptions,
  members: readonly string[] | undefined,
): Presented {
  return presentResource(
    record,
    options,
    members === undefined ? {} : { members: memberEntries(members, options.baseUrl) },
  );
}

function wantsMembers(projection: Projection | undefined): boolean {
  return wantsAttribute(TYPE, projection, 'members');
}

/** Membership filters: one GetItem of the membership (with `id eq`) or the user's groups. */
async function memberCandidates(plan: {
  groupId?: string;
  memberId: string;
}): Promise<FilterCandidate[]> {
  // The filter is re-checked on each candidate, with the member the plan found put in view.
  const extra: ScimResource = { members: [{ value: plan.memberId }] };
  if (plan.groupId !== undefined) {
    const [record, member] = await Promise.all([
      getResource(TYPE, plan.groupId),
      isMember(plan.groupId, plan.memberId),
    ]);
    return record && member ? [{ record, extra }] : [];
  }
  const groupIds = await groupIdsOf(plan.memberId);
  if (groupIds.length > limits.maxFilterCandidates) {
    throw new ScimError(
      400,
      `The user is a member of more than ${limits.maxFilterCandidates} groups; add id eq "<group>" to the filter.`,
      'tooMany',
    );
  }
  return (await batchGetResources(TYPE, groupIds)).map((record) => ({ record, extra }));
}

/**
 * Writes membership changes, then bumps the group's version; when the group turns out to be
 * deleted meanwhile, deletes the memberships just added and answers 404. Returns the bumped
 * group (undefined when there was nothing to write) and the ids not added because their user was
 * deleted in between.
 */
async function writeMembers(
  groupId: string,
  add: readonly string[],
  remove: readonly string[],
  atomicAdd: boolean,
): Promise<{ record?: StoredResource; skipped: string[] }> {
  if (add.length === 0 && remove.length === 0) return { skipped: [] };
  let skipped: string[] = [];
  if (add.length > 0) {
    const { missing } = await addMembers(groupId, add, { atomic: atomicAdd });
    if (atomicAdd && missing.length > 0) {
      // Nothing was written; name every unknown id, not only those the transaction reported.
      const unknown = await unknownUsers(add);
      throw unknownMembersError(unknown.length > 0 ? unknown : missing);
    }
    skipped = missing;
  }
  if (remove.length > 0) await removeMembers(groupId, remove);
  const record = await touchGroup(groupId);
  if (!record) {
    await removeMembers(groupId, add);
    throw new NotFoundError(TYPE, groupId);
  }
  return { record, skipped };
}

/**
 * The member ids of a body or PATCH value, each once. GroupTalk groups hold users: a member of
 * type Group is refused. At most `limits.maxPatchMembers` per request.
 */
function memberIdsFrom(members: readonly MemberInput[]): string[] {
  if (members.length > limits.maxPatchMembers) {
    throw new PayloadTooLargeError(
      `The request names ${members.length} members; the limit is ${limits.maxPatchMembers} per request: send them in several requests.`,
    );
  }
  const nested = members.filter((member) => member.type === 'Group');
  if (nested.length > 0) {
    throw new InvalidValueError(
      `GroupTalk groups contain users only; these members are groups: ${listIds(nested.map((m) => m.value))}.`,
    );
  }
  return [...new Set(members.map((member) => member.value))];
}

/** 400 invalidValue unless every id names an existing user (BatchGetItem, 100 ids per call). */
async function requireUsers(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const unknown = await unknownUsers(ids);
  if (unknown.length > 0) throw unknownMembersError(unknown);
}

async function unknownUsers(ids: readonly string[]): Promise<string[]> {
  const found = new Set((await batchGetResources('User', ids)).map((user) => user.id));
  return ids.filter((id) => !found.has(id));
}

function unknownMembersError(ids: readonly string[]): InvalidValueError {
  return new InvalidValueError(
    `Members must be existing users; no user has the id ${listIds(ids)}. Nothing was changed.`,
  );
}

function listIds(ids: readonly string[]): string {
  const shown = ids
    .slice(0, 20)
    .map((id) => JSON.stringify(id.slice(0, 100)))
    .join(', ');
  return ids.length > 20 ? `${shown} and ${ids.length - 20} more` : shown;
}

function without(ids: readonly string[], removed: readonly string[]): string[] {
  if (removed.length === 0) return [...ids];
  const gone = new Set(removed);
  return ids.filter((id) => !gone.has(id));
}

async function requireGroup(id: string): Promise<StoredResource> {
  const record = await getResource(TYPE, id);
  if (!record) throw new NotFoundError(TYPE, id);
  return record;
}

/**
 * Runs a read-check-write step again when its write lost a race with another write, unless the
 * client pinned the version with If-Match (then 412).
 */
async function withRetry<T>(ifMatch: string | undefined, step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (
        error instanceof VersionConflictError &&
        ifMatch === undefined &&
        attempt < WRITE_ATTEMPTS
      ) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
        continue;
      }
      throw error;
    }
  }
}

function nextVersion(current: StoredResource, data: ScimResource): StoredResource {
  return {
    ...current,
    version: current.version + 1,
    lastModified: new Date().toISOString(),
    data,
  };
}
