/**
 * The integration page's JSON API over HTTP without a browser, as deployed in AWS: no configured
 * session key (the first sign-in generates one into the tenant's table), the sign-in through the
 * local OpenID provider followed by hand, and the page's items (audit, sessions) in DynamoDB
 * Local.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as sessionHandler } from '../../functions/admin/get-session.js';
import { handler as pageHandler } from '../../functions/admin/page.js';
import { type LocalAdmin, startLocalAdmin } from '../../infra/local/admin.js';
import { LOCAL_USERS } from '../../infra/local/oidc-provider.js';
import { openSession } from '../../shared/admin/session.js';
import { adminRoutes, routes } from '../../shared/routes.js';
import {
  adminSessionKey,
  listAdminActions,
  putAdminSessionParams,
  readAdminSession,
  recordAdminAction,
  renewAdminSession,
} from '../../shared/store/admin-items.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import { keys } from '../../shared/store/keys.js';
import { startTestService, type TestService } from '../support/service.js';

let work: string;
let admin: LocalAdmin;
let service: TestService;
let origin: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'grouptalk-admin-api-'));
  admin = await startLocalAdmin({ requestLogFile: join(work, 'requests.jsonl') });
  const { ADMIN_SESSION_KEY: _configured, ...environment } = admin.environment;
  // A short registry cache, so that a revoked secret's access tokens stop within this test.
  Object.assign(process.env, environment, { CREDENTIAL_CACHE_SECONDS: '1' });
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

/**
 * Follows the sign-in by hand: the page → the provider → the callback (with the browser's
 * `current` session cookie, if any); returns the new session cookie.
 */
