/**
 * Reads the service's table directly (its own client, not the service's), to check what a request
 * left behind: a resource's stored version and data, a group's membership items, and an audit of
 * every item's consistency (guards, counters, memberships).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { foldIdentifier } from '../../shared/common/identifier.js';
import type { ResourceTypeName } from '../../shared/common/resource-types.js';
import { DIRECTORY_MARK, isDeactivated, searchItemsOf } from '../../shared/store/search-items.js';

export interface StoredState {
  readonly version: number | undefined;
  readonly data: unknown;
}

export interface TableReader {
  /** Version and data of `USER#id` / `GROUP#id`, undefined fields when the item is absent. */
  resource(type: 'User' | 'Group', id: string): Promise<StoredState>;
  /** Member ids of a group (its membership items), sorted. */
  members(groupId: string): Promise<string[]>;
  /** The id a unique-name guard holds, undefined when there is no guard. */
  guard(type: 'User' | 'Group', name: string): Promise<string | undefined>;
  /** The sum of a type's counter shards. */
  count(type: 'User' | 'Group'): Promise<number>;
  /** Every item of the table (tests only: a Scan). */
  scan(): Promise<Record<string, unknown>[]>;
  destroy(): void;
}

export function tableReader(endpoint: string, tableName: string): TableReader {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const prefix = (type: 'User' | 'Group') => (type === 'User' ? 'USER' : 'GROUP');
  const queryAll = async (pk: string, beginsWith?: string) => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const output = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: beginsWith ? 'pk = :pk AND begins_with(sk, :sk)' : 'pk = :pk',
          ExpressionAttributeValues: beginsWith ? { ':pk': pk, ':sk': beginsWith } : { ':pk': pk },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(output.Items ?? []));
      start = output.LastEvaluatedKey;
    } while (start);
    return items;
  };
  return {
    async resource(type, id) {
      const { Item } = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: `${prefix(type)}#${id}`, sk: '#RESOURCE' },
          ConsistentRead: true,
        }),
      );
      return { version: Item?.ver as number | undefined, data: Item?.data };
    },
    async members(groupId) {
      const items = await queryAll(`GROUP#${groupId}`, 'MEMBER#');
      return items.map((item) => (item.sk as string).slice('MEMBER#'.length)).sort();
    },
    async guard(type, name) {
      const { Item } = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: `UNIQUE#${type}#${foldIdentifier(name)}`, sk: '#UNIQUE' },
          ConsistentRead: true,
        }),
      );
      return Item?.id as string | undefined;
    },
    async count(type) {
      const items = await queryAll(`COUNT#${type}`);
      return items.reduce((sum, item) => sum + Number(item.n ?? 0), 0);
    },
    async scan() {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const output = await client.send(
          new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        items.push(...(output.Items ?? []));
        start = output.LastEvaluatedKey;
      } while (start);
      return items;
    },
    destroy: () => client.destroy(),
  };
}

export interface AuditResult {
  /** Items read and checked. */
  readonly items: number;
  readonly users: number;
  readonly groups: number;
  readonly memberships: number;
  readonly guards: number;
  /** Every inconsistency found, in words; empty when the table is consistent. */
  readonly problems: string[];
}

/**
 * Checks every item of the table against the invariants the store promises:
 * - each user and group holds the guard of its (case-folded) unique name, and each guard belongs
 *   to a resource that has that name (no stray or stolen guard);
 * - each type's counter equals the number of its resources;
 * - each membership joins an existing group and an existing user, unless a cleanup marker says
 *   the group or user was deleted and its memberships are being swept (`strict`: even then, for
 *   a table the sweeper just ran on);
 * - each resource has exactly the search items of its current values (the directory), no search
 *   item outlives its resource, and the deactivated counter equals the users with `active` false.
 */
