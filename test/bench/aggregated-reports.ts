/**
 * Report latency from the aggregated data (issue 19, item 4): the same month of request records
 * of a 10,000-user directory as `admin-reports.ts`, delivered to the report aggregator in batches
 * as CloudWatch Logs' subscription delivers them, into the tenant table in DynamoDB Local; then
 * the whole provisioning report and a user's history read from the table, each a few Queries. The
 * target: an answer within 3 s. Needs TABLE_NAME and DYNAMODB_ENDPOINT set (`run.ts` does).
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseLine, reportEventOf } from '../../shared/admin/reports/aggregate.js';
import { buildReport, reportRange } from '../../shared/admin/reports/report.js';
import { TableReportSource } from '../../shared/admin/reports/table-source.js';
import { aggregateReportEvents, type ReportEvent } from '../../shared/store/reports.js';
import { REPORT_TARGET_MS, userName, writeMonth } from './admin-reports.js';

export interface AggregatedReportsResult {
  readonly users: number;
  readonly days: number;
  readonly records: number;
  /** How long the aggregation of the whole month took (not a target: it runs off the request path). */
  readonly aggregationMs: number;
  /** Whole report (30 days), per run. */
  readonly reportMs: readonly number[];
  /** Whole report of the last day (hourly buckets), per run. */
  readonly dayReportMs: readonly number[];
  /** History of one user by userName, per run. */
  readonly historyMs: readonly number[];
  readonly targetMs: number;
  readonly met: boolean;
}

/** Events per delivery, and deliveries aggregated at once (several function instances). */
const DELIVERY = 500;
const PARALLEL = 4;

export async function measureAggregatedReports(options: {
  readonly workDir: string;
  readonly users: number;
  readonly days?: number;
  readonly runs?: number;
}): Promise<AggregatedReportsResult> {
  const days = options.days ?? 30;
  const runs = options.runs ?? 3;
  await mkdir(options.workDir, { recursive: true });
  const dir = await mkdtemp(join(options.workDir, 'aggregated-reports-'));
  const file = join(dir, 'requests.jsonl');
  try {
    const now = new Date();
    const records = await writeMonth(file, options.users, days, 0.005, now);
    const started = performance.now();
    let batch: ReportEvent[] = [];
    let inFlight: Promise<unknown>[] = [];
    let id = 0;
    for await (const text of createInterface({ input: createReadStream(file) })) {
      const line = parseLine(text);
      id += 1;
      const event = line && reportEventOf(line, String(id), String(line.timestamp));
      if (!event) continue;
      batch.push(event);
      if (batch.length < DELIVERY) continue;
      inFlight.push(aggregateReportEvents(batch));
      batch = [];
      if (inFlight.length >= PARALLEL) {
        await Promise.all(inFlight);
        inFlight = [];
      }
    }
    inFlight.push(aggregateReportEvents(batch));
    await Promise.all(inFlight);
    const aggregationMs = Math.round(performance.now() - started);

    const reportMs: number[] = [];
    const dayReportMs: number[] = [];
    const historyMs: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      // A new source each time: nothing cached between page loads.
      reportMs.push(await timed(() => buildReport(new TableReportSource(), days, now)));
      dayReportMs.push(await timed(() => buildReport(new TableReportSource(), 1, now)));
      historyMs.push(
        await timed(() =>
          new TableReportSource().history(reportRange(days, now), [userName(run * 7 + 3)], 500),
        ),
      );
    }
    const worst = Math.max(...reportMs, ...dayReportMs, ...historyMs);
    return {
      users: options.users,
      days,
      records,
      aggregationMs,
      reportMs,
      dayReportMs,
      historyMs,
      targetMs: REPORT_TARGET_MS,
      met: worst <= REPORT_TARGET_MS,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return Math.round((performance.now() - started) * 10) / 10;
}

const figures = (values: readonly number[]) =>
  values.map((value) => value.toLocaleString('en-US', { maximumFractionDigits: 0 })).join(', ');

/** The Markdown section of the bench report. */
export function renderAggregatedReports(result: AggregatedReportsResult): string {
  return `
## Integration page reports (aggregated items in the tenant table)

A month (${result.days} days) of a ${result.users.toLocaleString('en-US')}-user directory: ${result.records.toLocaleString('en-US')} request records aggregated into the table (DynamoDB Local) in ${figures([result.aggregationMs])} ms, off the request path. Target: each answer within ${result.targetMs.toLocaleString('en-US')} ms (${result.met ? 'met' : 'NOT met'}).

| read | ms per run |
|---|---|
| whole report, ${result.days} days | ${figures(result.reportMs)} |
| whole report, last day | ${figures(result.dayReportMs)} |
| a user's history by userName | ${figures(result.historyMs)} |
`;
}
