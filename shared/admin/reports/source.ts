/**
 * Provisioning reports read the one record each SCIM request already logs (see
 * `shared/http/handler.ts` and the README's log fields): no extra DynamoDB call on the request
 * path. A `ReportSource` answers the reports' questions from wherever those records are: the
 * report items the aggregator keeps in the tenant's table (every page load), or, for deep history
 * on demand, the CloudWatch log group (Logs Insights, queued) in AWS and the local JSON-lines file
 * under `npm start`.
 */
import type { ReportRecord } from '../../store/reports.js';

/** The fields of a request record the reports read (kept by the aggregator, see the store). */
export type RequestRecord = ReportRecord;

export interface ReportRange {
  readonly from: Date;
  readonly to: Date;
}

export interface ActivityBucket {
  /** ISO start of the bucket. */
  readonly start: string;
  readonly requests: number;
  /** Answers with status 400 or above. */
  readonly failures: number;
}

/** Requests of one operation with one outcome. */
export interface OutcomeCount {
  readonly operation: string;
  readonly status: number;
  /** Empty when the answer has none. */
  readonly scimType: string;
  readonly count: number;
}

export interface FailureGroup {
  readonly status: number;
  /** Empty when the error has none (401, 404, 412, 429, 5xx). */
  readonly scimType: string;
  readonly count: number;
  /** ISO time of the latest. */
  readonly last: string;
  /** The latest failure's `detail`, as Entra was told it (a quoted filter is given by position). */
  readonly errorDetail: string;
  /**
   * The count holds a whole hour at an edge of the period, not just its part inside the period:
   * that hour had too many failures to read one by one (`table-source.ts`).
   */
  readonly approximate?: true;
}

/** The questions the reports ask; one implementation per place the records live. */
export interface ReportSource {
  /** Requests and failures per bucket of `bucketMs`, aligned to UTC, oldest first, gaps left out. */
  activity(range: ReportRange, bucketMs: number): Promise<ActivityBucket[]>;
  /** Failed requests grouped by status and scimType, most frequent first. */
  failures(range: ReportRange): Promise<FailureGroup[]>;
  /** Requests per operation and outcome, where the source counts them (the aggregated one). */
  outcomes?(range: ReportRange): Promise<OutcomeCount[]>;
  /**
   * The outcomes of the newest requests (time, status, scimType, probe), newest first, at most `limit`:
   * where the source keeps them cheaply (the aggregated one), for the health view's latest cycle.
   */
  requestOutcomes?(
    range: ReportRange,
    limit: number,
  ): Promise<
    Pick<
      RequestRecord,
      'timestamp' | 'status' | 'scimType' | 'probe' | 'callerKind' | 'operation'
    >[]
  >;
  /** Entra's Test Connection lookups (`probe`), newest first. */
  probes(range: ReportRange, limit: number): Promise<RequestRecord[]>;
  /** The latest requests, newest first. */
  recent(range: ReportRange, limit: number): Promise<RequestRecord[]>;
  /**
   * Every request about one user or group, oldest first: those naming one of `terms` (the value
   * searched for, and its keyed hashes where the tenant logs identifiers hashed) as its id,
   * externalId, userName, displayName or lookup value, and those naming the ids they lead to.
   * At most `limit`: from the report items, the newest `limit` (the logs sources keep the oldest).
   */
  history(range: ReportRange, terms: readonly string[], limit: number): Promise<RequestRecord[]>;
}

/** Whether a record names one of `terms` as one of its identifiers. */
export function namesTerm(record: RequestRecord, terms: ReadonlySet<string>): boolean {
  return [
    record.resourceId,
    record.externalId,
    record.userName,
    record.displayName,
    record.filterValue,
  ].some((value) => value !== undefined && terms.has(value));
}
