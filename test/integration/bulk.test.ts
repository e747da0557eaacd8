import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../shared/config.js';
import { parseBulkRequest } from '../../shared/scim/bulk.js';
import { BULK_CALL_BUDGET, bulkEndpoints, runBulk } from '../../shared/service/bulk.js';
import { sweepCleanups } from '../../shared/service/cleanups.js';
import { batchWrite } from '../../shared/store/batch.js';
import { membershipItem } from '../../shared/store/memberships.js';
import { membershipCount } from '../support/scim-fixtures.js';
import { startTestService, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

function bulk(operations: unknown[], extra: Record<string, unknown> = {}) {
  return service.request('POST', '/Bulk', {
    schemas: [BULK_REQUEST],
    ...extra,
    Operations: operations,
  });
}

function postUser(bulkId: string, userName: string, extra: Record<string, unknown> = {}) {
  return { method: 'POST', path: '/Users', bulkId, data: { schemas: [USER], userName, ...extra } };
}

describe('POST /Bulk', () => {
  it('creates, replaces, patches and deletes users in one request, answering each in order (RFC 7644 §3.7)', async () => {
    // Prepare
    const existing = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'bulk.existing',
    });
    const doomed = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'bulk.doomed',
    });

    // Act
    const response = await bulk([
      postUser('alice', 'bulk.alice', { active: true }),
      {
        method: 'PUT',
        path: `/Users/${existing.body.id}`,
        version: existing.headers.etag,
        data: { schemas: [USER], userName: 'bulk.existing', title: 'Dispatcher' },
      },
      {
        method: 'PATCH',
        path: '/Users/bulkId:alice',
        data: {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', path: 'active', value: false }],
        },
      },
      { method: 'DELETE', path: `/Users/${doomed.body.id}` },
    ]);

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.schemas).toEqual([BULK_RESPONSE]);
    const [created, replaced, patched, deleted] = response.body.Operations;
    expect(created).toMatchObject({
      method: 'POST',
      bulkId: 'alice',
      status: '201',
      version: 'W/"1"',
    });
    expect(created.location).toMatch(new RegExp(`^${service.url}/Users/[0-9a-f-]{36}$`));
    expect(replaced).toMatchObject({
      method: 'PUT',
      status: '200',
      location: `${service.url}/Users/${existing.body.id}`,
      version: 'W/"2"',
    });
    expect(patched).toMatchObject({ method: 'PATCH', status: '200', location: created.location });
    expect(deleted).toMatchObject({ method: 'DELETE', status: '204' });
    expect((await service.request('GET', created.location)).body.active).toBe(false);
    expect((await service.request('GET', `/Users/${existing.body.id}`)).body.title).toBe(
      'Dispatcher',
    );
    expect((await service.request('GET', `/Users/${doomed.body.id}`)).status).toBe(404);
  });

  it('creates a user and a group holding it with a bulkId reference (the RFC 7644 §3.7.2 example)', async () => {
    const response = await bulk([
      postUser('qwerty', 'bulk.alice.rfc'),
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'ytrewq',
        data: {
          schemas: [GROUP],
          displayName: 'Tour Guides',
          members: [{ type: 'User', value: 'bulkId:qwerty' }],
        },
      },
    ]);

    const [user, group] = response.body.Operations;
    expect(user).toMatchObject({ bulkId: 'qwerty', status: '201' });
    expect(group).toMatchObject({ bulkId: 'ytrewq', status: '201' });
    expect(group.location).toMatch(new RegExp(`^${service.url}/Groups/`));
    const read = await service.request('GET', group.location);
    expect(read.body.members.map((member: { value: string }) => member.value)).toEqual([
      user.location.split('/').pop(),
    ]);
  });

  it('patches, replaces and deletes a group named by bulkId in the path', async () => {
    const response = await bulk([
      {
        method: 'PATCH',
        path: '/Groups/bulkId:crew',
        data: {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:pilot' }] }],
        },
      },
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'crew',
        data: { schemas: [GROUP], displayName: 'Crew' },
      },
      postUser('pilot', 'bulk.pilot'),
    ]);

    const [patched, group] = response.body.Operations;
    expect(patched).toMatchObject({ method: 'PATCH', status: '200', location: group.location });
    const read = await service.request('GET', group.location);
    expect(read.body.members).toHaveLength(1);

    const removed = await bulk([
      { method: 'DELETE', path: `/Groups/${group.location.split('/').pop()}` },
    ]);
    expect(removed.body.Operations[0]).toMatchObject({ status: '204' });
    expect((await service.request('GET', group.location)).status).toBe(404);
  });

  it('runs an operation that refers to a bulkId declared later after the operation that declares it', async () => {
    const response = await bulk([
      {
        method: 'PATCH',
        path: '/Users/bulkId:late',
        data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'nickName', value: 'Late' }] },
      },
      postUser('late', 'bulk.late'),
    ]);

    expect(
      response.body.Operations.map((operation: { status: string }) => operation.status),
    ).toEqual(['200', '201']);
    const user = await service.request('GET', response.body.Operations[1].location);
    expect(user.body.nickName).toBe('Late');
  });

  it('resolves bulkId references inside data, e.g. a manager created in the same request', async () => {
    const response = await bulk([
      postUser('boss', 'bulk.boss'),
      postUser('worker', 'bulk.worker', {
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
          manager: { value: 'bulkId:boss' },
        },
      }),
    ]);

    const [boss, worker] = response.body.Operations;
    const read = await service.request('GET', worker.location);
    expect(
      read.body['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].manager.value,
    ).toBe(boss.location.split('/').pop());
  });

  it('answers circular bulkId references with 409 for each operation in the cycle (RFC 7644 §3.7.1)', async () => {
    const response = await bulk([
      postUser('a', 'bulk.cycle.a', { nickName: 'bulkId:b' }),
      postUser('b', 'bulk.cycle.b', { nickName: 'bulkId:a' }),
      postUser('c', 'bulk.cycle.c'),
    ]);

    const [a, b, c] = response.body.Operations;
    expect(a).toMatchObject({ bulkId: 'a', status: '409', response: { status: '409' } });
    expect(b).toMatchObject({ bulkId: 'b', status: '409' });
    expect(c).toMatchObject({ bulkId: 'c', status: '201' });
    expect(a.response.detail).toContain('circular');
  });

  it('fails an operation that refers to a failed one with 409 and one that refers to an undeclared bulkId with 400', async () => {
    await service.request('POST', '/Users', { schemas: [USER], userName: 'bulk.taken' });

    const response = await bulk([
      postUser('dup', 'bulk.taken'),
      {
        method: 'PATCH',
        path: '/Users/bulkId:dup',
        data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'nickName', value: 'x' }] },
      },
      { method: 'DELETE', path: '/Users/bulkId:nobody' },
    ]);

    const [duplicate, dependent, undeclared] = response.body.Operations;
    expect(duplicate).toMatchObject({
      status: '409',
      response: { scimType: 'uniqueness', status: '409' },
    });
    expect(duplicate.location).toBeUndefined();
    expect(dependent).toMatchObject({ status: '409' });
    expect(undeclared).toMatchObject({ status: '400', response: { scimType: 'invalidValue' } });
  });

  it('stops after failOnErrors errors and leaves the operations not run out of the response', async () => {
    const response = await bulk(
      [
        postUser('f1', ''),
        postUser('f2', 'bulk.fail.two'),
        postUser('f3', ''),
        postUser('f4', 'bulk.fail.four'),
      ],
      { failOnErrors: 2 },
    );

    expect(response.status).toBe(200);
    expect(
      response.body.Operations.map((operation: { bulkId: string }) => operation.bulkId),
    ).toEqual(['f1', 'f2', 'f3']);
    const four = await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "bulk.fail.four"')}`,
    );
    expect(four.body.totalResults).toBe(0);
  });

  it('answers a PUT whose version is stale with 412 for that operation only', async () => {
    const user = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'bulk.stale',
    });

    const response = await bulk([
      {
        method: 'PUT',
        path: `/Users/${user.body.id}`,
        version: 'W/"99"',
        data: { schemas: [USER], userName: 'bulk.stale' },
      },
    ]);

    expect(response.body.Operations[0]).toMatchObject({ status: '412' });
  });

  it('fails malformed operations one by one with 400 and runs the others', async () => {
    const response = await bulk([
      { method: 'GET', path: '/Users' },
      { method: 'POST', path: '/Users/abc', bulkId: 'x', data: {} },
      { method: 'PUT', path: '/Users/abc' },
      { method: 'POST', path: '/Devices', bulkId: 'd', data: {} },
      postUser('ok', 'bulk.malformed.ok'),
    ]);

    expect(
      response.body.Operations.map((operation: { status: string }) => operation.status),
    ).toEqual(['400', '400', '400', '400', '201']);
  });

  it(`refuses more than maxOperations (${limits.maxBulkOperations}) operations with 413 naming the limit (RFC 7644 §3.7.4)`, async () => {
    const operations = Array.from({ length: limits.maxBulkOperations + 1 }, (_, index) =>
      postUser(`op${index}`, `bulk.limit.${index}`),
    );

    const response = await bulk(operations);

    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ status: '413' });
    expect(response.body.detail).toContain(String(limits.maxBulkOperations));
    const none = await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName sw "bulk.limit."')}`,
    );
    expect(none.body.totalResults).toBe(0);
  });

  it('refuses a body larger than maxPayloadSize with 413 naming the limit', async () => {
    const response = await bulk([
      postUser('big', 'bulk.big', { nickName: 'x'.repeat(limits.maxBodyBytes) }),
    ]);

    expect(response.status).toBe(413);
    expect(response.body.detail).toContain(String(limits.maxBodyBytes));
  });

  it.each([
    ['a body that is not a BulkRequest', []],
    ['a request without Operations', { schemas: [BULK_REQUEST] }],
    [
      'a bulkId declared twice',
      { Operations: [postUser('same', 'bulk.same.1'), postUser('same', 'bulk.same.2')] },
    ],
    ['failOnErrors of 0', { failOnErrors: 0, Operations: [] }],
  ])('refuses %s with 400 and runs nothing', async (_case, body) => {
    const response = await service.request('POST', '/Bulk', body);

    expect(response.status).toBe(400);
    expect(response.body.status).toBe('400');
  });
});

