/**
 * Connect to Microsoft Entra over HTTP without a browser: the consent round-trip through the local
 * OpenID provider followed by hand (page → provider → callback), and what each refusal tells the
 * admin, read back from `GET /admin/api/entra` and the tenant's table in DynamoDB Local.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAdmin, startLocalAdmin } from '../../infra/local/admin.js';
import {
  type GraphStandIn,
  LOCAL_GRAPH_DIRECTORY,
  startGraphStandIn,
} from '../../infra/local/graph-stand-in.js';
import { GRAPH_RESOURCE, LOCAL_USERS } from '../../infra/local/oidc-provider.js';
import { adminRoutes, routes } from '../../shared/routes.js';
import { listAdminActions } from '../../shared/store/admin-items.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import { keys } from '../../shared/store/keys.js';
import { cookiesOf, signInByHand } from '../support/admin-sign-in.js';
import { startTestService, type TestService } from '../support/service.js';

let work: string;
let admin: LocalAdmin;
let graph: GraphStandIn;
/** What the functions printed (their log lines) while the file ran. */
const printed: string[] = [];
let service: TestService;
let origin: string;
let cookie: string;
let csrfToken: string;

/** The sign-in by hand (`test/support/admin-sign-in.ts`); returns the session cookie. */
async function signIn(): Promise<string> {
  return `grouptalk-admin=${await signInByHand(origin)}`;
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
  graph = await startGraphStandIn({
    issuer: admin.provider.issuer,
    jwksUri: `${admin.provider.issuer}/jwks`,
    users: LOCAL_GRAPH_DIRECTORY.users,
    groups: LOCAL_GRAPH_DIRECTORY.groups,
  });
  Object.assign(process.env, admin.environment, {
    CREDENTIAL_CACHE_SECONDS: '1',
    GRAPH_BASE_URL: graph.url,
    // Every line the functions log, to look for Graph tokens in.
    LOG_LEVEL: 'DEBUG',
  });
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      printed.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
  }
  service = await startTestService({ routes: [...routes, ...adminRoutes] });
  origin = new URL(service.url).origin;
  cookie = await signIn();
  const session = await fetch(`${origin}/admin/api/session`, { headers: { cookie } });
  ({ csrfToken } = (await session.json()) as { csrfToken: string });
});

afterAll(async () => {
  await service?.close();
  await graph?.close();
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
      // Entra's ID token carries `oid` only with profile; `sub` is pairwise per app.
      'profile',
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
    const badUser = await authorize({ action: 'readLog', user: 'two words' });
    expect(badUser.status).toBe(400);
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

  it('checks the state before any branch: a forged error answer records nothing', async () => {
    // Prepare: a real transaction cookie, and an answer naming another state.
    const started = await authorize({ action: 'connect' });
    const consent = [...cookiesOf(started)].map(([name, value]) => `${name}=${value}`).join('; ');
    const before = (await listAdminActions()).length;

    // Act
    const response = await fetch(
      `${origin}/admin/entra/callback?error=access_denied&error_description=x&state=forged`,
      { headers: { cookie: `${cookie}; ${consent}` }, redirect: 'manual' },
    );

    // Assess
    expect(response.status).toBe(400);
    expect(cookiesOf(response).get('grouptalk-admin-entra')).toBe('');
    expect((await listAdminActions()).length).toBe(before);
  });

  it('clears the consent cookie on the busy page, so reloading it redeems nothing again', async () => {
    // Prepare: Entra's answer in hand, while another run holds the connection.
    const started = await authorize({ action: 'connect' });
    const consent = [...cookiesOf(started)].map(([name, value]) => `${name}=${value}`).join('; ');
    const atProvider = await fetch(((await started.json()) as { url: string }).url, {
      redirect: 'manual',
    });
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.entraConnection(),
        UpdateExpression: 'SET runningUntil = :until, runId = :run',
        ExpressionAttributeValues: { ':until': Date.now() + 30_000, ':run': 'someone-else' },
      }),
    );
    try {
      // Act
      const response = await fetch(atProvider.headers.get('location') ?? '', {
        headers: { cookie: `${cookie}; ${consent}` },
        redirect: 'manual',
      });

      // Assess
      expect(response.status).toBe(409);
      expect(await response.text()).toContain('Another change to the Entra connection is running');
      expect(cookiesOf(response).get('grouptalk-admin-entra')).toBe('');
    } finally {
      await documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.entraConnection(),
          UpdateExpression: 'REMOVE runningUntil, runId',
        }),
      );
    }
  });
});

