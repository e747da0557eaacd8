/**
 * Reads the end state back, by id as Entra would, and compares it with what the cycles should have
 * left: every managed user attribute and `active`, every group's attributes and member set, and a
 * 404 for whatever was deleted.
 */
import type { ScimClient } from './client.js';
import type { ExpectedGroup, ExpectedState, UserState } from './dataset.js';
import { readGroup, readUser, USER_PATHS } from './entra-requests.js';
import { runPool } from './pool.js';
import type { ProgressReporter } from './progress.js';

/** Reading the target ids the cycle learnt (see `TargetIds` in cycle.ts). */
interface Ids {
  readonly users: readonly (string | undefined)[];
  readonly groups: readonly (string | undefined)[];
  readonly preexistingUsers: ReadonlySet<number>;
  readonly preexistingGroups: ReadonlySet<number>;
}

export interface Verification {
  readonly ok: boolean;
  readonly usersChecked: number;
  readonly groupsChecked: number;
  readonly membershipsChecked: number;
  readonly mismatches: number;
  /** The first few mismatches, readable. */
  readonly samples: readonly string[];
}

const MAX_SAMPLES = 20;

export async function verifyState(
  client: ScimClient,
  expected: ExpectedState,
  ids: Ids,
  concurrency: number,
  progress: ProgressReporter,
): Promise<Verification> {
  const samples: string[] = [];
  let mismatches = 0;
  let membershipsChecked = 0;
  const mismatch = (message: string) => {
    mismatches += 1;
    if (samples.length < MAX_SAMPLES) samples.push(message);
  };

  await runPool(expected.users, concurrency, async (user, i) => {
    const id = ids.users[i];
    if (!id) {
      if (user) mismatch(`user ${i} (${user.userName}): never got an id`);
      progress.done();
      return;
    }
    const response = await client.request('getUser', 'GET', `/Users/${id}`, {
      expect: user ? [200] : [404],
    });
    if (!user) {
      if (response.status !== 404)
        mismatch(`user ${i}: deleted, but GET answers ${response.status}`);
    } else if (response.status !== 200) {
      mismatch(`user ${i} (${user.userName}): GET answers ${response.status}`);
    } else {
      const lenient = ids.preexistingUsers.has(i);
      for (const message of compareUser(user, response.body, lenient)) {
        mismatch(`user ${i}: ${message}`);
      }
    }
    progress.done();
  });

  await runPool(expected.groups, concurrency, async (group, j) => {
    const id = ids.groups[j];
    if (!id) {
      if (group) mismatch(`group ${j} (${group.displayName}): never got an id`);
      progress.done();
      return;
    }
    const response = await client.request('getGroup', 'GET', `/Groups/${id}`, {
      expect: group ? [200] : [404],
    });
    if (!group) {
      if (response.status !== 404)
        mismatch(`group ${j}: deleted, but GET answers ${response.status}`);
    } else if (response.status !== 200) {
      mismatch(`group ${j} (${group.displayName}): GET answers ${response.status}`);
    } else {
      membershipsChecked += group.members.size;
      const superset = ids.preexistingGroups.has(j);
      for (const message of compareGroup(group, response.body, ids.users, superset)) {
        mismatch(`group ${j}: ${message}`);
      }
      const slim = await client.request('getGroupWithoutMembers', 'GET', `/Groups/${id}`, {
        query: { excludedAttributes: 'members' },
      });
      if (slim.status !== 200 || slim.body?.members !== undefined) {
        mismatch(`group ${j}: excludedAttributes=members answers ${slim.status} with members`);
      }
    }
    progress.done();
  });

  return {
    ok: mismatches === 0,
    usersChecked: expected.users.length,
    groupsChecked: expected.groups.length,
    membershipsChecked,
    mismatches,
    samples,
  };
}

/** `lenient`: an attribute the dataset leaves out may hold anything (a pre-existing user). */
function compareUser(
  expected: UserState,
  resource: Record<string, unknown>,
  lenient: boolean,
): string[] {
  const actual = readUser(resource);
  const messages: string[] = [];
  for (const key of Object.keys(USER_PATHS) as (keyof UserState)[]) {
    if (lenient && expected[key] === undefined) continue;
    if (actual[key] !== expected[key]) {
      messages.push(
        `${USER_PATHS[key]} is ${JSON.stringify(actual[key])}, expected ${JSON.stringify(expected[key])}`,
      );
    }
  }
  return messages;
}

function compareGroup(
  expected: ExpectedGroup,
  resource: Record<string, unknown>,
  userIds: readonly (string | undefined)[],
  superset: boolean,
): string[] {
  const actual = readGroup(resource);
  const messages: string[] = [];
  for (const key of ['displayName', 'externalId', 'description'] as const) {
    if (actual[key] !== expected[key]) {
      messages.push(
        `${key} is ${JSON.stringify(actual[key])}, expected ${JSON.stringify(expected[key])}`,
      );
    }
  }
  const members = new Set(
    (Array.isArray(resource.members) ? resource.members : []).map(
      (member: { value?: unknown }) => member?.value,
    ),
  );
  const wanted = new Set([...expected.members].flatMap((user) => userIds[user] ?? []));
  const missing = [...wanted].filter((id) => !members.has(id));
  const extra = superset ? [] : [...members].filter((id) => !wanted.has(id as string));
  if (missing.length > 0) {
    messages.push(`${missing.length} members missing (e.g. ${missing[0]})`);
  }
  if (extra.length > 0) messages.push(`${extra.length} unexpected members (e.g. ${extra[0]})`);
  return messages;
}
