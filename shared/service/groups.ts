/**
 * Groups and their memberships. The group item holds the attributes; each member is an item of
 * its own (`shared/store/memberships.ts`), so the cost of a membership change depends on the
 * members it changes, never on the group's size. How a PATCH or PUT writes (`writeGroup`):
 *
 * - When the group item is written (attributes change, or `If-Match` pins the version) and the
 *   membership writes fit in the same TransactWriteItems (100 actions: 2 per added member, its
 *   user's ConditionCheck and its membership; 1 per removed member; 1 to 3 for the group item),
 *   it is all one transaction, conditioned on the version read: the request is applied whole or
 *   not at all; a stale If-Match is 412, without If-Match it is re-applied to the fresh version.
 * - A member-only change without a pinned version never writes the group item conditionally, so
 *   concurrent member PATCHes never conflict: adds are written 50 per transaction (one
 *   transaction checks its users itself, all or nothing; more are validated first with
 *   BatchGetItem), removes with BatchWriteItem, then one UpdateItem bumps the version on the only
 *   condition that the group exists. If it was deleted meanwhile, the memberships just added are
 *   deleted again and the answer is 404.
 * - A larger change that writes the group item writes it first (conditionally, as above; for a
 *   member-only change pinned by If-Match, a version bump pinned to it), then the members as in
 *   the member-only case. A failure in between leaves the group item written and the members not
 *   (or partly): the client's retry completes it, membership writes being idempotent (a retry
 *   still pinned to the old version gets 412, and re-reads).
 *
 * A create with members is one transaction when they fit (48 members); a larger one writes the
 * group, then its members, and deletes the group again when adding them fails, so the client's
 * retry gets 201 rather than 409.
 *
 * Deleting a group deletes its item and writes a cleanup marker in one transaction (the group is
 * gone at once), then deletes up to `IN_REQUEST_MEMBER_DELETES` of its membership items (within
 * `DELETE_SWEEP_BUDGET_MS`); whatever is left, the sweeper (`./cleanups.ts`) finishes.
 */
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
import { bumpGroup, deleteGroupRecord, touchGroup } from '../store/groups.js';
import { MAX_KEY_VALUE_LENGTH } from '../store/keys.js';
import {
  addMembers,
  firstMemberPage,
  groupIdsOf,
  isMember,
  MEMBERS_PER_TRANSACTION,
  type MemberPage,
  memberIdsOf,
  membershipPart,
  removeAllMembers,
  removeMembers,
} from '../store/memberships.js';
import {
  batchGetResources,
  createPart,
  createResource,
  existingResourceIds,
  getResource,
  replacePart,
  replaceResource,
  type StoredResource,
} from '../store/resources.js';
import { MAX_TRANSACTION_ACTIONS, type TransactionPart } from '../store/transactions.js';
import type { FilterCandidate } from './candidates.js';
import type { DeleteOutcome } from './cleanups.js';
import { listResources } from './list.js';
import { type MembershipPlan, planMembership, resolveMembership } from './membership-plan.js';
import type { ListQuery } from './paging.js';
import {
  locationOf,
  type Presented,
  type PresentOptions,
  presentResource,
} from './presentation.js';
import { newRecord, nextVersion, requireResource } from './records.js';
import { checkIfMatch, pinsVersion, retryOnVersionConflict } from './versions.js';

const TYPE = 'Group' as const;

/**
 * Bytes the `members` of one response may take in the Lambda response payload (limit 6 MB for the
 * whole payload, in which the body is a JSON string: every quote of the body is escaped). At
 * about 53 bytes per member without `$ref`, 100,000 members fit; with `$ref` and `type` (about
 * 170 bytes each) some 32,000 do, so larger groups are returned without them.
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
 * Membership items a group's DELETE deletes itself (one round of 16 BatchWriteItem calls), so that
 * the request's work stays bounded (issue 10: about 35 ms of handler CPU); the sweeper deletes the
 * rest of a larger group's within minutes. Until then those members' `groups` may still list it.
 */
export const IN_REQUEST_MEMBER_DELETES = 400;

/** Options of a PATCH: whether the response carries a body (the client asked for attributes). */
export interface PatchOptions extends PresentOptions {
  readonly bodyWanted: boolean;
}

