/**
 * The reports' data off the SCIM request path: the aggregator function fed CloudWatch Logs
 * subscription deliveries (gzipped, base64, as Lambda receives them) into DynamoDB Local, and the
 * reports read back from the tenant's table. Then a crowd: 200 admins of different tenants load
 * their reports in the same minute, and 200 search deep history through the real CloudWatch Logs
 * client against a Logs Insights stand-in that refuses the 101st concurrent query.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as aggregate } from '../../functions/reports/aggregate.js';
import type { AdminConfig } from '../../shared/admin/config.js';
import type { AdminRequest } from '../../shared/admin/http.js';
import { resourceHistory } from '../../shared/admin/integration.js';
import {
  CloudWatchReportSource,
  ReportQueuedError,
} from '../../shared/admin/reports/cloudwatch-source.js';
import { buildReport, reportSourceFor } from '../../shared/admin/reports/report.js';
import { TableReportSource } from '../../shared/admin/reports/table-source.js';
import { logDelivery } from '../support/log-delivery.js';
import {
  type LogsInsightsStandIn,
  startLogsInsightsStandIn,
} from '../support/logs-insights-stand-in.js';

// Two hundred report loads from one process share one DynamoDB Local on a loaded 2-core machine
// (in AWS each is its own function instance against DynamoDB): give its connections time.
process.env.DYNAMODB_CONNECTION_TIMEOUT_MS = '60000';
process.env.DYNAMODB_REQUEST_TIMEOUT_MS = '60000';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const at = (minutesAgo: number) => NOW.getTime() - minutesAgo * 60_000;
const GUID = '6f1e2d3c-4b5a-4978-8e7f-1a2b3c4d5e6f';

interface LogEvent {
  readonly id: string;
  readonly timestamp: number;
  readonly message: string;
}

/** A log event as the function wrote it: Powertools' JSON line. */
function logEvent(id: string, minutesAgo: number, line: Record<string, unknown>): LogEvent {
  const timestamp = at(minutesAgo);
  return {
    id,
    timestamp,
    message: JSON.stringify({
      level: 'INFO',
      message: 'request',
      timestamp: new Date(timestamp).toISOString(),
      service: 'grouptalk-scim',
      tenant: 'acme',
      ...line,
    }),
  };
}

/** What CloudWatch Logs hands the subscribed function. */
const delivery = (logEvents: readonly LogEvent[], messageType?: string) =>
  logDelivery(logEvents, { messageType });

const scim = (fields: Record<string, unknown>) => ({
  kind: 'scim',
  method: 'GET',
  ...fields,
});

// Entra's requests about Alice, a Test Connection probe, and a refused create.
const created = logEvent(
  'e1',
  50,
  scim({
    operation: 'createUser',
    method: 'POST',
    path: '/scim/v2/Users',
    status: 201,
    resourceType: 'User',
    resourceId: 'u-alice',
    userName: 'alice@contoso.test',
    externalId: 'ext-alice',
  }),
);
const read = logEvent(
  'e2',
  40,
  scim({
    operation: 'getUser',
    path: '/scim/v2/Users/u-alice',
    status: 200,
    resourceType: 'User',
    resourceId: 'u-alice',
  }),
);
const probe = logEvent(
  'e3',
  30,
  scim({
    operation: 'listUsers',
    path: '/scim/v2/Users',
    status: 200,
    resourceType: 'User',
    filterAttribute: 'userName',
    filterValue: GUID,
    totalResults: 0,
    probe: true,
  }),
);
const refused = logEvent(
  'e4',
  20,
  scim({
    operation: 'createUser',
    method: 'POST',
    path: '/scim/v2/Users',
    status: 409,
    scimType: 'uniqueness',
    errorDetail: 'userName "alice@contoso.test" is already taken',
    resourceType: 'User',
    userName: 'alice@contoso.test',
  }),
);
const patched = logEvent(
  'e5',
  10,
  scim({
    operation: 'patchUser',
    method: 'PATCH',
    path: '/scim/v2/Users/u-alice',
    status: 204,
    resourceType: 'User',
    resourceId: 'u-alice',
  }),
);
// The same log group's other lines: the page (an expired session's 401 among them), the token
// endpoint, the aggregator itself.
const pageLines = [
  logEvent('p1', 45, {
    kind: 'admin',
    message: 'admin request',
    operation: 'getProvisioningReport',
    method: 'GET',
    path: '/admin/api/reports',
    status: 401,
    adminError: 'signInRequired',
  }),
  logEvent('p2', 44, {
    kind: 'admin',
    message: 'admin request',
    operation: 'adminSession',
    method: 'GET',
    path: '/admin/api/session',
    status: 200,
  }),
];
const tokenLine = logEvent('t1', 35, {
  kind: 'token',
  message: 'token request',
  operation: 'issueAccessToken',
  method: 'POST',
  path: '/oauth2/token',
  status: 401,
  oauthError: 'invalid_client',
  errorDetail: 'unknown client',
});
const ownLine = logEvent('a1', 5, {
  message: 'report batch',
  operation: 'aggregateReports',
  events: 3,
});

