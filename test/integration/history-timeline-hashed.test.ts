/**
 * A timeline of a tenant whose log lines hash identifiers (`LOG_IDENTIFIERS=hmac`): the history
 * items are keyed by the hashes, and the timeline still finds a user's requests by its id, its
 * userName in any case and its externalId, and its memberships (the group's name unsaid).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAdmin, startLocalAdmin } from '../../infra/local/admin.js';
import { adminRoutes, routes } from '../../shared/routes.js';
import { signInByHand } from '../support/admin-sign-in.js';
import { startTestService, type TestService } from '../support/service.js';

// Before the first request imports a handler: the log policy is read at cold start.
process.env.LOG_IDENTIFIERS = 'hmac';
process.env.LOG_HASH_KEY = randomBytes(32).toString('base64url');

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
let jane: string;
let sales: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'grouptalk-timeline-hashed-'));
  admin = await startLocalAdmin({ requestLogFile: join(work, 'requests.jsonl') });
  Object.assign(process.env, admin.environment);
  service = await startTestService({ routes: [...routes, ...adminRoutes] });
  origin = new URL(service.url).origin;
  cookie = await signIn();

  const lookup = await service.request(
    'GET',
    `/Users?filter=${encodeURIComponent('userName eq "Jane.Doe@contoso.test"')}`,
  );
  expect(lookup.body.totalResults).toBe(0);
  const created = await service.request('POST', '/Users', {
    schemas: [USER],
    userName: 'Jane.Doe@contoso.test',
    externalId: 'ext-jane',
  });
  expect(created.status).toBe(201);
  jane = created.body.id;
  const group = await service.request('POST', '/Groups', {
    schemas: [GROUP],
    displayName: 'Sales',
    members: [{ value: jane }],
  });
  expect(group.status).toBe(201);
  sales = group.body.id;
});

afterAll(async () => {
  await service?.close();
  await admin?.close();
  await rm(work, { recursive: true, force: true });
});

describe('a timeline with identifiers hashed in the logs', () => {
  it('holds no name in clear, and still gives the user its lookup, its create and its membership', async () => {
    const log = await readFile(join(work, 'requests.jsonl'), 'utf8');
    expect(log).not.toContain('Jane.Doe');
    expect(log).not.toContain('Sales');
    const { status, body } = await api<{ items: TimelineItem[] }>(
      `/admin/api/history?type=User&id=${jane}&days=1`,
    );
    expect(status).toBe(200);
    expect(body.items.map((item) => item.title)).toEqual([
      'Added to a group',
      'Created user',
      'Looked up a user by user name: not found',
    ]);
    expect(body.items[0]?.group).toEqual({ id: sales });
  });

  it('finds the user by its userName in another case', async () => {
    const { body } = await api<{ records: { title: string }[] }>(
      `/admin/api/history?term=${encodeURIComponent('JANE.DOE@CONTOSO.TEST')}&days=1`,
    );
    expect(body.records.map((record) => record.title)).toEqual(
      expect.arrayContaining(['Created user', 'Looked up a user by user name: not found']),
    );
  });
});
