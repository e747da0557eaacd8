/** Fuzz target filter: GET ?filter= and POST /.search, on both resource types. */
import fc from 'fast-check';
import { filterText, SEARCH_URN } from '../arbitraries.js';
import { CaseLog, json } from '../case-log.js';
import { defineTarget, type FuzzTarget, type TargetScope } from '../target.js';

export async function filterTarget({ context, global }: TargetScope): Promise<FuzzTarget> {
  const newLog = () => new CaseLog(context.harness);
  return defineTarget({
    name: 'filter',
    description:
      'GET /Users|/Groups?filter= and POST /.search with grammar-built, mutated, deep, long and junk filters',
    arbitrary: fc.oneof(
      fc.tuple(fc.constant('User' as const), filterText('User', global), fc.boolean()),
      fc.tuple(fc.constant('Group' as const), filterText('Group', global), fc.boolean()),
    ),
    async run(input) {
      const [type, filter, search] = input;
      const log = newLog();
      const path = type === 'User' ? '/Users' : '/Groups';
      const answer = search
        ? await log.send({
            method: 'POST',
            path: `${path}/.search`,
            body: json({ schemas: [SEARCH_URN], filter }),
          })
        : await log.send({
            method: 'GET',
            path,
            query: `filter=${encodeURIComponent(filter.replace(/[\ud800-\udfff]/g, '\ufffd'))}`,
          });
      if (answer.status !== 200 && answer.status !== 400) {
        log.problem('unexpected', `filter answered ${answer.status}`);
      }
      return log.outcome();
    },
    reset: async () => {},
  });
}
