/**
 * DynamoDB failing under the service: throttling, server errors and refused connections injected
 * into the service's own client (the handlers run in this process), at every call of a request in
 * turn; a DynamoDB so slow the function would time out; endpoints that refuse, do not resolve or
 * never answer. Every answer must be 429 or 503 with Retry-After (never a 500), and what a failed
 * request leaves behind must be what it found, or for group membership changes, what a retry
 * completes, never an orphan item.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scimErrorOf } from '../../shared/service/errors.js';
import { contractViolation, StatusTally } from '../fuzz/checks.js';
import {
  connectionRefused,
  type FaultPlan,
  injectFaults,
  internalServerError,
  throttling,
  throughputExceeded,
} from '../fuzz/dynamodb-middleware.js';
import type { Answer, Invocation } from '../fuzz/harness.js';
import { type FuzzEnvironment, fuzzEnvironmentFromTestSetup } from '../fuzz/setup.js';
import { auditTable } from '../fuzz/table.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let env: FuzzEnvironment;
let client: typeof import('../../shared/store/client.js');
const tally = new StatusTally();
const figures = { requests: 0, faultsInjected: 0, sweepPoints: 0 };
/** Failed requests that left part of their change behind, by scenario. */
const partial = new Map<string, number>();

beforeAll(async () => {
  env = await fuzzEnvironmentFromTestSetup();
  client = await import('../../shared/store/client.js');
});
afterAll(async () => {
  const audit = await auditTable(env.reader);
  await env.stop();
  console.log(
    `[hardening/faults] ${figures.requests} requests under ${figures.faultsInjected} injected faults ` +
      `(${figures.sweepPoints} fail-from-call-N points): ${tally}; ` +
      `partly applied, then completed by a retry or the sweeper: ${[...partial].map(([name, count]) => `${name} ×${count}`).join(', ') || 'none'}; ` +
      `table audit: ${audit.items} items, ${audit.problems.length} problems`,
  );
});

async function invoke(invocation: Invocation, harness = env.harness): Promise<Answer> {
  const answer = await harness.invoke(invocation);
  figures.requests += 1;
  tally.add(answer.status);
  return answer;
}

/** Runs `invocation` with DynamoDB failing as `plan` says; the fault is gone afterwards. */
async function underFault(plan: FaultPlan, invocation: Invocation, harness = env.harness) {
  const injector = injectFaults(client.documentClient().middlewareStack, plan);
  try {
    const started = performance.now();
    const answer = await invoke(invocation, harness);
    return { answer, injector, millis: performance.now() - started };
  } finally {
    injector.remove();
    figures.faultsInjected += injector.injected;
  }
}

let serial = 0;
const unique = (prefix: string) => `${prefix}.${++serial}.${Date.now()}@example.com`;

