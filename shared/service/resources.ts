import { randomUUID } from 'node:crypto';
import { coreSchemaUrn, type ResourceTypeName } from '../common/resource-types.js';
import { limits } from '../config.js';
import { BadRequestError, NotFoundError, ScimError } from '../scim/errors.js';
import { attributeResolver, compileFilter, type FilterPredicate } from '../scim/filter/evaluate.js';
import { parseFilter } from '../scim/filter/parser.js';
import {
  type ListResponse,
  listResponse,
  type Projection,
  serializeResource,
} from '../scim/resource.js';
import type { ResolvedAttribute } from '../scim/schemas/index.js';
import type { ScimResource } from '../scim/schemas/types.js';
import type { SearchParameters } from '../scim/search.js';
import { parseSort, type SortRequest, sortComparator } from '../scim/sort.js';
import {
  countResources,
  forEachResource,
  getByUniqueName,
  getResource,
  lookupResources,
  queryTypePage,
  type StoredResource,
  type TypeIndexPosition,
  typeIndexPosition,
} from '../store/resources.js';
import { type CursorQuery, decodeCursor, encodeCursor, invalidCursorError } from './cursors.js';
import { planFilter } from './filter-plan.js';
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

/**
 * The query parameters of a list request (RFC 7644 §3.4.2, RFC 9865 §2), from the URL or from a
 * `/.search` body.
 */
export type ListQuery = SearchParameters;

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

/** Parses and compiles a filter parameter for a resource type. */
export function compileFilterParameter(type: ResourceTypeName, filter: string) {
  if (filter.length > limits.maxFilterLength) {
    throw new BadRequestError(
      'invalidFilter',
      `The filter is ${filter.length} characters long; the limit is ${limits.maxFilterLength}.`,
    );
  }
  const ast = parseFilter(filter, limits.maxFilterLength);
  return { ast, predicate: compileFilter(ast, attributeResolver(type)) };
}

/**
 * A resource a filter may match, with `extra` attributes kept outside its item that the filter
 * may test (a Group's `members`: the membership items a plan read).
 */
export interface FilterCandidate {
  readonly record: StoredResource;
  readonly extra?: ScimResource;
}

/** Answers a membership plan (`members eq "u"`, optionally with `id eq "g"`). */
export type MemberCandidates = (plan: {
  groupId?: string;
  memberId: string;
}) => Promise<FilterCandidate[]>;

/**
 * The resources a filter could match, read the cheapest way the plan allows. Membership plans
 * are answered by the caller (groups), which passes `memberCandidates`.
 */
export async function filterCandidates(
  type: ResourceTypeName,
  ast: ReturnType<typeof parseFilter>,
  predicate: FilterPredicate,
  memberCandidates?: MemberCandidates,
): Promise<FilterCandidate[]> {
  const plan = planFilter(type, ast);
  switch (plan.kind) {
    case 'id': {
      const record = await getResource(type, plan.id);
      return record ? [{ record }] : [];
    }
    case 'uniqueName': {
      const record = await getByUniqueName(type, plan.name);
      return record ? [{ record }] : [];
    }
    case 'index':
      return (await lookupResources(type, plan.index, plan.key, limits.maxFilterCandidates)).map(
        (record) => ({ record }),
      );
    case 'member':
      if (memberCandidates) return memberCandidates(plan);
      break;
    case 'scan':
      break;
  }
  const matches: FilterCandidate[] = [];
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
    if (predicate(filterView(record))) matches.push({ record });
    return true;
  });
  return matches;
}

/**
 * A ListResponse page of one resource type (RFC 7644 §3.4.2): filtered or not, sorted
 * (`sortBy`/`sortOrder`), paged by index (`startIndex`/`count`, the default) or by cursor
 * (RFC 9865: `cursor`, empty for the first page).
 *
 * What one request reads:
 * - In name order (no `sortBy`, or the unique name) and without a filter: the byType index from
 *   where the page starts, the total from the type's counter. An index page walks from the start,
 *   so `startIndex` beyond `limits.maxFilterCandidates` is 400 tooMany; a cursor page is one
 *   Query from its cursor at any depth.
 * - A filter an index answers (id, userName/displayName, externalId, work e-mail, mobile phone,
 *   membership): only those resources, sorted in memory.
 * - Any other filter walks the type in name order: by index, every resource, at most
 *   `limits.maxFilterCandidates` of them (else 400 tooMany); by cursor, until the page is full or
 *   that many were examined, then a `nextCursor` continues the walk (the page may hold fewer
 *   resources, even none, and the total is not known so it is left out).
 * - Any other `sortBy` reads every match (at most `limits.maxFilterCandidates`, else 400 tooMany)
 *   and sorts in memory; a cursor is then an offset into that order.
 */
