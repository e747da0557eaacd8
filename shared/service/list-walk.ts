/**
 * The list mode that walks the byType index in name order: unfiltered lists, and filters no index
 * answers, a page at a time from where the previous page ended.
 */
import type { ResourceTypeName } from '../common/resource-types.js';
import { limits } from '../config.js';
import type { FilterPredicate } from '../scim/filter/evaluate.js';
import {
  queryTypePage,
  type StoredResource,
  type TypeIndexPosition,
  typeIndexPosition,
} from '../store/resources.js';
import { filterView } from './presentation.js';

/**
 * Walks the byType index in name order (or its reverse) from `after`: every resource until `count`
 * are read, or with a predicate, the matching ones until `count` match or
 * `limits.maxFilterCandidates` were examined. `next` is where a following page continues; it is
 * undefined only when the walk reached the end of the index.
 */
export async function walkTypeIndex(
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
