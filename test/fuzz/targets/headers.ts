/** Fuzz target headers: content types, preconditions, bad tokens, header case. */
import fc from 'fast-check';
import {
  contentType,
  etagHeader,
  junkAuthorization,
  PATCH_OP_URN,
  sometimes,
} from '../arbitraries.js';
import { CaseLog, json } from '../case-log.js';
import { checkedWrite } from '../checked-writes.js';
import { createFixtures, resetFixtures } from '../fixtures.js';
import { defineTarget, type FuzzTarget, type TargetScope } from '../target.js';

export async function headersTarget({ context }: TargetScope): Promise<FuzzTarget> {
  const { reader } = context;
  const newLog = () => new CaseLog(context.harness);
  const headed = await createFixtures(context, 'fz-headers', 1, 0);
  const headedUser = headed.userIds[0] as string;
  const headerArbitrary = fc.record(
    {
      method: fc.constantFrom('GET', 'PATCH', 'PUT'),
      contentType,
      ifMatch: etagHeader,
      ifNoneMatch: etagHeader,
      authorization: sometimes(junkAuthorization, 7),
      upperCase: fc.boolean(),
      accept: fc.constantFrom('application/scim+json', 'application/xml', '*/*', 'text/html'),
    },
    { requiredKeys: ['method'] },
  );
  return defineTarget({
    name: 'headers',
    description:
      'GET/PATCH/PUT /Users/{id} with random Content-Type, If-Match, If-None-Match, Accept, junk Authorization and upper-case header names',
    arbitrary: headerArbitrary,
    async run(input) {
      const headers = input;
      const name = (header: string) => (headers.upperCase ? header.toUpperCase() : header);
      const sent: Record<string, string | undefined> = {
        ...('contentType' in headers ? { [name('content-type')]: headers.contentType } : {}),
        ...(headers.ifMatch !== undefined ? { [name('if-match')]: headers.ifMatch } : {}),
        ...(headers.ifNoneMatch !== undefined
          ? { [name('if-none-match')]: headers.ifNoneMatch }
          : {}),
        ...(typeof headers.authorization === 'string'
          ? { [name('authorization')]: headers.authorization }
          : {}),
        ...(headers.accept !== undefined ? { [name('accept')]: headers.accept } : {}),
      };
      const log = newLog();
      const body =
        headers.method === 'PATCH'
          ? json({
              schemas: [PATCH_OP_URN],
              Operations: [{ op: 'replace', path: 'title', value: 'Header fuzz' }],
            })
          : headers.method === 'PUT'
            ? json(headed.userBodies[0])
            : undefined;
      const answer = await checkedWrite(log, reader, 'User', headedUser, {
        method: headers.method,
        path: `/Users/${headedUser}`,
        ...(body === undefined ? {} : { body }),
        headers: sent,
      });
      if (typeof headers.authorization === 'string' && answer.status !== 401) {
        log.problem('unexpected', `a junk Authorization header was answered ${answer.status}`);
      }
      return log.outcome();
    },
    reset: () => resetFixtures(context, headed),
  });
}
