/**
 * The checks against a cell's canary tenant: a verification credential registered with the
 * operator's access to the canary's registry (the `npm run token` machinery), an access token from
 * the token endpoint, a short Entra cycle in both PATCH dialects with that token, the change
 * events on the feed, the requests in the provisioning reports, the credential revoked and refused
 * within the registry's cache window, and the cell's alarms.
 */
import { randomBytes } from 'node:crypto';
import type { CredentialRegistry } from '../../shared/credentials/registry.js';
import { Recorder } from '../simulator/client.js';
import { DIALECTS } from '../simulator/entra-requests.js';
import { EntraCycle, type ExpectedEvents } from './entra-cycle.js';
import { awaitEvents, type FeedReader } from './feed.js';
import { CheckFailure, type CheckRun } from './report.js';
import { awaitReportHistories, type ReportItems } from './report-items.js';
import { verifyApiAnswers } from './tenant-checks.js';

export interface AlarmState {
  readonly name: string;
  readonly reason: string;
}

export interface CanaryTarget {
  readonly tenant: string;
  readonly tenantUrl: string;
  /** Undefined when the canary has no token endpoint (no tokenKmsKeyArns). */
  readonly tokenEndpoint: string | undefined;
  /** The canary's credential registry, with the operator's access to its table. */
  readonly registry: CredentialRegistry;
  /** How long a revocation may take to reach every function instance. */
  readonly revocationWindowMs: number;
  readonly feed: FeedReader;
  readonly feedTimeoutMs: number;
  /** The canary's aggregated report items, as the page reads them. */
  readonly reports: ReportItems;
  /** The aggregation runs a little after the request (in AWS, after the log line's delivery). */
  readonly reportsTimeoutMs: number;
  /** The cell's alarms in ALARM; undefined where there are none to read (npm start). */
  readonly alarmsInAlarm?: () => Promise<AlarmState[]>;
  /** Who registers the credential (`createdBy`). */
  readonly operator: string;
}

const POLL_MS = 1_000;

export async function verifyCanary(target: CanaryTarget, run: CheckRun): Promise<void> {
  const name = (check: string) => `canary ${target.tenant}: ${check}`;
  const runId = `verify-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
  const client = await run.check(
    name('verification credential'),
    `check the operator's DynamoDB access to the canary's table (the registry): npm run token -- list --tenant ${target.tenant} …`,
    async () => {
      const { credential, secret } = await target.registry.createClient({
        createdBy: target.operator,
        description: `npm run verify ${runId}: revoked by the same run`,
      });
      return {
        detail: `OAuth client ${credential.id} registered`,
        id: credential.id,
        secret: secret.secret,
      };
    },
  );
  let revoked = false;
  try {
    const token = client
      ? await run.check(
          name('token endpoint'),
          "the canary's token endpoint refused its own registry's client: check that its functions' TABLE_NAME is the table verify registered in (stack output TableName) and its KMS signing key (tokenKmsKeyArns)",
          async () => {
            if (!target.tokenEndpoint) {
              throw new CheckFailure(
                'the canary has no token endpoint',
                `give infra/tenants/${target.tenant}.json the fleet's tokenKmsKeyArns and deploy it`,
              );
            }
            return { ...(await accessToken(target.tokenEndpoint, client.id, client.secret)) };
          },
        )
      : undefined;
    if (!client || !token) {
      for (const check of ['Entra cycle', 'change feed', 'reports', 'API answers', 'revocation']) {
        run.skip(name(check), 'needs the verification credential and its access token');
      }
    } else {
      await cycleChecks(target, run, name, token.accessToken, runId);
      await verifyApiAnswers(run, `canary ${target.tenant}`, target.tenantUrl, token.accessToken);
      revoked = true;
      await run.check(
        name('revocation'),
        'a revoked credential still works: check CREDENTIAL_CACHE_SECONDS of the canary functions (60 at most) and the registry read in shared/credentials/registry.ts',
        () => refusedAfterRevocation(target, client.id, token.accessToken),
      );
    }
  } finally {
    // Whatever failed, the credential does not outlive the run.
    if (client && !revoked) {
      await target.registry
        .revoke(client.id, target.operator)
        .catch((error: unknown) =>
          console.error(
            `verify: could not revoke ${client.id}: ${(error as Error).message}; revoke it: npm run token -- client revoke --id ${client.id} …`,
          ),
        );
    }
  }
  if (target.alarmsInAlarm) {
    await verifyAlarms(run, target.alarmsInAlarm);
  } else {
    run.skip('cell alarms', 'no CloudWatch alarms here (npm start); verify reads them in AWS');
  }
}

