/** Fuzz target create-user / create-group */
import { userBody } from '../arbitraries.js';
import { CaseLog, json } from '../case-log.js';
import { checkedCreate } from '../checked-writes.js';
import { defineTarget, type FuzzTarget, type TargetScope } from '../target.js';

export async function createUserTarget({ context, global }: TargetScope): Promise<FuzzTarget> {
  const { reader } = context;
  const newLog = () => new CaseLog(context.harness);
  return defineTarget({
    name: 'create-user',
    description:
      'POST /Users with plausible, mistyped, case-mangled and junk bodies (created users are deleted again)',
    arbitrary: userBody(global),
    async run(body) {
      const log = newLog();
      await checkedCreate(log, reader, 'User', body, {
        method: 'POST',
        path: '/Users',
        body: json(body),
      });
      return log.outcome();
    },
    reset: async () => {},
  });
}