export async function auditTable(
  reader: TableReader,
  options: { strict?: boolean } = {},
): Promise<AuditResult> {
  const items = await reader.scan();
  const resources = new Map<
    string,
    { type: string; id: string; name: unknown; data: Record<string, unknown>; marked: boolean }
  >();
  /** Search items by resource partition: `sk gsi6pk gsi6sk` each. */
  const searchItems = new Map<string, Set<string>>();
  const searchKey = (item: Record<string, unknown>) =>
    `${String(item.sk)} ${String(item.gsi6pk)} ${String(item.gsi6sk)}`;
  const guards = new Map<string, string>();
  const counters = new Map<string, number>();
  const cleanups = new Set<string>();
  const memberships: { groupId: string; userId: string }[] = [];
  for (const item of items) {
    const pk = item.pk as string;
    const sk = item.sk as string;
    if (sk === '#RESOURCE') {
      const type = item.type as string;
      const data = (item.data ?? {}) as Record<string, unknown>;
      resources.set(pk, {
        type,
        id: item.id as string,
        name: type === 'User' ? data.userName : data.displayName,
        data,
        marked: item[DIRECTORY_MARK] !== undefined,
      });
    } else if (sk.startsWith('#SEARCH#')) {
      const set = searchItems.get(pk) ?? new Set<string>();
      set.add(searchKey(item));
      searchItems.set(pk, set);
    } else if (sk === '#UNIQUE') {
      guards.set(pk, item.id as string);
    } else if (pk.startsWith('COUNT#')) {
      counters.set(pk, (counters.get(pk) ?? 0) + Number(item.n ?? 0));
    } else if (pk.startsWith('CLEANUP#')) {
      cleanups.add(sk);
    } else if (sk.startsWith('MEMBER#')) {
      memberships.push({
        groupId: pk.slice('GROUP#'.length),
        userId: sk.slice('MEMBER#'.length),
      });
    }
  }
  const problems: string[] = [];
  const counted = new Map<string, number>();
  for (const [pk, resource] of resources) {
    counted.set(resource.type, (counted.get(resource.type) ?? 0) + 1);
    if (typeof resource.name !== 'string') {
      problems.push(`${pk} has no unique name`);
      continue;
    }
    const guardKey = `UNIQUE#${resource.type}#${foldIdentifier(resource.name)}`;
    const holder = guards.get(guardKey);
    if (holder !== resource.id) {
      problems.push(`${pk} (${JSON.stringify(resource.name)}): guard ${guardKey} holds ${holder}`);
    }
  }
  for (const [guardKey, id] of guards) {
    const type = guardKey.split('#')[1] ?? '';
    const resource = resources.get(`${type === 'User' ? 'USER' : 'GROUP'}#${id}`);
    if (!resource) {
      problems.push(`stray guard ${guardKey}: ${type} ${id} does not exist`);
    } else if (
      typeof resource.name !== 'string' ||
      `UNIQUE#${type}#${foldIdentifier(resource.name)}` !== guardKey
    ) {
      problems.push(`stray guard ${guardKey}: ${type} ${id} is named ${String(resource.name)}`);
    }
  }
  for (const type of ['User', 'Group']) {
    const counter = counters.get(`COUNT#${type}`) ?? 0;
    const actual = counted.get(type) ?? 0;
    if (counter !== actual) problems.push(`counter of ${type} is ${counter}, ${actual} exist`);
  }
  let deactivated = 0;
  for (const [pk, resource] of resources) {
    // Items written before the directory get theirs at their next write (or the backfill).
    if (!resource.marked) continue;
    const type = resource.type as ResourceTypeName;
    if (isDeactivated(type, resource.data)) deactivated += 1;
    const expected = new Set(
      searchItemsOf({ type, id: resource.id, data: resource.data }).map(searchKey),
    );
    const actual = searchItems.get(pk) ?? new Set<string>();
    for (const key of expected) {
      if (!actual.has(key)) problems.push(`${pk}: missing search item ${key}`);
    }
    for (const key of actual) {
      if (!expected.has(key)) problems.push(`${pk}: stale search item ${key}`);
    }
  }
  for (const [pk, set] of searchItems) {
    if (!resources.has(pk)) problems.push(`${pk} is gone but has ${set.size} search items`);
  }
  const deactivatedCounter = counters.get('COUNT#DeactivatedUser') ?? 0;
  if (deactivatedCounter !== deactivated) {
    problems.push(
      `deactivated counter is ${deactivatedCounter}, ${deactivated} users are deactivated`,
    );
  }
  for (const { groupId, userId } of memberships) {
    const swept = (key: string) => !options.strict && cleanups.has(key);
    const groupGone = !resources.has(`GROUP#${groupId}`) && !swept(`GROUP#${groupId}`);
    const userGone = !resources.has(`USER#${userId}`) && !swept(`USER#${userId}`);
    if (groupGone) problems.push(`orphan membership: group ${groupId} (member ${userId}) is gone`);
    if (userGone) problems.push(`orphan membership: user ${userId} (of group ${groupId}) is gone`);
  }
  return {
    items: items.length,
    users: counted.get('User') ?? 0,
    groups: counted.get('Group') ?? 0,
    memberships: memberships.length,
    guards: guards.size,
    problems,
  };
}
