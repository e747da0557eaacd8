/**
 * The directory's backfill (`npm run migrate-directory`, `shared/store/migrate-directory.ts`) in
 * DynamoDB Local: users and groups stored as the service stored them before the directory (no
 * search items, no deactivated count, no mark) become searchable and counted; a second run does
 * nothing; a resource the service writes before the backfill reaches it is brought up to date by
 * that write and counted once.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../infra/local/dynamodb-local.js';
import type { ResourceTypeName } from '../../shared/common/resource-types.js';
import { PreconditionFailedError } from '../../shared/scim/errors.js';
import { checkIfMatch, retryOnVersionConflict } from '../../shared/service/versions.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import {
  countDeactivatedUsers,
  directoryCounts,
  searchDirectory,
} from '../../shared/store/directory.js';
import { touchGroup } from '../../shared/store/groups.js';
import { keys } from '../../shared/store/keys.js';
import { backfillResource, migrateDirectory } from '../../shared/store/migrate-directory.js';
import {
  deleteResource,
  getResource,
  replaceResource,
  resourceItem,
  type StoredResource,
  uniqueNameOf,
} from '../../shared/store/resources.js';
import { DIRECTORY_MARK } from '../../shared/store/search-items.js';
import { createTableInput, tableDesign } from '../../shared/store/table-design.js';
import { startTestService, type TestService } from '../support/service.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

/** A resource as the service wrote it before the directory: item, guard and count only. */
async function storeAsBefore(type: ResourceTypeName, data: Record<string, unknown>) {
  const id = randomUUID();
  const now = new Date().toISOString();
  const { [DIRECTORY_MARK]: _mark, ...item } = resourceItem({
    type,
    id,
    version: 1,
    created: now,
    lastModified: now,
    data,
  });
  const client = documentClient();
  await client.send(new PutCommand({ TableName: tableName(), Item: item }));
  const name = uniqueNameOf(type, data);
  await client.send(
    new PutCommand({ TableName: tableName(), Item: { ...keys.uniqueName(type, name), id, name } }),
  );
  await client.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.counterShard(type, 0),
      UpdateExpression: 'ADD #n :one',
      ExpressionAttributeNames: { '#n': 'n' },
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
  return id;
}

const ids = async (query: string) =>
  (await searchDirectory({ query, scope: 'all' })).hits.map((hit) => hit.record.id);

describe('npm run migrate-directory', () => {
  it('makes resources stored before the directory searchable and counted, once', async () => {
    const active = await storeAsBefore('User', {
      userName: 'old.timer@contoso.test',
      displayName: 'Olga Timer',
      externalId: 'legacy-ext-1',
      emails: [{ type: 'work', value: 'olga@mail.contoso.test' }],
      active: true,
    });
    const away = await storeAsBefore('User', {
      userName: 'gone.fishing@contoso.test',
      externalId: 'legacy-ext-2',
      active: false,
    });
    const group = await storeAsBefore('Group', {
      displayName: 'Legacy Group',
      externalId: 'legacy-grp',
    });
    // The service writes one of them before the backfill: that write brings it up to date.
    const written = await storeAsBefore('User', {
      userName: 'early.bird@contoso.test',
      externalId: 'legacy-ext-3',
      active: true,
    });
    const patch = await service.request('PATCH', `/Users/${written}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: false }],
    });
    expect([200, 204]).toContain(patch.status);
    expect((await getResource('User', written))?.unindexed).toBeUndefined();
    expect(await ids('legacy-ext-3')).toEqual([written]);

    // Names are in byType already; the other values are not, nor is the older deactivation.
    expect(await ids('old.timer')).toEqual([active]);
    expect(await ids('olga')).toEqual([]);
    expect(await ids('legacy-')).toEqual([written]);
    expect(await directoryCounts()).toEqual({
      users: { active: 2, deactivated: 2 - 1 },
      groups: 1,
    });

    const first = await migrateDirectory();
    expect(first).toEqual({ examined: 4, migrated: 3, changed: 0 });
    expect(await ids('olga')).toEqual([active]);
    expect(await ids('OLGA@MAIL')).toEqual([active]);
    expect((await ids('legacy-')).sort()).toEqual([active, away, group, written].sort());
    expect(await directoryCounts()).toEqual({
      users: { active: 1, deactivated: 2 },
      groups: 1,
    });
    for (const id of [active, away, written]) {
      expect((await getResource('User', id))?.unindexed).toBeUndefined();
    }

    const second = await migrateDirectory();
    expect(second).toEqual({ examined: 4, migrated: 0, changed: 0 });
    expect(await directoryCounts()).toEqual({
      users: { active: 1, deactivated: 2 },
      groups: 1,
    });

    // And from then on the write path keeps the count: reactivating the migrated user.
    const reactivate = await service.request('PATCH', `/Users/${away}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: true }],
    });
    expect([200, 204]).toContain(reactivate.status);
    expect((await directoryCounts()).users).toEqual({ active: 2, deactivated: 1 });
  });
});

describe('before the backfill', () => {
  it('finds a resource by its name even when another of its values would sort first', async () => {
    const id = await storeAsBefore('User', {
      userName: 'jdoe@contoso.test',
      displayName: 'Jane Doe',
      active: true,
    });
    expect(await ids('jd')).toEqual([id]);
    // "jane doe" sorts before "jdoe", but has no search item yet: the name is where it is found.
    const page = await searchDirectory({ query: 'j', scope: 'users' });
    expect(page.hits.filter((hit) => hit.record.id === id).map((hit) => hit.matched)).toEqual([
      'userName',
    ]);
    expect(await ids('jane')).toEqual([]);
    await migrateDirectory();
    // Once backfilled, it is found once, by its first matching value.
    const after = await searchDirectory({ query: 'j', scope: 'users' });
    expect(after.hits.filter((hit) => hit.record.id === id).map((hit) => hit.matched)).toEqual([
      'displayName',
    ]);
    expect(await ids('jane')).toEqual([id]);
  });
});