export async function createGroup(body: unknown, options: PresentOptions): Promise<Presented> {
  const { resource, members } = normalizeResource(TYPE, body, limits);
  const memberIds = memberIdsFrom(members ?? []);
  const record = newRecord(TYPE, resource);
  const now = record.created;
  const membership = membershipPart(record.id, { add: memberIds, remove: [] }, now, (ids) =>
    unknownMembers(memberIds, ids),
  );
  if (fitsOneTransaction(createPart(record), membership)) {
    // The users' ConditionChecks validate the ids: no separate read.
    await refuseUnkeyable(memberIds);
    await createResource(record, membership);
    return withMemberChange(presentGroup(record, options, memberIds), memberIds, []);
  }
  await requireUsers(memberIds);
  await createResource(record);
  let written: string[];
  try {
    const { missing } = await addMembers(record.id, memberIds);
    written = without(memberIds, missing);
  } catch (error) {
    await undoCreate(record);
    throw error;
  }
  // The id was not known to anyone before this response, unless a list read it: check anyway.
  if (!(await getResource(TYPE, record.id))) {
    await removeMembers(record.id, written);
    throw new NotFoundError(TYPE, record.id);
  }
  return withMemberChange(presentGroup(record, options, written), written, []);
}

/**
 * Deletes a group whose create failed after its item was written, with the cleanup marker that
 * gets any membership already written deleted too: the client's retry then creates it afresh
 * (201) instead of meeting its displayName (409). Best effort: when DynamoDB fails this too, the
 * client must still hear the original error (and its retry gets a 409 naming the group's id).
 */
async function undoCreate(record: StoredResource): Promise<void> {
  try {
    await deleteGroupRecord(record, new Date().toISOString());
    await removeAllMembers(record.id, Date.now() + DELETE_SWEEP_BUDGET_MS);
  } catch {
    // Nothing more to do here: see above.
  }
}

/** A group as read, and whether its representation lists the members. */
export interface PresentedGroup extends Presented {
  /**
   * Whether `members` are in the representation. The version (the ETag) changes with every write
   * through the group endpoints, but not when a user's DELETE or the sweeper removes one of its
   * memberships: it identifies a representation without members only, so `If-None-Match` is
   * honoured (304) only for those (Entra always reads groups with `excludedAttributes=members`).
   */
  readonly membersIncluded: boolean;
}

export async function getGroup(id: string, options: PresentOptions): Promise<PresentedGroup> {
  if (!wantsMembers(options.projection)) {
    const record = await requireResource(TYPE, id);
    return { ...presentGroup(record, options, undefined), membersIncluded: false };
  }
  // The group and its first page of members at once; further pages (a group of more than about
  // 4,500 members) only once the group is known to exist: a deleted group's memberships may
  // still wait for the sweeper, and a 404 must not read them all.
  const [record, first] = await Promise.all([requireResource(TYPE, id), firstMemberPage(id)]);
  const members = await memberIdsOf(id, first);
  return { ...presentGroup(record, options, members), membersIncluded: true };
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
  const { resource, members } = normalizeResource(TYPE, body, limits);
  const memberIds = members === undefined ? undefined : memberIdsFrom(members);
  // The changes of the attempt that was written (a version conflict re-plans them).
  let changed: MemberChanges = { add: [], remove: [] };
  const write = await retryOnVersionConflict(ifMatch, async () => {
    // With members in the body, the current members are read alongside the group (first page).
    const [current, first] = await Promise.all([
      requireResource(TYPE, id),
      memberIds === undefined ? undefined : firstMemberPage(id),
    ]);
    checkIfMatch(ifMatch, current.version);
    // RFC 7644 §3.5.1: readOnly values were dropped by normalizeResource; immutable ones must match.
    checkImmutable(TYPE, current.data, resource);
    const changes =
      memberIds === undefined
        ? { add: [], remove: [] }
        : await resetMembership(id, { cleared: true, add: memberIds, remove: [] }, first);
    changed = changes;
    return writeGroup(current, resource, changes, pinsVersion(ifMatch));
  });
  const { record, skipped } = await writePendingMembers(id, write);
  if (memberIds === undefined) {
    const current = wantsMembers(options.projection) ? await memberIdsOf(id) : undefined;
    return presentGroup(record, options, current);
  }
  return withMemberChange(
    presentGroup(record, options, without(memberIds, skipped)),
    without(changed.add, skipped),
    changed.remove,
  );
}

/**
 * Applies a PATCH (both Entra dialects): re-applied to the fresh version when another write got
 * in between, unless If-Match pins the version (then 412). See the module comment for how the
 * group item and its members are written.
 */
