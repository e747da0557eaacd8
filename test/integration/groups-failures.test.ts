/**
 * What group and user writes leave behind when DynamoDB fails part-way through them: faults are
 * injected into the service's own DynamoDB client (the local server runs the handlers in this
 * process) on chosen calls, and the outcome is read back over HTTP once the fault is gone.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepCleanups } from '../../shared/service/cleanups.js';
import { documentClient } from '../../shared/store/client.js';
import {
  type FaultPlan,
  injectFaults,
  internalServerError,
  sdkError,
} from '../fuzz/dynamodb-middleware.js';
import { membershipCount, seedUsers } from '../support/scim-fixtures.js';
import { startTestService, type TestResponse, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

// biome-ignore lint/suspicious/noExplicitAny: resources are read freely in assertions.
type Json = any;

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

/** Runs `act` while the service's DynamoDB calls fail as `plan` says. */
async function underFault<T>(plan: FaultPlan, act: () => Promise<T>): Promise<T> {
  const injector = injectFaults(documentClient().middlewareStack, plan);
  try {
    return await act();
  } finally {
    injector.remove();
  }
}

/** DynamoDB cancelling a transaction for a reason no retry fixes (e.g. an item too large). */
const validationCancellation = () =>
  Object.assign(
    sdkError(
      'TransactionCanceledException',
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]',
    ),
    {
      CancellationReasons: [
        { Code: 'None' },
        { Code: 'ValidationError', Message: 'Item size has exceeded the maximum allowed size' },
      ],
    },
  );

function postGroup(displayName: string, members: readonly string[], extra: Json = {}) {
  return service.request('POST', '/Groups', {
    schemas: [GROUP],
    displayName,
    members: members.map((value) => ({ value })),
    ...extra,
  });
}

async function groupsNamed(displayName: string): Promise<Json[]> {
  const response = await service.request(
    'GET',
    `/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`,
  );
  expect(response.status).toBe(200);
  return response.body.Resources;
}

const memberValues = (group: Json): string[] =>
  (group.members ?? []).map((member: Json) => member.value).sort();

async function membersOf(groupId: string): Promise<string[]> {
  const response = await service.request('GET', `/Groups/${groupId}`);
  expect(response.status).toBe(200);
  return memberValues(response.body);
}

describe('POST /Groups with members, when DynamoDB fails part-way', () => {
  it('creates the group with all its members or nothing, so that the retry gets 201, never 409', async () => {
    // Prepare: every transaction after the first fails (the members, were they written apart).
    const members = await seedUsers(3);
    const displayName = `Atomic create ${randomUUID()}`;

    // Act
    const first = await underFault(
      { after: 2, commands: ['TransactWriteItemsCommand'], error: internalServerError },
      () => postGroup(displayName, members),
    );
    const retry = first.status === 201 ? first : await postGroup(displayName, members);

    // Assess
    expect([201, 503]).toContain(first.status);
    expect(retry.status, retry.text).toBe(201);
    const found = await groupsNamed(displayName);
    expect(found).toHaveLength(1);
    expect(await membersOf(found[0].id)).toEqual([...members].sort());
  });

  it('deletes the group again when members beyond one transaction fail, so that the retry gets 201', async () => {
    // Prepare: 49 members do not fit in the create transaction; their own transaction fails.
    const members = await seedUsers(49);
    const displayName = `Undone create ${randomUUID()}`;

    // Act
    const first = await underFault(
      {
        after: 2,
        count: 3,
        commands: ['TransactWriteItemsCommand'],
        error: internalServerError,
      },
      () => postGroup(displayName, members),
    );
    const afterFailure = await groupsNamed(displayName);
    const retry = await postGroup(displayName, members);

    // Assess
    expect(first.status).toBe(503);
    expect(afterFailure).toEqual([]);
    expect(retry.status, retry.text).toBe(201);
    const found = await groupsNamed(displayName);
    expect(found).toHaveLength(1);
    expect(await membersOf(found[0].id)).toEqual([...members].sort());
  });
});

