/**
 * Deep history in AWS, on demand only: CloudWatch Logs Insights over the tenant's function log
 * group (StartQuery, then GetQueryResults until the query completes). The page's reports read the
 * aggregated items instead (`table-source.ts`); this source serves a search beyond them.
 *
 * An account runs at most 100 Logs Insights queries at once, dashboards included, and StartQuery
 * refuses the next with LimitExceededException. That refusal is the fleet-wide queue's gate: a
 * search runs one query at a time, retries StartQuery with jittered backoff for a short
 * admission budget, and then answers "queued, retry in N s" (`ReportQueuedError`, a 202 the page
 * retries by itself), never an error page. A query that outlasts its time is stopped, so an
 * abandoned search does not hold one of the 100 slots.
 */
import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  type ResultField,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { SCIM_LINE_INSIGHTS_CONDITION } from '../../http/request-records.js';
import type {
  ActivityBucket,
  FailureGroup,
  ReportRange,
  ReportSource,
  RequestRecord,
} from './source.js';

/** Entra's SCIM requests only (page and token lines also carry operation and status). */
export const REQUEST_LINE = `filter ${SCIM_LINE_INSIGHTS_CONDITION}`;
const RECORD_FIELDS =
  'fields @timestamp, operation, method, path, status, scimType, errorDetail, resourceType, resourceId, externalId, userName, displayName, filterAttribute, filterValue, filter, totalResults, probe, callerKind, callerTokenId, requestId';
const POLL_MS = 250;

export interface CloudWatchSourceOptions {
  readonly client: CloudWatchLogsClient;
  /** The SCIM functions' log groups (StartQuery takes at most 50). */
  readonly logGroupNames: readonly string[];
  /** Give up waiting for a query after this long. */
  readonly timeoutMs?: number;
  /** How long to wait between polls; tests make it 0. */
  readonly pollMs?: number;
  /** How long StartQuery is retried while the account's queries are all running. */
  readonly admissionMs?: number;
}

/** Thrown when a query fails, is cancelled or outlasts its time. */
export class ReportQueryError extends Error {
  override name = 'ReportQueryError';
}

/**
 * Thrown when Logs Insights kept refusing the query (the account's concurrent queries are all
 * running): the search is queued; the caller tries again after `retryAfterSeconds`.
 */
export class ReportQueuedError extends Error {
  override name = 'ReportQueuedError';
  constructor(readonly retryAfterSeconds: number) {
    super('Logs Insights is running as many queries as the account allows');
  }
}

const ADMISSION_MS = 3_000;
const ADMISSION_BASE_MS = 100;
const ADMISSION_MAX_MS = 1_000;

/** Full jitter: a random wait up to an exponentially growing cap, so refused searches spread out. */
function admissionDelay(attempt: number): number {
  return Math.random() * Math.min(ADMISSION_MAX_MS, ADMISSION_BASE_MS * 2 ** attempt);
}

function isLimitExceeded(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'LimitExceededException';
}

/**
 * A Logs Insights string literal: single quotes, with backslashes and quotes escaped, so a search
 * term (an apostrophe in a userName) cannot change the query.
 */
