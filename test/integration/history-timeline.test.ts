/**
 * A resource's timeline over HTTP, as `npm start` serves it: SCIM requests in Entra's dialect to
 * the local service, their log records aggregated in-process into DynamoDB Local, and
 * GET /admin/api/history read with a session signed in through the local OpenID provider.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAdmin, startLocalAdmin } from '../../infra/local/admin.js';
import { adminRoutes, routes } from '../../shared/routes.js';
import { signInByHand } from '../support/admin-sign-in.js';
import { startTestService, type TestService } from '../support/service.js';

let work: string;
let admin: LocalAdmin;
let service: TestService;
let origin: string;
let cookie: string;

/** The sign-in by hand (`test/support/admin-sign-in.ts`); returns the session cookie. */
async function signIn(): Promise<string> {
  return `grouptalk-admin=${await signInByHand(origin)}`;
}

async function api<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${origin}${path}`, { headers: { cookie } });
  return { status: response.status, body: (await response.json()) as T };
}

interface TimelineItem {
  at: string;
  title: string;
  outcome: string;
  status: number;
  operation: string;
  scimType?: string;
  detail?: string;
  group?: { id: string; displayName?: string };
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
let jane: string;
let sales: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'grouptalk-timeline-'));
  admin = await startLocalAdmin({ requestLogFile: join(work, 'requests.jsonl') });
  Object.assign(process.env, admin.environment);
  service = await startTestService({ routes: [...routes, ...adminRoutes] });
  origin = new URL(service.url).origin;
  cookie = await signIn();

  // Entra provisions Jane, refuses a duplicate, creates Sales, adds and removes her, disables her.
  const lookup = await service.request(
    'GET',
    `/Users?filter=${encodeURIComponent('userName eq "jane.doe@contoso.test"')}`,
  );
  expect(lookup.body.totalResults).toBe(0);
  const created = await service.request('POST', '/Users', {
    schemas: [USER],
    userName: 'jane.doe@contoso.test',
    externalId: 'ext-jane',
    active: true,
  });
  expect(created.status).toBe(201);
  jane = created.body.id;
  const duplicate = await service.request('POST', '/Users', {
    schemas: [USER],
    userName: 'Jane.Doe@contoso.test',
  });
  expect(duplicate.status).toBe(409);
  const group = await service.request('POST', '/Groups', {
    schemas: [GROUP],
    displayName: 'Sales',
  });
  expect(group.status).toBe(201);
  sales = group.body.id;
  const added = await service.request('PATCH', `/Groups/${sales}`, {
    schemas: [PATCH],
    Operations: [{ op: 'Add', path: 'members', value: [{ value: jane }] }],
  });
  expect(added.status).toBe(204);
  const removed = await service.request('PATCH', `/Groups/${sales}`, {
    schemas: [PATCH],
    Operations: [{ op: 'Remove', path: `members[value eq "${jane}"]` }],
  });
  expect(removed.status).toBe(204);
  const disabled = await service.request('PATCH', `/Users/${jane}`, {
    schemas: [PATCH],
    Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
  });
  expect(disabled.status).toBe(204);
});

afterAll(async () => {
  await service?.close();
  await admin?.close();
  await rm(work, { recursive: true, force: true });
});

describe('GET /admin/api/history?type=&id=', () => {
  it("gives a user's one timeline, newest first: requests by id, userName and externalId, and its memberships", async () => {
    const { status, body } = await api<{
      items: TimelineItem[];
      from: string;
      to: string;
      truncated: boolean;
    }>(`/admin/api/history?type=User&id=${jane}&days=1`);
    expect(status).toBe(200);
    expect(body.truncated).toBe(false);
    expect(body.items.map((item) => item.title)).toEqual([
      'Deactivated user',
      'Removed from group "Sales"',
      'Added to group "Sales"',
      'Could not create a user',
      'Created user',
      'Looked up a user by user name: not found',
    ]);
    expect(body.items[1]).toMatchObject({
      outcome: 'succeeded',
      operation: 'patchGroup',
      status: 204,
      group: { id: sales, displayName: 'Sales' },
    });
    expect(body.items[3]).toMatchObject({
      outcome: 'failed',
      status: 409,
      scimType: 'uniqueness',
      detail: expect.stringContaining('Jane.Doe@contoso.test'),
    });
    const times = body.items.map((item) => item.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(86_400_000);
  });

  it("gives a group's timeline with its member changes counted", async () => {
    const { body } = await api<{ items: TimelineItem[] }>(
      `/admin/api/history?type=Group&id=${sales}&days=7`,
    );
    expect(body.items.map((item) => item.title)).toEqual([
      'Removed 1 member',
      'Added 1 member',
      'Created group',
    ]);
  });

  it('logs the member ids of a group write, counted', async () => {
    const lines = (await readFile(join(work, 'requests.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.operation === 'patchGroup')).toEqual([
      expect.objectContaining({ membersAdded: 1, membersRemoved: 0, addedMemberIds: [jane] }),
      expect.objectContaining({ membersAdded: 0, membersRemoved: 1, removedMemberIds: [jane] }),
    ]);
  });

  it('answers an unknown id with an empty timeline, and a bad type or id with 400', async () => {
    const unknown = await api<{ items: unknown[] }>('/admin/api/history?type=User&id=nobody');
    expect(unknown).toMatchObject({ status: 200, body: { items: [] } });
    expect((await api('/admin/api/history?type=Robot&id=x')).status).toBe(400);
    expect((await api('/admin/api/history?type=User&id=')).status).toBe(400);
    expect((await api(`/admin/api/history?type=User&id=${'x'.repeat(257)}`)).status).toBe(400);
    expect((await api(`/admin/api/history?type=User&id=${jane}&days=31`)).status).toBe(400);
  });
});

describe('GET /admin/api/history?term= (the older form)', () => {
  it('finds a userName in any case, each record with its title', async () => {
    const { status, body } = await api<{
      records: { title: string; operation: string }[];
      truncated: boolean;
    }>(`/admin/api/history?term=${encodeURIComponent('JANE.DOE@contoso.test')}&days=1`);
    expect(status).toBe(200);
    expect(body.truncated).toBe(false);
    expect(body.records.map((record) => record.title)).toEqual(
      expect.arrayContaining(['Created user', 'Deactivated user', 'Could not create a user']),
    );
  });
});

describe('GET /admin/api/reports', () => {
  it('says the health, and titles the latest requests', async () => {
    const { body } = await api<{
      health: { state: string; summary: string; lastCall: { title: string; outcome: string } };
      recent: { title: string }[];
      failures: { title: string }[];
    }>('/admin/api/reports?days=1');
    // One 409 in nine requests of one cycle.
    expect(body.health).toMatchObject({
      state: 'attention',
      lastCall: { title: 'Deactivated user', outcome: 'succeeded' },
    });
    expect(body.recent[0]?.title).toBe('Deactivated user');
    expect(body.failures.map((failure) => failure.title)).toEqual([
      'GroupTalk already holds a user or group with that name.',
    ]);
  });
});

describe('GET /admin/api/audit', () => {
  it('gives each admin action its words', async () => {
    const { body } = await api<{ actions: { action: string; title: string }[] }>(
      '/admin/api/audit',
    );
    expect(body.actions[0]).toMatchObject({ action: 'signIn', title: 'Signed in' });
  });
});
