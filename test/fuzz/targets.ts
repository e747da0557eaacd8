/**
 * The fuzz targets: what each sends through the real handlers and what it checks afterwards.
 * Every answer must keep the SCIM contract (`contractViolation`); a write that failed must leave
 * its resource exactly as it found it (version, data and, for a group, its members); a write that
 * succeeded must have bumped the version it answered with. Each target (one module of
 * `targets/`) works on fixtures of its own, so targets can run side by side.
 */
import type { FuzzFixtures } from './arbitraries.js';
import type { FuzzContext, FuzzTarget, TargetScope } from './target.js';
import { bulkTarget } from './targets/bulk.js';
import { createGroupTarget } from './targets/create-group.js';
import { createUserTarget } from './targets/create-user.js';
import { filterTarget } from './targets/filter.js';
import { headersTarget } from './targets/headers.js';
import { patchGroupTarget } from './targets/patch-group.js';
import { patchUserTarget } from './targets/patch-user.js';
import { pathsTarget } from './targets/paths.js';
import { queryTarget } from './targets/query.js';
import { rawTarget } from './targets/raw.js';
import { replaceTarget } from './targets/replace.js';

export { createGlobalFixtures } from './fixtures.js';
export type { CaseOutcome, CaseProblem, FuzzContext, FuzzTarget } from './target.js';

/** Builds every target, creating its fixtures. `global` are ids and names shared by all. */
export async function createTargets(
  context: FuzzContext,
  global: FuzzFixtures,
): Promise<FuzzTarget[]> {
  const scope: TargetScope = { context, global };
  return [
    await filterTarget(scope),
    await queryTarget(scope),
    await patchUserTarget(scope),
    await patchGroupTarget(scope),
    await createUserTarget(scope),
    await createGroupTarget(scope),
    await replaceTarget(scope),
    await rawTarget(scope),
    await headersTarget(scope),
    await pathsTarget(scope),
    await bulkTarget(scope),
  ];
}
