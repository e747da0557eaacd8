/**
 * The provisioning report of the integration page: what each section needs, asked of one
 * `ReportSource` in parallel (the aggregated items in the tenant's table: a few Queries).
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { AdminConfig } from '../config.js';
import { adviceFor } from './advice.js';
import { CloudWatchReportSource } from './cloudwatch-source.js';
import { FileReportSource } from './file-source.js';
import { assessHealth, CYCLE_SCAN_LIMIT, type Health } from './health.js';
import type {
  ActivityBucket,
  FailureGroup,
  OutcomeCount,
  ReportRange,
  ReportSource,
  RequestRecord,
} from './source.js';
import { TableReportSource } from './table-source.js';
import { failureTitle, outcomeTitle, withTitle } from './wording.js';

/** How far back reports reach (CloudWatch keeps the tenant's logs a month by default). */
export const MAX_REPORT_DAYS = 30;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface ProvisioningReport {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  /** Healthy or not, why, when Entra last called and how its latest cycle went (`health.ts`). */
  readonly health: Health;
  /** Every bucket of the period, empty ones included, oldest first. */
  readonly activity: readonly ActivityBucket[];
  /** In plain words (`title`), what to do (`advice`), and the detail (status, scimType, errorDetail). */
  readonly failures: readonly (FailureGroup & { advice: string; title: string })[];
  /** SCIM requests of the period per operation and outcome (status, scimType), with a `title`. */
  readonly outcomes: readonly (OutcomeCount & { title: string })[];
  readonly probes: readonly (RequestRecord & { title: string })[];
  readonly recent: readonly (RequestRecord & { title: string })[];
}

/** The last `days` days up to `now`; `days` is clamped to 1…30. */
export function reportRange(days: number, now = new Date()): ReportRange {
  const clamped = Math.min(MAX_REPORT_DAYS, Math.max(1, Math.floor(days) || MAX_REPORT_DAYS));
  return { from: new Date(now.getTime() - clamped * DAY_MS), to: now };
}

/**
 * The report for the last `days` days: hourly buckets for one day, daily ones beyond.
 *
 * @example await buildReport(source, 30)
 */
export async function buildReport(
  source: ReportSource,
  days: number,
  now = new Date(),
): Promise<ProvisioningReport> {
  const range = reportRange(days, now);
  const span = Math.round((range.to.getTime() - range.from.getTime()) / DAY_MS);
  const bucketMs = span <= 1 ? HOUR_MS : DAY_MS;
  const [activity, failures, outcomes, probes, recent, cycle] = await Promise.all([
    source.activity(range, bucketMs),
    source.failures(range),
    source.outcomes ? source.outcomes(range) : [],
    source.probes(range, 20),
    source.recent(range, 50),
    source.requestOutcomes?.(range, CYCLE_SCAN_LIMIT),
  ]);
  // A source without the outcomes list (deep history only) is judged on the latest 50.
  const newestFirst = cycle ?? recent;
  const health = assessHealth({
    days: span,
    newestFirst,
    complete: newestFirst.length < (cycle ? CYCLE_SCAN_LIMIT : 50),
    latest: recent,
    // The failures list is exact to the period (the activity is by whole hours).
    periodFailures: failures.reduce((sum, group) => sum + group.count, 0),
  });
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    days: span,
    health,
    activity: everyBucket(range, bucketMs, activity),
    failures: failures.map((group) => ({
      ...group,
      title: failureTitle(group.status, group.scimType),
      advice: adviceFor(group.status, group.scimType),
    })),
    outcomes: outcomes.map((row) => ({ ...row, title: outcomeTitle(row.operation, row.status) })),
    probes: probes.map(withTitle),
    recent: recent.map(withTitle),
  };
}

/** The chart needs the quiet buckets too. */
function everyBucket(
  range: ReportRange,
  bucketMs: number,
  found: readonly ActivityBucket[],
): ActivityBucket[] {
  const byStart = new Map(found.map((bucket) => [Date.parse(bucket.start), bucket]));
  const first = range.from.getTime() - (range.from.getTime() % bucketMs);
  const buckets: ActivityBucket[] = [];
  for (let start = first; start <= range.to.getTime(); start += bucketMs) {
    buckets.push(
      byStart.get(start) ?? { start: new Date(start).toISOString(), requests: 0, failures: 0 },
    );
  }
  return buckets;
}

/**
 * The source of the page's reports and history: the report items the aggregator keeps in the
 * tenant's table, in AWS and under `npm start` alike.
 */
export function reportSourceFor(_config: AdminConfig): ReportSource {
  return new TableReportSource();
}

/**
 * The source of deep history, on demand only: Logs Insights over the tenant's function log group
 * in AWS (queued behind the account's concurrency limit, see `cloudwatch-source.ts`), the local
 * JSON-lines file under `npm start`.
 */
export function deepHistorySourceFor(config: AdminConfig): ReportSource {
  if (config.requestLogFile) return new FileReportSource(config.requestLogFile);
  if (config.requestLogGroups.length === 0) {
    throw new Error('Set REQUEST_LOG_FILE (local) or REQUEST_LOG_GROUPS (AWS) for deep history');
  }
  return new CloudWatchReportSource({
    client: new CloudWatchLogsClient({}),
    logGroupNames: config.requestLogGroups,
  });
}
