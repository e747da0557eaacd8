/**
 * Large datasets for the growth measurements, written straight to the table with BatchWriteItem
 * from the store's own item builders (the items a POST would write, without a request each):
 * 100,000 users take minutes this way instead of an hour through HTTP.
 *
 * The store modules read their configuration at import time, so they are imported only when
 * `loadSeeder()` is called, after `startBenchStack()` has set the environment.
 */
import { randomUUID } from 'node:crypto';
import type { UserState } from '../../infra/simulator/dataset.js';
import { createGroupBody, createUserBody } from '../../infra/simulator/entra-requests.js';

export interface Seeder {
  /** Writes the users (resource item, userName guard, count); returns their ids in order. */
  seedUsers(users: readonly UserState[]): Promise<string[]>;
  /** Writes a group (resource, guard, count) without members; returns its id. */
  seedGroup(displayName: string): Promise<string>;
  /** Writes membership items of `groupId` for `userIds` (the users must exist). */
  seedMembers(groupId: string, userIds: readonly string[]): Promise<void>;
}

/** BatchWriteItem calls in flight: DynamoDB Local gains nothing from more on two cores. */
const PARALLELISM = 8;

export async function loadSeeder(): Promise<Seeder> {
  const [resources, keysModule, batch, scim, memberships, client, lib] = await Promise.all([
    import('../../shared/store/resources.js'),
    import('../../shared/store/keys.js'),
    import('../../shared/store/batch.js'),
    import('../../shared/scim/resource.js'),
    import('../../shared/store/memberships.js'),
    import('../../shared/store/client.js'),
    import('@aws-sdk/lib-dynamodb'),
  ]);
  const { keys } = keysModule;
  type ResourceType = Parameters<typeof keys.resource>[0];

  const count = async (type: ResourceType, delta: number) => {
    await client.documentClient().send(
      new lib.UpdateCommand({
        TableName: client.tableName(),
        Key: keys.counterShard(type, 0),
        UpdateExpression: 'ADD #n :delta',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':delta': delta },
      }),
    );
  };

  /** The resource item and its uniqueness guard, as `createParams` writes them. */
  const itemsOf = (type: ResourceType, body: unknown) => {
    const { resource } = scim.normalizeResource(type, body);
    const now = new Date().toISOString();
    const id = randomUUID();
    const record = { type, id, version: 1, created: now, lastModified: now, data: resource };
    const name = resources.uniqueNameOf(type, resource);
    return {
      id,
      items: [resources.resourceItem(record), { ...keys.uniqueName(type, name), id, name }],
    };
  };

  return {
    async seedUsers(users) {
      const ids: string[] = [];
      const requests: { put: Record<string, unknown> }[] = [];
      for (const user of users) {
        const { id, items } = itemsOf('User', createUserBody(user));
        ids.push(id);
        for (const item of items) requests.push({ put: item });
      }
      await batch.batchWrite(requests, PARALLELISM);
      await count('User', users.length);
      return ids;
    },

    async seedGroup(displayName) {
      const { id, items } = itemsOf(
        'Group',
        createGroupBody({ displayName, externalId: randomUUID(), description: 'bench group' }),
      );
      await batch.batchWrite(
        items.map((item) => ({ put: item })),
        PARALLELISM,
      );
      await count('Group', 1);
      return id;
    },

    async seedMembers(groupId, userIds) {
      const added = new Date().toISOString();
      await batch.batchWrite(
        userIds.map((userId) => ({ put: memberships.membershipItem(groupId, userId, added) })),
        PARALLELISM,
      );
    },
  };
}