describe('POST /Bulk work budget', () => {
  it(`runs the operations whose DynamoDB calls fit in ${BULK_CALL_BUDGET} and answers the rest 503 with Retry-After, to send again`, async () => {
    // Prepare: a user DELETE is 3 calls (read, transaction, membership query).
    const ids: string[] = [];
    for (let index = 0; index < limits.maxBulkOperations; index++) {
      const user = await service.request('POST', '/Users', {
        schemas: [USER],
        userName: `bulk.budget.${index}.${randomUUID()}@example.com`,
      });
      ids.push(user.body.id);
    }
    const fits = Math.floor(BULK_CALL_BUDGET / 3);
    expect(fits).toBeLessThan(ids.length);

    // Act
    const response = await bulk(ids.map((id) => ({ method: 'DELETE', path: `/Users/${id}` })));

    // Assess
    expect(response.status).toBe(200);
    const statuses = response.body.Operations.map(
      (operation: { status: string }) => operation.status,
    );
    expect(statuses).toEqual([
      ...Array.from({ length: fits }, () => '204'),
      ...Array.from({ length: ids.length - fits }, () => '503'),
    ]);
    expect(Number(response.headers['x-store-calls'])).toBeLessThanOrEqual(BULK_CALL_BUDGET);
    const deferred = response.body.Operations[fits];
    expect(deferred.response).toMatchObject({ status: '503' });
    expect(deferred.response.detail).toContain('send it again');
    for (const [index, id] of ids.entries()) {
      const read = await service.request('GET', `/Users/${id}`);
      expect(read.status).toBe(index < fits ? 404 : 200);
    }

    // Act: the client sends the deferred ones again, as often as it is told to.
    let left = ids.slice(fits);
    let requests = 1;
    while (left.length > 0) {
      const again = await bulk(left.map((id) => ({ method: 'DELETE', path: `/Users/${id}` })));
      const statuses = again.body.Operations.map(
        (operation: { status: string }) => operation.status,
      );
      expect(
        statuses.slice(0, Math.min(fits, left.length)).every((status: string) => status === '204'),
      ).toBe(true);
      left = left.filter((_, index) => statuses[index] === '503');
      requests += 1;
    }
    expect(requests).toBe(Math.ceil(ids.length / fits));
  });

  it('always starts the first operation, and starts no group operation whose members would not fit', async () => {
    // Prepare: 2 × 300 members: each PATCH needs 2 + 3 BatchGetItem + 6 transactions = 11 calls.
    const users: string[] = [];
    for (let start = 0; start < 600; start += limits.maxBulkOperations) {
      const created = await bulk(
        Array.from({ length: limits.maxBulkOperations }, (_, index) =>
          postUser(`u${index}`, `bulk.members.${start + index}.${randomUUID()}@example.com`),
        ),
      );
      users.push(
        ...created.body.Operations.map((operation: { location: string }) =>
          operation.location.split('/').pop(),
        ),
      );
    }
    const groups: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      const group = await service.request('POST', '/Groups', {
        schemas: [GROUP],
        displayName: `bulk.budget.${name}.${randomUUID()}`,
      });
      groups.push(group.body.id);
    }
    const addMembers = (groupId: string, members: string[]) => ({
      method: 'PATCH',
      path: `/Groups/${groupId}`,
      data: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: members.map((value) => ({ value })) }],
      },
    });

    // Act: a small operation first, then two that do not both fit in the budget, then a small one.
    const response = await bulk([
      addMembers(groups[0]!, users.slice(0, 1)),
      addMembers(groups[1]!, users.slice(0, 300)),
      addMembers(groups[2]!, users.slice(300, 600)),
      addMembers(groups[0]!, users.slice(1, 2)),
    ]);

    // Assess
    expect(
      response.body.Operations.map((operation: { status: string }) => operation.status),
    ).toEqual(['200', '200', '503', '200']);
    expect(await membershipCount(service, groups[1]!)).toBe(300);
    expect(await membershipCount(service, groups[2]!)).toBe(0);

    // Act: with a budget smaller than any operation needs, the first still runs, alone.
    const [first, second] = await runBulk(
      parseBulkRequest({
        schemas: [BULK_REQUEST],
        Operations: [
          addMembers(groups[2]!, users.slice(300, 600)),
          addMembers(groups[0]!, users.slice(2, 3)),
        ],
      }),
      { baseUrl: service.url },
      bulkEndpoints,
      Date.now() + 60_000,
      1,
    );
    expect([first?.status, second?.status]).toEqual([200, 503]);
    expect(await membershipCount(service, groups[2]!)).toBe(300);
  }, 60_000);
});

