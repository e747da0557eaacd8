/**
 * The integration page's directory over HTTP (issue 22, item 2): users and groups written over
 * SCIM as Entra writes them, then found and opened through `/admin/api/directory` by a signed-in
 * administrator (the sign-in through the local OpenID provider, followed by hand), with the
 * answers' exact shapes and the refusals of bad input.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAdmin, startLocalAdmin } from '../../infra/local/admin.js';
import { groupsOf } from '../../shared/admin/directory.js';
import { adminRoutes, routes } from '../../shared/routes.js';
import { signInByHand } from '../support/admin-sign-in.js';
import { startTestService, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let work: string;
let admin: LocalAdmin;
let service: TestService;
let origin: string;
let cookie: string;

/** The sign-in by hand (`test/support/admin-sign-in.ts`); returns the session cookie. */
async function signIn(): Promise<string> {
  const session = await signInByHand(origin);
  expect(session).toBeDefined();
  return `grouptalk-admin=${session}`;
}

// biome-ignore lint/suspicious/noExplicitAny: answers are read freely in assertions.
async function get(path: string, withCookie = true): Promise<{ status: number; body: any }> {
  const response = await fetch(`${origin}${path}`, {
    headers: withCookie ? { cookie } : {},
    redirect: 'manual',
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

let jane: string;
let sales: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'grouptalk-admin-directory-'));
  admin = await startLocalAdmin({ requestLogFile: join(work, 'requests.jsonl') });
  Object.assign(process.env, admin.environment);
  service = await startTestService({ routes: [...routes, ...adminRoutes] });
  origin = new URL(service.url).origin;
  cookie = await signIn();

  const created = await service.request('POST', '/Users', {
    schemas: [USER, ENTERPRISE],
    userName: 'Jane.Doe@contoso.test',
    displayName: 'Jane Doe',
    externalId: '5d4f7a1e-jane',
    active: true,
    name: { givenName: 'Jane', familyName: 'Doe', formatted: 'Jane Doe' },
    title: 'Sales lead',
    emails: [{ type: 'work', primary: true, value: 'jane.doe@contoso.test' }],
    phoneNumbers: [{ type: 'mobile', value: '+1 555 0100' }],
    [ENTERPRISE]: { department: 'Sales', costCenter: 'CC-7' },
  });
  expect(created.status).toBe(201);
  jane = created.body.id;
  const group = await service.request('POST', '/Groups', {
    schemas: [GROUP],
    displayName: 'Sales Team',
    externalId: 'grp-sales',
    members: [{ value: jane }],
  });
  expect(group.status).toBe(201);
  sales = group.body.id;
  const away = await service.request('POST', '/Users', {
    schemas: [USER],
    userName: 'away@contoso.test',
    active: false,
  });
  expect(away.status).toBe(201);
});

afterAll(async () => {
  await service?.close();
  await admin?.close();
  await rm(work, { recursive: true, force: true });
});