/** No alarm of the cell is in ALARM. */
export async function verifyAlarms(
  run: CheckRun,
  read: () => Promise<AlarmState[]>,
): Promise<void> {
  await run.check(
    'cell alarms',
    "read each alarm's description (it says where to look), fix the cause and wait for OK before going on",
    async () => {
      const alarms = await read();
      if (alarms.length > 0) {
        throw new CheckFailure(
          `${alarms.length} alarm(s) in ALARM: ${alarms
            .slice(0, 5)
            .map((alarm) => `${alarm.name} (${alarm.reason})`)
            .join('; ')}`,
        );
      }
      return { detail: 'no alarm of the cell is in ALARM' };
    },
  );
}

async function cycleChecks(
  target: CanaryTarget,
  run: CheckRun,
  name: (check: string) => string,
  token: string,
  runId: string,
): Promise<void> {
  const recorder = new Recorder();
  await target.feed.mark();
  const started = new Date(Date.now() - 5_000);
  const cycles = DIALECTS.map(
    (dialect) =>
      new EntraCycle(dialect, { tenantUrl: target.tenantUrl, token, prefix: runId, recorder }),
  );
  const provisioned: EntraCycle[] = [];
  for (const cycle of cycles) {
    const done = await run.check(
      name(`Entra cycle, ${cycle.dialect} dialect (create, update, disable, group, members)`),
      "read the canary's function log for the failed request",
      () => cycle.provision(),
    );
    if (done) provisioned.push(cycle);
  }
  // The member events of a group deleted in the same publisher batch are implied by its delete
  // (shared/events/mapping.ts): the deletes wait until the feed has shown the member changes.
  const feedFix = target.feed.whenSilent;
  const merged = (pick: (cycle: EntraCycle) => ExpectedEvents) =>
    new Map(provisioned.flatMap((cycle) => [...pick(cycle)]));
  if (provisioned.length > 0) {
    await run.check(name('change feed, provisioning events'), feedFix, () =>
      awaitEvents(
        target.feed,
        target.tenant,
        merged((c) => c.provisionEvents()),
        target.feedTimeoutMs,
      ),
    );
  }
  const removed: EntraCycle[] = [];
  for (const cycle of provisioned) {
    const done = await run.check(
      name(`Entra cycle, ${cycle.dialect} dialect (delete)`),
      "read the canary's function log for the failed request",
      () => cycle.remove(),
    );
    if (done) removed.push(cycle);
  }
  if (removed.length > 0) {
    await run.check(name('change feed, delete events'), feedFix, () =>
      awaitEvents(
        target.feed,
        target.tenant,
        new Map(removed.flatMap((cycle) => [...cycle.removeEvents()])),
        target.feedTimeoutMs,
      ),
    );
  } else {
    run.skip(name('change feed'), 'the Entra cycle failed before any event was expected');
  }
  if (provisioned.length > 0) {
    await run.check(
      name('provisioning reports'),
      `check the operator's DynamoDB access to the canary's table (dynamodb:Query reads the report items); ${target.reports.whenMissing}`,
      () =>
        awaitReportHistories(
          target.reports,
          provisioned.map((cycle) => cycle.ids!.kept),
          started,
          target.reportsTimeoutMs,
        ),
    );
  } else {
    run.skip(name('provisioning reports'), 'the Entra cycle made no request to look for');
  }
}

/** Revokes the client and waits until its access token is refused, within the cache window. */
async function refusedAfterRevocation(
  target: CanaryTarget,
  clientId: string,
  token: string,
): Promise<{ detail: string }> {
  await target.registry.revoke(clientId, target.operator);
  const revokedAt = Date.now();
  // Slack for the requests in flight and the clock: a refusal later than this is a failure.
  const limit = target.revocationWindowMs + 10_000;
  for (;;) {
    const status = await probe(target.tenantUrl, token);
    const elapsed = Date.now() - revokedAt;
    if (status === 401) {
      return {
        detail: `refused ${(elapsed / 1000).toFixed(1)} s after revocation (window ${target.revocationWindowMs / 1000} s)`,
      };
    }
    if (status !== 200) {
      throw new CheckFailure(`a request with the revoked credential answered ${status}`);
    }
    if (elapsed > limit) {
      throw new CheckFailure(
        `the revoked credential still reads /Users ${Math.round(elapsed / 1000)} s after revocation (window ${target.revocationWindowMs / 1000} s)`,
      );
    }
    await sleep(POLL_MS);
  }
}

async function probe(tenantUrl: string, token: string): Promise<number> {
  const url = new URL(tenantUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/Users`;
  url.search = 'startIndex=1&count=1';
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json' },
    signal: AbortSignal.timeout(30_000),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The client-credentials grant, as Entra makes it. */
async function accessToken(
  endpoint: string,
  clientId: string,
  secret: string,
): Promise<{ detail: string; accessToken: string }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
    }).toString(),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    expires_in?: number;
    error?: string;
  };
  if (response.status !== 200 || typeof body.access_token !== 'string') {
    throw new CheckFailure(
      `the token endpoint answered ${response.status}${body.error ? ` ${body.error}` : ''} to the verification client`,
    );
  }
  return {
    detail: `access token issued (expires in ${body.expires_in} s)`,
    accessToken: body.access_token,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
