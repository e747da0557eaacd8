/**
 * The integration page's directory in the store (`shared/store/directory.ts`), in DynamoDB Local:
 * users and groups written over SCIM as Entra writes them, then searched by the start of a name,
 * display name, e-mail or externalId, case-insensitively, and counted from the counters the
 * writes keep.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableName } from '../../shared/store/client.js';
import {
  type DirectoryCursor,
  type DirectoryHit,
  directoryCounts,
  InvalidCursorError,
  searchDirectory,
} from '../../shared/store/directory.js';
import { keys } from '../../shared/store/keys.js';
import { createParams, getResource } from '../../shared/store/resources.js';
import { tableDesign } from '../../shared/store/table-design.js';
import { startTestService, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

async function createUser(fields: Record<string, unknown>): Promise<string> {
  const response = await service.request('POST', '/Users', { schemas: [USER], ...fields });
  expect(response.status).toBe(201);
  return response.body.id;
}

async function patch(path: string, operations: unknown[]): Promise<void> {
  const response = await service.request('PATCH', path, {
    schemas: [PATCH_OP],
    Operations: operations,
  });
  expect([200, 204]).toContain(response.status);
}

const summary = (hit: DirectoryHit) => ({
  type: hit.record.type,
  id: hit.record.id,
  matched: hit.matched,
});

async function everything(
  query: string,
  scope: 'all' | 'users' | 'groups',
  limit?: number,
  examineAtMost?: number,
) {
  const hits: DirectoryHit[] = [];
  let after: DirectoryCursor | undefined;
  let pages = 0;
  do {
    const page = await searchDirectory({
      query,
      scope,
      ...(after ? { after } : {}),
      ...(limit ? { limit } : {}),
      ...(examineAtMost ? { examineAtMost } : {}),
    });
    hits.push(...page.hits);
    after = page.next;
    pages += 1;
  } while (after && pages < 100);
  return { hits, pages };
}

describe('directory search', () => {
  let jane: string;
  let sales: string;
  beforeAll(async () => {
    jane = await createUser({
      userName: 'jane.doe@contoso.test',
      displayName: 'Jane Doe',
      externalId: 'EXT-7781-jane',
      emails: [{ type: 'work', primary: true, value: 'JDoe@Mail.Contoso.Test' }],
      active: true,
    });
    await createUser({ userName: 'john.smith@contoso.test', displayName: 'John Smith' });
    const group = await service.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Sales Team',
      externalId: 'grp-sales-01',
    });
    expect(group.status).toBe(201);
    sales = group.body.id;
  });

  it('finds a user by any case of a userName prefix, naming what matched', async () => {
    for (const query of ['JANE.DOE@', 'Jane.doe@CONTOSO.test', 'ｊａｎｅ．ｄ']) {
      const { hits } = await everything(query, 'users');
      expect(hits.map(summary), query).toEqual([{ type: 'User', id: jane, matched: 'userName' }]);
    }
    // "jane doe" (its displayName) comes before "jane.doe@…" in key order: it is the match named.
    expect((await everything('jane', 'users')).hits.map(summary)).toEqual([
      { type: 'User', id: jane, matched: 'displayName' },
    ]);
  });

  it('finds a user by display name, e-mail and externalId prefixes', async () => {
    expect((await everything('jane d', 'users')).hits.map(summary)).toEqual([
      { type: 'User', id: jane, matched: 'displayName' },
    ]);
    expect((await everything('jdoe@mail', 'users')).hits.map(summary)).toEqual([
      { type: 'User', id: jane, matched: 'email' },
    ]);
    expect((await everything('ext-7781', 'all')).hits.map(summary)).toEqual([
      { type: 'User', id: jane, matched: 'externalId' },
    ]);
  });

  it('gives a resource once when several of its values match, at the first of them', async () => {
    // userName "jane.doe@…" and displayName "Jane Doe" both start with "jane".
    const { hits } = await everything('jane', 'all');
    expect(hits.map(summary)).toEqual([{ type: 'User', id: jane, matched: 'displayName' }]);
    const j = await everything('j', 'users');
    expect(j.hits.filter((hit) => hit.record.id === jane)).toHaveLength(1);
  });

  it('finds groups by name and externalId, and keeps types apart by scope', async () => {
    expect((await everything('sales', 'groups')).hits.map(summary)).toEqual([
      { type: 'Group', id: sales, matched: 'displayName' },
    ]);
    expect((await everything('GRP-SALES', 'all')).hits.map(summary)).toEqual([
      { type: 'Group', id: sales, matched: 'externalId' },
    ]);
    expect((await everything('sales', 'users')).hits).toEqual([]);
    expect((await everything('jane', 'groups')).hits).toEqual([]);
  });

  it('lists everything in name order for the empty search', async () => {
    const { hits } = await everything('', 'all');
    const names = hits.map((hit) =>
      String(hit.record.data.userName ?? hit.record.data.displayName).toLowerCase(),
    );
    expect(names).toEqual([...names].sort());
    expect(hits.map((hit) => hit.record.id)).toEqual(expect.arrayContaining([jane, sales]));
    expect(hits.every((hit) => hit.matched === undefined)).toBe(true);
  });

  it('pages with cursors: every match once, in order, whatever the page size', async () => {
    const prefix = `pager-${randomUUID().slice(0, 6)}`;
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const n = String(i).padStart(2, '0');
      // Every other user also matches by e-mail and externalId, which must not repeat it.
      ids.push(
        await createUser({
          userName: `${prefix}-u${n}@contoso.test`,
          ...(i % 2 === 0
            ? {
                emails: [{ type: 'work', value: `${prefix}-mail${n}@contoso.test` }],
                externalId: `${prefix}-x${n}`,
              }
            : {}),
        }),
      );
    }
    const one = await everything(prefix, 'users');
    expect(one.pages).toBe(1);
    for (const size of [1, 5, 7]) {
      const paged = await everything(prefix.toUpperCase(), 'users', size);
      expect(paged.hits.map((hit) => hit.record.id)).toEqual(one.hits.map((hit) => hit.record.id));
      expect(paged.pages).toBeGreaterThanOrEqual(Math.ceil(12 / size));
    }
    expect(new Set(one.hits.map((hit) => hit.record.id))).toEqual(new Set(ids));
    // "…-mail00@" sorts before "…-u00@" and "…-x00": the e-mail is the match named.
    expect(one.hits.map((hit) => hit.matched)).toEqual(
      one.hits.map((hit) => (ids.indexOf(hit.record.id) % 2 === 0 ? 'email' : 'userName')),
    );
  });

  it('bounds the entries a page examines: short pages with a cursor, still every match once', async () => {
    const prefix = `twice-${randomUUID().slice(0, 6)}`;
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      // displayName "<prefix> N" sorts before userName "<prefix>.N@…": the userName entries
      // that follow are the same users again, examined and skipped.
      ids.push(
        await createUser({
          userName: `${prefix}.${i}@contoso.test`,
          displayName: `${prefix} ${i}`,
        }),
      );
    }
    const bounded = await everything(prefix, 'users', 25, 5);
    expect(bounded.hits.map((hit) => hit.record.id).sort()).toEqual([...ids].sort());
    expect(bounded.hits.every((hit) => hit.matched === 'displayName')).toBe(true);
    // 16 entries, 5 a page: four pages, the last ones short or empty.
    expect(bounded.pages).toBe(4);
  });

  it('follows renames and deletes with no stale hits', async () => {
    const id = await createUser({
      userName: 'rename.me@contoso.test',
      displayName: 'Renata Old',
      externalId: 'old-ext-1',
      emails: [{ type: 'work', value: 'renata.old@contoso.test' }],
    });
    expect((await everything('renata', 'users')).hits.map(summary)).toEqual([
      { type: 'User', id, matched: 'displayName' },
    ]);
    await patch(`/Users/${id}`, [
      { op: 'Replace', path: 'displayName', value: 'Rosa New' },
      { op: 'Replace', path: 'externalId', value: 'new-ext-1' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'rosa.new@contoso.test' },
    ]);
    expect((await everything('renata', 'users')).hits).toEqual([]);
    expect((await everything('old-ext', 'users')).hits).toEqual([]);
    expect((await everything('rosa', 'users')).hits.map(summary)).toEqual([
      { type: 'User', id, matched: 'displayName' },
    ]);
    expect((await everything('new-ext', 'users')).hits.map(summary)).toEqual([
      { type: 'User', id, matched: 'externalId' },
    ]);
    // A removed value leaves no item behind.
    await patch(`/Users/${id}`, [{ op: 'Remove', path: 'externalId' }]);
    expect((await everything('new-ext', 'users')).hits).toEqual([]);
    const item = await documentClient().send(
      new GetCommand({ TableName: tableName(), Key: keys.searchItem('User', id, 'externalId') }),
    );
    expect(item.Item).toBeUndefined();

    expect((await service.request('DELETE', `/Users/${id}`)).status).toBe(204);
    expect((await everything('rosa', 'users')).hits).toEqual([]);
    expect((await everything('rename.me', 'users')).hits).toEqual([]);
    const left = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.resource('User', id).pk },
      }),
    );
    expect(left.Items).toEqual([]);
  });

  it('writes an unchanged search value no more: an update of other attributes is one put', async () => {
    const id = await createUser({ userName: 'quiet@contoso.test', displayName: 'Quiet One' });
    const response = await service.request('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'title', value: 'Engineer' }],
    });
    expect([200, 204]).toContain(response.status);
    expect(JSON.parse(response.headers['x-store-commands'] ?? '{}')).toEqual({
      GetItemCommand: 1,
      PutItemCommand: 1,
    });
  });

  it('refuses a cursor of another search', async () => {
    const page = await searchDirectory({ query: 'j', scope: 'users', limit: 1 });
    expect(page.next).toBeDefined();
    await expect(
      searchDirectory({ query: 'sales', scope: 'users', after: page.next! }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(
      searchDirectory({ query: 'j', scope: 'groups', after: page.next! }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(
      searchDirectory({
        query: 'j',
        scope: 'users',
        after: { 'User:name': { indexSort: 'j', pk: 'GROUP#x', sk: '#RESOURCE' } },
      }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

describe('directory counts', () => {
  it('follow create, deactivate, reactivate and delete', async () => {
    const before = await directoryCounts();
    const id = await createUser({ userName: `count-${randomUUID()}@contoso.test`, active: false });
    expect(await directoryCounts()).toEqual({
      ...before,
      users: { active: before.users.active, deactivated: before.users.deactivated + 1 },
    });
    await patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'True' }]);
    expect(await directoryCounts()).toEqual({
      ...before,
      users: { active: before.users.active + 1, deactivated: before.users.deactivated },
    });
    await patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: false }]);
    // A PUT keeping it deactivated changes nothing.
    const current = await getResource('User', id);
    const put = await service.request('PUT', `/Users/${id}`, {
      schemas: [USER],
      ...current!.data,
      title: 'Still away',
    });
    expect(put.status).toBe(200);
    expect((await directoryCounts()).users.deactivated).toBe(before.users.deactivated + 1);
    expect((await service.request('DELETE', `/Users/${id}`)).status).toBe(204);
    expect(await directoryCounts()).toEqual(before);

    const group = await service.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName: `count-${randomUUID()}`,
    });
    expect((await directoryCounts()).groups).toBe(before.groups + 1);
    expect((await service.request('DELETE', `/Groups/${group.body.id}`)).status).toBe(204);
    expect(await directoryCounts()).toEqual(before);
  });
});

describe('a failed create', () => {
  it('leaves no search item and no count behind', async () => {
    const before = await directoryCounts();
    const taken = `taken-${randomUUID()}@contoso.test`;
    await createUser({ userName: taken });
    const id = randomUUID();
    const now = new Date().toISOString();
    // The name is taken: the guard's condition cancels the whole transaction.
    const params = createParams({
      type: 'User',
      id,
      version: 1,
      created: now,
      lastModified: now,
      data: {
        userName: taken.toUpperCase(),
        displayName: 'Ghost Writer',
        externalId: 'ghost-ext',
        active: false,
      },
    });
    await expect(documentClient().send(new TransactWriteCommand(params))).rejects.toMatchObject({
      name: 'TransactionCanceledException',
    });
    expect((await everything('ghost', 'all')).hits).toEqual([]);
    const left = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.resource('User', id).pk },
      }),
    );
    expect(left.Items).toEqual([]);
    expect((await directoryCounts()).users).toEqual({
      active: before.users.active + 1,
      deactivated: before.users.deactivated,
    });
  });
});

describe('the byType index lagging a write', () => {
  it('does not list a user deleted a moment ago whose name the index still holds', async () => {
    const id = await createUser({ userName: 'ghost.whisper@contoso.test', active: true });
    // DynamoDB Local updates its indexes with the write; AWS a moment after. The index's answer
    // from before the delete, given again after it, is what AWS may answer within that moment.
    const stack = documentClient().middlewareStack;
    let before: unknown;
    let replayed = 0;
    stack.add(
      (next) => async (args) => {
        const input = JSON.stringify((args as { input?: unknown }).input);
        const ours =
          input.includes(`"${tableDesign.indexes.byType.name}"`) && input.includes('ghost.whisper');
        if (!ours) return next(args);
        if (before !== undefined) {
          replayed++;
          return before as Awaited<ReturnType<typeof next>>;
        }
        const result = await next(args);
        before = result;
        return result;
      },
      { step: 'initialize', name: 'byTypeAsBeforeTheDelete', priority: 'high' },
    );
    try {
      const found = await searchDirectory({ query: 'ghost.whisper', scope: 'users' });
      expect(found.hits.map(summary)).toEqual([{ type: 'User', id, matched: 'userName' }]);
      expect(before).toBeDefined();
      expect((await service.request('DELETE', `/Users/${id}`)).status).toBe(204);
      const after = await searchDirectory({ query: 'ghost.whisper', scope: 'users' });
      expect(replayed).toBeGreaterThan(0);
      expect(after.hits).toEqual([]);
    } finally {
      stack.remove('byTypeAsBeforeTheDelete');
    }
  });
});