describe('the backfill racing a member change', () => {
  it('brings a group up to date although a member change bumped its version meanwhile', async () => {
    const id = await storeAsBefore('Group', {
      displayName: 'Busy Legacy Group',
      externalId: 'busy-legacy-ext',
    });
    const read = await getResource('Group', id);
    expect(read?.unindexed).toBe(true);
    // A member PATCH after the walk read the group: its version moves, its mark stays absent.
    const touched = await touchGroup(id);
    expect(touched?.version).toBe(2);
    expect(touched?.unindexed).toBe(true);
    expect(await backfillResource(read!)).toBe('migrated');
    expect((await getResource('Group', id))?.unindexed).toBeUndefined();
    expect(await ids('busy-legacy-ext')).toEqual([id]);
  });

  it('reports a resource the service brought up to date, or deleted, as changed', async () => {
    const id = await storeAsBefore('User', { userName: 'written.meanwhile@contoso.test' });
    const read = await getResource('User', id);
    const patch = await service.request('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'displayName', value: 'Written Meanwhile' }],
    });
    expect([200, 204]).toContain(patch.status);
    expect(await backfillResource(read!)).toBe('changed');
    const gone = await storeAsBefore('User', { userName: 'deleted.meanwhile@contoso.test' });
    const readGone = await getResource('User', gone);
    expect((await service.request('DELETE', `/Users/${gone}`)).status).toBe(204);
    expect(await backfillResource(readGone!)).toBe('changed');
  });
});

describe('the backfill racing a write of the service', () => {
  /** Read, then (first attempt only) the backfill marks and counts the item, then the write. */
  async function raceBackfill(
    id: string,
    ifMatch: string | undefined,
    write: (current: StoredResource) => Promise<void>,
    interfere: () => Promise<unknown> = migrateDirectory,
  ) {
    let attempts = 0;
    await retryOnVersionConflict(ifMatch, async () => {
      attempts++;
      const current = await getResource('User', id);
      if (!current) throw new Error('user gone');
      checkIfMatch(ifMatch, current.version);
      if (attempts === 1) {
        expect(current.unindexed).toBe(true);
        await interfere();
      }
      await write(current);
    });
    return attempts;
  }

  it('counts a deactivated user once when a pinned PUT read it before the backfill marked it', async () => {
    const id = await storeAsBefore('User', { userName: 'race.put@contoso.test', active: false });
    const before = await countDeactivatedUsers();
    const attempts = await raceBackfill(id, 'W/"1"', async (current) => {
      const data = { ...current.data, displayName: 'Race Put' };
      await replaceResource(current, { ...current, version: current.version + 1, data });
    });
    expect(await countDeactivatedUsers()).toBe(before + 1);
    // The version did not move: the write re-read and redid, despite If-Match.
    expect(attempts).toBe(2);
    const stored = await getResource('User', id);
    expect(stored?.version).toBe(2);
    expect(stored?.data.displayName).toBe('Race Put');
    expect(await ids('race put')).toEqual([id]);
  });

  it('uncounts a deactivated user deleted by a write that read it before the backfill', async () => {
    const id = await storeAsBefore('User', { userName: 'race.delete@contoso.test', active: false });
    const before = await countDeactivatedUsers();
    await raceBackfill(id, undefined, (current) => deleteResource(current));
    expect(await getResource('User', id)).toBeUndefined();
    expect(await countDeactivatedUsers()).toBe(before);
  });

  it('still fails a pinned write with 412 when the version did move', async () => {
    const id = await storeAsBefore('User', { userName: 'race.moved@contoso.test', active: false });
    const write = raceBackfill(
      id,
      'W/"1"',
      async (current) => {
        const data = { ...current.data, active: true };
        await replaceResource(current, { ...current, version: current.version + 1, data });
      },
      // Another write (still unindexed: code from before the directory) moves the version.
      () =>
        documentClient().send(
          new UpdateCommand({
            TableName: tableName(),
            Key: keys.resource('User', id),
            UpdateExpression: 'SET #ver = :two',
            ExpressionAttributeNames: { '#ver': 'ver' },
            ExpressionAttributeValues: { ':two': 2 },
          }),
        ),
    );
    await expect(write).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await getResource('User', id))?.data.active).toBe(false);
  });
});

describe('a local table made before the directory', () => {
  it('gets the bySearch index from ensureTable (npm start), as a stack update adds it', async () => {
    const endpoint = process.env.DYNAMODB_ENDPOINT!;
    const name = `grouptalk-scim-before-directory-${randomUUID()}`;
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const { StreamSpecification: _stream, ...input } = createTableInput(name);
      const older = {
        ...input,
        GlobalSecondaryIndexes: input.GlobalSecondaryIndexes.filter(
          (index) => index.IndexName !== tableDesign.indexes.bySearch.name,
        ),
        AttributeDefinitions: input.AttributeDefinitions.filter(
          (attribute) => !attribute.AttributeName.startsWith('gsi6'),
        ),
      };
      await client.send(new CreateTableCommand(older));
      expect(await ensureTable(endpoint, name, { stream: false })).toEqual({
        addedIndexes: [tableDesign.indexes.bySearch.name],
      });
      // Once added, nothing more to add.
      expect(await ensureTable(endpoint, name, { stream: false })).toEqual({ addedIndexes: [] });
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
        Object.values(tableDesign.indexes)
          .map((index) => index.name)
          .sort(),
      );
    } finally {
      await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
      client.destroy();
    }
  });
});