describe('POST /Bulk time budget', () => {
  it("stops deleting a large group's memberships at the bulk deadline and leaves the rest to the sweeper", async () => {
    // Prepare: more memberships than DynamoDB Local deletes in a second.
    const created = await service.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName: `bulk.large.${randomUUID()}`,
    });
    const groupId = created.body.id as string;
    const added = new Date().toISOString();
    await batchWrite(
      Array.from({ length: 3_000 }, () => ({ put: membershipItem(groupId, randomUUID(), added) })),
      16,
    );
    const request = parseBulkRequest({
      schemas: [BULK_REQUEST],
      Operations: [{ method: 'DELETE', path: `/Groups/${groupId}` }],
    });

    // Act
    const results = await runBulk(
      request,
      { baseUrl: service.url },
      bulkEndpoints,
      Date.now() + 200,
    );

    // Assess: it stopped at the deadline rather than after the last membership (deleting all
    // 3,000, 120 batch writes, takes DynamoDB Local well over the 200 ms): memberships are left when it returns. Not a wall-clock
    // bound, which a loaded machine breaks.
    expect(results.map((result) => result.status)).toEqual([204]);
    expect(await membershipCount(service, groupId)).toBeGreaterThan(0);
    expect((await service.request('GET', `/Groups/${groupId}`)).status).toBe(404);
    await sweepCleanups(30_000);
    expect(await membershipCount(service, groupId)).toBe(0);
  }, 60_000);
});
