/**
 * Provisioning reports read the one record each SCIM request already logs (see
 * `shared/http/handler.ts` and the README's log fields): no extra DynamoDB call on the request
 * path. A `ReportSource` answers the reports' questions from wherever those records are: the
 * CloudWatch log groups in AWS (Logs Insights), the local JSON-lines file under `npm start`.
 */

/** The fields of a request record the reports read. */
export interface RequestRecord {
  /** ISO 8601 (the log line's `timestamp`, CloudWatch's `@timestamp`). */
  readonly timestamp: string;
  readonly operation: string;
  readonly status: number;
  readonly method?: string;
  readonly path?: string;
  readonly scimType?: string;
  readonly errorDetail?: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly externalId?: string;
  readonly userName?: string;
  readonly displayName?: string;
  readonly filterAttribute?: string;
  readonly filterValue?: string;
  readonly filter?: string;
  readonly totalResults?: number;
  readonly probe?: boolean;
  readonly callerKind?: string;
  readonly callerTokenId?: string;
  readonly requestId?: string;
}

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

export interface FailureGroup {
  readonly status: number;
  /** Empty when the error has none (401, 404, 412, 429, 5xx). */
  readonly scimType: string;
  readonly count: number;
  /** ISO time of the latest. */
  readonly last: string;
  /** The latest failure's `detail`, as Entra was told it (a quoted filter is given by position). */
  readonly errorDetail: string;
}

/** The questions the reports ask; one implementation per place the records live. */
export interface ReportSource {
  /** Requests and failures per bucket of `bucketMs`, aligned to UTC, oldest first, gaps left out. */
  activity(range: ReportRange, bucketMs: number): Promise<ActivityBucket[]>;
  /** Failed requests grouped by status and scimType, most frequent first. */
  failures(range: ReportRange): Promise<FailureGroup[]>;
  /** Entra's Test Connection lookups (`probe`), newest first. */
  probes(range: ReportRange, limit: number): Promise<RequestRecord[]>;
  /** The latest requests, newest first. */
  recent(range: ReportRange, limit: number): Promise<RequestRecord[]>;
  /**
   * Every request about one user or group, oldest first: those naming one of `terms` (the value
   * searched for, and its keyed hashes where the tenant logs identifiers hashed) as its id,
   * externalId, userName, displayName or lookup value, and those naming the ids they lead to.
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
