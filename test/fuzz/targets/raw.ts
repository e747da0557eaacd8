/** Fuzz target raw: broken JSON, bytes, base64, deep nesting, BOM, on every write route. */
import fc from 'fast-check';
import {
  BULK_URN,
  contentType,
  groupBody,
  patchBody,
  rawBody,
  SEARCH_URN,
  userBody,
} from '../arbitraries.js';
import { CaseLog } from '../case-log.js';
import { checkedWrite, removeCreated } from '../checked-writes.js';
import { asFixtures, createFixtures, resetFixtures } from '../fixtures.js';
import type { Invocation } from '../harness.js';
import { defineTarget, type FuzzTarget, type TargetScope } from '../target.js';

export async function rawTarget({ context, global }: TargetScope): Promise<FuzzTarget> {
  const { reader } = context;
  const newLog = () => new CaseLog(context.harness);
  const raw = await createFixtures(context, 'fz-raw', 2, 1);
  const rawUser = raw.userIds[0] as string;
  const rawGroup = raw.groupIds[0] as string;
  const rawFixtures = asFixtures(raw, global);
  const rawRoutes = [
    { method: 'POST', path: '/Users', body: userBody(rawFixtures) },
    { method: 'POST', path: '/Groups', body: groupBody(rawFixtures) },
    {
      method: 'PATCH',
      path: `/Users/${rawUser}`,
      body: patchBody('User', rawFixtures),
      type: 'User' as const,
      id: rawUser,
    },
    {
      method: 'PATCH',
      path: `/Groups/${rawGroup}`,
      body: patchBody('Group', rawFixtures),
      type: 'Group' as const,
      id: rawGroup,
    },
    {
      method: 'PUT',
      path: `/Users/${rawUser}`,
      body: userBody(rawFixtures),
      type: 'User' as const,
      id: rawUser,
    },
    { method: 'POST', path: '/Bulk', body: fc.constant({ schemas: [BULK_URN], Operations: [] }) },
    {
      method: 'POST',
      path: '/Users/.search',
      body: fc.constant({ schemas: [SEARCH_URN], filter: 'userName pr' }),
    },
  ];
  return defineTarget({
    name: 'raw',
    description:
      'raw request bodies on every write route: truncated and trailing-garbage JSON, random text and bytes, base64, BOM, 200,000-deep nesting, duplicate keys, prototype keys',
    arbitrary: fc
      .nat(rawRoutes.length - 1)
      .chain((index) =>
        fc.tuple(
          fc.constant(index),
          rawBody((rawRoutes[index] as (typeof rawRoutes)[number]).body),
          contentType,
        ),
      ),
    async run(input) {
      const [index, { body, isBase64Encoded }, type] = input;
      const route = rawRoutes[index] as (typeof rawRoutes)[number];
      const log = newLog();
      const invocation: Invocation = {
        method: route.method,
        path: route.path,
        body,
        ...(isBase64Encoded ? { isBase64Encoded } : {}),
        headers: { 'content-type': type },
      };
      if ('id' in route && route.type !== undefined) {
        await checkedWrite(log, reader, route.type, route.id as string, invocation);
      } else {
        const answer = await log.send(invocation);
        if (answer.status === 201 && answer.headers.location)
          await removeCreated(log, [answer.headers.location]);
      }
      return log.outcome();
    },
    reset: () => resetFixtures(context, raw),
  });
}