export async function patchGroup(
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  options: PatchOptions,
): Promise<Presented> {
  let changed: MemberChanges = { add: [], remove: [] };
  const write = await retryOnVersionConflict(ifMatch, async () => {
    const current = await requireResource(TYPE, id);
    checkIfMatch(ifMatch, current.version);
    const patch = applyPatch(current.data, body, TYPE, limits);
    for (const change of patch.members) {
      if (change.op === 'add' || change.op === 'replace') memberIdsFrom(change.members);
    }
    const plan = planMembership(patch.members);
    const changes = plan.cleared ? await resetMembership(id, plan) : resolveMembership(plan);
    const data = patch.changed ? patch.resource : undefined;
    changed = changes;
    return writeGroup(current, data, changes, pinsVersion(ifMatch));
  });
  const { record, skipped } = await writePendingMembers(id, write);
  let members: string[] | undefined;
  if (options.bodyWanted && wantsMembers(options.projection)) members = await memberIdsOf(id);
  return withMemberChange(
    presentGroup(record, options, members),
    without(changed.add, skipped),
    changed.remove,
  );
}

/**
 * Deletes a group, then up to `IN_REQUEST_MEMBER_DELETES` of its membership items until `deadline`
 * (epoch ms; at most `DELETE_SWEEP_BUDGET_MS` from now): `POST /Bulk` passes its own deadline. Once the group is
 * deleted the answer is success whatever becomes of that cleanup: the marker written with the
 * delete guarantees it, and an error would only have the client retry into a 404.
 */
