import { limits } from '../config.js';
import { applyPatch } from '../scim/patch.js';
import { checkImmutable, normalizeResource, wantsAttribute } from '../scim/resource.js';
import { cleanupPut } from '../store/cleanups.js';
import { removeIndexedMemberships } from '../store/memberships.js';
import { createResource, deleteResource, replaceResource } from '../store/resources.js';
import type { DeleteOutcome } from './cleanups.js';
import { groupsOfUser } from './groups.js';
import { listResources } from './list.js';
import type { ListQuery } from './paging.js';
import {
  activeChange,
  type Presented,
  type PresentOptions,
  presentResource,
} from './presentation.js';
import { newRecord, nextVersion, requireResource } from './records.js';
import { checkIfMatch, retryOnVersionConflict } from './versions.js';

const TYPE = 'User' as const;

export async function createUser(body: unknown, options: PresentOptions): Promise<Presented> {
  const { resource } = normalizeResource(TYPE, body, limits);
  const record = newRecord(TYPE, resource);
  await createResource(record);
  return presentResource(record, options);
}

/** A user, with its read-only `groups` (from the byMember index) unless the projection drops it. */
export async function getUser(id: string, options: PresentOptions): Promise<Presented> {
  const withGroups = wantsAttribute(TYPE, options.projection, 'groups');
  // Both reads at once: a missing user makes the index Query wasted, not wrong.
  const [record, groups] = await Promise.all([
    requireResource(TYPE, id),
    withGroups ? groupsOfUser(id, options.baseUrl) : undefined,
  ]);
  return presentResource(record, options, groups ? { groups } : {});
}

/** Lists users; `groups` only when `attributes` names it (keeps a lookup at one or two calls). */
export async function listUsers(query: ListQuery, options: PresentOptions) {
  const withGroups =
    options.projection?.attributes !== undefined &&
    wantsAttribute(TYPE, options.projection, 'groups');
  return listResources(TYPE, query, options, async (record) =>
    withGroups
      ? presentResource(record, options, { groups: await groupsOfUser(record.id, options.baseUrl) })
          .body
      : presentResource(record, options).body,
  );
}

export async function replaceUser(
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  options: PresentOptions,
): Promise<Presented> {
  const { resource } = normalizeResource(TYPE, body, limits);
  return retryOnVersionConflict(ifMatch, async () => {
    const current = await requireResource(TYPE, id);
    checkIfMatch(ifMatch, current.version);
    // RFC 7644 §3.5.1: readOnly values were dropped by normalizeResource; immutable ones must match.
    checkImmutable(TYPE, current.data, resource);
    const next = nextVersion(current, resource);
    await replaceResource(current, next);
    return withActiveChange(presentResource(next, options), current.data, next.data);
  });
}

/**
 * Applies a PATCH. Without If-Match, a write that lost a race with another write is re-applied
 * to the fresh version (PATCH operations are relative, so this is what the client asked for);
 * with If-Match the client's version must be current. PUT and DELETE race the same way.
 */
export async function patchUser(
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  options: PresentOptions,
): Promise<Presented> {
  return retryOnVersionConflict(ifMatch, async () => {
    const current = await requireResource(TYPE, id);
    checkIfMatch(ifMatch, current.version);
    const { resource } = applyPatch(current.data, body, TYPE, limits);
    const next = nextVersion(current, resource);
    await replaceResource(current, next);
    return withActiveChange(presentResource(next, options), current.data, next.data);
  });
}

/**
 * Memberships a user's DELETE removes itself (four BatchWriteItem calls), so that the request's
 * work stays bounded (issue 10); the sweeper removes those of a user in more groups within
 * minutes, from the cleanup marker written with the delete.
 */
export const IN_REQUEST_MEMBERSHIP_DELETES = 100;

/**
 * Deletes a user, then up to `IN_REQUEST_MEMBERSHIP_DELETES` of its memberships. Once the user is deleted the answer is success whatever
 * becomes of that cleanup: the marker written with the delete has the sweeper finish it, and an
 * error would only have the client retry into a 404.
 */
export async function deleteUser(id: string, ifMatch: string | undefined): Promise<DeleteOutcome> {
  await retryOnVersionConflict(ifMatch, async () => {
    const current = await requireResource(TYPE, id);
    checkIfMatch(ifMatch, current.version);
    // The cleanup marker goes in the delete's own transaction: if this request ends between the
    // delete and the membership removal, the sweeper still finds the memberships left behind.
    await deleteResource(current, [
      cleanupPut({ type: TYPE, id, deletedAt: new Date().toISOString() }),
    ]);
  });
  try {
    const emptied = await removeIndexedMemberships(id, IN_REQUEST_MEMBERSHIP_DELETES);
    return { membershipCleanup: emptied ? 'done' : 'deferred' };
  } catch (error) {
    return {
      membershipCleanup: 'failed',
      cleanupError: error instanceof Error ? error.name : typeof error,
    };
  }
}

function withActiveChange(
  presented: Presented,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Presented {
  const active = activeChange(before, after);
  return active ? { ...presented, change: { active } } : presented;
}
