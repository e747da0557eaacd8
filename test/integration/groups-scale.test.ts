/**
 * Memberships at scale and under concurrency, counted with the DynamoDB calls each request made
 * (the `x-store-*` headers). The 100,000-member figures come from `test/bench/measure-groups.ts`.
 */

import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../shared/config.js';
import { sweepCleanups } from '../../shared/service/cleanups.js';
import { IN_REQUEST_MEMBER_DELETES } from '../../shared/service/groups.js';
import { IN_REQUEST_MEMBERSHIP_DELETES } from '../../shared/service/users.js';
import { batchWrite } from '../../shared/store/batch.js';
import { cleanupItem } from '../../shared/store/cleanups.js';
import { documentClient } from '../../shared/store/client.js';
import { keys } from '../../shared/store/keys.js';
import { membershipItem } from '../../shared/store/memberships.js';
import {
  addMembers,
  calls,
  commands,
  createGroup,
  memberIds,
  membershipCount,
  removeMember,
  seedUsers,
} from '../support/scim-fixtures.js';
import { startTestService, type TestResponse, type TestService } from '../support/service.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const LARGE = 2_000;

// biome-ignore lint/suspicious/noExplicitAny: resources are read freely in assertions.
type Json = any;

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

describe('membership cost does not grow with the group', () => {
  let small: Json;
  let large: Json;
  let largeAdd: TestResponse;

  beforeAll(async () => {
    const users = await seedUsers(10 + LARGE);
    small = await createGroup(service);
    large = await createGroup(service);
    expect((await addMembers(service, small.id, users.slice(0, 10))).status).toBe(204);
    // The largest PATCH the service takes (limits.maxPatchMembers), then the rest.
    largeAdd = await addMembers(service, large.id, users.slice(10, 10 + limits.maxPatchMembers));
    expect(largeAdd.status).toBe(204);
    const rest = users.slice(10 + limits.maxPatchMembers);
    for (let start = 0; start < rest.length; start += limits.maxPatchMembers) {
      const add = await addMembers(
        service,
        large.id,
        rest.slice(start, start + limits.maxPatchMembers),
      );
      expect(add.status).toBe(204);
    }
  }, 60_000);

  it(`adds ${limits.maxPatchMembers} members in one PATCH with O(n / 50) calls`, async () => {
    expect(await membershipCount(service, large.id)).toBe(LARGE);
    expect(commands(largeAdd)).toEqual({
      GetItemCommand: 1,
      BatchGetItemCommand: limits.maxPatchMembers / 100,
      TransactWriteItemsCommand: limits.maxPatchMembers / 50,
      UpdateItemCommand: 1,
    });
  });

  it('adds one member, removes one and reads without members with the same calls at 10 and 2,000', async () => {
    const measured: Record<string, Record<string, number>>[] = [];
    for (const group of [small, large]) {
      const [user] = await seedUsers(1);
      const add = await addMembers(service, group.id, [user!]);
      const remove = await removeMember(service, group.id, user!);
      const read = await service.request('GET', `/Groups/${group.id}?excludedAttributes=members`);
      expect([add.status, remove.status, read.status]).toEqual([204, 204, 200]);
      measured.push({ add: commands(add), remove: commands(remove), read: commands(read) });
    }

    expect(measured[1]).toEqual(measured[0]);
    expect(measured[0]).toEqual({
      add: { GetItemCommand: 1, TransactWriteItemsCommand: 1, UpdateItemCommand: 1 },
      remove: { GetItemCommand: 1, BatchWriteItemCommand: 1, UpdateItemCommand: 1 },
      read: { GetItemCommand: 1 },
    });
  });

  it(`returns all ${LARGE} members on a full GET, read in pages`, async () => {
    const response = await service.request('GET', `/Groups/${large.id}`);

    expect(response.status).toBe(200);
    expect(response.body.members).toHaveLength(LARGE);
    expect(new Set(response.body.members.map((m: Json) => m.value)).size).toBe(LARGE);
    expect(commands(response).GetItemCommand).toBe(1);
    expect(calls(response)).toBe(1 + commands(response).QueryCommand!);
  });

  it(`deletes a group of ${LARGE} members at once, ${IN_REQUEST_MEMBER_DELETES} of their memberships in the request and the rest by the sweeper`, async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const response = await service.request('DELETE', `/Groups/${large.id}`).finally(() => {
      process.off('warning', onWarning);
    });

    expect(response.status).toBe(204);
    expect((await service.request('GET', `/Groups/${large.id}`)).status).toBe(404);
    // 16 BatchWriteItem calls in flight listen on the request's abort signal at once: by design.
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    // Bounded work: one round of BatchWriteItem calls (25 deletes each), then the answer.
    expect(commands(response).BatchWriteItemCommand).toBe(IN_REQUEST_MEMBER_DELETES / 25);
    expect(await membershipCount(service, large.id)).toBe(LARGE - IN_REQUEST_MEMBER_DELETES);

    expect((await sweepCleanups(30_000)).pending).toBe(0);
    expect(await membershipCount(service, large.id)).toBe(0);
  });
});

