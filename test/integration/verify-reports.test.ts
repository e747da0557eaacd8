/**
 * The reports check of `npm run verify` (issue 20): it reads what the page reads, the report items
 * the aggregator writes in the canary's table, through an explicitly named table and client (the
 * operator's access in AWS, DynamoDB Local under `npm start`). The items are written here by the
 * real aggregator function fed as CloudWatch Logs feeds it; the check passes once every user's
 * create, update and delete is in that user's history, waits for items that arrive late, and
 * fails naming what is missing and where the aggregation runs when it does not.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { handler as aggregate } from '../../functions/reports/aggregate.js';
import { localDocumentClient } from '../../infra/tokens.js';
import { CheckRun } from '../../infra/verify/report.js';
import {
  awaitReportHistories,
  awsAggregationFix,
  localAggregationFix,
  TableReportItems,
} from '../../infra/verify/report-items.js';
import { logDelivery } from '../support/log-delivery.js';

const documents = localDocumentClient(process.env.DYNAMODB_ENDPOINT!);
const tableName = process.env.TABLE_NAME!;
afterAll(() => documents.destroy());

/** A SCIM request line about one user, as the function logs it. */
function line(operation: string, userId: string, status: number) {
  const timestamp = Date.now();
  return {
    id: randomUUID().replace(/-/g, ''),
    timestamp,
    message: JSON.stringify({
      level: 'INFO',
      message: 'request',
      timestamp: new Date(timestamp).toISOString(),
      service: 'grouptalk-scim',
      tenant: 'canary',
      kind: 'scim',
      operation,
      method: { createUser: 'POST', patchUser: 'PATCH', deleteUser: 'DELETE' }[operation],
      path: operation === 'createUser' ? '/scim/v2/Users' : `/scim/v2/Users/${userId}`,
      status,
      resourceType: 'User',
      resourceId: userId,
    }),
  };
}

/** What CloudWatch Logs hands the subscribed aggregator. */
const delivery = (logEvents: ReturnType<typeof line>[]) =>
  logDelivery(logEvents, { tenant: 'canary', filterName: 'grouptalk-scim-reports' });

const cycle = (userId: string) => [
  line('createUser', userId, 201),
  line('patchUser', userId, 200),
  line('deleteUser', userId, 204),
];

/** Runs the check as verify does, printing into `lines`. */
async function reportsCheck(items: TableReportItems, userIds: string[], timeoutMs: number) {
  const lines: string[] = [];
  const run = new CheckRun((text) => lines.push(text));
  const from = new Date(Date.now() - 60_000);
  await run.check('canary canary: provisioning reports', 'the generic fix', () =>
    awaitReportHistories(items, userIds, from, timeoutMs, 200),
  );
  return lines;
}

describe("verify's reports check reads the canary's aggregated report items", () => {
  const local = new TableReportItems(documents, tableName, localAggregationFix(tableName));

  it("passes once the aggregator has written every user's create, update and delete", async () => {
    const users = [`u-${randomUUID()}`, `u-${randomUUID()}`];
    await aggregate(delivery(users.flatMap(cycle)));

    const lines = await reportsCheck(local, users, 5_000);

    expect(lines).toEqual([
      "PASS  canary canary: provisioning reports: 6 request(s) of this run in the users' histories (the aggregated report items)",
    ]);
  });

  it('waits for items the aggregation writes after the requests', async () => {
    const user = `u-${randomUUID()}`;
    const late = new Promise((resolve) => setTimeout(resolve, 500)).then(() =>
      aggregate(delivery(cycle(user))),
    );

    const lines = await reportsCheck(local, [user], 60_000);
    await late;

    expect(lines[0]).toMatch(/^PASS {2}canary canary: provisioning reports: 3 request\(s\)/);
  });

  it('fails naming the missing requests and the local aggregation when npm start aggregates nothing', async () => {
    const user = `u-${randomUUID()}`;

    const lines = await reportsCheck(local, [user], 1_000);

    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `FAIL  canary canary: provisioning reports: the report items do not show createUser of ${user}, patchUser of ${user}, deleteUser of ${user} within 1 s. Fix: npm start aggregates each SCIM request record into its table in-process: look for "report aggregation failed" in the npm start output, and check that --table (${tableName}) is the table npm start uses (its LOCAL_TABLE_NAME)`,
    );
  });

  it('fails naming the aggregator function, its subscription filter and its log in AWS when only part arrived', async () => {
    const user = `u-${randomUUID()}`;
    await aggregate(delivery([line('createUser', user, 201)]));
    const aws = new TableReportItems(
      documents,
      tableName,
      awsAggregationFix('canary', '/grouptalk-scim/canary/functions', 'eu-west-1'),
    );

    const lines = await reportsCheck(aws, [user], 1_000);

    expect(lines[0]).toMatch(
      new RegExp(
        `^FAIL {2}canary canary: provisioning reports: the report items do not show patchUser of ${user}, deleteUser of ${user} within 1 s\\. Fix: the reports are the items gts-canary-aggregateReports writes .*/grouptalk-scim/canary/functions.*subscription filter grouptalk-scim-reports.*GroupTalkScim-reports-eu-west-1`,
      ),
    );
  });

  it("reads only the named table: another table's items are not the canary's", async () => {
    const user = `u-${randomUUID()}`;
    await aggregate(delivery(cycle(user)));
    const elsewhere = new TableReportItems(
      documents,
      `verify-reports-missing-${randomUUID()}`,
      localAggregationFix('elsewhere'),
    );

    const lines = await reportsCheck(elsewhere, [user], 1_000);

    // The DynamoDB error fails the check with the check's own fix (access to the canary's table).
    expect(lines[0]).toMatch(
      /^FAIL {2}canary canary: provisioning reports: .*(non-existent table|ResourceNotFound|Cannot do operations).*\. Fix: the generic fix$/,
    );
  });
});
