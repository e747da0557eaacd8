/**
 * How a stored resource is shown: its representation with `meta`, ETag and Location, and the
 * view filters and sorts are evaluated on (the same attributes, `schemas`, `id` and `meta`).
 */
import { coreSchemaUrn, type ResourceTypeName } from '../common/resource-types.js';
import { type Projection, serializeResource } from '../scim/resource.js';
import type { ScimResource } from '../scim/schemas/types.js';
import type { StoredResource } from '../store/resources.js';
import { etagOf } from './versions.js';

export interface PresentOptions {
  /** Absolute SCIM base URL (`https://host/scim/v2`). */
  readonly baseUrl: string;
  readonly projection?: Projection;
}

/** A resource ready to send: its representation and the headers that go with it. */
export interface Presented {
  readonly body: ScimResource;
  readonly etag: string;
  readonly location: string;
  readonly record: StoredResource;
  /** What a write changed that its log line tells the integration page (see `ResourceChange`). */
  readonly change?: ResourceChange;
}

/**
 * What a write changed beyond "updated", for the request's log line: the integration page says
 * "Deactivated user" and "Added 3 members", and the report aggregator writes each member's
 * "Added to group" history item from it (`shared/store/reports.ts`).
 */
export interface ResourceChange {
  /** A user's `active` went from true (or absent: SCIM's default) to false, or back. */
  readonly active?: 'deactivated' | 'reactivated';
  /** The member ids a group write added (as written: already-present ids are added again). */
  readonly membersAdded?: readonly string[];
  /** The member ids a group write removed. */
  readonly membersRemoved?: readonly string[];
}

/** How a user's `active` changed between two versions of its data, if it did. */
export function activeChange(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): ResourceChange['active'] {
  const was = before.active !== false;
  const is = after.active !== false;
  if (was === is) return undefined;
  return is ? 'reactivated' : 'deactivated';
}

const ENDPOINT: Record<ResourceTypeName, string> = { User: 'Users', Group: 'Groups' };

export function locationOf(baseUrl: string, type: ResourceTypeName, id: string): string {
  return `${baseUrl}/${ENDPOINT[type]}/${id}`;
}

/**
 * The representation of a stored resource. `extra` adds attributes kept outside the resource item
 * (Group `members`, User `groups`).
 */
export function presentResource(
  record: StoredResource,
  options: PresentOptions,
  extra: ScimResource = {},
): Presented {
  const location = locationOf(options.baseUrl, record.type, record.id);
  const etag = etagOf(record.version);
  const body = serializeResource(
    record.type,
    { ...record.data, ...extra },
    {
      id: record.id,
      created: record.created,
      lastModified: record.lastModified,
      version: etag,
      location,
    },
    options.projection,
  );
  return { body, etag, location, record };
}

/**
 * The view a filter (and a sort) is evaluated on: stored attributes plus `schemas`, `id` and
 * `meta`, as in the resource's representation.
 */
export function filterView(record: StoredResource, extra: ScimResource = {}): ScimResource {
  return {
    ...record.data,
    ...extra,
    schemas: schemasOf(record.type, record.data),
    id: record.id,
    meta: {
      resourceType: record.type,
      created: record.created,
      lastModified: record.lastModified,
      version: etagOf(record.version),
    },
  };
}

/** The core URN and the URN of each extension that holds data, as a representation lists them. */
function schemasOf(type: ResourceTypeName, data: ScimResource): string[] {
  return [coreSchemaUrn(type), ...Object.keys(data).filter((key) => key.startsWith('urn:'))];
}
