/**
 * Connect to Microsoft Entra in a real browser (playwright-core driving Debian's Chromium): the
 * page's section, the consent round-trip through the local OpenID provider, the run against the
 * local Graph stand-in (which really calls the service's Tenant URL, as Entra does), twice, Entra's
 * log beside GroupTalk's record, and Disconnect. axe-core checks the section (WCAG 2.1 AA).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAdmin, startLocalAdmin } from '../../infra/local/admin.js';
import {
  type DirectoryUser,
  type GraphStandIn,
  LOCAL_GRAPH_DIRECTORY,
  startGraphStandIn,
} from '../../infra/local/graph-stand-in.js';
import { LOCAL_USERS } from '../../infra/local/oidc-provider.js';
import { createCredentialRegistry } from '../../shared/credentials/registry.js';
import { adminRoutes, routes } from '../../shared/routes.js';
import { listAdminActions } from '../../shared/store/admin-items.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import { startTestService, type TestService } from '../support/service.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browserFound = existsSync(CHROMIUM);
if (!browserFound && process.env.CI === 'true') {
  throw new Error(`CI=true and no browser at ${CHROMIUM}: .ci/run installs Debian's chromium`);
}
const SHOTS = fileURLToPath(
  new URL(
    process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/admin/' : '../../.local/screenshots/',
    import.meta.url,
  ),
);

/** Users of the stand-in's directory: Grace is assigned to the application, Max is not. */
const [GRACE, MAX] = ['grace.hopper@contoso.test', 'max.unassigned@contoso.test'].map((upn) => {
  const user = LOCAL_GRAPH_DIRECTORY.users.find((candidate) => candidate.userPrincipalName === upn);
  if (!user) throw new Error(`the stand-in's directory lacks ${upn}`);
  return user;
}) as [DirectoryUser, DirectoryUser];

