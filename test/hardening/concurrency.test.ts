/**
 * Requests racing each other over the real HTTP path: one userName created many times at once,
 * different resources renamed to one name at once, one user patched by many clients at once
 * (with and without If-Match), members added and removed on one group at once. Exactly one wins
 * where one must, nothing acknowledged is lost, the table's guards, counters and memberships stay
 * consistent (checked on the items themselves), and every answer is a defined SCIM status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolation, StatusTally } from '../fuzz/checks.js';
import { auditTable, type TableReader, tableReader } from '../fuzz/table.js';
import { startTestService, type TestResponse, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const PARALLEL = 16;

let service: TestService;
let reader: TableReader;
const tally = new StatusTally();
let itemsChecked = 0;

beforeAll(async () => {
  service = await startTestService();
  reader = tableReader(process.env.DYNAMODB_ENDPOINT as string, service.tableName);
});
afterAll(async () => {
  const audit = await auditTable(reader);
  itemsChecked += audit.items;
  reader.destroy();
  await service.close();
  console.log(
    `[hardening/concurrency] ${tally.total} requests: ${tally}; ${itemsChecked} table items checked, ` +
      `final audit ${audit.problems.length} problems`,
  );
});

async function send(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<TestResponse> {
  const response = await service.request(method, path, body, headers);
  tally.add(response.status);
  expect(contractViolation(response), `${method} ${path}`).toBeUndefined();
  return response;
}

const all = <T>(count: number, make: (index: number) => Promise<T>) =>
  Promise.all(Array.from({ length: count }, (_, index) => make(index)));

async function createUser(userName: string): Promise<string> {
  const response = await send('POST', '/Users', { schemas: [USER], userName });
  expect(response.status).toBe(201);
  return response.body.id;
}

async function createGroup(displayName: string, members: string[] = []): Promise<string> {
  const response = await send('POST', '/Groups', {
    displayName,
    members: members.map((value) => ({ value })),
  });
  expect(response.status).toBe(201);
  return response.body.id;
}

const patchBody = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });

async function expectConsistentTable(): Promise<void> {
  const audit = await auditTable(reader);
  itemsChecked += audit.items;
  expect(audit.problems).toEqual([]);
}

/** Alternates the case of a name, so that racing requests differ but fold to one key. */
function caseVariant(name: string, index: number): string {
  return [...name]
    .map((char, at) => ((at + index) % 2 === 0 ? char.toUpperCase() : char.toLowerCase()))
    .join('');
}

describe('POST /Users racing on one userName', () => {
  it('creates exactly one user and answers 409 uniqueness to every other request', async () => {
    // Act
    const responses = await all(PARALLEL, (index) =>
      send('POST', '/Users', {
        schemas: [USER],
        userName: caseVariant('race.create@example.com', index),
      }),
    );

    // Assess
    const winners = responses.filter((response) => response.status === 201);
    expect(winners).toHaveLength(1);
    expect(responses.filter((response) => response.status === 409)).toHaveLength(PARALLEL - 1);
    expect(
      responses
        .filter((response) => response.status === 409)
        .every((response) => response.body.scimType === 'uniqueness'),
    ).toBe(true);
    expect(await reader.guard('User', 'race.create@example.com')).toBe(winners[0]?.body.id);
    await expectConsistentTable();
  });
});

describe('renames racing to one name', () => {
  it.each([
    ['PATCH', 'userName'],
    ['PUT', 'userName'],
  ])(
    'of different users by %s: one wins, the rest get 409 and keep their names and guards',
    async (method) => {
      // Prepare
      const target = `race.rename.${method.toLowerCase()}@example.com`;
      const ids = await all(PARALLEL, (index) =>
        createUser(`race.${method.toLowerCase()}.${index}@example.com`),
      );

      // Act
      const responses = await all(PARALLEL, (index) =>
        method === 'PATCH'
          ? send(
              'PATCH',
              `/Users/${ids[index]}`,
              patchBody({ op: 'replace', path: 'userName', value: caseVariant(target, index) }),
            )
          : send('PUT', `/Users/${ids[index]}`, {
              schemas: [USER],
              userName: caseVariant(target, index),
            }),
      );

      // Assess
      const won = responses.flatMap((response, index) => (response.status < 300 ? [index] : []));
      expect(won).toHaveLength(1);
      expect(responses.filter((response) => response.status === 409)).toHaveLength(PARALLEL - 1);
      const winner = ids[won[0] as number];
      expect(await reader.guard('User', target)).toBe(winner);
      for (const [index, id] of ids.entries()) {
        if (id === winner) continue;
        expect(
          await reader.guard('User', `race.${method.toLowerCase()}.${index}@example.com`),
        ).toBe(id);
      }
      await expectConsistentTable();
    },
  );

  it('of different groups to one displayName: one wins, the rest get 409 and keep theirs', async () => {
    // Prepare
    const ids = await all(PARALLEL, (index) => createGroup(`Race group ${index}`));

    // Act
    const responses = await all(PARALLEL, (index) =>
      send(
        'PATCH',
        `/Groups/${ids[index]}`,
        patchBody({
          op: 'replace',
          value: { displayName: caseVariant('Race Target Group', index) },
        }),
      ),
    );

    // Assess
    const won = responses.flatMap((response, index) => (response.status < 300 ? [index] : []));
    expect(won).toHaveLength(1);
    expect(responses.filter((response) => response.status === 409)).toHaveLength(PARALLEL - 1);
    expect(await reader.guard('Group', 'race target group')).toBe(ids[won[0] as number]);
    for (const [index, id] of ids.entries()) {
      if (index === won[0]) continue;
      expect(await reader.guard('Group', `Race group ${index}`)).toBe(id);
    }
    await expectConsistentTable();
  });
});

