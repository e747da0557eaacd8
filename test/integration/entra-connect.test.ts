/**
 * Connect to Microsoft Entra over HTTP without a browser: the consent round-trip through the local
 * OpenID provider followed by hand (page → provider → callback), and what each refusal tells the
 * admin, read back from `GET /admin/api/entra` and the tenant's table in DynamoDB Local.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAdmin, startLocalAdmin } from '../../infra/local/admin.js';
import { GRAPH_RESOURCE, LOCAL_USERS } from '../../infra/local/oidc-provider.js';
import { adminRoutes, routes } from '../../shared/routes.js';
import { listAdminActions } from '../../shared/store/admin-items.js';
import { startTestService, type TestService } from '../support/service.js';

let work: string;
let admin: LocalAdmin;
let service: TestService;
let origin: string;
let cookie: string;
let csrfToken: string;

function cookiesOf(response: Response): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const header of response.headers.getSetCookie()) {
    const [pair = ''] = header.split(';');
    const at = pair.indexOf('=');
    cookies.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return cookies;
}

async function signIn(): Promise<string> {
  const start = await fetch(`${origin}/admin/sign-in`, { redirect: 'manual' });
  const signInCookie = [...cookiesOf(start)].map(([name, value]) => `${name}=${value}`).join('; ');
  const authorize = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
  const callback = await fetch(authorize.headers.get('location') ?? '', {
    redirect: 'manual',
    headers: { cookie: signInCookie },
  });
  return `grouptalk-admin=${cookiesOf(callback).get('grouptalk-admin')}`;
}

/** `POST /admin/api/entra/authorize` as the page's script sends it. */
function authorize(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${origin}/admin/api/entra/authorize`, {
    method: 'POST',
    headers: {
      cookie,
      'x-csrf-token': csrfToken,
      'content-type': 'application/json',
      origin,
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/**
 * Presses a button: authorize, then the browser's redirects (provider, callback, and the
 * callback's own second round-trip when a silent request needs the consent page) until the page.
 * Returns the provider URLs visited and the last answer.
 */
async function press(body: Record<string, unknown>) {
  const started = await authorize(body);
  expect(started.status).toBe(200);
  const { url } = (await started.json()) as { url: string };
  let consent = [...cookiesOf(started)].map(([name, value]) => `${name}=${value}`).join('; ');
  const visited: URL[] = [];
  let next = url;
  for (let hop = 0; hop < 4; hop++) {
    visited.push(new URL(next));
    const atProvider = await fetch(next, { redirect: 'manual' });
    const callback = await fetch(atProvider.headers.get('location') ?? '', {
      redirect: 'manual',
      headers: { cookie: `${cookie}; ${consent}` },
    });
    const location = callback.headers.get('location') ?? '';
    if (callback.status !== 302 || !location.startsWith(admin.provider.issuer)) {
      return { visited, response: callback, location, text: await callback.text() };
    }
    consent = [...cookiesOf(callback)].map(([name, value]) => `${name}=${value}`).join('; ');
    next = location;
  }
  throw new Error('too many round-trips');
}

async function connection() {
  const response = await fetch(`${origin}/admin/api/entra`, { headers: { cookie } });
  expect(response.status).toBe(200);
  // biome-ignore lint/suspicious/noExplicitAny: the test reads into the answer freely.
  return (await response.json()) as any;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'grouptalk-entra-connect-'));
  admin = await startLocalAdmin({ requestLogFile: join(work, 'requests.jsonl') });
  Object.assign(process.env, admin.environment, { CREDENTIAL_CACHE_SECONDS: '1' });
  service = await startTestService({ routes: [...routes, ...adminRoutes] });
  origin = new URL(service.url).origin;
  cookie = await signIn();
  const session = await fetch(`${origin}/admin/api/session`, { headers: { cookie } });
  ({ csrfToken } = (await session.json()) as { csrfToken: string });
});

afterAll(async () => {
  await service?.close();
  await admin?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

beforeEach(() => {
  admin.provider.setConsent('grant');
  admin.provider.setGrantable(LOCAL_USERS.admin.username, undefined);
});

describe('the consent round-trip of Connect to Microsoft Entra', () => {
  it('asks Entra for the Graph permissions at the moment of use, with PKCE, state, nonce and the account', async () => {
    // Act
    const response = await authorize({ action: 'connect' });

    // Assess
    expect(response.status).toBe(200);
    const url = new URL(((await response.json()) as { url: string }).url);
    expect(url.origin).toBe(admin.provider.issuer);
    expect(url.searchParams.get('scope')?.split(' ').sort()).toEqual([
      `${GRAPH_RESOURCE}/Application.ReadWrite.All`,
      `${GRAPH_RESOURCE}/Synchronization.ReadWrite.All`,
      'openid',
    ]);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(url.searchParams.get('login_hint')).toBe(LOCAL_USERS.admin.username);
    expect(url.searchParams.get('redirect_uri')).toBe(`${origin}/admin/entra/callback`);
    // No consent given yet: Entra may show its page.
    expect(url.searchParams.get('prompt')).toBeNull();
    const withLog = new URL(
      ((await (await authorize({ action: 'connect', withLog: true })).json()) as { url: string })
        .url,
    );
    expect(withLog.searchParams.get('scope')).toContain(`${GRAPH_RESOURCE}/AuditLog.Read.All`);
    expect(withLog.searchParams.get('scope')).toContain(`${GRAPH_RESOURCE}/Directory.Read.All`);
    // Sign-in itself still asks for nothing of Graph.
    const signInStart = await fetch(`${origin}/admin/sign-in`, { redirect: 'manual' });
    const signInUrl = new URL(signInStart.headers.get('location') ?? '');
    expect(signInUrl.searchParams.get('scope')).toBe('openid profile');
  });

  it('refuses a bad action, a job action before connecting, and a call without the CSRF token', async () => {
    const bad = await authorize({ action: 'format' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('invalidAction');
    const noUser = await authorize({ action: 'readLog' });
    expect(noUser.status).toBe(400);
    const early = await authorize({ action: 'pause' });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { message: string }).message).toContain(
      'Connect to Microsoft Entra first',
    );
    const forged = await authorize({ action: 'connect' }, { 'x-csrf-token': 'nope' });
    expect(forged.status).toBe(403);
  });

  it('tells the admin who declines the consent that nothing changed and how to go on', async () => {
    // Prepare
    admin.provider.setConsent('decline');
    const before = await listAdminActions();

    // Act
    const { response, location } = await press({ action: 'connect' });

    // Assess: back on the page, whose section says what happened.
    expect(response.status).toBe(302);
    expect(location).toBe('/admin#entra-connection');
    const state = await connection();
    expect(state.state).toBe('notConnected');
    expect(state.lastRun.outcome).toBe('failed');
    expect(state.lastRun.steps).toHaveLength(1);
    const [consent] = state.lastRun.steps;
    expect(consent).toMatchObject({ name: 'consent', status: 'failed' });
    expect(consent.detail).toContain('You declined the permissions');
    expect(consent.detail).toContain('Nothing was changed in Entra');
    expect(consent.advice).toContain('press the button again and accept');
    const actions = await listAdminActions();
    expect(actions.length).toBe(before.length + 1);
    expect(actions[0]).toMatchObject({
      action: 'entraConsentRefused',
      actorName: LOCAL_USERS.admin.username,
    });
    // No credential was registered for it.
    const listed = await fetch(`${origin}/admin/api/credentials`, { headers: { cookie } });
    const { credentials } = (await listed.json()) as { credentials: { description?: string }[] };
    expect(
      credentials.filter((c) => c.description?.includes('Connect to Microsoft Entra')),
    ).toEqual([]);
  });

  it('refuses an answer from Entra without its transaction (stale, or started in another browser)', async () => {
    const response = await fetch(`${origin}/admin/entra/callback?code=abc&state=xyz`, {
      headers: { cookie },
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain(
      'Go back to the integration page and press the button again',
    );
  });
});
