import { limits } from '../config.js';
import { BadRequestError, ScimError } from '../scim/errors.js';
import { attributeResolver, compileFilter, type FilterPredicate } from '../scim/filter/evaluate.js';
import { parseFilter } from '../scim/filter/parser.js';
import {
  type ListResponse,
  listResponse,
  type Projection,
  serializeResource,
} from '../scim/resource.js';
import type { ScimResource } from '../scim/schemas/types.js';
import type { ResourceTypeName } from '../store/keys.js';
import { planFilter } from '../store/plan.js';
import {
  countResources,
  forEachResource,
  getByUniqueName,
  getResource,
  lookupResources,
  type StoredResource,
} from '../store/resources.js';
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

/** The query parameters of a list request (RFC 7644 §3.4.2). */
export interface ListQuery {
  readonly filter?: string;
  readonly startIndex?: string;
  readonly count?: string;
}

function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw new BadRequestError('invalidValue', `${name} must be an integer, got "${raw}".`);
  }
  return value;
}

/** startIndex below 1 means 1; count below 0 means 0; count above the maximum is capped (§3.4.2.4). */
export function parsePaging(query: ListQuery): { startIndex: number; count: number } {
  const startIndex = Math.max(1, positiveInteger('startIndex', query.startIndex, 1));
  const count = Math.min(
    limits.maxPageSize,
    Math.max(0, positiveInteger('count', query.count, limits.defaultPageSize)),
  );
  return { startIndex, count };
}

/** The view a filter is evaluated on: stored attributes plus `id` and `meta`. */
export function filterView(record: StoredResource, extra: ScimResource = {}): ScimResource {
  return {
    ...record.data,
    ...extra,
    id: record.id,
    meta: {
      resourceType: record.type,
      created: record.created,
      lastModified: record.lastModified,
      version: etagOf(record.version),
    },
  };
}

/** Parses and compiles a filter parameter for a resource type. */
export function compileFilterParameter(type: ResourceTypeName, filter: string) {
  if (filter.length > limits.maxFilterLength) {
    throw new BadRequestError(
      'invalidFilter',
      `The filter is ${filter.length} characters long; the limit is ${limits.maxFilterLength}.`,
    );
  }
  const ast = parseFilter(filter);
  return { ast, predicate: compileFilter(ast, attributeResolver(type)) };
}

/**
 * The resources a filter could match, read the cheapest way the plan allows. Membership plans
 * are answered by the caller (groups), which passes `memberCandidates`.
 */
export async function filterCandidates(
  type: ResourceTypeName,
  ast: ReturnType<typeof parseFilter>,
  predicate: FilterPredicate,
  memberCandidates?: (plan: { groupId?: string; memberId: string }) => Promise<StoredResource[]>,
): Promise<StoredResource[]> {
  const plan = planFilter(type, ast);
  switch (plan.kind) {
    case 'id': {
      const record = await getResource(type, plan.id);
      return record ? [record] : [];
    }
    case 'uniqueName': {
      const record = await getByUniqueName(type, plan.name);
      return record ? [record] : [];
    }
    case 'index':
      return lookupResources(type, plan.index, plan.key, limits.maxFilterCandidates);
    case 'member':
      if (memberCandidates) return memberCandidates(plan);
      break;
    case 'scan':
      break;
  }
  const matches: StoredResource[] = [];
  let examined = 0;
  await forEachResource(type, (record) => {
    examined += 1;
    if (examined > limits.maxFilterCandidates) {
      throw new ScimError(
        400,
        `This filter needs more than ${limits.maxFilterCandidates} ${type}s examined; add an ` +
          'indexed equality (id, externalId, userName, displayName, work e-mail, mobile phone).',
        'tooMany',
      );
    }
    if (predicate(filterView(record))) matches.push(record);
    return true;
  });
  return matches;
}

/**
 * A ListResponse page of one resource type, filtered or not. Unfiltered: the total comes from
 * the type's counter, the page from the byType index in name order.
 */
export async function listResources(
  type: ResourceTypeName,
  query: ListQuery,
  options: PresentOptions,
  present: (record: StoredResource) => Promise<ScimResource> | ScimResource = (record) =>
    presentResource(record, options).body,
  memberCandidates?: (plan: { groupId?: string; memberId: string }) => Promise<StoredResource[]>,
): Promise<ListResponse> {
  const { startIndex, count } = parsePaging(query);
  let page: StoredResource[];
  let totalResults: number;
  if (query.filter !== undefined && query.filter.trim() !== '') {
    const { ast, predicate } = compileFilterParameter(type, query.filter);
    const candidates = await filterCandidates(type, ast, predicate, memberCandidates);
    // Re-check every candidate: lookup indexes are eventually consistent and plans are supersets.
    const matches = candidates.filter((record) => predicate(filterView(record)));
    totalResults = matches.length;
    page = matches.slice(startIndex - 1, startIndex - 1 + count);
  } else {
    totalResults = await countResources(type);
    page = [];
    if (count > 0) {
      let position = 0;
      await forEachResource(
        type,
        (record) => {
          position += 1;
          if (position >= startIndex) page.push(record);
          return page.length < count;
        },
        Math.min(startIndex - 1 + count, 1000),
      );
    }
  }
  const resources = await Promise.all(page.map((record) => present(record)));
  return listResponse(resources, { totalResults, startIndex, itemsPerPage: resources.length });
}
