/**
 * The list mode that reads every match and orders it in memory: filters an index answers, and
 * any `sortBy` other than the name. Bounded by `limits.maxFilterCandidates`.
 */
import type { ResourceTypeName } from '../common/resource-types.js';
import { limits } from '../config.js';
import { ScimError } from '../scim/errors.js';
import type { ResolvedAttribute } from '../scim/schemas/index.js';
import type { ScimResource } from '../scim/schemas/types.js';
import { type SortRequest, sortComparator } from '../scim/sort.js';
import { forEachResource, type StoredResource, typeIndexPosition } from '../store/resources.js';
import {
  type compileFilterParameter,
  type FilterCandidate,
  filterCandidates,
  type MemberCandidates,
} from './candidates.js';
import { filterView } from './presentation.js';

/** Whether `attribute` is the type's unique name (userName, displayName): the index order. */
export function isUniqueName(type: ResourceTypeName, attribute: ResolvedAttribute): boolean {
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
export async function sortedMatches(
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