describe('emptying a group by PUT or PATCH (bounded work)', () => {
  const seeded = async (count: number) => {
    const group = await createGroup(service);
    const added = new Date().toISOString();
    await batchWrite(
      Array.from({ length: count }, () => ({ put: membershipItem(group.id, randomUUID(), added) })),
      8,
    );
    return group.id as string;
  };

  it(`refuses with 413, writing nothing, a PATCH or PUT that would remove more than ${limits.maxPatchMembers} members`, async () => {
    // Prepare: larger than the limit, smaller than a Query page; and larger than a page.
    for (const size of [limits.maxPatchMembers + 1, 6_000]) {
      const id = await seeded(size);

      // Act
      const removeAll = await service.request('PATCH', `/Groups/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'remove', path: 'members' }],
      });
      const replace = await service.request('PATCH', `/Groups/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'members', value: [] }],
      });
      const put = await service.request('PUT', `/Groups/${id}`, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: `emptied ${randomUUID()}`,
        members: [],
      });

      // Assess
      for (const response of [removeAll, replace, put]) {
        expect(response.status).toBe(413);
        expect(response.body.detail).toContain(String(limits.maxPatchMembers));
      }
      expect(await membershipCount(service, id)).toBe(size);
    }
  }, 60_000);

  it(`empties a group of ${limits.maxPatchMembers} members with one PATCH`, async () => {
    const id = await seeded(limits.maxPatchMembers);

    const response = await service.request('PATCH', `/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: 'members' }],
    });

    expect(response.status).toBe(204);
    expect(await membershipCount(service, id)).toBe(0);
  });
});

describe('reading a group larger than one page', () => {
  it('returns every member exactly once, in id order, read as parallel ranges', async () => {
    const group = await createGroup(service);
    // Ids on the range boundaries ('1', 'f') and around them, besides random UUIDs.
    const ids = [
      ...Array.from({ length: 6_000 }, () => randomUUID()),
      '0',
      '1',
      '10',
      'f',
      'ff',
      'zz',
    ];
    const added = new Date().toISOString();
    await batchWrite(
      ids.map((id) => ({ put: membershipItem(group.id, id, added) })),
      8,
    );

    const response = await service.request('GET', `/Groups/${group.id}`);

    expect(response.status).toBe(200);
    const read = response.body.members.map((member: Json) => member.value);
    expect(read).toEqual([...ids].sort());
    expect(commands(response).QueryCommand).toBeGreaterThan(2);
  }, 30_000);
});

describe('concurrent membership changes', () => {
  it('leaves exactly 1,000 members after 100 concurrent PATCHes each adding 10', async () => {
    const users = await seedUsers(1_000);
    const group = await createGroup(service);

    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        addMembers(service, group.id, users.slice(index * 10, index * 10 + 10)),
      ),
    );

    expect(responses.map((response) => response.status)).toEqual(Array(100).fill(204));
    expect(await membershipCount(service, group.id)).toBe(1_000);
    expect((await memberIds(service, group.id)).sort()).toEqual([...users].sort());
    const read = await service.request('GET', `/Groups/${group.id}?excludedAttributes=members`);
    expect(read.body.meta.version).toBe('W/"101"');
  }, 60_000);

  it('renames a group while member PATCHes bump its version concurrently', async () => {
    const group = await createGroup(service);
    const users = await seedUsers(300);
    const renamed = `Renamed ${randomUUID()}`;

    const [rename, ...adds] = await Promise.all([
      service.request('PATCH', `/Groups/${group.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Replace', path: 'displayName', value: renamed }],
      }),
      ...Array.from({ length: 30 }, (_, index) =>
        addMembers(service, group.id, users.slice(index * 10, index * 10 + 10)),
      ),
    ]);

    expect(rename?.status).toBe(204);
    expect(adds.map((response) => response.status)).toEqual(Array(30).fill(204));
    const read = await service.request('GET', `/Groups/${group.id}?excludedAttributes=members`);
    expect(read.body.displayName).toBe(renamed);
    expect(await membershipCount(service, group.id)).toBe(300);
  });

  it('ends consistent when one member is added and removed at the same time', async () => {
    const group = await createGroup(service);
    const users = await seedUsers(20);

    for (const user of users) {
      const [add, remove] = await Promise.all([
        addMembers(service, group.id, [user]),
        removeMember(service, group.id, user),
      ]);
      expect([add.status, remove.status]).toEqual([204, 204]);
    }

    const members = new Set(await memberIds(service, group.id));
    for (const user of users) {
      const read = await service.request('GET', `/Users/${user}`);
      const groups = (read.body.groups ?? []).map((g: Json) => g.value);
      expect(groups).toEqual(members.has(user) ? [group.id] : []);
    }
  });

  it('leaves no membership item when a PATCH adding members races the group DELETE', async () => {
    // The DELETE lands before, during and after the PATCH's membership writes.
    for (const delay of [0, 20, 60, 150]) {
      const group = await createGroup(service);
      const users = await seedUsers(300);

      const [added, deleted] = await Promise.all([
        addMembers(service, group.id, users),
        new Promise((resolve) => setTimeout(resolve, delay)).then(() =>
          service.request('DELETE', `/Groups/${group.id}`),
        ),
      ]);

      expect([204, 404]).toContain(added.status);
      expect(deleted.status).toBe(204);
      expect(await membershipCount(service, group.id)).toBe(0);
    }
  });
});

