/**
 * `GET /Users`, `GET /Groups` and their `/.search`: picks the list mode (index walk or sorted
 * matches) and the paging (index or cursor) for a query, and presents the page.
 */
import type { ResourceTypeName } from '../common/resource-types.js';
import { limits } from '../config.js';
import { ScimError } from '../scim/errors.js';
import { type ListResponse, listResponse } from '../scim/resource.js';
import type { ScimResource } from '../scim/schemas/types.js';
import { parseSort } from '../scim/sort.js';
import { countResources, type StoredResource } from '../store/resources.js';
import { compileFilterParameter, type MemberCandidates } from './candidates.js';
import { type CursorQuery, decodeCursor, encodeCursor, invalidCursorError } from './cursors.js';
import { planFilter } from './filter-plan.js';
import { isUniqueName, sortedMatches } from './list-sorted.js';
import { walkTypeIndex } from './list-walk.js';
import { type ListQuery, parseCursorCount, parsePaging } from './paging.js';
import { type PresentOptions, presentResource } from './presentation.js';

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