async function signIn(
  loginHint?: string,
  current?: string,
): Promise<{ status: number; cookie?: string }> {
  const start = await fetch(
    `${origin}/admin/sign-in${loginHint ? `?login_hint=${encodeURIComponent(loginHint)}` : ''}`,
    { redirect: 'manual' },
  );
  const signInCookie = [...cookiesOf(start)].map(([name, value]) => `${name}=${value}`).join('; ');
  const authorize = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
  const callback = await fetch(authorize.headers.get('location') ?? '', {
    redirect: 'manual',
    headers: { cookie: current ? `${current}; ${signInCookie}` : signInCookie },
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

/** A signed-in administrator's headers for a state-changing call. */
async function changeHeaders(): Promise<Record<string, string>> {
  const { cookie } = await signIn();
  const { csrfToken } = (await (
    await fetch(`${origin}/admin/api/session`, { headers: { cookie: cookie! } })
  ).json()) as { csrfToken: string };
  return { cookie: cookie!, 'x-csrf-token': csrfToken, origin };
}

/** Entra's token request (`client_secret_post`): the status and the access token, if any. */
async function exchange(clientId: string, clientSecret: string) {
  const response = await fetch(`${origin}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  return { status: response.status, accessToken: body.access_token };
}

interface SecretView {
  id: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
}

describe("rotating an OAuth client's secret on the integration page", () => {
  it('adds a secret shown once with its expiry while the old one keeps working', async () => {
    // Prepare
    const headers = await changeHeaders();
    const created = (await (
      await fetch(`${origin}/admin/api/clients`, { method: 'POST', headers })
    ).json()) as { clientId: string; clientSecret: string; credential: { secrets: SecretView[] } };
    const path = `${origin}/admin/api/clients/${created.clientId}/secrets`;

    // Act
    const withoutCsrf = await fetch(path, {
      method: 'POST',
      headers: { cookie: headers.cookie! },
    });
    const answer = await fetch(path, { method: 'POST', headers });
    const added = (await answer.json()) as {
      clientId: string;
      secretId: string;
      clientSecret: string;
      secretExpiresAt: string;
      tokenEndpoint: string;
      credential: { secrets: SecretView[] };
    };
    const listed = await (
      await fetch(`${origin}/admin/api/credentials`, { headers: { cookie: headers.cookie! } })
    ).text();

    // Assess
    expect(withoutCsrf.status).toBe(403);
    expect(answer.status).toBe(201);
    expect(added.clientId).toBe(created.clientId);
    expect(added.clientSecret).toMatch(/^[\w-]{43}$/);
    expect(added.clientSecret).not.toBe(created.clientSecret);
    expect(added.tokenEndpoint).toBe(`${origin}/oauth2/token`);
    // A year from now, as the client's first secret.
    const year = Date.parse(added.secretExpiresAt) - Date.now();
    expect(year).toBeGreaterThan(364 * 86_400_000);
    expect(year).toBeLessThanOrEqual(365 * 86_400_000);
    expect(added.credential.secrets.map((secret) => secret.id)).toEqual([
      created.credential.secrets[0]!.id,
      added.secretId,
    ]);
    // Both work at the token endpoint: Entra can be switched without a gap.
    expect((await exchange(created.clientId, created.clientSecret)).status).toBe(200);
    expect((await exchange(created.clientId, added.clientSecret)).status).toBe(200);
    // Listed by id and dates only: never a secret or its hash.
    expect(listed).toContain(added.secretId);
    expect(listed).not.toContain(added.clientSecret);
    expect(listed).not.toContain(created.clientSecret);
    expect(listed).not.toContain('hash');
  });

  it('revokes the old secret: refused at the token endpoint, its access tokens stop, the last one is kept', async () => {
    // Prepare: a client whose first secret got an access token, then a second secret.
    const headers = await changeHeaders();
    const created = (await (
      await fetch(`${origin}/admin/api/clients`, { method: 'POST', headers })
    ).json()) as { clientId: string; clientSecret: string; credential: { secrets: SecretView[] } };
    const oldId = created.credential.secrets[0]!.id;
    const oldToken = (await exchange(created.clientId, created.clientSecret)).accessToken;
    const added = (await (
      await fetch(`${origin}/admin/api/clients/${created.clientId}/secrets`, {
        method: 'POST',
        headers,
      })
    ).json()) as { secretId: string; clientSecret: string };
    const revokePath = (secretId: string) =>
      `${origin}/admin/api/clients/${created.clientId}/secrets/${secretId}/revoke`;

    // Act
    const revoked = await fetch(revokePath(oldId), { method: 'POST', headers });
    const body = (await revoked.json()) as { credential: { secrets: SecretView[] } };
    const again = await fetch(revokePath(oldId), { method: 'POST', headers });
    const last = await fetch(revokePath(added.secretId), { method: 'POST', headers });
    const unknown = await fetch(revokePath('0123456789ab'), { method: 'POST', headers });

    // Assess
    expect(revoked.status).toBe(200);
    expect(body.credential.secrets.find((secret) => secret.id === oldId)?.revokedAt).toBeDefined();
    expect(again.status).toBe(200);
    expect(last.status).toBe(409);
    expect(await last.json()).toMatchObject({ error: 'lastSecret' });
    expect(unknown.status).toBe(404);
    expect((await exchange(created.clientId, created.clientSecret)).status).toBe(401);
    expect((await exchange(created.clientId, added.clientSecret)).status).toBe(200);
    // An access token obtained with the revoked secret stops within the cache window (1 s here).
    await expect
      .poll(
        async () =>
          (
            await service.request('GET', '/Users?count=1', undefined, {
              authorization: `Bearer ${oldToken}`,
            })
          ).status,
        { timeout: 10_000, interval: 250 },
      )
      .toBe(401);
    const actions = await listAdminActions(10);
    expect(actions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'addClientSecret',
          target: created.clientId,
          detail: `secret ${added.secretId}`,
        }),
        expect.objectContaining({
          action: 'revokeClientSecret',
          target: created.clientId,
          detail: `secret ${oldId}`,
        }),
      ]),
    );
    // Recorded once: the second revoke changed nothing.
    expect(
      actions.filter((a) => a.action === 'revokeClientSecret' && a.target === created.clientId),
    ).toHaveLength(1);
  });

  it('answers 404 for an unknown client or a Secret Token, and 409 for a revoked client', async () => {
    const headers = await changeHeaders();
    const token = (await (
      await fetch(`${origin}/admin/api/tokens`, { method: 'POST', headers })
    ).json()) as { credential: { id: string } };
    const created = (await (
      await fetch(`${origin}/admin/api/clients`, { method: 'POST', headers })
    ).json()) as { clientId: string };
    await fetch(`${origin}/admin/api/credentials/${created.clientId}/revoke`, {
      method: 'POST',
      headers,
    });
    const add = (id: string) =>
      fetch(`${origin}/admin/api/clients/${id}/secrets`, { method: 'POST', headers });

    expect((await add('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await add(token.credential.id)).status).toBe(404);
    const refused = await add(created.clientId);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: 'revoked' });
  });
});

/** The session a cookie (`grouptalk-admin=…`) holds, opened with the table's key. */
async function sessionOf(cookie: string) {
  const key = await adminSessionKey(false);
  const session = await openSession(
    cookie.slice(cookie.indexOf('=') + 1),
    key!,
    process.env.TENANT!,
  );
  if (!session) throw new Error('not a session cookie');
  return session;
}

/** As if the provider last confirmed the role 61 minutes ago. */
async function ageRoleCheck(cookie: string): Promise<void> {
  const { userId, sessionId } = await sessionOf(cookie);
  const past = Math.floor(Date.now() / 1000) - 61 * 60;
  expect(await renewAdminSession(userId, sessionId, past)).toBe(true);
}

/**
 * The page's silent re-check, followed by hand: `/admin/sign-in?prompt=none` with the session
 * cookie → the provider → the callback with both cookies.
 */
async function silentCheck(cookie: string) {
  const start = await fetch(`${origin}/admin/sign-in?prompt=none`, {
    redirect: 'manual',
    headers: { cookie },
  });
  const providerUrl = new URL(start.headers.get('location') ?? '');
  const signInCookie = [...cookiesOf(start)].map(([name, value]) => `${name}=${value}`).join('; ');
  const authorize = await fetch(providerUrl, { redirect: 'manual' });
  const callback = await fetch(authorize.headers.get('location') ?? '', {
    redirect: 'manual',
    headers: { cookie: `${cookie}; ${signInCookie}` },
  });
  return { providerUrl, callback };
}

async function status(path: string, cookie: string): Promise<number> {
  return (await fetch(`${origin}${path}`, { redirect: 'manual', headers: { cookie } })).status;
}

describe('the integration page session on the server', () => {
  it('ends the session at sign-out: a copy of the cookie gets 401, another session stays', async () => {
    // Prepare: two sessions of the same administrator; the first one's cookie copied.
    const first = await changeHeaders();
    const copied = first.cookie!;
    const other = (await signIn()).cookie!;
    const { userId, sessionId } = await sessionOf(copied);
    expect(await readAdminSession(userId, sessionId)).toBeDefined();

    // Act
    const signOut = await fetch(`${origin}/admin/sign-out`, { method: 'POST', headers: first });

    // Assess
    expect(signOut.status).toBe(200);
    expect(signOut.headers.getSetCookie().join()).toMatch(/grouptalk-admin=;.*Max-Age=0/);
    expect(await readAdminSession(userId, sessionId)).toBeUndefined();
    const api = await fetch(`${origin}/admin/api/session`, { headers: { cookie: copied } });
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: 'signInRequired' });
    const page = await fetch(`${origin}/admin`, {
      redirect: 'manual',
      headers: { cookie: copied },
    });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/admin/sign-in');
    // A change with the copied cookie and its CSRF token is refused too.
    expect(
      (await fetch(`${origin}/admin/api/tokens`, { method: 'POST', headers: first })).status,
    ).toBe(401);
    expect(await status('/admin/api/credentials', other)).toBe(200);
    const actions = await listAdminActions(5);
    expect(actions.some((action) => action.action === 'signOut')).toBe(true);
  });

  it('sweeps the user’s expired session records at each sign-in (the table has no TTL)', async () => {
    const userId = LOCAL_USERS.admin.oid;
    const past = Math.floor(Date.now() / 1000) - 10;
    const key = keys.adminSession(userId, 'expired-1');
    await documentClient().send(
      new PutCommand(
        putAdminSessionParams({
          userId,
          sessionId: 'expired-1',
          expiresAt: past,
          roleCheckedAt: past - 3600,
        }),
      ),
    );
    const read = async () =>
      (await documentClient().send(new GetCommand({ TableName: tableName(), Key: key }))).Item;
    expect(await read()).toBeDefined();

    expect((await signIn()).status).toBe(302);

    expect(await read()).toBeUndefined();
  });

  it('asks the provider again after an hour (prompt=none) and keeps the session while the role holds', async () => {
    // Prepare
    const { cookie, 'x-csrf-token': csrfToken } = await changeHeaders();
    await ageRoleCheck(cookie!);

    // Act
    const api = await fetch(`${origin}/admin/api/credentials`, { headers: { cookie: cookie! } });
    const page = await fetch(`${origin}/admin`, {
      redirect: 'manual',
      headers: { cookie: cookie! },
    });
    const { providerUrl, callback } = await silentCheck(cookie!);

    // Assess: refused until the provider answers, then the same session again.
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: 'roleCheckRequired' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/admin/sign-in?prompt=none');
    expect(providerUrl.searchParams.get('prompt')).toBe('none');
    expect(providerUrl.searchParams.get('login_hint')).toBe(admin.testAdministrator);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/admin');
    expect(cookiesOf(callback).has('grouptalk-admin')).toBe(false);
    const { userId, sessionId } = await sessionOf(cookie!);
    const record = await readAdminSession(userId, sessionId);
    expect(Date.now() / 1000 - record!.roleCheckedAt).toBeLessThan(60);
    const session = await fetch(`${origin}/admin/api/session`, { headers: { cookie: cookie! } });
    expect(session.status).toBe(200);
    expect(((await session.json()) as { csrfToken: string }).csrfToken).toBe(csrfToken);
  });

  it('ends a session older than the re-check whose role was removed at the provider', async () => {
    const { cookie } = await signIn();
    // A copy taken while the session was fresh.
    const copy = cookie!;
    await ageRoleCheck(cookie!);
    admin.provider.setRoles(admin.testAdministrator, []);
    try {
      const { callback } = await silentCheck(cookie!);

      expect(callback.status).toBe(403);
      expect(await callback.text()).toContain('GroupTalk.Admin');
      expect(cookiesOf(callback).get('grouptalk-admin')).toBe('');
      const { userId, sessionId } = await sessionOf(copy);
      expect(await readAdminSession(userId, sessionId)).toBeUndefined();
      const api = await fetch(`${origin}/admin/api/session`, { headers: { cookie: copy } });
      expect(api.status).toBe(401);
      expect(await api.json()).toMatchObject({ error: 'signInRequired' });
      expect((await listAdminActions(1))[0]).toMatchObject({ action: 'signInRefused' });
      // Nor can a new sign-in get in while the role is gone.
      expect((await signIn()).status).toBe(403);
    } finally {
      admin.provider.setRoles(admin.testAdministrator, undefined);
    }
  });

  it('falls back to an ordinary sign-in when the provider needs the user, which starts a new session', async () => {
    const { cookie } = await signIn();
    const before = await sessionOf(cookie!);
    await ageRoleCheck(cookie!);
    admin.provider.setSignedIn(false);

    const { callback } = await silentCheck(cookie!);
    // The provider needs the user: an ordinary sign-in (which signs in again here).
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/admin/sign-in');
    const again = await signIn(undefined, cookie);

    expect(again.status).toBe(302);
    const after = await sessionOf(again.cookie!);
    expect(after.sessionId).not.toBe(before.sessionId);
    expect(await status('/admin/api/session', again.cookie!)).toBe(200);
    // The session it replaced in this browser has ended.
    expect(await readAdminSession(before.userId, before.sessionId)).toBeUndefined();
    expect(await status('/admin/api/session', cookie!)).toBe(401);
  });
});

describe('HSTS on the integration page', () => {
  const host = 'abc123.execute-api.eu-west-1.amazonaws.com';
  const context = {
    functionName: 'admin-page',
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => 10_000,
  } as unknown as Context;
  function event(rawPath: string, proto: string, hostName = host): APIGatewayProxyEventV2 {
    return {
      version: '2.0',
      routeKey: `GET ${rawPath}`,
      rawPath,
      rawQueryString: '',
      headers: { host: hostName, 'x-forwarded-proto': proto },
      requestContext: {
        accountId: '111111111111',
        apiId: 'abc123',
        domainName: hostName,
        domainPrefix: 'abc123',
        http: {
          method: 'GET',
          path: rawPath,
          protocol: 'HTTP/1.1',
          sourceIp: '203.0.113.7',
          userAgent: '',
        },
        requestId: randomUUID(),
        routeKey: `GET ${rawPath}`,
        stage: '$default',
        time: '07/Dec/2026:10:00:00 +0000',
        timeEpoch: Date.now(),
      },
      isBase64Encoded: false,
    };
  }

  it('is sent on every answer over https (as API Gateway serves it), a redirect and an error too', async () => {
    const page = (await pageHandler(
      event('/admin', 'https'),
      context,
    )) as APIGatewayProxyStructuredResultV2;
    const api = (await sessionHandler(
      event('/admin/api/session', 'https'),
      context,
    )) as APIGatewayProxyStructuredResultV2;

    expect(page.statusCode).toBe(302);
    expect(api.statusCode).toBe(401);
    for (const answer of [page, api]) {
      expect(answer.headers?.['strict-transport-security']).toBe(
        'max-age=31536000; includeSubDomains',
      );
    }
  });

  it('is not sent over plain http (npm start), where browsers ignore it, nor to a loopback name', async () => {
    const local = await fetch(`${origin}/admin`, { redirect: 'manual' });
    const loopback = (await pageHandler(
      event('/admin', 'https', 'localhost:8443'),
      context,
    )) as APIGatewayProxyStructuredResultV2;

    expect(local.status).toBe(302);
    expect(local.headers.has('strict-transport-security')).toBe(false);
    expect(loopback.headers?.['strict-transport-security']).toBeUndefined();
  });
});

describe('the reports of npm start (the record stream, aggregated in-process)', () => {
  it("count Entra's SCIM requests only: page loads, an expired session and token requests are in the stream but not in the report", async () => {
    // Prepare: SCIM requests (one refused), page loads with and without a session, a token request.
    const { cookie } = await signIn();
    const before = (await (
      await fetch(`${origin}/admin/api/reports?days=1`, { headers: { cookie: cookie! } })
    ).json()) as {
      activity: { requests: number; failures: number }[];
      failures: { status: number; count: number }[];
    };
    // Other tests of this file make real SCIM 401s (a revoked secret): only new ones would count.
    const unauthorized = (failures: { status: number; count: number }[]) =>
      failures.find((f) => f.status === 401)?.count ?? 0;
    const userName = `stream.${Date.now()}@contoso.test`;
    const created = await service.request('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName,
    });
    expect(created.status).toBe(201);
    const conflict = await service.request('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName,
    });
    expect(conflict.status).toBe(409);
    expect((await service.request('GET', `/Users/${created.body.id}`)).status).toBe(200);
    for (let load = 0; load < 3; load += 1) {
      await fetch(`${origin}/admin/api/session`, { headers: { cookie: cookie! } });
      await fetch(`${origin}/admin/api/audit`, { headers: { cookie: cookie! } });
    }
    // An expired (here: absent) session: the page's own 401s.
    expect((await fetch(`${origin}/admin/api/reports`)).status).toBe(401);
    const token = await fetch(`${origin}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=nobody&client_secret=wrong',
    });
    expect(token.status).toBe(401);

    // Act
    const response = await fetch(`${origin}/admin/api/reports?days=1`, {
      headers: { cookie: cookie! },
    });
    const report = (await response.json()) as {
      activity: { requests: number; failures: number }[];
      failures: { status: number; scimType: string; count: number; errorDetail: string }[];
      outcomes: { operation: string; status: number; count: number }[];
      recent: { operation: string }[];
    };

    // Assess: the stream holds every kind of line, as the log group does…
    const lines = (await readFile(join(work, 'requests.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind?: string; operation: string; status: number });
    expect(new Set(lines.map((line) => line.kind))).toEqual(new Set(['scim', 'admin', 'token']));
    expect(lines).toContainEqual(expect.objectContaining({ kind: 'admin', status: 401 }));
    // …and the report counts the three SCIM requests only.
    const total = (buckets: { requests: number; failures: number }[]) =>
      buckets.reduce(
        (sum, b) => ({ requests: sum.requests + b.requests, failures: sum.failures + b.failures }),
        { requests: 0, failures: 0 },
      );
    const was = total(before.activity);
    expect(total(report.activity)).toEqual({
      requests: was.requests + 3,
      failures: was.failures + 1,
    });
    expect(unauthorized(report.failures)).toBe(unauthorized(before.failures));
    expect(report.failures).toContainEqual(
      expect.objectContaining({ status: 409, scimType: 'uniqueness' }),
    );
    expect(report.outcomes.map((o) => o.operation)).not.toContain('getProvisioningReport');
    expect(report.outcomes.map((o) => o.operation)).not.toContain('issueAccessToken');
    expect(report.recent.map((r) => r.operation).slice(0, 3)).toEqual([
      'getUser',
      'createUser',
      'createUser',
    ]);
    const history = (await (
      await fetch(`${origin}/admin/api/history?term=${encodeURIComponent(userName)}&days=1`, {
        headers: { cookie: cookie! },
      })
    ).json()) as { records: { operation: string; status: number }[] };
    expect(history.records.map((r) => [r.operation, r.status])).toEqual([
      ['createUser', 201],
      ['createUser', 409],
      ['getUser', 200],
    ]);
  });
});

describe('the integration page while DynamoDB cannot answer', () => {
  const FAULT = 'adminApiStoreOutage';

  it('answers 503 with Retry-After, as a page or as JSON, never a bare 500', async () => {
    // Prepare: signed in, then every DynamoDB call fails as an unavailable service does.
    const { cookie } = await signIn();
    documentClient().middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error('injected: DynamoDB unavailable'), {
          name: 'ServiceUnavailable',
          $fault: 'server',
          $metadata: { httpStatusCode: 503 },
        });
      },
      { step: 'initialize', name: FAULT },
    );
    try {
      // Act
      const page = await fetch(`${origin}/admin`, { headers: { cookie: cookie! } });
      const api = await fetch(`${origin}/admin/api/reports?days=1`, {
        headers: { cookie: cookie! },
      });

      // Assess
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('5');
      const html = await page.text();
      expect(html).toContain('Temporarily unavailable');
      expect(html).toContain('/admin/sign-in');
      expect(api.status).toBe(503);
      expect(api.headers.get('retry-after')).toBe('5');
      expect(await api.json()).toMatchObject({ error: 'storageUnavailable' });
    } finally {
      documentClient().middlewareStack.remove(FAULT);
    }
    // Once the table answers again, so does the page.
    const after = await fetch(`${origin}/admin/api/reports?days=1`, {
      headers: { cookie: cookie! },
    });
    expect(after.status).toBe(200);
  });
});
