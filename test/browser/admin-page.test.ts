/**
 * The integration page in a real browser (playwright-core driving Debian's Chromium) against the
 * service over HTTP, DynamoDB Local and the local OpenID provider standing in for Entra. Saves a
 * screenshot of each page in .local/screenshots/, or with `UPDATE_SCREENSHOTS=1` in docs/admin/
 * (the customer admin's guide's pictures), so a test run leaves the repository's files as they were.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAdmin, startLocalAdmin } from '../../infra/local/admin.js';
import { LOCAL_USERS } from '../../infra/local/oidc-provider.js';
import { openSession } from '../../shared/admin/session.js';
import { adminRoutes, routes } from '../../shared/routes.js';
import {
  listAdminActions,
  readAdminSession,
  renewAdminSession,
} from '../../shared/store/admin-items.js';
import { startTestService, type TestService } from '../support/service.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browserFound = existsSync(CHROMIUM);
if (!browserFound && process.env.CI === 'true') {
  throw new Error(`CI=true and no browser at ${CHROMIUM}: .ci/run installs Debian's chromium`);
}
/** Screenshots mask the shown-once fields: a token or secret never lands in a file, even a test's. */
const DOCS = fileURLToPath(
  new URL(
    process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/admin/' : '../../.local/screenshots/',
    import.meta.url,
  ),
);