export async function deleteGroup(
  id: string,
  ifMatch: string | undefined,
  deadline = Date.now() + DELETE_SWEEP_BUDGET_MS,
): Promise<DeleteOutcome> {
  await retryOnVersionConflict(ifMatch, async () => {
    const current = await requireResource(TYPE, id);
    checkIfMatch(ifMatch, current.version);
    await deleteGroupRecord(current, new Date().toISOString());
  });
  try {
    // The marker stays for the sweeper even when this finishes (see CLEANUP_GRACE_MS).
    const emptied = await removeAllMembers(
      id,
      Math.min(deadline, Date.now() + DELETE_SWEEP_BUDGET_MS),
      IN_REQUEST_MEMBER_DELETES,
    );
    return { membershipCleanup: emptied ? 'done' : 'deferred' };
  } catch (error) {
    return { membershipCleanup: 'failed', cleanupError: errorName(error) };
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
 * The `members` entries of a response: `{value, $ref, type: "User"}`, or `{value}` alone when
 * `$ref` and `type` would take the response past `MAX_MEMBERS_BYTES` (about 32,000 members).
 *
 * @throws ScimError 400 tooMany when even the ids alone would not fit (over ~100,000 members).
 */
export function memberEntries(
  ids: readonly string[],
  baseUrl: string,
): { value: string; $ref?: string; type?: 'User' }[] {
  const refBase = locationOf(baseUrl, 'User', '');
  // Escaped in the payload: {\"value\":\"<id>\"}, plus ,\"$ref\":\"<url>\",
  // ,\"type\":\"User\" (18 bytes) and a comma.
  const idBytes = ids.reduce((sum, id) => sum + Buffer.byteLength(id, 'utf8') + 17, 0);
  const withRefBytes =
    idBytes +
    ids.reduce(
      (sum, id) =>
        sum + Buffer.byteLength(refBase, 'utf8') + Buffer.byteLength(id, 'utf8') + 14 + 18,
      0,
    );
  if (withRefBytes <= MAX_MEMBERS_BYTES) {
    return ids.map((value) => ({ value, $ref: `${refBase}${value}`, type: 'User' as const }));
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

/** Members to add to a group and members to remove from it (disjoint). */
interface MemberChanges {
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

/** The group after the first step of a write, and the membership writes left for the second. */
interface GroupWrite {
  readonly record: StoredResource;
  /** Membership writes outside the group's own write; `validated`: the adds' users were read. */
  readonly pending?: MemberChanges & { readonly validated: boolean };
}

/**
 * The first step of a PATCH or PUT, run (again) by `retryOnVersionConflict`: writes the group item
 * (`data`: its new attributes, undefined when they do not change) and, when they fit, its
 * membership changes in the same transaction; otherwise returns them for `writePendingMembers`.
 * `pinned`: the client's If-Match names the version read.
 */
async function writeGroup(
  current: StoredResource,
  data: ScimResource | undefined,
  changes: MemberChanges,
  pinned: boolean,
): Promise<GroupWrite> {
  const next = data === undefined ? undefined : nextVersion(current, data);
  if (changes.add.length === 0 && changes.remove.length === 0) {
    if (next) await replaceResource(current, next);
    return { record: next ?? current };
  }
  if (!next && !pinned) {
    // Member-only: the group item is bumped afterwards, without a version condition.
    const validated = changes.add.length > MEMBERS_PER_TRANSACTION;
    if (validated) await requireUsers(changes.add);
    return { record: current, pending: { ...changes, validated } };
  }
  const membership = membershipPart(current.id, changes, new Date().toISOString(), (ids) =>
    unknownMembers(changes.add, ids),
  );
  const groupActions = next ? replacePart(current, next).items.length : 1;
  if (groupActions + membership.items.length <= MAX_TRANSACTION_ACTIONS) {
    await refuseUnkeyable(changes.add);
    if (!next) return { record: await bumpGroup(current, membership) };
    await replaceResource(current, next, membership);
    return { record: next };
  }
  await requireUsers(changes.add);
  if (!next) return { record: await bumpGroup(current), pending: { ...changes, validated: true } };
  await replaceResource(current, next);
  return { record: next, pending: { ...changes, validated: true } };
}

/**
 * The second step of a write (see `writeGroup`): the membership changes it left, then a version
 * bump that only needs the group to exist; when it was deleted meanwhile, the memberships just
 * added are deleted again and the answer is 404. Returns the group as bumped and the ids not
 * added because their user was deleted in between.
 */
async function writePendingMembers(
  groupId: string,
  write: GroupWrite,
): Promise<{ record: StoredResource; skipped: string[] }> {
  const { pending } = write;
  if (!pending) return { record: write.record, skipped: [] };
  let skipped: string[] = [];
  if (pending.add.length > 0) {
    // Not validated: at most one transaction, which checks its users itself (all or nothing).
    const atomic = !pending.validated;
    const { missing } = await addMembers(groupId, pending.add, { atomic });
    if (atomic && missing.length > 0) throw await unknownMembers(pending.add, missing);
    skipped = missing;
  }
  if (pending.remove.length > 0) await removeMembers(groupId, pending.remove);
  const record = await touchGroup(groupId);
  if (!record) {
    await removeMembers(groupId, pending.add);
    throw new NotFoundError(TYPE, groupId);
  }
  return { record, skipped };
}

function fitsOneTransaction(...parts: TransactionPart[]): boolean {
  return parts.reduce((actions, part) => actions + part.items.length, 0) <= MAX_TRANSACTION_ACTIONS;
}

/**
 * The writes of a plan that starts from an empty group (a PUT with `members`, a PATCH replacing or
 * removing all members), refused with 413 before anything is written when they would remove more
 * than `limits.maxPatchMembers` members: the same bound as members named in a request, so that
 * emptying a group of 100,000 by PUT is not 100,000 deletes in one request (issue 10). Reads the
 * group's members only as far as needed to know: one Query page unless the group is larger than
 * a page and might still fit.
 */
async function resetMembership(
  id: string,
  plan: MembershipPlan,
  first?: MemberPage,
): Promise<{ add: string[]; remove: string[] }> {
  const page = first ?? (await firstMemberPage(id));
  const tooMany = () =>
    new PayloadTooLargeError(
      `This change would remove more than ${limits.maxPatchMembers} members of the group, the ` +
        'limit per request: remove members by value (path members[value eq "…"]) in several ' +
        'requests, or delete the group.',
    );
  if (page.next && page.ids.length > plan.add.length + limits.maxPatchMembers) throw tooMany();
  const changes = resolveMembership(plan, page.next ? await memberIdsOf(id, page) : page.ids);
  if (changes.remove.length > limits.maxPatchMembers) throw tooMany();
  return changes;
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
  const found = await existingResourceIds('User', ids);
  return ids.filter((id) => !found.has(id));
}

/**
 * 400 naming every unknown id among `ids`, once a write found `failed` unknown (a transaction
 * reports only some of them, so the ids are read).
 */
async function unknownMembers(
  ids: readonly string[],
  failed: readonly string[],
): Promise<InvalidValueError> {
  const unknown = await unknownUsers(ids);
  return unknownMembersError(unknown.length > 0 ? unknown : failed);
}

/** 400 unless every id can be a key: a longer one names no user, and would fail a transaction. */
async function refuseUnkeyable(ids: readonly string[]): Promise<void> {
  if (ids.some((id) => id.length > MAX_KEY_VALUE_LENGTH)) throw await unknownMembers(ids, []);
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

/** The group as presented, with the member changes its write made (for the request's log line). */
function withMemberChange<T extends Presented>(
  presented: T,
  added: readonly string[],
  removed: readonly string[],
): T {
  if (added.length === 0 && removed.length === 0) return presented;
  return { ...presented, change: { membersAdded: added, membersRemoved: removed } };
}

function without(ids: readonly string[], removed: readonly string[]): string[] {
  if (removed.length === 0) return [...ids];
  const gone = new Set(removed);
  return ids.filter((id) => !gone.has(id));
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