describe('the report aggregator (subscription deliveries → the tenant table)', () => {
  beforeAll(async () => {
    // Act: a delivery, the same delivery again (Lambda's retry), one overlapping it, a control message.
    const first = delivery([created, ...pageLines, read, tokenLine, probe]);
    expect(await aggregate(first)).toEqual({ events: 3, counted: 3 });
    expect(await aggregate(first)).toEqual({ events: 3, counted: 0 });
    expect(await aggregate(delivery([probe, refused, patched, ownLine]))).toEqual({
      events: 3,
      counted: 2,
    });
    expect(await aggregate(delivery([], 'CONTROL_MESSAGE'))).toEqual({ events: 0, counted: 0 });
  });

  it("counts each SCIM request once, and none of the page's, the token endpoint's or its own lines", async () => {
    const report = await buildReport(new TableReportSource(), 1, NOW);
    const total = report.activity.reduce(
      (sum, bucket) => ({
        requests: sum.requests + bucket.requests,
        failures: sum.failures + bucket.failures,
      }),
      { requests: 0, failures: 0 },
    );
    expect(total).toEqual({ requests: 5, failures: 1 });
    expect(report.outcomes).toEqual([
      { operation: 'createUser', status: 201, scimType: '', count: 1, title: 'Created user' },
      {
        operation: 'createUser',
        status: 409,
        scimType: 'uniqueness',
        count: 1,
        title: 'Could not create a user',
      },
      { operation: 'getUser', status: 200, scimType: '', count: 1, title: 'Read user' },
      { operation: 'listUsers', status: 200, scimType: '', count: 1, title: 'Looked up users' },
      { operation: 'patchUser', status: 204, scimType: '', count: 1, title: 'Updated user' },
    ]);
  });

  it('keeps the failures with the exact detail Entra was given, and no 401 from an expired page session', async () => {
    const report = await buildReport(new TableReportSource(), 1, NOW);
    expect(report.failures).toEqual([
      {
        status: 409,
        scimType: 'uniqueness',
        count: 1,
        last: new Date(at(20)).toISOString(),
        errorDetail: 'userName "alice@contoso.test" is already taken',
        title: 'GroupTalk already holds a user or group with that name.',
        advice: expect.stringContaining('already exists'),
      },
    ]);
  });

  it('lists the latest requests and the Test Connection probes, newest first', async () => {
    const report = await buildReport(new TableReportSource(), 1, NOW);
    expect(report.recent.map((record) => record.operation)).toEqual([
      'patchUser',
      'createUser',
      'listUsers',
      'getUser',
      'createUser',
    ]);
    expect(report.probes.map((record) => record.filterValue)).toEqual([GUID]);
  });

  it("gives a resource's timeline by its id, its userName or its externalId", async () => {
    const source = new TableReportSource();
    const range = { from: new Date(at(60)), to: NOW };
    const timeline = ['createUser 201', 'getUser 200', 'createUser 409', 'patchUser 204'];
    for (const term of ['u-alice', 'alice@contoso.test', 'ext-alice']) {
      const records = await source.history(range, [term], 100);
      expect(records.map((record) => `${record.operation} ${record.status}`)).toEqual(timeline);
    }
    expect(await source.history(range, ['nobody'], 100)).toEqual([]);
  });
});

