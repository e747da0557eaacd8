/** Fuzz target create-group */
import { groupBody } from '../arbitraries.js';
import { CaseLog, json } from '../case-log.js';
import { checkedCreate } from '../checked-writes.js';
import { asFixtures, createFixtures } from '../fixtures.js';
import { defineTarget, type FuzzTarget, type TargetScope } from '../target.js';

export async function createGroupTarget({ context, global }: TargetScope): Promise<FuzzTarget> {
  const { reader } = context;
  const newLog = () => new CaseLog(context.harness);
  const createGroupUsers = await createFixtures(context, 'fz-create-group', 4, 0);
  return defineTarget({
    name: 'create-group',
    description:
      'POST /Groups with members (existing, unknown, groups, junk) and junk bodies (created groups are deleted again)',
    arbitrary: groupBody(asFixtures(createGroupUsers, { ...global, userIds: [] })),
    async run(body) {
      const log = newLog();
      await checkedCreate(log, reader, 'Group', body, {
        method: 'POST',
        path: '/Groups',
        body: json(body),
      });
      return log.outcome();
    },
    reset: async () => {},
  });
}