export async function listResources(
  type: ResourceTypeName,
  query: ListQuery,
  options: PresentOptions,
  present: (record: StoredResource) => Promise<ScimResource> | ScimResource = (record) =>
    presentResource(record, options).body,
  memberCandidates?: MemberCandidates,
): Promise<ListResponse> {
  const sort = parseSort(type, query.sortBy, query.sortOrder);
  const filter = query.filter !== undefined && query.filter.trim() !== '' ? query.filter : '';
  const compiled = filter === '' ? undefined : compileFilterParameter(type, filter);
  // The byType index keeps resources in name order: no sort needed for it or its reverse.
  const indexOrder = sort.attribute === undefined || isUniqueName(type, sort.attribute);
  const walksIndex =
    indexOrder && (compiled === undefined || planFilter(type, compiled.ast).kind === 'scan');
  const presentAll = (records: readonly StoredResource[]) =>
    Promise.all(records.map((record) => present(record)));

  if (query.cursor !== undefined) {
    const count = parseCursorCount(query.count);
    const cursorQuery: CursorQuery = {
      resourceType: type,
      filter,
      sortBy: sort.attribute?.location.join(':') ?? '',
      descending: sort.descending,
    };
    const position = decodeCursor(query.cursor, cursorQuery);
    if (walksIndex) {
      if (position?.kind === 'offset') throw invalidCursorError();
      const [walk, totalResults] = await Promise.all([
        walkTypeIndex(type, {
          after: position,
          descending: sort.descending,
          count,
          predicate: compiled?.predicate,
        }),
        compiled === undefined ? countResources(type) : undefined,
      ]);
      return listResponse(await presentAll(walk.records), {
        totalResults,
        nextCursor:
          walk.next === undefined
            ? undefined
            : encodeCursor(cursorQuery, { kind: 'key', ...walk.next }),
      });
    }
    if (position?.kind === 'key') throw invalidCursorError();
    const matches = await sortedMatches(type, compiled, sort, indexOrder, memberCandidates);
    const offset = position?.offset ?? 0;
    const page = matches.slice(offset, offset + count);
    return listResponse(await presentAll(page), {
      totalResults: matches.length,
      nextCursor:
        offset + count < matches.length
          ? encodeCursor(cursorQuery, { kind: 'offset', offset: offset + count })
          : undefined,
    });
  }

  const { startIndex, count } = parsePaging(query);
  let page: StoredResource[];
  let totalResults: number;
  if (walksIndex && compiled === undefined) {
    if (startIndex - 1 > limits.maxFilterCandidates) {
      throw new ScimError(
        400,
        `startIndex ${startIndex} would skip more than ${limits.maxFilterCandidates} ${type}s; ` +
          'page deeper with cursor paging (cursor= on the first request, then nextCursor).',
        'tooMany',
      );
    }
    const [walk, total] = await Promise.all([
      count === 0
        ? { records: [] }
        : walkTypeIndex(type, { descending: sort.descending, count: startIndex - 1 + count }),
      countResources(type),
    ]);
    page = walk.records.slice(startIndex - 1);
    totalResults = total;
  } else {
    const matches = await sortedMatches(type, compiled, sort, indexOrder, memberCandidates);
    totalResults = matches.length;
    page = matches.slice(startIndex - 1, startIndex - 1 + count);
  }
  const resources = await presentAll(page);
  return listResponse(resources, { totalResults, startIndex, itemsPerPage: resources.length });
}

/**
 * `count` of a cursor page: RFC 9865 wants a positive integer (400 invalidCount otherwise); above
 * the maximum page size it is capped, as RFC 7644 §3.4.2.4 lets a page hold fewer.
 */
function parseCursorCount(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return limits.defaultPageSize;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new BadRequestError(
      'invalidCount',
      `count must be an integer from 1 to ${limits.maxPageSize} with cursor paging, got "${raw}".`,
    );
  }
  return Math.min(value, limits.maxPageSize);
}

function isUniqueName(type: ResourceTypeName, attribute: ResolvedAttribute): boolean {
  return (
    !attribute.extension &&
    attribute.subAttribute === undefined &&
    attribute.attribute.name === (type === 'User' ? 'userName' : 'displayName')
  );
}

/**
 * Every resource the filter matches (every resource of the type without one) in the requested
 * order. Bounded by `limits.maxFilterCandidates` resources read (400 tooMany past it).
 */