describe('PATCH /Users/{id} racing on one user', () => {
  it('without If-Match: every PATCH is applied, none lost (each adds its own e-mail)', async () => {
    // Prepare
    const id = await createUser('race.patch@example.com');

    // Act
    const responses = await all(PARALLEL, (index) =>
      send(
        'PATCH',
        `/Users/${id}`,
        patchBody({
          op: 'add',
          path: 'emails',
          value: [{ type: 'other', value: `alias.${index}@example.com` }],
        }),
      ),
    );

    // Assess
    expect(responses.map((response) => response.status)).toEqual(Array(PARALLEL).fill(204));
    const stored = await reader.resource('User', id);
    const emails = ((stored.data as { emails?: { value: string }[] }).emails ?? []).map(
      (email) => email.value,
    );
    expect(emails.sort()).toEqual(
      Array.from({ length: PARALLEL }, (_, index) => `alias.${index}@example.com`).sort(),
    );
    expect(stored.version).toBe(1 + PARALLEL);
  });

  it('with If-Match: exactly one PATCH per version succeeds, the rest get 412', async () => {
    // Prepare
    const id = await createUser('race.ifmatch@example.com');
    let succeeded = 0;

    for (let round = 1; round <= 3; round++) {
      const current = await send('GET', `/Users/${id}`);
      const etag = current.headers.etag as string;

      // Act
      const responses = await all(PARALLEL, (index) =>
        send(
          'PATCH',
          `/Users/${id}`,
          patchBody({ op: 'replace', path: 'displayName', value: `Round ${round} by ${index}` }),
          { 'if-match': etag },
        ),
      );

      // Assess
      const won = responses.filter((response) => response.status === 204);
      expect(won).toHaveLength(1);
      expect(responses.filter((response) => response.status === 412)).toHaveLength(PARALLEL - 1);
      succeeded += won.length;
    }
    expect((await reader.resource('User', id)).version).toBe(1 + succeeded);
  });
});

describe('PATCH /Groups/{id} racing member changes on one group', () => {
  it('ends with exactly the members the operations imply, seen alike from the group and its users', async () => {
    // Prepare: 10 members; 10 more users to add; 5 members to remove; 4 added and removed at once.
    const users = await all(24, (index) => createUser(`race.member.${index}@example.com`));
    const initial = users.slice(0, 10);
    const added = users.slice(10, 20);
    const removed = users.slice(0, 5);
    const flapping = users.slice(20, 24);
    const groupId = await createGroup('Race members', initial);
    const one = (op: string, value: string) =>
      send('PATCH', `/Groups/${groupId}`, patchBody({ op, path: 'members', value: [{ value }] }));

    // Act
    const responses = await Promise.all([
      ...added.map((id) => one('Add', id)),
      ...removed.map((id) =>
        send(
          'PATCH',
          `/Groups/${groupId}`,
          patchBody({ op: 'remove', path: `members[value eq "${id}"]` }),
        ),
      ),
      ...flapping.flatMap((id) => [one('Add', id), one('Remove', id)]),
    ]);

    // Assess
    expect(responses.every((response) => response.status === 204)).toBe(true);
    const expected = [...users.slice(5, 20)].sort();
    const stored = await reader.members(groupId);
    const storedSettled = stored.filter((id) => !flapping.includes(id));
    expect(storedSettled).toEqual(expected);
    const group = await send('GET', `/Groups/${groupId}`);
    const viewed = (group.body.members as { value: string }[]).map((member) => member.value).sort();
    expect(viewed).toEqual(stored);
    for (const id of users) {
      const user = await send('GET', `/Users/${id}`);
      const inGroup = ((user.body.groups ?? []) as { value: string }[]).some(
        (entry) => entry.value === groupId,
      );
      expect(inGroup, id).toBe(stored.includes(id));
    }
    await expectConsistentTable();
  });
});