describe.skipIf(!browserFound)(
  `Connect to Microsoft Entra in Chromium${browserFound ? '' : ` (skipped: no browser at ${CHROMIUM})`}`,
  () => {
    let work: string;
    let admin: LocalAdmin;
    let graph: GraphStandIn;
    let service: TestService;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let origin: string;
    /** The bearer tokens the stand-in (as Entra) sent to the Tenant URL, newest last. */
    const entraBearers: string[] = [];
    /** Every answer the browser got from the service, to look for Graph tokens in. */
    const seen: string[] = [];
    /** Every log line the functions wrote while the test ran. */
    const logged: string[] = [];
    let restoreOutput: () => void;

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'grouptalk-entra-'));
      admin = await startLocalAdmin({
        requestLogFile: join(work, 'requests.jsonl'),
        tenantDisplayName: 'Contoso (test)',
      });
      graph = await startGraphStandIn({
        issuer: admin.provider.issuer,
        jwksUri: `${admin.provider.issuer}/jwks`,
        users: LOCAL_GRAPH_DIRECTORY.users,
        groups: LOCAL_GRAPH_DIRECTORY.groups,
        // What Entra sends to the Tenant URL: the test keeps the bearer tokens it used, to try
        // them on /scim/v2 itself (Entra's side of the secret, never the page's).
        fetch: async (input, init) => {
          const authorization = new Headers(init?.headers).get('authorization');
          if (authorization?.startsWith('Bearer ') && String(input).includes('/scim/v2')) {
            entraBearers.push(authorization.slice('Bearer '.length));
          }
          return fetch(input, init);
        },
      });
      // A short registry cache, so that a revocation shows within this test (AWS: 60 s).
      Object.assign(process.env, admin.environment, {
        CREDENTIAL_CACHE_SECONDS: '2',
        GRAPH_BASE_URL: graph.url,
      });
      service = await startTestService({ routes: [...routes, ...adminRoutes] });
      origin = new URL(service.url).origin;
      const write = process.stdout.write.bind(process.stdout);
      const writeErr = process.stderr.write.bind(process.stderr);
      process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
        logged.push(String(chunk));
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof process.stdout.write;
      process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
        logged.push(String(chunk));
        return (writeErr as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof process.stderr.write;
      restoreOutput = () => {
        process.stdout.write = write;
        process.stderr.write = writeErr;
      };
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'],
      });
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      page.on('response', async (response) => {
        if (!response.url().startsWith(origin)) return;
        seen.push(response.url(), JSON.stringify(await response.allHeaders()));
        seen.push(await response.text().catch(() => ''));
      });
      await mkdir(SHOTS, { recursive: true });
    }, 60_000);

    afterAll(async () => {
      restoreOutput?.();
      await browser?.close();
      await service?.close();
      await graph?.close();
      await admin?.close();
      if (work) await rm(work, { recursive: true, force: true });
    });

    /**
     * Clicks a button that goes through Entra and waits until the browser is back on the page
     * (the navigation the callback redirects to), loaded.
     */
    async function roundTrip(click: () => Promise<void>): Promise<void> {
      const back = page.waitForResponse(
        (response) =>
          response.url() === `${origin}/admin` &&
          response.request().isNavigationRequest() &&
          (response.request().redirectedFrom()?.url() ?? '').startsWith(
            `${origin}/admin/entra/callback`,
          ),
        { timeout: 40_000 },
      );
      await click();
      await back;
      await page.waitForLoadState('load');
    }

    async function axe(): Promise<void> {
      const results = await new AxeBuilder({ page })
        .include('#entra-connection')
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    }

    /** The credential Entra last used on the Tenant URL (an OAuth access token or a Secret Token). */
    function tokenInEntra(): string | undefined {
      return entraBearers.at(-1);
    }

    async function connectedCredentials() {
      const registry = createCredentialRegistry({
        documents: documentClient(),
        tableName: tableName(),
      });
      const { credentials } = await registry.list();
      return credentials.filter((c) => c.description?.includes('Connect to Microsoft Entra'));
    }

    it('shows the section, signed in, in plain words and accessible', async () => {
      await page.goto(`${origin}/admin`);
      await page.waitForURL(`${origin}/admin`);
      const section = page.locator('#entra-connection');
      await expect
        .poll(() => section.locator('#entra-summary').textContent(), { timeout: 15_000 })
        .toContain('Not connected yet');
      expect(
        await page.getByRole('button', { name: 'Connect to Microsoft Entra' }).isEnabled(),
      ).toBe(true);
      expect(await page.getByRole('button', { name: 'Pause provisioning' }).isDisabled()).toBe(
        true,
      );
      await axe();
    });

    it('connects through consent: app and job created, credential tested and saved, provisioning started', async () => {
      // Act: the admin ticks the log permissions and presses Connect; the browser goes to the
      // provider (consent), back to the callback, and lands on the section.
      await page.getByLabel(/Also let GroupTalk read Entra’s provisioning log/).check();
      await roundTrip(() =>
        page.getByRole('button', { name: 'Connect to Microsoft Entra' }).click(),
      );

      // Assess: every step done, in the section's own words.
      const summary = page.locator('#entra-summary');
      await expect.poll(() => summary.textContent(), { timeout: 15_000 }).toContain('Connected');
      const steps = page.locator('#entra-steps li');
      const texts = await steps.allTextContents();
      expect(texts.join('\n')).not.toContain('Failed');
      for (const title of [
        'GroupTalk enterprise application',
        'Provisioning job',
        'Credential for Entra',
        'Test Connection',
        'Tenant URL and credential saved in Entra',
        'GroupTalk attributes mapped',
        'Provisioning started',
      ]) {
        expect(texts.some((text) => text.startsWith('Done') && text.includes(title))).toBe(true);
      }
      expect(await page.locator('#entra-progress').textContent()).toContain('Connect succeeded');
      expect(await page.locator('#entra-job-state').textContent()).toBe('Running (enabled)');
      expect([...admin.provider.consented(LOCAL_USERS.admin.username)].sort()).toEqual([
        'Application.ReadWrite.All',
        'AuditLog.Read.All',
        'Directory.Read.All',
        'Synchronization.ReadWrite.All',
      ]);

      // One credential, registered by the admin, that Entra holds and that works on /scim/v2.
      const [credential, ...others] = await connectedCredentials();
      expect(others).toEqual([]);
      expect(credential?.createdBy).toBe(LOCAL_USERS.admin.username);
      const token = tokenInEntra();
      expect(token).toBeDefined();
      const probe = await service.request('GET', '/Users?count=1', undefined, {
        authorization: `Bearer ${token}`,
      });
      expect(probe.status).toBe(200);
      // Entra's job provisioned the assigned user (with label1 from extensionAttribute1), not
      // the unassigned one.
      const jane = await service.request(
        'GET',
        `/Users?filter=${encodeURIComponent(`userName eq "${GRACE.userPrincipalName}"`)}`,
      );
      expect(jane.body.totalResults).toBe(1);
      const omar = await service.request(
        'GET',
        `/Users?filter=${encodeURIComponent(`userName eq "${MAX.userPrincipalName}"`)}`,
      );
      expect(omar.body.totalResults).toBe(0);
      await axe();
      await page
        .locator('#entra-connection')
        .screenshot({ path: join(SHOTS, 'entra-connected.png') });
    });

    it('runs twice without duplicating anything: one application, one job, one credential', async () => {
      await roundTrip(() =>
        page.getByRole('button', { name: 'Connect to Microsoft Entra' }).click(),
      );
      await expect
        .poll(() => page.locator('#entra-run').textContent(), { timeout: 15_000 })
        .toContain('succeeded');
      const texts = (await page.locator('#entra-steps li').allTextContents()).join('\n');
      expect(texts).toContain('Already done');
      expect(texts).toMatch(/Found the enterprise application/);
      expect(texts).toMatch(/Found the provisioning job/);
      expect(texts).toMatch(/Already there: label1…label5/);
      expect(graph.state.servicePrincipals).toHaveLength(1);
      expect(graph.state.jobs).toHaveLength(1);
      expect(await connectedCredentials()).toHaveLength(1);
      const actions = (await listAdminActions()).filter((a) => a.action === 'entraConnect');
      expect(actions).toHaveLength(2);
    });

    it("shows Entra's log entries for one user beside GroupTalk's own record", async () => {
      await page
        .getByLabel('User’s object id or user principal name')
        .fill(GRACE.userPrincipalName);
      await roundTrip(() => page.getByRole('button', { name: 'Show what Entra saw' }).click());
      const entra = page.locator('#entra-log tbody tr');
      await expect.poll(() => entra.count(), { timeout: 15_000 }).toBeGreaterThan(0);
      expect(await page.locator('#entra-log tbody').textContent()).toContain('success');
      expect(await page.locator('#entra-log-summary').textContent()).toMatch(
        /[1-9]\d* succeeded, \d+ skipped/,
      );
      const ours = page.locator('#entra-ours tbody');
      await expect.poll(() => ours.textContent(), { timeout: 15_000 }).toMatch(/201|200/);
      await axe();
      await page.locator('#entra-connection').screenshot({ path: join(SHOTS, 'entra-log.png') });
    });

    it("reads Entra's log for the application and shows its tally in the health card", async () => {
      await roundTrip(() => page.getByRole('button', { name: 'Read Entra’s log' }).click());
      const health = page.locator('#health-entra');
      await expect
        .poll(() => health.textContent(), { timeout: 15_000 })
        .toMatch(
          /^Entra’s own log, read .+: [1-9]\d* succeeded, [1-9]\d* skipped \(.*not in scope.*\), \d+ failed on Entra’s side/,
        );
      expect(await health.isVisible()).toBe(true);
      await axe();
      const results = await new AxeBuilder({ page })
        .include('#health-section')
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    });

    it('disconnects: the job paused and the credential refused by /scim/v2 within the cache window', async () => {
      const token = tokenInEntra();
      page.once('dialog', (dialog) => dialog.accept());
      await roundTrip(() => page.getByRole('button', { name: 'Disconnect' }).click());
      await expect
        .poll(() => page.locator('#entra-summary').textContent(), { timeout: 15_000 })
        .toContain('Disconnected');
      expect(await page.locator('#entra-job-state').textContent()).toBe('Paused');
      const [credential] = await connectedCredentials();
      expect(credential?.revokedBy).toBe(LOCAL_USERS.admin.username);
      await expect
        .poll(
          async () =>
            (
              await service.request('GET', '/Users?count=1', undefined, {
                authorization: `Bearer ${token}`,
              })
            ).status,
          { timeout: 15_000, interval: 500 },
        )
        .toBe(401);
    });

    it('never lets a Graph token reach the table, the logs or the browser', async () => {
      const tokens = admin.provider.graphTokens();
      expect(tokens.length).toBeGreaterThanOrEqual(4);
      const { Items = [] } = await documentClient().send(
        new ScanCommand({ TableName: tableName() }),
      );
      const table = JSON.stringify(Items);
      const requestLog = await readFile(join(work, 'requests.jsonl'), 'utf8').catch(() => '');
      const cookies = JSON.stringify(await context.cookies());
      const storage = await page.evaluate<string>(
        'JSON.stringify({ ...localStorage, ...sessionStorage })',
      );
      const html = await page.content();
      for (const token of tokens) {
        // The signature part alone is enough to find a copy.
        const signature = token.split('.')[2] ?? token;
        expect(table).not.toContain(signature);
        expect(requestLog).not.toContain(signature);
        expect(logged.join('')).not.toContain(signature);
        expect(cookies).not.toContain(signature);
        expect(storage).not.toContain(signature);
        expect(html).not.toContain(signature);
        expect(seen.join('\n')).not.toContain(signature);
      }
    });
  },
);
