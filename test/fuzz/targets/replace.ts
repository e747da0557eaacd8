/** Fuzz target replace-user / replace-group */
import fc from 'fast-check';
import { etagHeader, groupBody, sometimes, userBody } from '../arbitraries.js';
import { CaseLog, json } from '../case-log.js';
import { checkedWrite } from '../checked-writes.js';
import { asFixtures, createFixtures, resetFixtures } from '../fixtures.js';
import { defineTarget, type FuzzTarget, type TargetScope } from '../target.js';

export async function replaceTarget({ context, global }: TargetScope): Promise<FuzzTarget> {
  const { reader } = context;
  const newLog = () => new CaseLog(context.harness);
  const replaced = await createFixtures(context, 'fz-replace', 3, 1);
  const replacedFixtures = asFixtures(replaced, global);
  return defineTarget({
    name: 'replace',
    description:
      'PUT /Users/{id} and PUT /Groups/{id} with generated bodies, sometimes with If-Match',
    arbitrary: fc.oneof(
      fc.tuple(
        fc.constant('User' as const),
        fc.constantFrom(...replaced.userIds),
        userBody(replacedFixtures),
        sometimes(etagHeader),
      ),
      fc.tuple(
        fc.constant('Group' as const),
        fc.constantFrom(...replaced.groupIds),
        groupBody(asFixtures({ ...replaced, groupIds: [] }, { ...global, userIds: [] })),
        sometimes(etagHeader),
      ),
    ),
    async run(input) {
      const [type, id, body, ifMatch] = input;
      const log = newLog();
      await checkedWrite(log, reader, type, id, {
        method: 'PUT',
        path: `/${type}s/${id}`,
        body: json(body),
        ...(ifMatch === null ? {} : { headers: { 'if-match': ifMatch } }),
      });
      return log.outcome();
    },
    reset: () => resetFixtures(context, replaced),
  });
}