async function sortedMatches(
  type: ResourceTypeName,
  compiled: ReturnType<typeof compileFilterParameter> | undefined,
  sort: SortRequest,
  indexOrder: boolean,
  memberCandidates: MemberCandidates | undefined,
): Promise<StoredResource[]> {
  let candidates: FilterCandidate[];
  if (compiled === undefined) {
    candidates = [];
    await forEachResource(type, (record) => {
      if (candidates.length >= limits.maxFilterCandidates) throw tooManyToSort(type);
      candidates.push({ record });
      return true;
    });
  } else {
    const { ast, predicate } = compiled;
    candidates = (await filterCandidates(type, ast, predicate, memberCandidates)).filter(
      // Re-check every candidate: lookup indexes are eventually consistent and plans are supersets.
      (candidate) => predicate(filterView(candidate.record, candidate.extra)),
    );
  }
  // Ties (and every resource, in name order) are broken by the byType index entry, so a page
  // boundary falls in the same place on every request.
  const entries = candidates.map((candidate) => ({
    record: candidate.record,
    position: Buffer.from(typeIndexPosition(candidate.record).sortKey, 'utf8'),
    view: indexOrder ? undefined : filterView(candidate.record, candidate.extra),
  }));
  const byValue =
    sort.attribute === undefined || indexOrder ? undefined : sortComparator(sort.attribute);
  entries.sort(
    (a, b) =>
      (byValue ? byValue(a.view as ScimResource, b.view as ScimResource) : 0) ||
      Buffer.compare(a.position, b.position),
  );
  if (sort.descending) entries.reverse();
  return entries.map((entry) => entry.record);
}

function tooManyToSort(type: ResourceTypeName): ScimError {
  return new ScimError(
    400,
    `Sorting ${type}s by this attribute needs more than ${limits.maxFilterCandidates} of them ` +
      'read; add a filter, or sort by the name (the default order).',
    'tooMany',
  );
}

/**
 * Walks the byType index in name order (or its reverse) from `after`: every resource until `count`
 * are read, or with a predicate, the matching ones until `count` match or
 * `limits.maxFilterCandidates` were examined. `next` is where a following page continues; it is
 * undefined only when the walk reached the end of the index.
 */
async function walkTypeIndex(
  type: ResourceTypeName,
  walk: {
    after?: TypeIndexPosition;
    descending: boolean;
    count: number;
    predicate?: FilterPredicate;
  },
): Promise<{ records: StoredResource[]; next?: TypeIndexPosition }> {
  const records: StoredResource[] = [];
  let examined = 0;
  let after = walk.after;
  for (;;) {
    const wanted = walk.count - records.length;
    // Unfiltered: one more than the page tells whether another page exists.
    const limit =
      walk.predicate === undefined
        ? wanted + 1
        : Math.min(FILTER_PAGE_SIZE, limits.maxFilterCandidates - examined);
    const page = await queryTypePage(type, { after, descending: walk.descending, limit });
    for (const [index, record] of page.records.entries()) {
      if (walk.predicate === undefined) {
        if (records.length === walk.count) {
          return {
            records,
            next: typeIndexPosition(records[records.length - 1] as StoredResource),
          };
        }
        records.push(record);
        continue;
      }
      examined += 1;
      if (walk.predicate(filterView(record))) records.push(record);
      if (records.length === walk.count || examined >= limits.maxFilterCandidates) {
        const endOfIndex = page.last === undefined && index === page.records.length - 1;
        return endOfIndex ? { records } : { records, next: typeIndexPosition(record) };
      }
    }
    if (page.last === undefined) return { records };
    after = page.last;
  }
}

/** Resources read per Query when a filter is evaluated on the way (DynamoDB caps a page at 1 MB). */
const FILTER_PAGE_SIZE = 500;

/** The core URN and the URN of each extension that holds data, as a representation lists them. */
function schemasOf(type: ResourceTypeName, data: ScimResource): string[] {
  return [coreSchemaUrn(type), ...Object.keys(data).filter((key) => key.startsWith('urn:'))];
}

/** A resource about to be created: a new id, version 1, created and modified now. */
export function newRecord(type: ResourceTypeName, data: ScimResource): StoredResource {
  const now = new Date().toISOString();
  return { type, id: randomUUID(), version: 1, created: now, lastModified: now, data };
}

/** `current` with new data, the next version and modified now. */
export function nextVersion(current: StoredResource, data: ScimResource): StoredResource {
  return { ...current, version: current.version + 1, lastModified: new Date().toISOString(), data };
}

/** The stored resource, or 404. */
export async function requireResource(type: ResourceTypeName, id: string): Promise<StoredResource> {
  const record = await getResource(type, id);
  if (!record) throw new NotFoundError(type, id);
  return record;
}