async function createUser(extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await invoke({
    method: 'POST',
    path: '/Users',
    body: JSON.stringify({ schemas: [USER], userName: unique('fault.user'), ...extra }),
  });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

async function createGroup(members: string[] = []): Promise<string> {
  const answer = await invoke({
    method: 'POST',
    path: '/Groups',
    body: JSON.stringify({
      displayName: unique('fault.group'),
      members: members.map((value) => ({ value })),
    }),
  });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

const patch = (...operations: unknown[]) =>
  JSON.stringify({ schemas: [PATCH_OP], Operations: operations });

interface Scenario {
  readonly name: string;
  /** Whether a failed request must leave the table exactly as it found it. */
  readonly atomic: boolean;
  prepare(): Promise<{ invocation: Invocation; state: () => Promise<unknown> }>;
}

const userState = (id: string) => async () => ({
  user: await env.reader.resource('User', id),
  users: await env.reader.count('User'),
});
const groupState = (id: string) => async () => ({
  group: (await env.reader.resource('Group', id)).data,
  members: await env.reader.members(id),
});

const scenarios: Scenario[] = [
  {
    name: 'POST /Users',
    atomic: true,
    async prepare() {
      const userName = unique('fault.create');
      return {
        invocation: {
          method: 'POST',
          path: '/Users',
          body: JSON.stringify({ schemas: [USER], userName }),
        },
        state: async () => ({
          guard: await env.reader.guard('User', userName),
          users: await env.reader.count('User'),
        }),
      };
    },
  },
  {
    name: 'PATCH /Users/{id} (attributes)',
    atomic: true,
    async prepare() {
      const id = await createUser({ active: true });
      return {
        invocation: {
          method: 'PATCH',
          path: `/Users/${id}`,
          body: patch(
            { op: 'Replace', path: 'active', value: 'False' },
            { op: 'Add', path: 'emails[type eq "work"].value', value: 'fault@example.com' },
          ),
        },
        state: userState(id),
      };
    },
  },
  {
    name: 'PATCH /Users/{id} (userName: guard moves)',
    atomic: true,
    async prepare() {
      const id = await createUser();
      return {
        invocation: {
          method: 'PATCH',
          path: `/Users/${id}`,
          body: patch({ op: 'replace', path: 'userName', value: unique('fault.renamed') }),
        },
        state: userState(id),
      };
    },
  },
  {
    name: 'PUT /Users/{id}',
    atomic: true,
    async prepare() {
      const id = await createUser();
      return {
        invocation: {
          method: 'PUT',
          path: `/Users/${id}`,
          body: JSON.stringify({ schemas: [USER], userName: unique('fault.put'), active: false }),
        },
        state: userState(id),
      };
    },
  },
  {
    name: 'DELETE /Users/{id} (a member of a group)',
    atomic: false,
    async prepare() {
      const id = await createUser();
      const groupId = await createGroup([id]);
      return {
        invocation: { method: 'DELETE', path: `/Users/${id}` },
        state: async () => ({
          user: await env.reader.resource('User', id),
          members: await env.reader.members(groupId),
        }),
      };
    },
  },
  {
    name: 'PATCH /Groups/{id} (add and remove members)',
    atomic: false,
    async prepare() {
      const [a, b, c] = [await createUser(), await createUser(), await createUser()];
      const id = await createGroup([a]);
      return {
        invocation: {
          method: 'PATCH',
          path: `/Groups/${id}`,
          body: patch(
            { op: 'Add', path: 'members', value: [{ value: b }, { value: c }] },
            { op: 'Remove', path: 'members', value: [{ value: a }] },
          ),
        },
        state: groupState(id),
      };
    },
  },
  {
    name: 'PATCH /Groups/{id} (displayName and a member)',
    // The group item and the membership are written in one transaction.
    atomic: true,
    async prepare() {
      const user = await createUser();
      const id = await createGroup();
      return {
        invocation: {
          method: 'PATCH',
          path: `/Groups/${id}`,
          body: patch(
            { op: 'replace', value: { displayName: unique('fault.group.renamed') } },
            { op: 'add', path: 'members', value: [{ value: user }] },
          ),
        },
        state: groupState(id),
      };
    },
  },
  {
    name: 'GET /Users?filter',
    atomic: true,
    async prepare() {
      await createUser({ externalId: 'fault-list' });
      return {
        invocation: {
          method: 'GET',
          path: '/Users',
          query: 'filter=externalId%20eq%20%22fault-list%22',
        },
        state: async () => env.reader.count('User'),
      };
    },
  },
];

/** A state with its version counters left out (every write bumps them, even a no-op one). */
function withoutVersions(state: unknown): unknown {
  return JSON.parse(JSON.stringify(state, (key, value) => (key === 'version' ? undefined : value)));
}

/** Calls one fault-free run of a scenario makes (attempts included). */
async function callsOf(scenario: Scenario): Promise<number> {
  const { invocation } = await scenario.prepare();
  const { answer, injector } = await underFault(
    { after: Number.MAX_SAFE_INTEGER, error: internalServerError },
    invocation,
  );
  expect(answer.status).toBeLessThan(300);
  return injector.calls;
}

describe('DynamoDB throttling', () => {
  it('is retried by the SDK with backoff: a create throttled twice still answers 201, once', async () => {
    // Prepare
    const userName = unique('fault.retried');

    // Act
    const { answer, injector } = await underFault(
      { count: 2, commands: ['TransactWriteItemsCommand'], error: throttling },
      { method: 'POST', path: '/Users', body: JSON.stringify({ schemas: [USER], userName }) },
    );

    // Assess
    expect(answer.status).toBe(201);
    expect(injector.injected).toBe(2);
    expect(await env.reader.guard('User', userName)).toBe(answer.body.id);
  });

  it.each([
    ['ThrottlingException', throttling],
    ['ProvisionedThroughputExceededException', throughputExceeded],
  ])(
    'answers 429 with Retry-After when %s persists, after a bounded number of attempts, writing nothing',
    async (_name, error) => {
      // Prepare
      const scenario = scenarios[2] as Scenario;
      const { invocation, state } = await scenario.prepare();
      const before = await state();

      // Act
      const { answer, injector } = await underFault({ error }, invocation);

      // Assess: the SDK's three attempts (its backoff after throttling is at most 1 s, then 2 s),
      // not retries until the function's timeout. Counted, not timed: a loaded machine is slow.
      expect(answer.status).toBe(429);
      expect(contractViolation(answer)).toBeUndefined();
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(answer.threw).toBeUndefined();
      expect(injector.injected).toBe(3);
      expect(await state()).toEqual(before);
    },
  );
});

describe('DynamoDB unavailable', () => {
  it.each([
    ['InternalServerError', internalServerError],
    ['a refused connection', connectionRefused],
  ])(
    'answers 503 with Retry-After on %s for every operation, changing nothing',
    async (_name, error) => {
      for (const scenario of scenarios) {
        // Prepare
        const { invocation, state } = await scenario.prepare();
        const before = await state();

        // Act
        const { answer } = await underFault({ error }, invocation);

        // Assess
        expect(answer.status, scenario.name).toBe(503);
        expect(contractViolation(answer), scenario.name).toBeUndefined();
        expect(await state(), scenario.name).toEqual(before);
      }
    },
  );

  it.each(scenarios.map((scenario) => [scenario.name, scenario] as const))(
    '%s: failing from any call on, answers 503, and leaves nothing a retry does not complete',
    async (_name, scenario) => {
      const calls = await callsOf(scenario);
      for (let failFrom = 1; failFrom <= calls; failFrom++) {
        // Prepare
        const { invocation, state } = await scenario.prepare();
        const before = await state();

        // Act: every call from the failFrom-th on fails, as when DynamoDB goes away mid-request.
        const { answer } = await underFault(
          { after: failFrom, error: internalServerError },
          invocation,
        );
        figures.sweepPoints += 1;
        const afterFailure = await state();
        const retry = await invoke(invocation);

        // Assess
        const where = `${scenario.name}, failing from call ${failFrom} of ${calls}`;
        expect(contractViolation(answer), where).toBeUndefined();
        expect([200, 201, 204, 503], where).toContain(answer.status);
        if (answer.status === 503 && scenario.atomic) expect(afterFailure, where).toEqual(before);
        if (answer.status === 503 && JSON.stringify(afterFailure) !== JSON.stringify(before)) {
          partial.set(scenario.name, (partial.get(scenario.name) ?? 0) + 1);
        }
        expect(contractViolation(retry), where).toBeUndefined();
        if (invocation.method === 'PATCH' || invocation.method === 'PUT') {
          // The retry completed the change: applying it once more changes nothing.
          expect(retry.status, where).toBeLessThan(300);
          const completed = withoutVersions(await state());
          await invoke(invocation);
          expect(withoutVersions(await state()), where).toEqual(completed);
        }
      }
      // What a failed DELETE left for the sweeper, the sweeper removes.
      const { sweepCleanups } = await import('../../shared/service/cleanups.js');
      await sweepCleanups(5_000);
      const audit = await auditTable(env.reader, { strict: true });
      expect(audit.problems).toEqual([]);
    },
  );
});

describe('time budget', () => {
  it('answers 503 with Retry-After before the function times out when DynamoDB is too slow', async () => {
    // Prepare: a function with 1.5 s left, a DynamoDB that takes 2 s to fail each call.
    const id = await createUser();

    // Act
    const { answer } = await underFault(
      { error: internalServerError, delayMs: 2_000 },
      { method: 'GET', path: `/Users/${id}` },
      env.withTimeout(1_500),
    );

    // Assess: the answer is the time budget's (it fires 500 ms before the function's deadline),
    // given while the first DynamoDB attempts were still held up: not the 503 of a failed call,
    // which would come after them and their retries. Shown by what answered, not by a wall clock,
    // which a loaded machine stretches.
    expect(answer.status).toBe(503);
    expect(contractViolation(answer)).toBeUndefined();
    expect(answer.body.detail).toBe('The request took too long; retry later.');
  });
});

describe('DynamoDB endpoint', () => {
  let blackHole: Server;
  let blackHolePort = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers, like a network path that drops packets.
    blackHole = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    blackHolePort = (blackHole.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  });

  async function failureOf(endpoint: string) {
    // The client as deployed: AWS's timeouts, not the test environment's generous ones.
    const { connectionTimeoutMs: _c, requestTimeoutMs: _r, ...deployed } = client.storeConfig();
    const sdk = new DynamoDBClient(client.dynamoDbClientConfig({ ...deployed, endpoint }));
    const started = performance.now();
    try {
      await sdk.send(
        new GetItemCommand({ TableName: 'any', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }),
      );
      throw new Error('the call succeeded');
    } catch (error) {
      return {
        translated: scimErrorOf(client.translateUnavailable(error)),
        attempts: (error as { $metadata?: { attempts?: number } }).$metadata?.attempts,
        millis: performance.now() - started,
      };
    } finally {
      sdk.destroy();
    }
  }

  it.each([
    ['refuses connections', () => 'http://127.0.0.1:1'],
    ['does not resolve', () => 'http://dynamodb.invalid:8000'],
    ['never answers', () => `http://127.0.0.1:${blackHolePort}`],
  ])(
    'that %s fails fast, within the time budget, as 503 with Retry-After',
    async (_name, endpoint) => {
      // Act
      const { translated, attempts } = await failureOf(endpoint());

      // Assess: each attempt ends at the client's timeouts (1 s to connect, 2 s for an answer),
      // and there are at most three of them; had a timeout not fired, this test would outlast
      // its own. Counted, not timed: a loaded machine is slow.
      expect(translated).toMatchObject({
        status: 503,
        headers: { 'Retry-After': expect.any(String) },
      });
      expect(attempts).toBeLessThanOrEqual(3);
    },
  );
});
