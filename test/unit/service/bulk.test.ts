import { describe, expect, it, vi } from 'vitest';
import { parseBulkRequest } from '../../../shared/scim/bulk.js';
import { NotFoundError } from '../../../shared/scim/errors.js';
import { callsNeeded, type ResourceOperations, runBulk } from '../../../shared/service/bulk.js';
import type { Presented } from '../../../shared/service/presentation.js';

const BASE = 'https://scim.example.com/scim/v2';

/** Endpoint operations that record what ran, in order, and create ids r1, r2, … */
function recordingEndpoint(log: string[]): ResourceOperations {
  let next = 0;
  const presented = (id: string): Presented =>
    ({ location: `${BASE}/Users/${id}`, etag: 'W/"1"' }) as Presented;
  return {
    create: async (data) => {
      log.push(`create ${JSON.stringify(data)}`);
      return presented(`r${++next}`);
    },
    replace: async (id) => {
      log.push(`replace ${id}`);
      return presented(id);
    },
    patch: async (id, data) => {
      log.push(`patch ${id} ${JSON.stringify(data)}`);
      if (id === 'missing') throw new NotFoundError('User', id);
      return presented(id);
    },
    remove: async (id) => {
      log.push(`remove ${id}`);
    },
  };
}

const post = (bulkId: string, data: unknown) => ({ method: 'POST', path: '/Users', bulkId, data });

describe('runBulk', () => {
  it('runs operations in request order, a forward reference after its target', async () => {
    const log: string[] = [];
    const request = parseBulkRequest({
      Operations: [
        { method: 'PATCH', path: '/Users/bulkId:b', data: { ref: 'bulkId:a' } },
        post('a', { n: 1 }),
        post('b', { n: 2 }),
        { method: 'DELETE', path: '/Users/x' },
      ],
    });

    const results = await runBulk(request, { baseUrl: BASE }, { Users: recordingEndpoint(log) });

    expect(log).toEqual(['create {"n":1}', 'create {"n":2}', 'remove x', 'patch r2 {"ref":"r1"}']);
    expect(results.map((result) => [result.index, result.status])).toEqual([
      [0, 200],
      [1, 201],
      [2, 201],
      [3, 204],
    ]);
  });

  it('counts failures toward failOnErrors and leaves out what it did not run', async () => {
    const log: string[] = [];
    const request = parseBulkRequest({
      failOnErrors: 1,
      Operations: [
        { method: 'PATCH', path: '/Users/missing', data: {} },
        { method: 'DELETE', path: '/Users/y' },
      ],
    });

    const results = await runBulk(request, { baseUrl: BASE }, { Users: recordingEndpoint(log) });

    expect(results.map((result) => result.status)).toEqual([404]);
    expect(log).toEqual(['patch missing {}']);
  });

  it('starts no operation after the deadline and answers the rest 503', async () => {
    const log: string[] = [];
    const request = parseBulkRequest({
      Operations: [
        post('a', { n: 1 }),
        post('b', { n: 2 }),
        { method: 'DELETE', path: '/Users/z' },
      ],
    });

    // The first create takes the request past its deadline: the clock is moved, not waited for,
    // so a slow machine cannot make the first operation late too.
    vi.useFakeTimers({ toFake: ['Date'] });
    const deadline = Date.now() + 1_000;
    const endpoint = recordingEndpoint(log);
    const results = await runBulk(
      request,
      { baseUrl: BASE },
      {
        Users: {
          ...endpoint,
          create: async (data, options) => {
            vi.setSystemTime(deadline + 1);
            return endpoint.create(data, options);
          },
        },
      },
      deadline,
    ).finally(() => vi.useRealTimers());

    expect(log).toEqual(['create {"n":1}']);
    expect(results.map((result) => result.status)).toEqual([201, 503, 503]);
  });

  it('defers an operation that refers to a deferred one, rather than calling it circular', async () => {
    const log: string[] = [];
    // b (2 calls) fits in the budget of 3 but waits for c, declared later; c (a group with 200
    // members: at least 7 calls) does not fit, so it is deferred, and b with it.
    const request = parseBulkRequest({
      Operations: [
        post('a', { n: 1 }),
        { method: 'PATCH', path: '/Groups/bulkId:c', bulkId: 'b', data: {} },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'c',
          data: {
            displayName: 'c',
            members: Array.from({ length: 200 }, (_, index) => ({ value: `u${index}` })),
          },
        },
      ],
    });

    const results = await runBulk(
      request,
      { baseUrl: BASE },
      { Users: recordingEndpoint(log), Groups: recordingEndpoint(log) },
      Date.now() + 60_000,
      3,
    );

    expect(log).toEqual(['create {"n":1}']);
    expect(results.map((result) => result.status)).toEqual([201, 503, 503]);
    expect(results.map((result) => result.deferred)).toEqual([undefined, true, true]);
    expect(String((results[1]!.error as Error).message)).toContain('bulkId "c"');
  });

  it('answers operations on an endpoint it has no operations for with 400', async () => {
    const request = parseBulkRequest({ Operations: [{ method: 'DELETE', path: '/Groups/g' }] });

    const results = await runBulk(request, { baseUrl: BASE }, { Users: recordingEndpoint([]) });

    expect(results[0]).toMatchObject({ status: 400, location: `${BASE}/Groups/g` });
  });
});

describe('callsNeeded', () => {
  const members = (count: number) =>
    Array.from({ length: count }, (_, index) => ({ value: `u${index}` }));
  const operation = (method: string, path: string, data?: unknown) =>
    parseBulkRequest({ Operations: [{ method, path, bulkId: 'x', data }] }).operations[0]!;

  it('counts a user operation by its method', () => {
    expect(callsNeeded(operation('POST', '/Users', { userName: 'a' }))).toBe(1);
    expect(callsNeeded(operation('PUT', '/Users/u', { userName: 'a' }))).toBe(2);
    expect(callsNeeded(operation('PATCH', '/Users/u', { Operations: [] }))).toBe(2);
    expect(callsNeeded(operation('DELETE', '/Users/u'))).toBe(3);
  });

  it("adds a BatchGetItem per 100 and a transaction per 50 of a group's members, however they are sent", () => {
    expect(
      callsNeeded(operation('POST', '/Groups', { displayName: 'g', members: members(120) })),
    ).toBe(1 + 2 + 3);
    expect(
      callsNeeded(
        operation('PATCH', '/Groups/g', {
          Operations: [
            { op: 'add', path: 'members', value: members(600) },
            { op: 'Remove', path: 'members[value eq "u1"]' },
            { op: 'replace', value: { members: members(50), displayName: 'h' } },
          ],
        }),
      ),
    ).toBe(2 + Math.ceil(651 / 100) + Math.ceil(651 / 50));
    expect(
      callsNeeded(
        operation('PATCH', '/Groups/g', {
          Operations: [{ op: 'replace', path: 'displayName', value: 'h' }],
        }),
      ),
    ).toBe(2);
  });
});