describe('PATCH /Groups/{id} changing attributes and members, when DynamoDB fails', () => {
  it('applies nothing of the PATCH (all or nothing), and the retry applies all of it', async () => {
    // Prepare
    const [member] = await seedUsers(1);
    const created = await postGroup(`Atomic patch ${randomUUID()}`, [], { externalId: 'before' });
    expect(created.status).toBe(201);
    const group = created.body;
    const body = {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'externalId', value: 'after' },
        { op: 'add', path: 'members', value: [{ value: member }] },
      ],
    };

    // Act
    const failed = await underFault(
      { commands: ['TransactWriteItemsCommand'], error: internalServerError },
      () => service.request('PATCH', `/Groups/${group.id}`, body),
    );
    const afterFailure = await service.request('GET', `/Groups/${group.id}`);
    const retried = await service.request('PATCH', `/Groups/${group.id}`, body);
    const afterRetry = await service.request('GET', `/Groups/${group.id}`);

    // Assess
    expect(failed.status).toBe(503);
    expect(afterFailure.body.externalId).toBe('before');
    expect(memberValues(afterFailure.body)).toEqual([]);
    expect(afterFailure.body.meta.version).toBe(group.meta.version);
    expect(retried.status).toBe(204);
    expect(afterRetry.body.externalId).toBe('after');
    expect(memberValues(afterRetry.body)).toEqual([member]);
  });
});

describe('a transaction DynamoDB cancels for a reason a retry cannot fix', () => {
  it('answers 500 without Retry-After (not a retryable 503) for POST /Users and a member PATCH', async () => {
    // Prepare
    const [member] = await seedUsers(1);
    const created = await postGroup(`Cancelled ${randomUUID()}`, []);
    const once = {
      count: 1,
      commands: ['TransactWriteItemsCommand'],
      error: validationCancellation,
    };

    // Act
    const createUser = await underFault(once, () =>
      service.request('POST', '/Users', { schemas: [USER], userName: `${randomUUID()}@x.test` }),
    );
    const addMember = await underFault(once, () =>
      service.request('PATCH', `/Groups/${created.body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: member }] }],
      }),
    );

    // Assess
    for (const response of [createUser, addMember]) {
      expect(response.status).toBe(500);
      expect(response.headers['retry-after']).toBeUndefined();
    }
  });
});

describe('DELETE when the membership cleanup after it fails', () => {
  const cleanupFails: FaultPlan = {
    commands: ['QueryCommand', 'BatchWriteItemCommand'],
    error: internalServerError,
  };

  async function deleteUnderFault(path: string): Promise<[TestResponse, TestResponse]> {
    const deleted = await underFault(cleanupFails, () => service.request('DELETE', path));
    return [deleted, await service.request('GET', path)];
  }

  it('answers 204 for a group (the sweeper finishes the cleanup)', async () => {
    // Prepare
    const members = await seedUsers(3);
    const created = await postGroup(`Cleanup fails ${randomUUID()}`, members);
    expect(created.status).toBe(201);

    // Act
    const [deleted, read] = await deleteUnderFault(`/Groups/${created.body.id}`);
    await sweepCleanups(5_000);

    // Assess
    expect(deleted.status).toBe(204);
    expect(read.status).toBe(404);
    expect(await membershipCount(service, created.body.id)).toBe(0);
  });

  it('answers 204 for a user (the sweeper finishes the cleanup)', async () => {
    // Prepare
    const [user, other] = await seedUsers(2);
    const created = await postGroup(`User cleanup fails ${randomUUID()}`, [user!, other!]);
    expect(created.status).toBe(201);

    // Act
    const [deleted, read] = await deleteUnderFault(`/Users/${user}`);
    await sweepCleanups(5_000);

    // Assess
    expect(deleted.status).toBe(204);
    expect(read.status).toBe(404);
    const group = await service.request('GET', `/Groups/${created.body.id}`);
    expect(memberValues(group.body)).toEqual([other]);
  });
});