describe('GET /admin/api/directory', () => {
  it('finds a user by a lower-case prefix of the e-mail, with the counts', async () => {
    const { status, body } = await get('/admin/api/directory?q=JANE.DOE%40');
    expect(status).toBe(200);
    expect(body).toEqual({
      query: 'JANE.DOE@',
      counts: { users: { active: 1, deactivated: 1 }, groups: 1 },
      items: [
        {
          type: 'User',
          id: jane,
          userName: 'Jane.Doe@contoso.test',
          displayName: 'Jane Doe',
          // The e-mail folds to the userName: one entry, named by the userName.
          email: 'jane.doe@contoso.test',
          externalId: '5d4f7a1e-jane',
          active: true,
          matched: 'userName',
        },
      ],
    });
  });

  it('finds groups and users by externalId, and lists everything for an empty search', async () => {
    const group = await get('/admin/api/directory?q=GRP-&type=groups');
    expect(group.body.items).toEqual([
      {
        type: 'Group',
        id: sales,
        displayName: 'Sales Team',
        externalId: 'grp-sales',
        matched: 'externalId',
      },
    ]);
    const user = await get('/admin/api/directory?q=5d4f&type=users');
    expect(user.body.items.map((item: { id: string }) => item.id)).toEqual([jane]);
    const all = await get('/admin/api/directory');
    expect(all.status).toBe(200);
    expect(all.body.query).toBe('');
    expect(all.body.items.map((item: { type: string }) => item.type).sort()).toEqual([
      'Group',
      'User',
      'User',
    ]);
    expect(all.body.next).toBeUndefined();
  });

  it('pages with the opaque cursor it gives', async () => {
    for (let i = 0; i < 27; i++) {
      const response = await service.request('POST', '/Users', {
        schemas: [USER],
        userName: `pager-${String(i).padStart(2, '0')}@contoso.test`,
      });
      expect(response.status).toBe(201);
    }
    const first = await get('/admin/api/directory?q=PAGER-&type=users');
    expect(first.body.items).toHaveLength(25);
    expect(typeof first.body.next).toBe('string');
    const second = await get(
      `/admin/api/directory?q=PAGER-&type=users&cursor=${encodeURIComponent(first.body.next)}`,
    );
    expect(second.status).toBe(200);
    expect(second.body.items.map((item: { userName: string }) => item.userName)).toEqual([
      'pager-25@contoso.test',
      'pager-26@contoso.test',
    ]);
    expect(second.body.next).toBeUndefined();
    // The cursor belongs to its search.
    const other = await get(
      `/admin/api/directory?q=jane&type=users&cursor=${encodeURIComponent(first.body.next)}`,
    );
    expect(other.status).toBe(400);
    expect(other.body.error).toBe('invalidCursor');
  });

  it('answers bad input with a 400 JSON error, never a 500', async () => {
    const cases: [string, string][] = [
      ['/admin/api/directory?type=people', 'invalidType'],
      [`/admin/api/directory?q=${'a'.repeat(257)}`, 'invalidQuery'],
      ['/admin/api/directory?q=a%00b', 'invalidQuery'],
      ['/admin/api/directory?q=a%E2%80%A8b', 'invalidQuery'],
      ['/admin/api/directory?cursor=not*a*cursor', 'invalidCursor'],
      [
        `/admin/api/directory?cursor=${Buffer.from('{"q":""').toString('base64url')}`,
        'invalidCursor',
      ],
      [
        `/admin/api/directory?q=j&cursor=${Buffer.from(
          JSON.stringify({
            q: 'j',
            s: 'all',
            p: { 'User:name': { indexSort: 'zz', pk: 'USER#x', sk: '#RESOURCE' } },
          }),
        ).toString('base64url')}`,
        'invalidCursor',
      ],
      [
        `/admin/api/directory?q=j&cursor=${Buffer.from(
          JSON.stringify({ q: 'j', s: 'all', p: { 'User:name': { indexSort: 7 } } }),
        ).toString('base64url')}`,
        'invalidCursor',
      ],
      // An empty key value (DynamoDB's ValidationException), on the empty search of any prefix.
      [
        `/admin/api/directory?cursor=${Buffer.from(
          JSON.stringify({
            q: '',
            s: 'all',
            p: { 'User:name': { indexSort: '', pk: 'USER#x', sk: '#RESOURCE' } },
          }),
        ).toString('base64url')}`,
        'invalidCursor',
      ],
      // Keys DynamoDB would refuse (AWS checks key sizes; DynamoDB Local does not).
      [
        `/admin/api/directory?q=j&cursor=${Buffer.from(
          JSON.stringify({
            q: 'j',
            s: 'all',
            p: { 'User:name': { indexSort: `j${'é'.repeat(600)}`, pk: 'USER#x', sk: '#RESOURCE' } },
          }),
        ).toString('base64url')}`,
        'invalidCursor',
      ],
      [
        `/admin/api/directory?q=j&cursor=${Buffer.from(
          JSON.stringify({
            q: 'j',
            s: 'all',
            p: { 'User:name': { indexSort: 'j', pk: `USER#${'x'.repeat(300)}`, sk: '#RESOURCE' } },
          }),
        ).toString('base64url')}`,
        'invalidCursor',
      ],
    ];
    for (const [path, error] of cases) {
      const { status, body } = await get(path);
      expect({ path, status, error: body?.error }).toEqual({ path, status: 400, error });
      expect(typeof body.message).toBe('string');
    }
    // A query of 256 characters is fine (and finds nothing).
    const longest = await get(`/admin/api/directory?q=${'a'.repeat(256)}`);
    expect(longest.status).toBe(200);
    expect(longest.body.items).toEqual([]);
  });

  it('is for signed-in administrators only', async () => {
    expect((await get('/admin/api/directory?q=jane', false)).status).toBe(401);
    expect((await get(`/admin/api/directory/users/${jane}`, false)).status).toBe(401);
  });
});

describe('GET /admin/api/directory/{users|groups}/{id}', () => {
  it("shows a user's state in plain words and its groups", async () => {
    const { status, body } = await get(`/admin/api/directory/users/${jane}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      resource: {
        type: 'User',
        id: jane,
        userName: 'Jane.Doe@contoso.test',
        displayName: 'Jane Doe',
        email: 'jane.doe@contoso.test',
        externalId: '5d4f7a1e-jane',
        active: true,
        created: expect.any(String),
        lastModified: expect.any(String),
        attributes: [
          { name: 'User name', value: 'Jane.Doe@contoso.test' },
          { name: 'Display name', value: 'Jane Doe' },
          { name: 'Full name', value: 'Jane Doe' },
          { name: 'First name', value: 'Jane' },
          { name: 'Last name', value: 'Doe' },
          { name: 'Status', value: 'Active' },
          { name: 'E-mail (work, primary)', value: 'jane.doe@contoso.test' },
          { name: 'Phone (mobile)', value: '+1 555 0100' },
          { name: 'Job title', value: 'Sales lead' },
          { name: 'Department', value: 'Sales' },
          { name: 'Cost center', value: 'CC-7' },
          { name: 'External ID (the object ID in Microsoft Entra ID)', value: '5d4f7a1e-jane' },
        ],
      },
      groups: [{ id: sales, displayName: 'Sales Team' }],
      groupCount: 1,
    });
  });

  it("caps the count of a user's groups, and says so", async () => {
    const user = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'many.groups@contoso.test',
      active: true,
    });
    const id = user.body.id as string;
    for (const name of ['Alpha', 'Bravo', 'Charlie', 'Delta']) {
      const group = await service.request('POST', '/Groups', {
        schemas: [GROUP],
        displayName: `Many ${name}`,
        members: [{ value: id }],
      });
      expect(group.status).toBe(201);
    }
    const { status, body } = await get(`/admin/api/directory/users/${id}`);
    expect(status).toBe(200);
    expect(body.groupCount).toBe(4);
    expect(body.groupCountCapped).toBeUndefined();
    // 10,000 groups are too many to seed here: the same read with a cap of 3.
    const capped = await groupsOf(id, 3);
    expect(capped.groupCount).toBe(3);
    expect(capped.groupCountCapped).toBe(true);
    expect(capped.groups).toHaveLength(3);
    expect(await groupsOf(id, 4)).toEqual({ groups: body.groups, groupCount: 4 });
  });

  it("shows a group's state and its member count", async () => {
    const { status, body } = await get(`/admin/api/directory/groups/${sales}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      resource: {
        type: 'Group',
        id: sales,
        displayName: 'Sales Team',
        externalId: 'grp-sales',
        created: expect.any(String),
        lastModified: expect.any(String),
        attributes: [
          { name: 'Display name', value: 'Sales Team' },
          { name: 'External ID (the object ID in Microsoft Entra ID)', value: 'grp-sales' },
        ],
      },
      memberCount: 1,
    });
  });

  it('answers 404 for what GroupTalk does not hold', async () => {
    for (const path of [
      '/admin/api/directory/users/00000000-0000-0000-0000-000000000000',
      `/admin/api/directory/groups/${jane}`,
      `/admin/api/directory/users/${sales}`,
      `/admin/api/directory/people/${jane}`,
      `/admin/api/directory/users/${'x'.repeat(300)}`,
    ]) {
      const { status, body } = await get(path);
      expect({ path, status, error: body?.error }).toEqual({
        path,
        status: 404,
        error: 'notFound',
      });
    }
  });
});
