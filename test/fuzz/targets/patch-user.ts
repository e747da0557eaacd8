/** Fuzz target patch-user */
import fc from 'fast-check';
import { etagHeader, patchBody, sometimes } from '../arbitraries.js';
import { CaseLog, json } from '../case-log.js';
import { checkedWrite } from '../checked-writes.js';
import { asFixtures, createFixtures, resetFixtures } from '../fixtures.js';
import { defineTarget, type FuzzTarget, type TargetScope } from '../target.js';

export async function patchUserTarget({ context, global }: TargetScope): Promise<FuzzTarget> {
  const { reader } = context;
  const newLog = () => new CaseLog(context.harness);
  const patchUsers = await createFixtures(context, 'fz-patch-user', 3, 0);
  const patchUserFixtures = asFixtures(patchUsers, global);
  return defineTarget({
    name: 'patch-user',
    description:
      'PATCH /Users/{id} with Entra-shaped operations (both dialects), their mutations, generic and junk operations and envelopes, sometimes with If-Match',
    arbitrary: fc.tuple(
      fc.constantFrom(...patchUsers.userIds),
      patchBody('User', patchUserFixtures),
      sometimes(etagHeader),
      fc.boolean(),
    ),
    async run(input) {
      const [id, body, ifMatch, attributes] = input;
      const log = newLog();
      await checkedWrite(log, reader, 'User', id, {
        method: 'PATCH',
        path: `/Users/${id}`,
        body: json(body),
        ...(attributes ? { query: 'attributes=userName,emails' } : {}),
        ...(ifMatch === null ? {} : { headers: { 'if-match': ifMatch } }),
      });
      return log.outcome();
    },
    reset: () => resetFixtures(context, patchUsers),
  });
}
