/**
 * The integration page's JSON API over HTTP without a browser, as deployed in AWS: no configured
 * session key (the first sign-in generates one into the tenant's table), the sign-in through the
 * local OpenID provider followed by hand, and the page's items in DynamoDB Local.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAdmin, startLocalAdmin } from '../../infra/local/admin.js';
import { adminRoutes, routes } from '../../shared/routes.js';
import {
  adminSessionKey,
  listAdminActions,
  recordAdminAction,
} from '../../shared/store/admin-items.js';
import { startTestService, type TestService } from '../support/service.js';

let work: string;
let admin: LocalAdmin;
let service: TestService;
let origin: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'grouptalk-admin-api-'));
  admin = await startLocalAdmin({ requestLogFile: join(work, 'requests.jsonl') });
  const { ADMIN_SESSION_KEY: _configured, ...environment } = admin.environment;
  Object.assign(process.env, environment);
  delete process.env.ADMIN_SESSION_KEY;
  service = await startTestService({ routes: [...routes, ...adminRoutes] });
  origin = new URL(service.url).origin;
});

afterAll(async () => {
  await service?.close();
  await admin?.close();
  await rm(work, { recursive: true, force: true });
});

/** `name=value` pairs of the response's Set-Cookie headers. */
function cookiesOf(response: Response): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const header of response.headers.getSetCookie()) {
    const [pair = ''] = header.split(';');
    const at = pair.indexOf('=');
    cookies.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return cookies;
}

/** Follows the sign-in by hand: the page → the provider → the callback; returns the cookie. */
async function signIn(loginHint?: string): Promise<{ status: number; cookie?: string }> {
  const start = await fetch(
    `${origin}/admin/sign-in${loginHint ? `?login_hint=${encodeURIComponent(loginHint)}` : ''}`,
    { redirect: 'manual' },
  );
  const signInCookie = [...cookiesOf(start)].map(([name, value]) => `${name}=${value}`).join('; ');
  const authorize = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
  const callback = await fetch(authorize.headers.get('location') ?? '', {
    redirect: 'manual',
    headers: { cookie: signInCookie },
  });
  const session = cookiesOf(callback).get('grouptalk-admin');
  return { status: callback.status, ...(session ? { cookie: `grouptalk-admin=${session}` } : {}) };
}

describe('the integration page API with the session key in the table', () => {
  it('has no key until the first sign-in creates one, then always the same', async () => {
    expect(await adminSessionKey(false)).toBeUndefined();
    const { status, cookie } = await signIn();
    expect(status).toBe(302);
    expect(cookie).toBeDefined();
    const stored = await adminSessionKey(false);
    expect(stored).toHaveLength(32);
    // Concurrent creators agree on the one key.
    const raced = await Promise.all([1, 2, 3, 4].map(() => adminSessionKey(true)));
    for (const key of raced) expect(Buffer.from(key!).equals(Buffer.from(stored!))).toBe(true);

    const session = await fetch(`${origin}/admin/api/session`, { headers: { cookie: cookie! } });
    expect(session.status).toBe(200);
    const body = (await session.json()) as { csrfToken: string };
    expect(body).toMatchObject({ tenantUrl: service.url, user: { name: 'Ada Admin' } });
    expect(body.csrfToken).toMatch(/^[\w-]{43}$/);
    expect(session.headers.get('cache-control')).toBe('no-store');
    expect(session.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('refuses a forged or foreign session cookie and a change from another origin', async () => {
    const forged = await fetch(`${origin}/admin/api/audit`, {
      headers: { cookie: 'grouptalk-admin=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..x.y.z' },
    });
    expect(forged.status).toBe(401);
    const { cookie } = await signIn();
    const { csrfToken } = (await (
      await fetch(`${origin}/admin/api/session`, { headers: { cookie: cookie! } })
    ).json()) as { csrfToken: string };
    const crossOrigin = await fetch(`${origin}/admin/api/clients`, {
      method: 'POST',
      headers: { cookie: cookie!, 'x-csrf-token': csrfToken, origin: 'https://evil.example' },
    });
    expect(crossOrigin.status).toBe(403);
    const sameOrigin = await fetch(`${origin}/admin/api/clients`, {
      method: 'POST',
      headers: { cookie: cookie!, 'x-csrf-token': csrfToken, origin },
    });
    expect(sameOrigin.status).toBe(201);
  });

  it('answers a bad report period and an empty history term with 400, not a 500', async () => {
    const { cookie } = await signIn();
    const headers = { cookie: cookie! };
    expect((await fetch(`${origin}/admin/api/reports?days=31`, { headers })).status).toBe(400);
    expect((await fetch(`${origin}/admin/api/reports?days=x`, { headers })).status).toBe(400);
    expect((await fetch(`${origin}/admin/api/history?term=`, { headers })).status).toBe(400);
    expect((await fetch(`${origin}/admin/assets/nothing.js`)).status).toBe(404);
  });

  it('lists admin actions newest first', async () => {
    await recordAdminAction({ actorId: 'a', actorName: 'first', action: 'test' });
    // Items sort by their ISO time: the second one a clock tick later.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await recordAdminAction({ actorId: 'a', actorName: 'second', action: 'test' });
    const actions = await listAdminActions(2);
    expect(actions.map((action) => action.actorName)).toEqual(['second', 'first']);
    expect(actions[0]).not.toHaveProperty('pk');
  });
});