export function insightsString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export class CloudWatchReportSource implements ReportSource {
  constructor(private readonly options: CloudWatchSourceOptions) {}

  /** Runs one query and returns its rows as field → value maps. */
  async query(range: ReportRange, queryString: string, limit?: number) {
    const { client } = this.options;
    const queryId = await this.start(range, queryString, limit);
    const deadline = Date.now() + (this.options.timeoutMs ?? 15_000);
    for (;;) {
      const result = await client.send(new GetQueryResultsCommand({ queryId }));
      const status = result.status ?? 'Unknown';
      if (status === 'Complete') return (result.results ?? []).map(toRow);
      if (status !== 'Running' && status !== 'Scheduled') {
        throw new ReportQueryError(`Logs Insights query ended as ${status}`);
      }
      if (Date.now() > deadline) {
        // Frees its slot among the account's 100 for the next search.
        try {
          await client.send(new StopQueryCommand({ queryId }));
        } catch {
          // It may have ended meanwhile; the timeout is the answer either way.
        }
        throw new ReportQueryError('Logs Insights query timed out');
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? POLL_MS));
    }
  }

  /** StartQuery, retried while the account's queries are all running; then queued. */
  private async start(range: ReportRange, queryString: string, limit?: number): Promise<string> {
    const { client, logGroupNames } = this.options;
    const admission = Date.now() + (this.options.admissionMs ?? ADMISSION_MS);
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { queryId } = await client.send(
          new StartQueryCommand({
            logGroupNames: [...logGroupNames],
            startTime: Math.floor(range.from.getTime() / 1000),
            endTime: Math.ceil(range.to.getTime() / 1000),
            queryString,
            ...(limit ? { limit } : {}),
          }),
        );
        if (!queryId) throw new ReportQueryError('CloudWatch Logs returned no query id');
        return queryId;
      } catch (error) {
        if (!isLimitExceeded(error)) throw error;
        const delay = admissionDelay(attempt);
        if (Date.now() + delay > admission) {
          throw new ReportQueuedError(2 + Math.floor(Math.random() * 4));
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async activity(range: ReportRange, bucketMs: number): Promise<ActivityBucket[]> {
    const bin = `bin(${insightsPeriod(bucketMs)})`;
    // One query at a time: a search never holds more than one of the account's slots.
    const all = await this.query(
      range,
      `${REQUEST_LINE} | stats count(*) as requests by ${bin} as start`,
    );
    const failed = await this.query(
      range,
      `${REQUEST_LINE} | filter status >= 400 | stats count(*) as failures by ${bin} as start`,
    );
    const buckets = new Map<string, { requests: number; failures: number }>();
    for (const row of all) {
      buckets.set(insightsTime(row.start), { requests: Number(row.requests ?? 0), failures: 0 });
    }
    for (const row of failed) {
      const start = insightsTime(row.start);
      const bucket = buckets.get(start) ?? { requests: 0, failures: 0 };
      bucket.failures = Number(row.failures ?? 0);
      buckets.set(start, bucket);
    }
    return [...buckets]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([start, counts]) => ({ start, ...counts }));
  }

  async failures(range: ReportRange): Promise<FailureGroup[]> {
    const rows = await this.query(
      range,
      `${REQUEST_LINE} | filter status >= 400 | stats count(*) as count, latest(errorDetail) as detail, max(@timestamp) as last by status, scimType | sort count desc | limit 50`,
    );
    return rows.map((row) => ({
      status: Number(row.status),
      scimType: row.scimType ?? '',
      count: Number(row.count ?? 0),
      last: insightsTime(row.last),
      errorDetail: row.detail ?? '',
    }));
  }

  async probes(range: ReportRange, limit: number): Promise<RequestRecord[]> {
    const rows = await this.query(
      range,
      `${REQUEST_LINE} | filter ispresent(probe) | ${RECORD_FIELDS} | sort @timestamp desc | limit ${limit}`,
    );
    return rows.map(toRecord);
  }

  async recent(range: ReportRange, limit: number): Promise<RequestRecord[]> {
    const rows = await this.query(
      range,
      `${REQUEST_LINE} | ${RECORD_FIELDS} | sort @timestamp desc | limit ${limit}`,
    );
    return rows.map(toRecord);
  }

  async history(
    range: ReportRange,
    terms: readonly string[],
    limit: number,
  ): Promise<RequestRecord[]> {
    const named = await this.query(range, historyQuery(terms, limit));
    const ids = [
      ...new Set(
        named
          .map((row) => row.resourceId)
          .filter((id): id is string => !!id && !terms.includes(id)),
      ),
    ].slice(0, 20);
    // The lookup by userName names no id; a second query fetches what that id's requests did.
    const rows = ids.length
      ? await this.query(range, historyQuery([...terms, ...ids], limit))
      : named;
    return rows.map(toRecord);
  }
}

/** `1d`, `1h` or minutes: Insights' period syntax. */
function insightsPeriod(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${Math.max(1, Math.round(ms / 60_000))}m`;
}

function historyQuery(terms: readonly string[], limit: number): string {
  const conditions = terms.flatMap((term) => {
    const literal = insightsString(term);
    return ['resourceId', 'externalId', 'userName', 'displayName', 'filterValue'].map(
      (field) => `${field} = ${literal}`,
    );
  });
  return `${REQUEST_LINE} | filter ${conditions.join(' or ')} | ${RECORD_FIELDS} | sort @timestamp asc | limit ${limit}`;
}

function toRow(fields: ResultField[]): Record<string, string | undefined> {
  const row: Record<string, string | undefined> = {};
  for (const { field, value } of fields) if (field) row[field] = value;
  return row;
}

/** Insights writes times as `2026-11-28 05:00:00.000` (UTC). */
function insightsTime(value: string | undefined): string {
  if (!value) return '';
  const iso = value.includes('T') ? value : `${value.replace(' ', 'T')}Z`;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

function toRecord(row: Record<string, string | undefined>): RequestRecord {
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const record: Record<string, unknown> = {
    timestamp: insightsTime(row['@timestamp']),
    operation: row.operation ?? '',
    status: Number(row.status ?? 0),
  };
  for (const name of [
    'method',
    'path',
    'scimType',
    'errorDetail',
    'resourceType',
    'resourceId',
    'externalId',
    'userName',
    'displayName',
    'filterAttribute',
    'filterValue',
    'filter',
    'callerKind',
    'callerTokenId',
    'requestId',
  ]) {
    if (row[name] !== undefined) record[name] = row[name];
  }
  if (row.totalResults !== undefined) record.totalResults = number(row.totalResults);
  if (row.probe !== undefined) record.probe = row.probe === 'true' || row.probe === '1';
  return record as unknown as RequestRecord;
}
