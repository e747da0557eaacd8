/**
 * The integration page as deployed: its functions derive the cookie-sealing key from the fleet's
 * KMS HMAC key (`ADMIN_SESSION_KMS_KEY_ID`) and never touch the table's key item, which every
 * function of the tenant can read. KMS answers at its seam (aws-sdk-client-mock) with a real HMAC
 * under a stand-in key; the sign-in, the provider and DynamoDB Local are real.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAdmin, startLocalAdmin } from '../../infra/local/admin.js';
import { newSession, openSession, sealSession } from '../../shared/admin/session.js';
import { KEY_RETRY_SECONDS } from '../../shared/credentials/tenant-keys.js';
import { adminRoutes, routes } from '../../shared/routes.js';
import { adminSessionKey } from '../../shared/store/admin-items.js';
import { TEST_TENANT } from '../support/environment.js';
import { kmsHmacStandIn } from '../support/kms-stand-in.js';
import { startTestService, type TestService } from '../support/service.js';

const ALIAS = 'alias/GroupTalkScim-admin-sessions';
/** Stands for the key material inside KMS. */
const fleetKey = kmsHmacStandIn();
const derivedKey = new Uint8Array(fleetKey.mac(`grouptalk-scim/admin-session/v1/${TEST_TENANT}`));
const kms = mockClient(KMSClient);

let work: string;
let admin: LocalAdmin;
let service: TestService;
let origin: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'grouptalk-admin-kms-'));
  admin = await startLocalAdmin({ requestLogFile: join(work, 'requests.jsonl') });
  const { ADMIN_SESSION_KEY: _configured, ...environment } = admin.environment;
  Object.assign(process.env, environment, { ADMIN_SESSION_KMS_KEY_ID: ALIAS });
  delete process.env.ADMIN_SESSION_KEY;
  service = await startTestService({ routes: [...routes, ...adminRoutes] });
  origin = new URL(service.url).origin;
});

afterAll(async () => {
  kms.restore();
  await service?.close();
  await admin?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function cookiesOf(response: Response): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const header of response.headers.getSetCookie()) {
    const [pair = ''] = header.split(';');
    const at = pair.indexOf('=');
    cookies.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return cookies;
}

/** The sign-in by hand: the page → the provider → the callback; returns the session cookie value. */
async function signIn(): Promise<string | undefined> {
  const start = await fetch(`${origin}/admin/sign-in`, { redirect: 'manual' });
  const signInCookie = [...cookiesOf(start)].map(([name, value]) => `${name}=${value}`).join('; ');
  const authorize = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
  const callback = await fetch(authorize.headers.get('location') ?? '', {
    redirect: 'manual',
    headers: { cookie: signInCookie },
  });
  return cookiesOf(callback).get('grouptalk-admin');
}

describe('the integration page with its sealing key derived from KMS', () => {
  it('answers 503 while KMS fails, with an error page or JSON, and seals nothing', async () => {
    // Prepare
    kms
      .on(GenerateMacCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const sealedElsewhere = await sealSession(
      newSession({ userId: 'oid', name: 'Ada', username: 'ada@contoso.test' }, 60),
      derivedKey,
      TEST_TENANT,
    );

    // Act
    const page = await fetch(`${origin}/admin/sign-in`, { redirect: 'manual' });
    const api = await fetch(`${origin}/admin/api/session`, {
      headers: { cookie: `grouptalk-admin=${sealedElsewhere}` },
    });

    // Assess
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe(String(KEY_RETRY_SECONDS));
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Temporarily unavailable');
    expect(page.headers.getSetCookie()).toEqual([]);
    expect(api.status).toBe(503);
    expect(await api.json()).toMatchObject({ error: 'keyUnavailable' });
    // Nothing was created in the table instead.
    expect(await adminSessionKey(false)).toBeUndefined();
    // One call: the failure is remembered for a few seconds.
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(1);
  });

  it('signs in with one GenerateMac over the admin-session message, sealing with its MAC', async () => {
    // Prepare: KMS answers again once the failure's retry delay has passed.
    kms.reset();
    kms.on(GenerateMacCommand).callsFake(fleetKey.generateMac);
    await new Promise((resolve) => setTimeout(resolve, KEY_RETRY_SECONDS * 1000 + 100));

    // Act
    const cookie = await signIn();
    const again = await signIn();

    // Assess
    const calls = kms.commandCalls(GenerateMacCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      KeyId: ALIAS,
      MacAlgorithm: 'HMAC_SHA_256',
      Message: Buffer.from(`grouptalk-scim/admin-session/v1/${TEST_TENANT}`, 'utf8'),
    });
    expect(cookie).toBeDefined();
    expect(again).toBeDefined();
    // Sealed with the derived key: it opens the cookie, as another instance would.
    expect(await openSession(cookie, derivedKey, TEST_TENANT)).toMatchObject({
      name: 'Ada Admin',
    });
    const session = await fetch(`${origin}/admin/api/session`, {
      headers: { cookie: `grouptalk-admin=${cookie}` },
    });
    expect(session.status).toBe(200);
    // The table holds no key that a SCIM function could read.
    expect(await adminSessionKey(false)).toBeUndefined();
  }, 20_000);

  it('refuses a session sealed with a key from the table, which any function could read', async () => {
    // Prepare: a key item as a SCIM function's role could read it (left from before, say).
    const tableKey = await adminSessionKey(true);
    const forged = await sealSession(
      newSession({ userId: 'forger', name: 'Mallory', username: 'm@contoso.test' }, 60),
      tableKey!,
      TEST_TENANT,
    );

    // Act
    const answer = await fetch(`${origin}/admin/api/session`, {
      headers: { cookie: `grouptalk-admin=${forged}` },
    });
    const page = await fetch(`${origin}/admin`, {
      redirect: 'manual',
      headers: { cookie: `grouptalk-admin=${forged}` },
    });

    // Assess
    expect(answer.status).toBe(401);
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/admin/sign-in');
  });
});