/** A directory and a GroupTalk that have never met: no connection item, no application in Entra. */
async function forgetConnection(): Promise<void> {
  await documentClient().send(
    new DeleteCommand({ TableName: tableName(), Key: keys.entraConnection() }),
  );
  for (const sp of graph.state.servicePrincipals) graph.deleteApplication(sp.id);
}

// biome-ignore lint/suspicious/noExplicitAny: the test reads into the answer freely.
const stepOf = (state: any, name: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  state.lastRun.steps.find((step: any) => step.name === name);

describe('Connect to Microsoft Entra against the Graph stand-in', () => {
  beforeEach(forgetConnection);

  it('tells an admin whose consent lacked Application.ReadWrite.All which permission is missing', async () => {
    // Prepare: Entra grants this admin only the job permission (no right to consent to more).
    admin.provider.setGrantable(LOCAL_USERS.admin.username, ['Synchronization.ReadWrite.All']);

    // Act
    const { location } = await press({ action: 'connect' });

    // Assess
    expect(location).toBe('/admin#entra-connection');
    const state = await connection();
    expect(stepOf(state, 'consent').detail).toBe('Synchronization.ReadWrite.All.');
    const application = stepOf(state, 'application');
    expect(application).toMatchObject({
      status: 'failed',
      entra: { status: 403, code: 'Authorization_RequestDenied' },
    });
    expect(application.entra.message).toBe('Insufficient privileges to complete the operation.');
    expect(application.advice).toContain('Entra did not grant Application.ReadWrite.All');
    expect(stepOf(state, 'job').status).toBe('notReached');
    expect(state.state).toBe('connecting');
  });

  it('tells an admin whose role is insufficient (Graph 403 with every permission granted) which role it takes', async () => {
    graph.fail('insufficientPrivileges');
    await press({ action: 'connect' });
    const state = await connection();
    const failed = state.lastRun.steps.find((step: { status: string }) => step.status === 'failed');
    expect(failed.entra).toMatchObject({ status: 403, code: 'Authorization_RequestDenied' });
    expect(failed.entra.requestId).toMatch(/\S/);
    expect(failed.advice).toContain('Application Administrator or Cloud Application Administrator');
  });

  it('never takes over a GroupTalk app it did not create without the admin’s confirmation', async () => {
    // Prepare: the customer's own app registration named GroupTalk (no template), and the
    // tutorial's hand-made non-gallery app with the admin's Secret Token, scope "all users" and
    // notification settings.
    const own = graph.addApplication({
      displayName: 'GroupTalk',
      applicationTemplateId: null,
      secrets: [{ key: 'BaseAddress', value: 'https://own.example/scim' }],
    });
    const handMade = [
      { key: 'BaseAddress', value: `${origin}/scim/v2` },
      { key: 'SecretToken', value: 'the-admins-own-token' },
      { key: 'SyncAll', value: 'true' },
      {
        key: 'SyncNotificationSettings',
        value: '{"Enabled":true,"Recipients":"ops@contoso.test"}',
      },
    ];
    const tutorial = graph.addApplication({
      displayName: 'GroupTalk',
      applicationTemplateId: '8adf8e6e-67b2-4cf2-a259-e3dc5476c621',
      secrets: handMade,
    });

    // Act
    await press({ action: 'connect' });

    // Assess: stopped at the application, nothing of either app changed, the admin is asked.
    let state = await connection();
    const application = stepOf(state, 'application');
    expect(application.status).toBe('failed');
    expect(application.detail).toContain('not created by GroupTalk');
    expect(application.detail).toContain(tutorial.appId);
    expect(application.advice).toContain('Take over this application and connect');
    expect(application.takeOver).toBe(tutorial.servicePrincipalId);
    expect(stepOf(state, 'job').status).toBe('notReached');
    expect(graph.secretsOf(tutorial.servicePrincipalId)).toEqual(handMade);
    expect(graph.secretsOf(own.servicePrincipalId)).toHaveLength(1);
    const asked = graph.state.requests.find((r) => r.path === '/v1.0/servicePrincipals');
    expect(asked?.query.$select?.split(',')).toContain('applicationTemplateId');

    // Act: the admin confirms.
    await press({ action: 'connect', takeOver: tutorial.servicePrincipalId });

    // Assess: the hand-made app is GroupTalk's now; Entra's PUT replaced every key.
    state = await connection();
    expect(state.state).toBe('connected');
    expect(state.application.servicePrincipalId).toBe(tutorial.servicePrincipalId);
    expect(stepOf(state, 'application').detail).toContain('taken over');
    const saved = new Map(
      graph.secretsOf(tutorial.servicePrincipalId).map((p) => [p.key, p.value]),
    );
    expect(saved.get('SecretToken')).not.toBe('the-admins-own-token');
    expect(saved.get('SyncAll')).toBe('false');
    expect(saved.has('SyncNotificationSettings')).toBe(false);
    expect(graph.secretsOf(own.servicePrincipalId)).toHaveLength(1);
    // The customer's own registration was never a candidate.
    expect(graph.state.servicePrincipals).toHaveLength(2);
  });

  it('puts in a new credential when the application was deleted in Entra and made again, and revokes the old one', async () => {
    // Prepare: connected; then an admin deletes the application in the admin center.
    await press({ action: 'connect' });
    const first = await connection();
    expect(first.state).toBe('connected');
    graph.deleteApplication(first.application.servicePrincipalId);

    // Act
    await press({ action: 'connect' });

    // Assess: a new application and job, a new credential saved in it, the old one revoked.
    const second = await connection();
    expect(second.state).toBe('connected');
    expect(second.application.servicePrincipalId).not.toBe(first.application.servicePrincipalId);
    expect(second.jobId).not.toBe(first.jobId);
    expect(stepOf(second, 'credential').status).toBe('done');
    expect(second.credential.id).not.toBe(first.credential.id);
    expect(second.credential.savedInEntra).toBe(true);
    const keys = graph.state.secretKeys(second.application.servicePrincipalId);
    expect(keys).toContain('BaseAddress');
    const listed = (await (
      await fetch(`${origin}/admin/api/credentials`, { headers: { cookie } })
    ).json()) as { credentials: { id: string; revokedAt?: string }[] };
    expect(listed.credentials.find((c) => c.id === first.credential.id)?.revokedAt).toBeTruthy();
  });

  it('renews an expiring OAuth client without revoking the one Entra uses until the new one is saved', async () => {
    // Prepare: connected with an OAuth client whose secret expires in ten days (renewed by Connect).
    await press({ action: 'connect' });
    const first = await connection();
    expect(stepOf(first, 'credential').detail).toContain('OAuth client');
    const key = keys.credential(first.credential.id);
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tableName(), Key: key }),
    );
    const soon = new Date(Date.now() + 10 * 24 * 3600 * 1000).toISOString();
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...Item,
          secrets: ((Item?.secrets ?? []) as { expiresAt: string }[]).map((secret) => ({
            ...secret,
            expiresAt: soon,
          })),
        },
      }),
    );
    const spId = first.application.servicePrincipalId;
    const clientIdInEntra = () =>
      graph.secretsOf(spId).find((pair) => pair.key === 'Oauth2ClientId')?.value;
    expect(clientIdInEntra()).toBe(first.credential.id);

    // Act: the renewal fails at Test Connection (both credentials).
    graph.fail('invalidCredentials', { times: 2 });
    await press({ action: 'connect' });

    // Assess: Entra still holds the old client, and it still works.
    const failed = await connection();
    expect(stepOf(failed, 'testConnection').status).toBe('failed');
    expect(failed.credential).toMatchObject({
      id: first.credential.id,
      active: true,
      savedInEntra: true,
    });
    expect(clientIdInEntra()).toBe(first.credential.id);

    // Act: renewed for real.
    await press({ action: 'connect' });

    // Assess: the new client is saved, and only then the old one revoked.
    const renewed = await connection();
    expect(renewed.credential.id).not.toBe(first.credential.id);
    expect(renewed.credential.savedInEntra).toBe(true);
    expect(clientIdInEntra()).toBe(renewed.credential.id);
    expect(stepOf(renewed, 'saveCredentials').detail).toContain(
      `Revoked the credential Entra held before (${first.credential.id})`,
    );
  });

  it('refuses Restart and Provision now after Disconnect, with words', async () => {
    await press({ action: 'connect' });
    await press({ action: 'disconnect' });
    const disconnected = await connection();
    expect(disconnected.state).toBe('disconnected');
    // The stand-in takes the OAuth client: the step names what was revoked.
    expect(stepOf(disconnected, 'revoke').detail).toMatch(/^Revoked OAuth client /);

    for (const body of [
      { action: 'restart' },
      { action: 'provisionOnDemand', user: LOCAL_USERS.admin.oid },
    ]) {
      const response = await authorize(body);
      expect(response.status).toBe(409);
      const answer = (await response.json()) as { error: string; message: string };
      expect(answer.error).toBe('disconnected');
      expect(answer.message).toContain('press Connect to Microsoft Entra');
    }
    // Reading the state stays possible, and asks only to read the job.
    const refresh = await authorize({ action: 'refresh' });
    expect(refresh.status).toBe(200);
    const scope = new URL(((await refresh.json()) as { url: string }).url).searchParams.get(
      'scope',
    );
    expect(scope?.split(' ').sort()).toEqual([
      `${GRAPH_RESOURCE}/Synchronization.Read.All`,
      'openid',
      'profile',
    ]);
  });

  it('refuses a confirmation that is not an application id', async () => {
    const response = await authorize({ action: 'connect', takeOver: 'anything' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalidBody');
  });

  it('connects, falls back to a Secret Token where Entra does not take an OAuth client, and reports invalid credentials', async () => {
    // Act: Test Connection fails for both credentials (Entra sends a wrong secret).
    const before = new Set(
      (
        (await (
          await fetch(`${origin}/admin/api/credentials`, { headers: { cookie } })
        ).json()) as {
          credentials: { id: string }[];
        }
      ).credentials.map((c) => c.id),
    );
    graph.fail('invalidCredentials', { times: 2 });
    await press({ action: 'connect' });

    // Assess: the step says what Entra said and what to do; nothing stays registered.
    const state = await connection();
    const test = stepOf(state, 'testConnection');
    expect(test.status).toBe('failed');
    expect(test.entra.message).toMatch(/\S/);
    expect(test.advice).toContain('GroupTalk revoked that credential');
    expect(stepOf(state, 'credential').detail).toContain('Entra does not take an OAuth client');
    expect(state.credential).toBeUndefined();
    const listed = await fetch(`${origin}/admin/api/credentials`, { headers: { cookie } });
    const { credentials } = (await listed.json()) as {
      credentials: { id: string; description?: string; revokedAt?: string }[];
    };
    const made = credentials.filter(
      (c) => !before.has(c.id) && c.description?.includes('Connect to Microsoft Entra'),
    );
    expect(made.length).toBeGreaterThanOrEqual(2);
    expect(made.every((c) => c.revokedAt)).toBe(true);
  });

  it('shows a quarantined job with its reason, and Restart clears it', async () => {
    // Prepare: the first cycle after start sends a wrong secret.
    graph.fail('quarantine');

    // Act
    await press({ action: 'connect' });

    // Assess
    const state = await connection();
    const start = stepOf(state, 'start');
    expect(start.status).toBe('failed');
    expect(start.detail).toContain('quarantine');
    expect(start.advice).toContain('Restart');
    expect(state.job.code).toBe('Quarantine');
    expect(state.job.quarantine.reason).toMatch(/\S/);

    // Act: Restart, through a silent consent round-trip (consented before: no page).
    const restart = await press({ action: 'restart' });
    expect(restart.visited[0]?.searchParams.get('prompt')).toBe('none');
    const after = await connection();
    expect(stepOf(after, 'restart').status).toBe('done');
    expect(after.job.code).toBe('Active');
    expect(after.job.quarantine).toBeUndefined();
    const actions = await listAdminActions();
    expect(actions.map((a) => a.action)).toContain('entraRestart');
  });

  it('asks Entra again with its consent page when a silent request needs consent', async () => {
    // Prepare: connected; the item says the log permissions were granted, but Entra no longer
    // holds that consent (revoked in the admin center since).
    await press({ action: 'connect' });
    expect((await connection()).state).toBe('connected');
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.entraConnection(),
        UpdateExpression: 'SET #granted = :granted',
        ExpressionAttributeNames: { '#granted': 'grantedScopes' },
        ExpressionAttributeValues: {
          ':granted': [
            'AuditLog.Read.All',
            'Directory.Read.All',
            'Application.ReadWrite.All',
            'Synchronization.ReadWrite.All',
          ],
        },
      }),
    );

    // Act: reading the log needs AuditLog.Read.All and Directory.Read.All.
    const { visited } = await press({ action: 'readLog', user: 'grace.hopper@contoso.test' });

    // Assess: asked silently first, Entra answered consent_required, then asked with its page.
    expect(visited.map((url) => url.searchParams.get('prompt'))).toEqual(['none', null]);
    const state = await connection();
    expect(stepOf(state, 'readLog').status).toBe('done');
    expect(state.log.user).toBe('grace.hopper@contoso.test');
    expect(state.log.entries.length).toBeGreaterThan(0);
  });

  it('provisions one user now by object id, pauses, and refuses a user principal name for provisioning before asking Entra', async () => {
    // Prepare
    await press({ action: 'connect' });
    const grace = LOCAL_GRAPH_DIRECTORY.users.find(
      (user) => user.userPrincipalName === 'grace.hopper@contoso.test',
    );

    // Act
    await press({ action: 'provisionOnDemand', user: grace?.id });

    // Assess
    const state = await connection();
    const now = stepOf(state, 'provisionOnDemand');
    expect(now.status).toBe('done');
    expect(now.detail).toContain(grace?.id);
    expect(
      graph.state.requests.some(
        (request) => request.method === 'POST' && request.path.endsWith('/provisionOnDemand'),
      ),
    ).toBe(true);

    const byName = await authorize({
      action: 'provisionOnDemand',
      user: 'grace.hopper@contoso.test',
    });
    expect(byName.status).toBe(400);
    expect(((await byName.json()) as { message: string }).message).toContain('Object ID');

    await press({ action: 'pause' });
    const paused = await connection();
    expect(stepOf(paused, 'pause').status).toBe('done');
    expect(paused.job.code).toBe('Paused');
  });

  it("reads the application's log for the period and keeps only its tally: counts and Entra's reasons", async () => {
    // Prepare: connected (a cycle ran: assigned users succeeded, the unassigned one skipped),
    // then one more cycle with an assigned user whose create GroupTalk refuses (413: the body
    // is over its 1 MiB limit).
    await press({ action: 'connect', withLog: true });
    const { application, jobId } = await connection();
    graph.putUser({
      id: '7d1e1f5a-0c55-4a53-9a43-6f0c8c2f9b11',
      userPrincipalName: 'too.long@contoso.test',
      displayName: 'x'.repeat(1_100_000),
      assigned: true,
    });
    await graph.runCycle(application.servicePrincipalId, jobId);
    const logged = graph.state.provisioningLogs.filter(
      (entry) => entry.servicePrincipal?.id === application.servicePrincipalId,
    );
    const count = (status: string) =>
      logged.filter((entry) => entry.provisioningStatusInfo?.status === status).length;
    expect(count('failure')).toBeGreaterThan(0);

    // Act: the same button without a user.
    await press({ action: 'readLog' });

    // Assess: the counts are Entra's, the reasons in its words (names masked), with counts.
    const state = await connection();
    expect(stepOf(state, 'readLog').status).toBe('done');
    const summary = state.logSummary;
    expect(summary).toMatchObject({
      succeeded: count('success'),
      skipped: count('skipped'),
      failed: count('failure'),
      read: logged.length,
      complete: true,
      by: LOCAL_USERS.admin.username,
    });
    expect(summary.succeeded).toBeGreaterThan(0);
    const notInScope = summary.skippedReasons.find((r: { reason: string }) =>
      r.reason.includes('not in scope'),
    );
    expect(notInScope.reason).toMatch(/^User … was skipped: not in scope/);
    expect(notInScope.count).toBe(
      logged.filter((e) =>
        e.provisioningStatusInfo?.errorInformation?.reason?.includes('not in scope'),
      ).length,
    );
    expect(summary.failedReasons[0].reason).toMatch(/^StatusCode: 413/);
    expect(summary.failedReasons.reduce((n: number, r: { count: number }) => n + r.count, 0)).toBe(
      count('failure'),
    );
    expect(state.log).toBeUndefined();
    // Nothing but the tally is stored: no entry, no user's name.
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tableName(), Key: keys.entraLogView() }),
    );
    expect(Item?.entries).toEqual([]);
    expect(Object.keys(Item ?? {}).sort()).toEqual(
      ['by', 'entries', 'pk', 'readAt', 'sk', 'summary', 'ttl', 'user'].sort(),
    );
    for (const user of LOCAL_GRAPH_DIRECTORY.users) {
      expect(JSON.stringify(Item?.summary)).not.toContain(user.userPrincipalName);
      expect(JSON.stringify(Item?.summary)).not.toContain(user.id);
    }
  });

  it('never lets a Graph token reach the table, the logs or an answer', async () => {
    const tokens = admin.provider.graphTokens();
    expect(tokens.length).toBeGreaterThan(3);
    const { Items = [] } = await documentClient().send(new ScanCommand({ TableName: tableName() }));
    const table = JSON.stringify(Items);
    const view = JSON.stringify(await connection());
    const logs = printed.join('');
    for (const token of tokens) {
      const signature = token.split('.')[2] ?? token;
      expect(table).not.toContain(signature);
      expect(view).not.toContain(signature);
      expect(logs).not.toContain(signature);
    }
  });
});