describe.skipIf(!browserFound)(
  `the integration page in Chromium${browserFound ? '' : ` (skipped: no browser at ${CHROMIUM}; apt-get install -y chromium)`}`,
  () => {
    let work: string;
    let admin: LocalAdmin;
    let service: TestService;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let origin: string;

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'grouptalk-admin-'));
      admin = await startLocalAdmin({
        requestLogFile: join(work, 'requests.jsonl'),
        tenantDisplayName: 'Contoso (test)',
      });
      // A short registry cache, so that a revocation shows within this test (AWS: 60 s).
      Object.assign(process.env, admin.environment, { CREDENTIAL_CACHE_SECONDS: '2' });
      service = await startTestService({ routes: [...routes, ...adminRoutes] });
      origin = new URL(service.url).origin;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--headless',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      await mkdir(DOCS, { recursive: true });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await service?.close();
      await admin?.close();
      if (work) await rm(work, { recursive: true, force: true });
    });

    async function refreshReports(): Promise<void> {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect
        .poll(() => page.locator('#status').textContent())
        .toContain('Reports for the last');
    }

    it('sends a signed-out browser through the OpenID provider and back to the page', async () => {
      await page.goto(`${origin}/admin`);
      await page.waitForURL(`${origin}/admin`);
      await expect.poll(() => page.locator('#tenant-url').textContent()).toBe(service.url);
      expect(await page.locator('#who').textContent()).toContain(LOCAL_USERS.admin.name);
      expect(await page.locator('#tenant-name').textContent()).toBe('Contoso (test)');
      expect(await page.locator('#tenant-id').textContent()).toBe(process.env.TENANT);
      const cookies = await context.cookies(origin);
      const session = cookies.find((cookie) => cookie.name === 'grouptalk-admin');
      expect(session?.httpOnly).toBe(true);
      expect(session?.sameSite).toBe('Lax');
      await expect.poll(() => page.locator('#audit tbody').textContent()).toContain('signIn');
    });

    it('generates a Secret Token that works at once, shows its requests, and stops it when revoked', async () => {
      await page.getByRole('button', { name: 'Generate Secret Token' }).click();
      const field = page.getByLabel('Secret Token', { exact: true });
      await expect.poll(() => field.inputValue()).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
      const token = await field.inputValue();
      const id = ((await page.locator('#secret-title').textContent()) ?? '').replace(
        'New Secret Token ',
        '',
      );
      const bearer = { authorization: `Bearer ${token}` };

      // Entra's Test Connection, then a create, with the new token.
      const probe = await service.request(
        'GET',
        '/Users?filter=userName%20eq%20%22c0ffee00-1234-4abc-9def-0123456789ab%22',
        undefined,
        bearer,
      );
      expect(probe.status).toBe(200);
      const userName = `token.${Date.now()}@contoso.test`;
      const created = await service.request(
        'POST',
        '/Users',
        { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName },
        bearer,
      );
      expect(created.status).toBe(201);

      await refreshReports();
      expect(await page.locator('#recent tbody').textContent()).toContain(userName);
      expect(await page.locator('#probes tbody tr', { hasText: id }).count()).toBe(1);
      const row = page.locator('#credentials tbody tr', { hasText: id });
      expect(await row.textContent()).toContain(LOCAL_USERS.admin.username);
      await page.locator('#secret-box').scrollIntoViewIfNeeded();
      await page.screenshot({
        path: join(DOCS, 'secret-token-shown-once.png'),
        mask: [page.locator('#secret-fields input')],
        maskColor: '#c9ced6',
      });
      // The list never carries the token again.
      const listed = await page.evaluate(async () =>
        (await fetch('/admin/api/credentials')).text(),
      );
      expect(listed).toContain(id);
      expect(listed).not.toContain(token);

      page.once('dialog', (dialog) => dialog.accept());
      await row.getByRole('button', { name: `Revoke Secret Token ${id}` }).click();
      await expect.poll(() => row.textContent()).toContain('Revoked');
      // Refused within the registry's cache window (2 s here).
      await expect
        .poll(
          async () => (await service.request('GET', '/Users?count=1', undefined, bearer)).status,
          {
            timeout: 15_000,
            interval: 500,
          },
        )
        .toBe(401);
    });

    it('shows a SCIM request and a failed one with its scimType in the reports', async () => {
      const userName = `report.${Date.now()}@contoso.test`;
      const created = await service.request('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName,
        externalId: `ext-${userName}`,
      });
      expect(created.status).toBe(201);
      const duplicate = await service.request('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName,
      });
      expect(duplicate.status).toBe(409);

      await refreshReports();
      const recent = page.locator('#recent tbody');
      expect(await recent.textContent()).toContain('createUser');
      expect(await recent.textContent()).toContain(userName);
      // The page itself adds nothing to the provisioning records (no favicon request, say).
      expect(await recent.textContent()).not.toContain('routeNotFound');
      const failures = page.locator('#failures tbody tr', { hasText: 'uniqueness' });
      expect(await failures.count()).toBe(1);
      expect(await failures.textContent()).toContain('409');
      expect(await failures.textContent()).toContain('already exists in GroupTalk');
      expect(await page.locator('#chart svg[role="img"]').count()).toBe(1);
      expect(await page.locator('#chart desc').textContent()).toMatch(
        /\d+ requests, [1-9]\d* failed/,
      );

      await page.getByLabel('userName, externalId, displayName or id').fill(userName);
      await page.getByRole('button', { name: 'Show history' }).click();
      await expect.poll(() => page.locator('#history tbody tr').count()).toBe(2);
      expect(await page.locator('#history tbody').textContent()).toContain('uniqueness');
      await page.screenshot({
        path: join(DOCS, 'integration-page.png'),
        fullPage: true,
        mask: [page.locator('#secret-fields input')],
        maskColor: '#c9ced6',
      });
    });

    it('creates an OAuth client whose secret is shown once, lists it and revokes it', async () => {
      await page.getByRole('button', { name: 'Create OAuth client' }).click();
      const secretField = page.getByLabel('Client Secret', { exact: true });
      await expect.poll(() => secretField.inputValue()).toMatch(/^[\w-]{43,}$/);
      const clientId = await page.getByLabel('Client ID', { exact: true }).inputValue();
      expect(await page.getByLabel('Token endpoint', { exact: true }).inputValue()).toBe(
        `${origin}/oauth2/token`,
      );
      const row = page.locator('#credentials tbody tr', { hasText: clientId });
      await expect.poll(() => row.textContent()).toContain(LOCAL_USERS.admin.username);
      expect(await row.textContent()).toContain('Active');
      await page.screenshot({
        path: join(DOCS, 'secret-shown-once.png'),
        fullPage: false,
        mask: [page.locator('#secret-fields input')],
        maskColor: '#c9ced6',
      });
      // Shown once: the list and the API never carry the secret again.
      const listed = await page.evaluate(async () =>
        (await fetch('/admin/api/credentials')).text(),
      );
      expect(listed).toContain(clientId);
      expect(listed).not.toContain(await secretField.inputValue());

      page.once('dialog', (dialog) => dialog.accept());
      await row.getByRole('button', { name: `Revoke OAuth client ${clientId}` }).click();
      await expect.poll(() => row.textContent()).toContain('Revoked');
      await expect
        .poll(() => page.locator('#audit tbody').textContent())
        .toContain('revokeCredential');
    });

    it('rotates an OAuth client secret: the new one shown once works, the old one is refused once revoked', async () => {
      // Prepare: a client whose first secret Entra uses (the box still shows the client of the
      // test before until the new one arrives).
      await page.getByRole('button', { name: 'Create OAuth client' }).click();
      await expect.poll(() => page.locator('#status').textContent()).toBe('OAuth client created.');
      const secretField = page.getByLabel('Client Secret', { exact: true });
      await expect.poll(() => secretField.inputValue()).toMatch(/^[\w-]{43,}$/);
      const clientId = await page.getByLabel('Client ID', { exact: true }).inputValue();
      const oldSecret = await secretField.inputValue();
      const exchange = async (secret: string) => {
        const response = await fetch(`${origin}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: clientId,
            client_secret: secret,
          }),
        });
        const body = (await response.json()) as { access_token?: string };
        return { status: response.status, token: body.access_token };
      };
      expect((await exchange(oldSecret)).status).toBe(200);

      // Act: Add new secret, shown once with its expiry.
      await page
        .getByRole('button', { name: `Add new secret to OAuth client ${clientId}` })
        .click();
      await expect
        .poll(() => page.locator('#secret-title').textContent())
        .toBe(`New secret for OAuth client ${clientId}`);
      const newSecret = await secretField.inputValue();
      const expires = await page.getByLabel('Secret expires', { exact: true }).inputValue();
      const secrets = page.locator('#credentials tr.secrets-row', {
        has: page.getByRole('button', { name: `Add new secret to OAuth client ${clientId}` }),
      });
      await expect.poll(() => secrets.locator('li').count()).toBe(2);
      await page.locator('#secret-box').scrollIntoViewIfNeeded();
      await page.screenshot({
        path: join(DOCS, 'secret-rotation.png'),
        fullPage: false,
        mask: [page.locator('#secret-fields input')],
        maskColor: '#c9ced6',
      });

      // Assess: both secrets work (Entra is switched without a gap); the new one provisions.
      expect(newSecret).toMatch(/^[\w-]{43,}$/);
      expect(newSecret).not.toBe(oldSecret);
      // A year from now, in the browser's own format.
      expect(expires).toContain(String(new Date().getUTCFullYear() + 1));
      const fresh = await exchange(newSecret);
      expect(fresh.status).toBe(200);
      const provisioned = await service.request('GET', '/Users?count=1', undefined, {
        authorization: `Bearer ${fresh.token}`,
      });
      expect(provisioned.status).toBe(200);
      expect((await exchange(oldSecret)).status).toBe(200);
      // Never listed again.
      const listed = await page.evaluate(async () =>
        (await fetch('/admin/api/credentials')).text(),
      );
      expect(listed).not.toContain(newSecret);

      // Act: revoke the old secret.
      const { oldId } = await page.evaluate(async (id) => {
        const { credentials } = (await (await fetch('/admin/api/credentials')).json()) as {
          credentials: { id: string; secrets?: { id: string }[] }[];
        };
        return { oldId: credentials.find((c) => c.id === id)?.secrets?.[0]?.id ?? '' };
      }, clientId);
      page.once('dialog', (dialog) => dialog.accept());
      await secrets
        .getByRole('button', { name: `Revoke secret ${oldId} of OAuth client ${clientId}` })
        .click();

      // Assess: the old secret is refused at once, the new one still works, and the new one,
      // now the only one, offers no Revoke.
      await expect
        .poll(() => secrets.locator('li', { hasText: oldId }).textContent())
        .toContain('Revoked');
      expect((await exchange(oldSecret)).status).toBe(401);
      expect((await exchange(newSecret)).status).toBe(200);
      expect(await secrets.getByRole('button', { name: /^Revoke secret/ }).count()).toBe(0);
      await expect
        .poll(() => page.locator('#audit tbody').textContent())
        .toContain('revokeClientSecret');
      expect(await page.locator('#audit tbody').textContent()).toContain('addClientSecret');
    });

    it('refuses a state-changing call without the CSRF token', async () => {
      const refused = await page.evaluate(async () => {
        const response = await fetch('/admin/sign-out', { method: 'POST' });
        return { status: response.status, body: await response.json() };
      });
      expect(refused).toEqual({ status: 403, body: expect.objectContaining({ error: 'csrf' }) });
      const wrong = await page.evaluate(async () => {
        const response = await fetch('/admin/sign-out', {
          method: 'POST',
          headers: { 'x-csrf-token': 'not-the-token' },
        });
        return response.status;
      });
      expect(wrong).toBe(403);
      // Still signed in: the refused calls changed nothing.
      const session = await page.evaluate(async () => (await fetch('/admin/api/session')).status);
      expect(session).toBe(200);
    });

    it('answers 401 to the JSON API without a session', async () => {
      const response = await fetch(`${origin}/admin/api/reports`);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'signInRequired' });
    });

    it('refuses a directory user without the role, and a user of another directory', async () => {
      const other = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      const visitor = await other.newPage();
      const answer = await visitor.goto(
        `${origin}/admin/sign-in?login_hint=${encodeURIComponent(LOCAL_USERS.member.username)}`,
      );
      expect(answer?.status()).toBe(403);
      expect(await visitor.getByRole('heading', { level: 1 }).textContent()).toBe('Access refused');
      expect(await visitor.getByRole('alert').textContent()).toContain('GroupTalk.Admin');
      await visitor.screenshot({
        path: join(DOCS, 'access-refused.png'),
        fullPage: true,
        mask: [visitor.locator('#secret-fields input')],
        maskColor: '#c9ced6',
      });
      expect((await other.cookies(origin)).some((c) => c.name === 'grouptalk-admin')).toBe(false);
      const api = await visitor.evaluate(async () => (await fetch('/admin/api/session')).status);
      expect(api).toBe(401);

      const outsider = await visitor.goto(
        `${origin}/admin/sign-in?login_hint=${encodeURIComponent(LOCAL_USERS.outsider.username)}`,
      );
      expect(outsider?.status()).toBe(403);
      expect(await visitor.getByRole('alert').textContent()).toContain(
        'another Microsoft Entra directory',
      );
      await other.close();

      await page.reload();
      await expect
        .poll(() => page.locator('#audit tbody').textContent())
        .toContain('signInRefused');
    });

    it('reads on a phone-sized screen', async () => {
      const phone = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        storageState: await context.storageState(),
      });
      const small = await phone.newPage();
      await small.goto(`${origin}/admin`);
      await expect.poll(() => small.locator('#tenant-url').textContent()).toBe(service.url);
      await expect
        .poll(() => small.locator('#status').textContent())
        .toContain('Reports for the last');
      // A string: this project's TypeScript has no DOM types.
      const overflow = await small.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await small.screenshot({
        path: join(DOCS, 'integration-page-phone.png'),
        fullPage: true,
        mask: [small.locator('#secret-fields input')],
        maskColor: '#c9ced6',
      });
      await phone.close();
    });

    /** The session a browser context holds, opened with the page's key. */
    async function sessionIn(browserContext: BrowserContext) {
      const cookie = (await browserContext.cookies(origin)).find(
        (c) => c.name === 'grouptalk-admin',
      );
      const key = new Uint8Array(Buffer.from(process.env.ADMIN_SESSION_KEY!, 'base64url'));
      const session = await openSession(cookie?.value, key, process.env.TENANT!);
      if (!cookie || !session) throw new Error('no session in this browser');
      return { cookie, session };
    }

    /** As if the provider last confirmed the role 61 minutes ago. */
    async function ageRoleCheck(browserContext: BrowserContext): Promise<void> {
      const { session } = await sessionIn(browserContext);
      const past = Math.floor(Date.now() / 1000) - 61 * 60;
      expect(await renewAdminSession(session.userId, session.sessionId, past)).toBe(true);
    }

    it('checks the role with the provider again after an hour: the page stays while it holds, the session ends once it is removed', async () => {
      // Prepare: a second browser of the same administrator, signed in.
      const second = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      const other = await second.newPage();
      await other.goto(`${origin}/admin`);
      await expect.poll(() => other.locator('#tenant-url').textContent()).toBe(service.url);
      const { cookie: before, session } = await sessionIn(second);

      // Act: an hour later, a click on Refresh (an API call) goes through the provider silently.
      await ageRoleCheck(second);
      const silent = other.waitForResponse((r) => r.url().startsWith(`${origin}/admin/callback`));
      await other.getByRole('button', { name: 'Refresh' }).click();
      const kept = await silent;

      // Assess: back on the page with the same session, its role checked just now.
      expect(kept.status()).toBe(302);
      await expect.poll(() => other.locator('#tenant-url').textContent()).toBe(service.url);
      await expect
        .poll(() => other.locator('#status').textContent())
        .toContain('Reports for the last');
      expect((await sessionIn(second)).cookie.value).toBe(before.value);
      const record = await readAdminSession(session.userId, session.sessionId);
      expect(Date.now() / 1000 - record!.roleCheckedAt).toBeLessThan(60);

      // Act: an hour later again, with the role removed in the provider meanwhile.
      await ageRoleCheck(second);
      admin.provider.setRoles(LOCAL_USERS.admin.username, []);
      try {
        const refused = await other.reload();

        // Assess: refused, signed out in this browser and on the server.
        expect(refused?.status()).toBe(403);
        expect(await other.getByRole('heading', { level: 1 }).textContent()).toBe('Access refused');
        expect(await other.getByRole('alert').textContent()).toContain('GroupTalk.Admin');
        expect((await second.cookies(origin)).some((c) => c.name === 'grouptalk-admin')).toBe(
          false,
        );
        expect(await readAdminSession(session.userId, session.sessionId)).toBeUndefined();
        const copy = await fetch(`${origin}/admin/api/session`, {
          headers: { cookie: `${before.name}=${before.value}` },
        });
        expect(copy.status).toBe(401);
      } finally {
        admin.provider.setRoles(LOCAL_USERS.admin.username, undefined);
        await second.close();
      }
      // The first browser's session, checked within the hour, is untouched.
      expect(await page.evaluate(async () => (await fetch('/admin/api/session')).status)).toBe(200);
    });

    it('signs out, and a copy of the session cookie is refused afterwards', async () => {
      const { cookie: copied } = await sessionIn(context);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent())
        .toBe('You are signed out');
      const api = await page.evaluate(async () => (await fetch('/admin/api/session')).status);
      expect(api).toBe(401);

      // The copied cookie, put back into the browser and sent over HTTP: signed out on the server.
      await context.addCookies([copied]);
      const replayed = await page.evaluate(async () => {
        const response = await fetch('/admin/api/credentials');
        return { status: response.status, body: await response.json() };
      });
      expect(replayed).toEqual({
        status: 401,
        body: expect.objectContaining({ error: 'signInRequired' }),
      });
      const overHttp = await fetch(`${origin}/admin/api/session`, {
        headers: { cookie: `${copied.name}=${copied.value}` },
      });
      expect(overHttp.status).toBe(401);
      // A plain-http origin: no HSTS (browsers ignore it there; AWS serves https, which gets it).
      expect(overHttp.headers.has('strict-transport-security')).toBe(false);
      await expect
        .poll(async () => (await listAdminActions(5)).map((action) => action.action))
        .toContain('signOut');
    });
  },
);
