/**
 * Candidate search: the resources a filter could match, read the cheapest way its plan allows
 * (a key, a lookup index, membership items, or a bounded walk of the type).
 */
import type { ResourceTypeName } from '../common/resource-types.js';
import { limits } from '../config.js';
import { BadRequestError, ScimError } from '../scim/errors.js';
import { attributeResolver, compileFilter, type FilterPredicate } from '../scim/filter/evaluate.js';
import { parseFilter } from '../scim/filter/parser.js';
import type { ScimResource } from '../scim/schemas/types.js';
import {
  forEachResource,
  getByUniqueName,
  getResource,
  lookupResources,
  type StoredResource,
} from '../store/resources.js';
import { planFilter } from './filter-plan.js';
import { filterView } from './presentation.js';

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
