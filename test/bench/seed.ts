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
  /** Writes the users (resource item, guard, search items, counts); returns their ids in order. */
  seedUsers(users: readonly UserState[]): Promise<string[]>;
  /** Writes a group (resource, guard, count) without members; returns its id. */
  seedGroup(displayName: string): Promise<string>;
  /** Writes membership items of `groupId` for `userIds` (the users must exist). */
  seedMembers(groupId: string, userIds: readonly string[]): Promise<void>;
}

/** BatchWriteItem calls in flight: DynamoDB Local gains nothing from more on two cores. */
const PARALLELISM = 8;

export async function loadSeeder(): Promise<Seeder> {
  const [resources, searchItems, keysModule, batch, scim, memberships, client, lib] =
    await Promise.all([
      import('../../shared/store/resources.js'),
      import('../../shared/store/search-items.js'),
      import('../../shared/store/keys.js'),
      import('../../shared/store/batch.js'),
      import('../../shared/scim/resource.js'),
      import('../../shared/store/memberships.js'),
      import('../../shared/store/client.js'),
      import('@aws-sdk/lib-dynamodb'),
    ]);
  const { keys } = keysModule;
  type ResourceType = Parameters<typeof keys.resource>[0];

  const count = async (key: { pk: string; sk: string }, delta: number) => {
    await client.documentClient().send(
      new lib.UpdateCommand({
        TableName: client.tableName(),
        Key: key,
        UpdateExpression: 'ADD #n :delta',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':delta': delta },
      }),
    );
  };

  /** The resource item, its uniqueness guard and its search items, as `createParams` writes them. */
  const itemsOf = (type: ResourceType, body: unknown) => {
    const { resource } = scim.normalizeResource(type, body);
    const now = new Date().toISOString();
    const id = randomUUID();
    const record = { type, id, version: 1, created: now, lastModified: now, data: resource };
    const name = resources.uniqueNameOf(type, resource);
    return {
      id,
      deactivated: searchItems.isDeactivated(type, resource),
      items: [
        resources.resourceItem(record),
        { ...keys.uniqueName(type, name), id, name },
        ...searchItems.searchItemsOf(record),
      ],
    };
  };

  return {
    async seedUsers(users) {
      const ids: string[] = [];
      const requests: { put: Record<string, unknown> }[] = [];
      let deactivated = 0;
      for (const user of users) {
        const { id, items, deactivated: away } = itemsOf('User', createUserBody(user));
        ids.push(id);
        if (away) deactivated += 1;
        for (const item of items) requests.push({ put: item });
      }
      await batch.batchWrite(requests, PARALLELISM);
      await count(keys.counterShard('User', 0), users.length);
      if (deactivated > 0) await count(keys.deactivatedShard(0), deactivated);
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
      await count(keys.counterShard('Group', 0), 1);
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
