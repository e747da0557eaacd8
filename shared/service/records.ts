/**
 * Record constructors: a resource about to be created, the next version of one, and the read that
 * answers 404 when it is missing.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceTypeName } from '../common/resource-types.js';
import { NotFoundError } from '../scim/errors.js';
import type { ScimResource } from '../scim/schemas/types.js';
import { getResource, type StoredResource } from '../store/resources.js';

/** A resource about to be created: a new id, version 1, created and modified now. */
export function newRecord(type: ResourceTypeName, data: ScimResource): StoredResource {
  const now = new Date().toISOString();
  return { type, id: randomUUID(), version: 1, created: now, lastModified: now, data };
}

/**
 * `current` with new data, the next version and modified now. Its write brings the directory's
 * items up to date (`store/search-items.ts`), so it is no longer `unindexed`.
 */
export function nextVersion(current: StoredResource, data: ScimResource): StoredResource {
  const { unindexed: _written, ...rest } = current;
  return { ...rest, version: current.version + 1, lastModified: new Date().toISOString(), data };
}

/** The stored resource, or 404. */
export async function requireResource(type: ResourceTypeName, id: string): Promise<StoredResource> {
  const record = await getResource(type, id);
  if (!record) throw new NotFoundError(type, id);
  return record;
}