describe('a crowd of admins (200 tenants in the same minute)', () => {
  let standIn: LogsInsightsStandIn;
  beforeAll(async () => {
    // Like the account's limit; queries run until the stand-in has refused one, so the crowd
    // certainly meets the limit however fast the machine is.
    standIn = await startLogsInsightsStandIn({
      maxConcurrent: 100,
      hold: (self) => self.refused === 0,
    });
  });
  afterAll(() => standIn?.close());

  // One client, as a function instance keeps one at module scope.
  const client = () =>
    (shared ??= new CloudWatchLogsClient({
      endpoint: standIn.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    }));
  let shared: CloudWatchLogsClient | undefined;

  it('answers 200 report loads from the aggregated items, starting no Logs Insights query', {
    timeout: 300_000,
  }, async () => {
    const config = {
      requestLogGroups: ['/grouptalk-scim/acme/functions'],
    } as unknown as AdminConfig;
    const reports = await Promise.all(
      Array.from({ length: 200 }, () => buildReport(reportSourceFor(config), 30, NOW)),
    );
    for (const report of reports) {
      expect(report.activity.reduce((sum, bucket) => sum + bucket.requests, 0)).toBe(5);
    }
    expect(standIn.started + standIn.refused).toBe(0);
  });

  it('answers 200 deep-history searches through the real client, queued past the 100th, none an error', {
    timeout: 300_000,
  }, async () => {
    let queued = 0;
    const search = async (tenant: number) => {
      const source = new CloudWatchReportSource({
        client: client(),
        logGroupNames: [`/grouptalk-scim/tenant-${tenant}/functions`],
        pollMs: 50,
        admissionMs: 100,
        // A loaded machine polls 200 searches slowly; the stand-in's queries never end by time.
        timeoutMs: 600_000,
      });
      // The page: a queued answer is shown as queued and asked again, never as an error.
      for (;;) {
        try {
          return await source.history({ from: new Date(at(600)), to: NOW }, ['alice'], 100);
        } catch (error) {
          if (!(error instanceof ReportQueuedError)) throw error;
          queued += 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => search(i)));
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(standIn.refused).toBeGreaterThan(0);
    expect(standIn.maxRunning).toBe(100);
    expect(standIn.started).toBe(200);
    expect(standIn.running).toBe(0);
    // Whether a search was queued or admitted on a retry depends on the machine; both are fine.
    expect(queued).toBeGreaterThanOrEqual(0);
  });
});

describe('GET /admin/api/history?source=logs when Logs Insights takes no query', () => {
  let full: LogsInsightsStandIn;
  beforeAll(async () => {
    full = await startLogsInsightsStandIn({ maxConcurrent: 0 });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: full.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });
  afterAll(() => full?.close());

  it('answers 202 queued with a retry-after, not an error page', async () => {
    const request = {
      query: new URLSearchParams({ term: 'alice', days: '7', source: 'logs' }),
      config: { requestLogGroups: ['/grouptalk-scim/acme/functions'] },
    } as unknown as AdminRequest;
    const response = await resourceHistory(request);
    expect(response.status).toBe(202);
    expect(response.json).toMatchObject({ queued: true, source: 'logs' });
    expect(Number(response.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(full.refused).toBeGreaterThan(0);
  });

  it('answers a bad source with 400', async () => {
    const request = {
      query: new URLSearchParams({ term: 'alice', source: 'elsewhere' }),
      config: { requestLogGroups: [] },
    } as unknown as AdminRequest;
    await expect(resourceHistory(request)).rejects.toMatchObject({ status: 400 });
  });
});
