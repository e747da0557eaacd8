/**
 * The integration page in a real browser (playwright-core driving Debian's Chromium) against the
 * service over HTTP, DynamoDB Local and the local OpenID provider standing in for Entra. Saves a
 * screenshot of each page in .local/screenshots/, or with `UPDATE_SCREENSHOTS=1` in docs/admin/
 * (the customer admin's guide's pictures), so a test run leaves the repository's files as they were.
 * axe-core checks every state of the page (WCAG 2.1 A and AA) at a laptop's and a phone's width.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
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
/** The shown-once fields (an input, or a textarea for a long value). */
const SHOWN_ONCE = '#secret-fields input, #secret-fields textarea';
/** Screenshots mask the shown-once fields: a token or secret never lands in a file, even a test's. */
const DOCS = fileURLToPath(
  new URL(
    process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/admin/' : '../../.local/screenshots/',
    import.meta.url,
  ),
);

describe.skipIf(!browserFound)(
  `the integration page in Chromium${browserFound ? '' : ` (skipped: no browser at ${CHROMIUM}; apt-get install -y chromium)`}`,
  // axe-core takes a few seconds per page state and width on a loaded machine.
  { timeout: 120_000 },
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
      await expect.poll(() => page.locator('#status').textContent()).toContain('Showing the last');
    }

    /** Every value the shown-once box holds is one the screenshot masks. */
    async function expectEveryValueMasked(target: Page): Promise<void> {
      const values = await target.locator('#secret-fields .row > :first-child').count();
      expect(values).toBeGreaterThan(0);
      expect(await target.locator(SHOWN_ONCE).count()).toBe(values);
    }

    const LAPTOP = { width: 1280, height: 900 };
    const PHONE = { width: 390, height: 844 };
    const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

    /** axe-core's WCAG 2.1 AA violations of `target` as it is now, at a laptop's and a phone's width. */
    async function accessibilityViolations(target: Page, state: string): Promise<string[]> {
      const size = target.viewportSize() ?? LAPTOP;
      const found: string[] = [];
      try {
        for (const viewport of [LAPTOP, PHONE]) {
          await target.setViewportSize(viewport);
          const { violations } = await new AxeBuilder({ page: target })
            .withTags(WCAG_21_AA)
            .analyze();
          for (const violation of violations) {
            const where = violation.nodes.map((node) => node.target.join(' ')).join(', ');
            found.push(
              `${state} at ${viewport.width} px: ${violation.id} (${violation.help}) at ${where}`,
            );
          }
        }
      } finally {
        await target.setViewportSize(size);
      }
      return found;
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
      await expect.poll(() => page.locator('#audit tbody').textContent()).toContain('Signed in');
      await expect.poll(() => page.locator('#status').textContent()).toContain('Showing the last');
      // Microsoft's current name; "Azure AD" only as the hint a customer searches for.
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Microsoft Entra ID integration',
      );
      expect(await page.locator('main').textContent()).toContain('formerly Azure AD');
      // Health first, then the directory, then the credentials, then the activity.
      const order = await page.evaluate<string[]>(
        "[...document.querySelectorAll('main section h2')].map((h) => h.textContent)",
      );
      expect(order.indexOf('Provisioning health')).toBe(0);
      expect(order.indexOf('Users and groups in GroupTalk')).toBe(1);
      expect(order.indexOf('Credentials')).toBeLessThan(order.indexOf('Requests from Entra'));
      expect(await accessibilityViolations(page, 'the page, signed in')).toEqual([]);
      // Keyboard: the second stop of the page is a skip link straight to the search box.
      await page.locator('body').focus();
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await page.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe(
        'Skip to the user and group search',
      );
      await page.keyboard.press('Enter');
      expect(await page.evaluate<string>('document.activeElement?.id ?? ""')).toBe('directory-q');
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
      // Keyboard: the new value has the focus, selected, ready to copy.
      expect(await page.evaluate<string>('document.activeElement?.id ?? ""')).toBe(
        await field.getAttribute('id'),
      );
      expect(await accessibilityViolations(page, 'a Secret Token shown once')).toEqual([]);

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
      // Used just now: Last used says when, to the minute (Refresh reloads the credentials too).
      await expect
        .poll(() => row.locator('td[data-label="Last used"]').textContent())
        .toMatch(/\d{1,2}:\d{2}/);
      await page.locator('#secret-box').scrollIntoViewIfNeeded();
      await expectEveryValueMasked(page);
      await page.screenshot({
        path: join(DOCS, 'secret-token-shown-once.png'),
        mask: [page.locator(SHOWN_ONCE)],
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
      // The revoked token is no longer offered for copying: the shown-once box is gone.
      expect(await page.locator('#secret-box').isHidden()).toBe(true);
      expect(await page.locator(SHOWN_ONCE).count()).toBe(0);
      expect(await page.content()).not.toContain(token);
      expect(await accessibilityViolations(page, 'a Secret Token revoked')).toEqual([]);
      // Revoked credentials fold away behind one button, which shows them again.
      expect(await row.isHidden()).toBe(true);
      const revokedToggle = page.locator('#credentials tr.toggle-row button');
      expect(await revokedToggle.textContent()).toMatch(/^Show \d+ revoked credentials?$/);
      await revokedToggle.click();
      expect(await row.isVisible()).toBe(true);
      expect(await revokedToggle.getAttribute('aria-expanded')).toBe('true');
      expect(await revokedToggle.textContent()).toMatch(/^Hide /);
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

    it('shows a SCIM request and a failed one in plain words, its technical detail one click away', async () => {
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
      expect(await recent.textContent()).toContain('Created user');
      expect(await recent.textContent()).toContain('Could not create a user');
      expect(await recent.textContent()).toContain(userName);
      // The page itself adds nothing to the provisioning records (no favicon request, say).
      expect(await recent.textContent()).not.toContain('routeNotFound');
      // Ten shown, the rest behind "Show more".
      expect(await page.locator('#recent tbody tr').count()).toBeLessThanOrEqual(10);

      const failure = page.locator('#failures > li', { hasText: 'already exists in GroupTalk' });
      expect(await failure.count()).toBe(1);
      // In plain words first: the server's sentence, then what to do.
      expect(await failure.locator('.failure-title').textContent()).toBe(
        'GroupTalk already holds a user or group with that name.',
      );
      expect(await page.locator('#health-summary').textContent()).not.toBe('');
      expect(await page.locator('#last-call').textContent()).toContain('Could not create a user');
      // Plain headings: the field names are technical detail, not headings.
      const headings = await page.locator('h1, h2, h3, h4, caption, th, summary').allTextContents();
      expect(headings.join(' | ')).not.toMatch(/scimType|errorDetail|Azure AD/);
      // The technical detail (status, scimType, the text Entra was given) behind one click.
      const detail = failure.locator('details.technical');
      expect(await detail.locator('dl').isVisible()).toBe(false);
      await detail.locator('summary').click();
      expect(await detail.locator('dl').isVisible()).toBe(true);
      expect(await detail.textContent()).toContain('409');
      expect(await detail.textContent()).toContain('uniqueness');
      expect(await accessibilityViolations(page, "a failure's technical detail open")).toEqual([]);

      expect(await page.locator('#chart svg[role="img"]').count()).toBe(1);
      expect(await page.locator('#chart desc').textContent()).toMatch(
        /\d+ requests?, [1-9]\d* failed/,
      );
      await page.screenshot({
        path: join(DOCS, 'health-view.png'),
        mask: [page.locator(SHOWN_ONCE)],
        maskColor: '#c9ced6',
      });
    });

    it('applies a new period as soon as it is chosen, to everything the page shows', async () => {
      // Act: choose the last 24 hours; no other click.
      const asked = page.waitForResponse((r) => r.url().includes('/admin/api/reports?days=1'));
      await page.getByLabel('Period').selectOption('1');
      await asked;

      // Assess: the menu, the status, the chart and the failures all say the same period.
      await expect
        .poll(() => page.locator('#status').textContent())
        .toContain('Showing the last 24 hours');
      expect(await page.locator('#chart-heading').textContent()).toBe(
        'Requests and failures in the last 24 hours',
      );
      expect(await page.locator('#chart desc').textContent()).toContain('the last 24 hours');
      expect(await page.locator('#failures-summary').textContent()).toContain('the last 24 hours');
      // Per hour now: 24 or 25 bars (the hour under way), each with its tooltip.
      expect(await page.locator('#chart svg rect title').count()).toBeGreaterThanOrEqual(24);

      await page.getByLabel('Period').selectOption('30');
      await expect
        .poll(() => page.locator('#status').textContent())
        .toContain('Showing the last 30 days');
      await page.screenshot({
        path: join(DOCS, 'integration-page.png'),
        fullPage: true,
        mask: [page.locator(SHOWN_ONCE)],
        maskColor: '#c9ced6',
      });
    });

    it('finds a user by a lower-case prefix of their e-mail and shows their group in one timeline', async () => {
      // Prepare: a user and a group over SCIM, the user added to the group with PATCH as Entra does.
      const stamp = Date.now();
      const email = `Grace.Hopper.${stamp}@Contoso.test`;
      const created = await service.request('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `ghopper.${stamp}@contoso.test`,
        displayName: 'Grace Hopper',
        name: { givenName: 'Grace', familyName: 'Hopper' },
        emails: [{ type: 'work', value: email, primary: true }],
        externalId: `gh-${stamp}`,
        active: true,
      });
      expect(created.status).toBe(201);
      const userId: string = created.body.id;
      const groupName = `Sales ${stamp}`;
      const group = await service.request('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: groupName,
        externalId: `sales-${stamp}`,
      });
      expect(group.status).toBe(201);
      const added = await service.request('PATCH', `/Groups/${group.body.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Add', path: 'members', value: [{ value: userId }] }],
      });
      expect(added.status).toBeLessThan(300);
      // The timeline reads the aggregated items, written just after each request.
      await expect
        .poll(() =>
          page.evaluate<string, string>(
            async (id) => (await fetch(`/admin/api/history?type=User&id=${id}&days=30`)).text(),
            userId,
          ),
        )
        .toContain(groupName);

      // Act: type the start of the e-mail in lower case.
      await page
        .getByRole('heading', { name: 'Users and groups in GroupTalk' })
        .scrollIntoViewIfNeeded();
      const search = page.getByLabel(/^Start of a name/);
      await search.fill(`grace.hopper.${stamp}`);
      await search.press('Enter');

      // Assess: found, by the e-mail.
      const results = page.locator('#directory-results li');
      await expect
        .poll(() => results.allTextContents())
        .toEqual([expect.stringContaining('Grace Hopper')]);
      expect(await results.first().textContent()).toContain(email);
      await expect
        .poll(() => page.locator('#directory-count').textContent())
        .toContain('1 user or group');
      expect(await accessibilityViolations(page, 'directory results')).toEqual([]);
      await page
        .locator('#directory-section')
        .screenshot({ path: join(DOCS, 'directory-search.png') });

      // Act: open the entry with the keyboard.
      await results.first().getByRole('button').focus();
      await page.keyboard.press('Enter');

      // Assess: the entry has the focus, with its state, attributes, groups and timeline.
      const entry = page.locator('#entry');
      await expect
        .poll(() => page.evaluate<string>('document.activeElement?.id ?? ""'))
        .toBe('entry-heading');
      expect(await entry.getByRole('heading', { level: 3 }).textContent()).toBe('Grace Hopper');
      expect(await entry.textContent()).toContain('Active');
      expect(await entry.locator('dl').first().textContent()).toContain(email);
      expect(await entry.locator('ul.groups').textContent()).toContain(groupName);
      const timeline = entry.locator('#timeline');
      expect(await timeline.textContent()).toContain('Created user');
      expect(await timeline.textContent()).toContain(`Added to group "${groupName}"`);
      expect(await page.locator('#timeline-heading').textContent()).toBe(
        'What happened in the last 30 days',
      );
      expect(await accessibilityViolations(page, 'an entry with its timeline')).toEqual([]);
      await page.locator('#directory-section').screenshot({ path: join(DOCS, 'timeline.png') });

      // The period applies to the open timeline too, with no other click.
      const asked = page.waitForResponse((r) =>
        r.url().includes(`/admin/api/history?type=User&id=${userId}&days=7`),
      );
      await page.getByLabel('Period').selectOption('7');
      await asked;
      await expect
        .poll(() => page.locator('#timeline-heading').textContent())
        .toBe('What happened in the last 7 days');
      expect(await timeline.textContent()).toContain(`Added to group "${groupName}"`);
      await page.getByLabel('Period').selectOption('30');
      await expect
        .poll(() => page.locator('#status').textContent())
        .toContain('Showing the last 30 days');

      // The group's own entry, from the user's: its members counted.
      expect(
        await timeline.getByRole('button', { name: `Open the group ${groupName}` }).count(),
      ).toBe(1);
      await entry.getByRole('button', { name: groupName, exact: true }).click();
      await expect
        .poll(() => entry.getByRole('heading', { level: 3 }).textContent())
        .toBe(groupName);
      expect(await entry.textContent()).toContain('1 member');

      // A name GroupTalk holds nothing under (its create was refused): Entra's requests naming it.
      const refusedName = `refused.${stamp}@contoso.test`;
      const refused = await service.request('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: refusedName,
        active: 'perhaps',
      });
      expect(refused.status).toBe(400);
      await search.fill(refusedName);
      await search.press('Enter');
      await expect
        .poll(() => page.locator('#directory-count').textContent())
        .toContain('GroupTalk holds no user or group starting with');
      await expect
        .poll(async () => {
          await page
            .getByRole('button', { name: `Look for Entra’s requests naming “${refusedName}”` })
            .click();
          return page.locator('#timeline').textContent();
        })
        .toContain('Could not create a user');

      // On a phone: the same search and entry, screenshots for the guide.
      const phone = await browser.newContext({
        viewport: PHONE,
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        storageState: await context.storageState(),
      });
      try {
        const small = await phone.newPage();
        await small.goto(`${origin}/admin`);
        await expect
          .poll(() => small.locator('#status').textContent())
          .toContain('Showing the last');
        const field = small.getByLabel(/^Start of a name/);
        await field.fill(`grace.hopper.${stamp}`);
        await field.press('Enter');
        await expect
          .poll(() => small.locator('#directory-results li').allTextContents())
          .toEqual([expect.stringContaining('Grace Hopper')]);
        await small
          .locator('#directory-section')
          .screenshot({ path: join(DOCS, 'directory-search-phone.png') });
        await small.locator('#directory-results button').first().click();
        await expect.poll(() => small.locator('#timeline').textContent()).toContain(groupName);
        await small.locator('#entry').screenshot({ path: join(DOCS, 'timeline-phone.png') });
      } finally {
        await phone.close();
      }
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
      await expectEveryValueMasked(page);
      await page.screenshot({
        path: join(DOCS, 'secret-shown-once.png'),
        fullPage: false,
        mask: [page.locator(SHOWN_ONCE)],
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
      expect(await page.locator('#secret-box').isHidden()).toBe(true);
      expect(await page.getByLabel('Client Secret', { exact: true }).count()).toBe(0);
      await expect
        .poll(() => page.locator('#audit tbody').textContent())
        .toContain('Revoked a credential');
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
      await expectEveryValueMasked(page);
      await page.screenshot({
        path: join(DOCS, 'secret-rotation.png'),
        fullPage: false,
        mask: [page.locator(SHOWN_ONCE)],
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
      // The box offered the new secret, not the revoked one: it stays.
      expect(await secretField.inputValue()).toBe(newSecret);
      expect(await secrets.getByRole('button', { name: /^Revoke secret/ }).count()).toBe(0);
      await expect
        .poll(() => page.locator('#audit tbody').textContent())
        .toContain('Revoked a client secret');
      expect(await page.locator('#audit tbody').textContent()).toContain('Added a client secret');
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
      expect(await visitor.getByRole('link', { name: 'Sign in again' }).getAttribute('href')).toBe(
        '/admin/sign-in',
      );
      expect(await accessibilityViolations(visitor, 'the refusal page')).toEqual([]);
      await visitor.screenshot({
        path: join(DOCS, 'access-refused.png'),
        fullPage: true,
        mask: [visitor.locator(SHOWN_ONCE)],
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
      expect(await visitor.getByRole('link', { name: 'Sign in again' }).count()).toBe(1);
      // Reloading the refusal (the callback again): a page that links to signing in again.
      const reloaded = await visitor.reload();
      expect(reloaded?.status()).toBe(400);
      expect(await visitor.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Sign-in not completed',
      );
      expect(await visitor.getByRole('link', { name: 'Sign in again' }).getAttribute('href')).toBe(
        '/admin/sign-in',
      );
      expect(await accessibilityViolations(visitor, 'a reloaded callback')).toEqual([]);
      await other.close();

      await page.reload();
      await expect
        .poll(() => page.locator('#audit tbody').textContent())
        .toContain('Sign-in refused');
    });

    it('links every sign-in error page to signing in again: an expired callback, a reloaded one', async () => {
      const other = await browser.newContext({ viewport: LAPTOP });
      try {
        const visitor = await other.newPage();
        // A callback without the sign-in it answers (expired, or started in another browser).
        const expired = await visitor.goto(`${origin}/admin/callback?code=stale&state=stale`);
        expect(expired?.status()).toBe(400);
        expect(await visitor.getByRole('alert').textContent()).toContain('Sign in again');
        const link = visitor.getByRole('link', { name: 'Sign in again' });
        expect(await link.getAttribute('href')).toBe('/admin/sign-in');
        expect(await accessibilityViolations(visitor, 'an expired callback')).toEqual([]);

        // The link works: through the provider and onto the page.
        let callback = '';
        visitor.on('request', (request) => {
          if (request.url().startsWith(`${origin}/admin/callback`)) callback = request.url();
        });
        await link.click();
        await visitor.waitForURL(`${origin}/admin`);
        await expect.poll(() => visitor.locator('#tenant-url').textContent()).toBe(service.url);

        // The same callback again (a reload from the history): refused, with the way back.
        expect(callback).not.toBe('');
        const replayed = await visitor.goto(callback);
        expect(replayed?.status()).toBeGreaterThanOrEqual(400);
        expect(await visitor.getByRole('link', { name: 'Sign in again' }).count()).toBe(1);
        expect(await accessibilityViolations(visitor, 'a replayed callback')).toEqual([]);
      } finally {
        await other.close();
      }
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
      await expect.poll(() => small.locator('#status').textContent()).toContain('Showing the last');
      // A string: this project's TypeScript has no DOM types.
      const overflow = await small.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow).toBeLessThanOrEqual(0);
      // The search box is on the first screen, above the long lists.
      const search = await small.getByLabel(/^Start of a name/).boundingBox();
      expect(search).not.toBeNull();
      expect(search!.y + search!.height).toBeLessThanOrEqual(PHONE.height);
      // The chart's labels are drawn at their size on the screen: 11 px or more.
      const labelSizes = await small.evaluate<number[]>(`(() => {
        const svg = document.querySelector('#chart svg');
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return [...svg.querySelectorAll('text')].map((t) => Number(t.getAttribute('font-size')) * scale);
      })()`);
      expect(labelSizes.length).toBeGreaterThan(0);
      expect(Math.min(...labelSizes)).toBeGreaterThanOrEqual(11);
      await small.screenshot({ path: join(DOCS, 'health-view-phone.png') });
      await small.screenshot({
        path: join(DOCS, 'integration-page-phone.png'),
        fullPage: true,
        mask: [small.locator(SHOWN_ONCE)],
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
      await expect.poll(() => other.locator('#status').textContent()).toContain('Showing the last');
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
