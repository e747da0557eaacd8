/** The users and groups targets work on: each target's own, and those shared by all. */
import { type FuzzFixtures, GROUP_URN, USER_URN } from './arbitraries.js';
import { json } from './case-log.js';
import type { FuzzContext } from './target.js';

export interface OwnFixtures {
  readonly userIds: string[];
  readonly userBodies: Record<string, unknown>[];
  readonly groupIds: string[];
  readonly groupBodies: Record<string, unknown>[];
}

/** Creates a target's own users and groups (each group holds the first two users). */
export async function createFixtures(
  context: FuzzContext,
  prefix: string,
  users: number,
  groups: number,
): Promise<OwnFixtures> {
  const fixtures: OwnFixtures = { userIds: [], userBodies: [], groupIds: [], groupBodies: [] };
  for (let index = 0; index < users; index++) {
    const body = {
      schemas: [USER_URN],
      userName: `${prefix}.user.${index}@fuzz.test`,
      externalId: `${prefix}-ext-${index}`,
      active: true,
      name: { givenName: `Given${index}`, familyName: `Family${index}` },
      emails: [{ type: 'work', value: `${prefix}.user.${index}@fuzz.test`, primary: true }],
      phoneNumbers: [{ type: 'mobile', value: `+4670000${index}` }],
    };
    const answer = await context.harness.invoke({
      method: 'POST',
      path: '/Users',
      body: json(body),
    });
    if (answer.status !== 201) throw new Error(`fixture user: ${answer.status} ${answer.text}`);
    fixtures.userIds.push(answer.body.id);
    fixtures.userBodies.push(body);
  }
  for (let index = 0; index < groups; index++) {
    const body = {
      schemas: [GROUP_URN],
      displayName: `${prefix} group ${index}`,
      externalId: `${prefix}-group-${index}`,
      members: fixtures.userIds.slice(0, 2).map((value) => ({ value })),
    };
    const answer = await context.harness.invoke({
      method: 'POST',
      path: '/Groups',
      body: json(body),
    });
    if (answer.status !== 201) throw new Error(`fixture group: ${answer.status} ${answer.text}`);
    fixtures.groupIds.push(answer.body.id);
    fixtures.groupBodies.push(body);
  }
  return fixtures;
}

/** Puts fixtures back (PUT of the original bodies; groups get their original members back). */
export async function resetFixtures(context: FuzzContext, fixtures: OwnFixtures): Promise<void> {
  for (const [index, id] of fixtures.userIds.entries()) {
    await context.harness.invoke({
      method: 'PUT',
      path: `/Users/${id}`,
      body: json(fixtures.userBodies[index]),
    });
  }
  for (const [index, id] of fixtures.groupIds.entries()) {
    await context.harness.invoke({
      method: 'PUT',
      path: `/Groups/${id}`,
      body: json(fixtures.groupBodies[index]),
    });
  }
}

export function asFixtures(own: OwnFixtures, global: FuzzFixtures): FuzzFixtures {
  return {
    userIds: [...own.userIds, ...global.userIds],
    userNames: global.userNames,
    groupIds: [...own.groupIds, ...global.groupIds],
    groupNames: global.groupNames,
  };
}

/** The ids and names every target's generators may name: a few users and groups. */
export async function createGlobalFixtures(context: FuzzContext): Promise<FuzzFixtures> {
  const own = await createFixtures(context, 'fz-global', 8, 3);
  // One user whose e-mail, external id and name sit beyond the key limit (left out of indexes).
  const long = await context.harness.invoke({
    method: 'POST',
    path: '/Users',
    body: json({
      schemas: [USER_URN],
      userName: `long.${'x'.repeat(200)}@fuzz.test`,
      externalId: '中'.repeat(400),
      emails: [{ type: 'work', value: `${'\u0958'.repeat(300)}@fuzz.test` }],
    }),
  });
  if (long.status !== 201) throw new Error(`fixture user: ${long.status} ${long.text}`);
  return {
    userIds: [...own.userIds, long.body.id],
    userNames: own.userBodies.map((body) => body.userName as string),
    groupIds: own.groupIds,
    groupNames: own.groupBodies.map((body) => body.displayName as string),
  };
}
