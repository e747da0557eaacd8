/** Fuzz target bulk */
import fc from 'fast-check';
import { BULK_URN, etagHeader, groupBody, patchBody, userBody } from '../arbitraries.js';
import { CaseLog, json } from '../case-log.js';
import { removeCreated } from '../checked-writes.js';
import { asFixtures, createFixtures, resetFixtures } from '../fixtures.js';
import { defineTarget, type FuzzTarget, type TargetScope } from '../target.js';

export async function bulkTarget({ context, global }: TargetScope): Promise<FuzzTarget> {
  const { harness } = context;
  const newLog = () => new CaseLog(harness);
  const bulked = await createFixtures(context, 'fz-bulk', 3, 1);
  const bulkFixtures = asFixtures(bulked, { ...global, userIds: [], groupIds: [] });
  const bulkOperation = fc.oneof(
    fc.record(
      {
        method: fc.constantFrom('POST', 'post', 'PUT', 'PATCH', 'DELETE', 'GET', 'x'),
        path: fc.oneof(
          fc.constantFrom(
            '/Users',
            '/Groups',
            '/Users/bulkId:u1',
            '/Groups/bulkId:g1',
            '/Bulk',
            '/Users/',
            'Users',
            '',
            '/Schemas',
          ),
          fc.constantFrom(
            ...bulked.userIds.map((id) => `/Users/${id}`),
            ...bulked.groupIds.map((id) => `/Groups/${id}`),
          ),
          fc.uuid().map((id) => `/Users/${id}`),
        ),
        bulkId: fc.constantFrom('u1', 'g1', 'u2', '', 'x y'),
        version: etagHeader,
        data: fc.oneof(
          userBody(bulkFixtures),
          groupBody(bulkFixtures),
          patchBody('Group', bulkFixtures),
          patchBody('User', bulkFixtures),
        ),
      },
      { requiredKeys: ['method', 'path'] },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  return defineTarget({
    name: 'bulk',
    description:
      'POST /Bulk with up to 8 generated operations (bulkId references, cycles, unknown methods and paths, bodies of every kind); created resources are deleted again',
    arbitrary: fc.record(
      {
        schemas: fc.constant([BULK_URN]),
        failOnErrors: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.constant(null)),
        Operations: fc.array(bulkOperation, { maxLength: 8 }),
      },
      { requiredKeys: ['Operations'] },
    ),
    async run(body) {
      const log = newLog();
      // DELETE of a fixture would leave nothing to fuzz: such operations are dropped.
      const operations = (body.Operations ?? []).filter(
        (operation) =>
          !(
            typeof operation === 'object' &&
            operation !== null &&
            String((operation as { method?: unknown }).method).toUpperCase() === 'DELETE' &&
            [...bulked.userIds, ...bulked.groupIds].some((id) =>
              String((operation as { path?: unknown }).path).includes(id),
            )
          ),
      );
      const answer = await log.send({
        method: 'POST',
        path: '/Bulk',
        body: json({ ...body, Operations: operations }),
      });
      const created: string[] = [];
      for (const result of (answer.body?.Operations ?? []) as {
        status?: string;
        location?: string;
        method?: string;
      }[]) {
        const status = Number(result.status);
        if (!Number.isInteger(status) || status >= 500) {
          log.problem(
            'server-error',
            `bulk operation answered ${result.status}: ${json(result).slice(0, 300)}`,
          );
        }
        if (status === 201 && result.location) created.push(result.location);
      }
      // Users first would leave their memberships to clean; groups go first.
      created.sort((a, b) => Number(a.includes('/Users/')) - Number(b.includes('/Users/')));
      const live: string[] = [];
      for (const location of created) {
        const path = location.slice(location.indexOf('/scim/v2') + '/scim/v2'.length);
        if ((await harness.invoke({ method: 'GET', path })).status === 200) live.push(location);
      }
      await removeCreated(log, live);
      return log.outcome();
    },
    reset: () => resetFixtures(context, bulked),
  });
}
