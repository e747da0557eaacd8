/** Fuzz target patch-group */
import fc from 'fast-check';
import { etagHeader, patchBody, sometimes } from '../arbitraries.js';
import { CaseLog, json } from '../case-log.js';
import { checkedWrite } from '../checked-writes.js';
import { asFixtures, createFixtures, resetFixtures } from '../fixtures.js';
import { defineTarget, type FuzzTarget, type TargetScope } from '../target.js';

export async function patchGroupTarget({ context, global }: TargetScope): Promise<FuzzTarget> {
  const { reader } = context;
  const newLog = () => new CaseLog(context.harness);
  const patchGroups = await createFixtures(context, 'fz-patch-group', 6, 2);
  const patchGroupFixtures = asFixtures(
    { ...patchGroups, groupIds: [] },
    { ...global, userIds: [] },
  );
  return defineTarget({
    name: 'patch-group',
    description:
      'PATCH /Groups/{id}: member adds, removes (value lists and filters), replaces, renames, path-less replaces, mutations and junk',
    arbitrary: fc.tuple(
      fc.constantFrom(...patchGroups.groupIds),
      patchBody('Group', patchGroupFixtures),
      sometimes(etagHeader, 8),
    ),
    async run(input) {
      const [id, body, ifMatch] = input;
      const log = newLog();
      await checkedWrite(log, reader, 'Group', id, {
        method: 'PATCH',
        path: `/Groups/${id}`,
        body: json(body),
        ...(ifMatch === null ? {} : { headers: { 'if-match': ifMatch } }),
      });
      return log.outcome();
    },
    reset: () => resetFixtures(context, patchGroups),
  });
}