describe('membership cleanup sweep', () => {
  it('deletes memberships a DELETE left behind and removes the marker after the grace period', async () => {
    const users = await seedUsers(60);
    const [old, recent] = [randomUUID(), randomUUID()];
    const added = new Date().toISOString();
    await batchWrite([
      ...users.map((user) => ({ put: membershipItem(old, user, added) })),
      ...users.slice(0, 5).map((user) => ({ put: membershipItem(recent, user, added) })),
      { put: cleanupItem({ type: 'Group', id: old, deletedAt: '2020-01-01T00:00:00.000Z' }) },
      { put: cleanupItem({ type: 'Group', id: recent, deletedAt: added }) },
    ]);

    const result = await sweepCleanups(10_000);

    expect(result.pending).toBe(0);
    expect(await membershipCount(service, old)).toBe(0);
    expect(await membershipCount(service, recent)).toBe(0);
    const remaining = await markers('Group');
    expect(remaining).not.toContain(old);
    expect(remaining).toContain(recent);
  });

  it(`deletes a user in ${IN_REQUEST_MEMBERSHIP_DELETES + 50} groups at once, ${IN_REQUEST_MEMBERSHIP_DELETES} of the memberships in the request and the rest by the sweeper`, async () => {
    const [user] = await seedUsers(1);
    const groups = Array.from({ length: IN_REQUEST_MEMBERSHIP_DELETES + 50 }, () => randomUUID());
    const added = new Date().toISOString();
    await batchWrite(
      groups.map((groupId) => ({ put: membershipItem(groupId, user!, added) })),
      8,
    );
    const left = async () =>
      (await Promise.all(groups.map((groupId) => membershipCount(service, groupId)))).reduce(
        (sum, count) => sum + count,
        0,
      );

    const response = await service.request('DELETE', `/Users/${user}`);

    expect(response.status).toBe(204);
    expect((await service.request('GET', `/Users/${user}`)).status).toBe(404);
    expect(commands(response).BatchWriteItemCommand).toBe(IN_REQUEST_MEMBERSHIP_DELETES / 25);
    expect(await left()).toBe(50);

    await sweepCleanups(30_000);
    expect(await left()).toBe(0);
  });

  it("deletes a deleted user's memberships that the index showed late", async () => {
    const group = await createGroup(service);
    const [user] = await seedUsers(1);
    expect((await addMembers(service, group.id, [user!])).status).toBe(204);
    // As if the user's DELETE had not seen this membership in the byMember index yet.
    await batchWrite([
      { delete: keys.resource('User', user!) },
      { put: cleanupItem({ type: 'User', id: user!, deletedAt: '2020-01-01T00:00:00.000Z' }) },
    ]);

    await sweepCleanups(10_000);

    expect(await membershipCount(service, group.id)).toBe(0);
    expect(await markers('User')).not.toContain(user);
  });
});

async function markers(type: 'User' | 'Group'): Promise<string[]> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: service.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.cleanupPartition(type) },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => item.id as string);
}
