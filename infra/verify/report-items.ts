/**
 * The canary's provisioning reports as the page reads them: the report items the aggregator keeps
 * in the canary's table (`shared/store/reports.ts`), read with the operator's DynamoDB access, as
 * verify already reads and writes the credential registry. In AWS the items come from the
 * aggregator function fed by the subscription filter on the canary's function log group; under
 * `npm start` from the local server's in-process aggregation. Either way they arrive a little
 * after the request, so the check polls up to a bounded time.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReportRecord } from '../../shared/store/reports.js';
import { readReportHistory } from '../../shared/store/reports.js';
import { CheckFailure } from './report.js';

/** What verify reads of the reports: a resource's history, by the id it was logged with. */
export interface ReportItems {
  /** The history of `id` between two times, oldest first. */
  history(id: string, from: Date, to: Date): Promise<ReportRecord[]>;
  /** What to do when the items do not appear: where the aggregation runs and how to look at it. */
  readonly whenMissing: string;
}

/** The report items of one table (the canary's), read with the given client. */
export class TableReportItems implements ReportItems {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly whenMissing: string,
  ) {}

  async history(id: string, from: Date, to: Date): Promise<ReportRecord[]> {
    const events = await readReportHistory(id, from.toISOString(), to.toISOString(), 100, {
      documents: this.documents,
      tableName: this.tableName,
    });
    return events.map((event) => event.record);
  }
}

/** The Fix line in AWS: the aggregator function, its subscription filter and its log. */
export function awsAggregationFix(tenant: string, logGroupName: string, region: string): string {
  return `the reports are the items gts-${tenant}-aggregateReports writes into the canary's table: check that function's errors and invocations (its lines in ${logGroupName}, and its Errors metric), that ${logGroupName} has the subscription filter grouptalk-scim-reports delivering to it, and that the fleet role GroupTalkScim-reports-${region} exists (deploy the fleet stack of this build)`;
}

/** The Fix line under `npm start`: its in-process aggregation. */
export function localAggregationFix(tableName: string): string {
  return `npm start aggregates each SCIM request record into its table in-process: look for "report aggregation failed" in the npm start output, and check that --table (${tableName}) is the table npm start uses (its LOCAL_TABLE_NAME)`;
}

const WANTED = ['createUser', 'patchUser', 'deleteUser'];

/**
 * Waits until every user's create, update and delete are in that user's history (the page's
 * "history" of the user), polling every `pollMs` up to `timeoutMs`; fails naming what is missing
 * and, as the fix, where the aggregation runs.
 */
export async function awaitReportHistories(
  items: ReportItems,
  userIds: readonly string[],
  from: Date,
  timeoutMs: number,
  pollMs = 2_000,
): Promise<{ detail: string }> {
  const deadline = Date.now() + timeoutMs;
  let missing: string[] = [];
  for (;;) {
    // A little past now: the aggregator stamps items with the request's own time.
    const to = new Date(Date.now() + 5_000);
    missing = [];
    let records = 0;
    for (const id of userIds) {
      const history = await items.history(id, from, to);
      records += history.length;
      const operations = new Set(history.map((record) => record.operation));
      missing.push(...WANTED.filter((op) => !operations.has(op)).map((op) => `${op} of ${id}`));
    }
    if (missing.length === 0) {
      return {
        detail: `${records} request(s) of this run in the users' histories (the aggregated report items)`,
      };
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, deadline - Date.now())));
  }
  throw new CheckFailure(
    `the report items do not show ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` (and ${missing.length - 3} more)` : ''} within ${Math.round(timeoutMs / 1000)} s`,
    items.whenMissing,
  );
}
