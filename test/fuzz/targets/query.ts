/** Fuzz target query: every list and projection parameter, raw and encoded. */
import fc from 'fast-check';
import { listQuery } from '../arbitraries.js';
import { CaseLog } from '../case-log.js';
import { defineTarget, type FuzzTarget, type TargetScope } from '../target.js';

export async function queryTarget({ context, global }: TargetScope): Promise<FuzzTarget> {
  const newLog = () => new CaseLog(context.harness);
  return defineTarget({
    name: 'query',
    description:
      'GET lists and GET by id with random filter, startIndex, count, sortBy, sortOrder, cursor, attributes, excludedAttributes and unknown parameters',
    arbitrary: fc.oneof(
      fc.tuple(fc.constant('/Users'), listQuery('User', global)),
      fc.tuple(fc.constant('/Groups'), listQuery('Group', global)),
      fc.tuple(
        fc.constantFrom(...global.userIds.map((id) => `/Users/${id}`)),
        listQuery('User', global),
      ),
      fc.tuple(
        fc.constantFrom(...global.groupIds.map((id) => `/Groups/${id}`)),
        listQuery('Group', global),
      ),
    ),
    async run(input) {
      const [path, query] = input;
      const log = newLog();
      await log.send({ method: 'GET', path, query });
      return log.outcome();
    },
    reset: async () => {},
  });
}
