/**
 * What kind of request a request log line records, and where a process may also send each
 * line's record besides the log itself. Every function of a tenant logs to one log group: the
 * SCIM functions, the token endpoint and the integration page. The reports count only Entra's
 * SCIM requests, so every request line says which it is (`kind`), and the report aggregator's
 * subscription filter and the deep-history queries select `kind = "scim"`.
 *
 * Nothing listens in AWS (CloudWatch has the lines and the subscription feeds the aggregator);
 * the local server appends every record to a file, as the log group holds every line, and feeds
 * the same aggregator in-process (`infra/local/admin.ts`).
 */
import { SCIM_BASE_PATH } from '../routes.js';
import type { LogFields } from './types.js';

/**
 * The `kind` of a request line: a SCIM request (below `/scim/v2`), a token request, an
 * integration page request, or anything else the fallback route answered (`/favicon.ico`).
 */
export const REQUEST_KIND = {
  scim: 'scim',
  token: 'token',
  admin: 'admin',
  other: 'other',
} as const;
export type RequestKind = (typeof REQUEST_KIND)[keyof typeof REQUEST_KIND];

/**
 * The report subscription's filter pattern: SCIM request lines only (JSON lines with `kind`
 * "scim"). Entra's token requests each cycle and the admins' page loads never invoke the
 * aggregator.
 */
export const SCIM_LINE_FILTER_PATTERN = `{ $.kind = "${REQUEST_KIND.scim}" }`;

/**
 * The same selection in Logs Insights (a `filter` command's condition): SCIM request lines, and
 * lines written before lines had a `kind` by their path. The page's and the token endpoint's
 * lines also carry `operation` and `status`, so those alone select too much.
 */
export const SCIM_LINE_INSIGHTS_CONDITION =
  "ispresent(operation) and ispresent(status) and (kind = 'scim' or (not ispresent(kind) and path like /^\\/scim\\/v2\\//))";

/**
 * Whether a request line (or record) is one of Entra's SCIM requests: its `kind` says so, or,
 * for lines written before lines had a `kind`, its path is below `/scim/v2`.
 *
 * @example isScimRequestLine({ kind: 'admin', operation: 'getProvisioningReport', status: 401 }) // false
 */
export function isScimRequestLine(line: Readonly<Record<string, unknown>>): boolean {
  if (line.kind !== undefined) return line.kind === REQUEST_KIND.scim;
  return typeof line.path === 'string' && line.path.startsWith(`${SCIM_BASE_PATH}/`);
}

/** A request's log record: its time and the fields of its log line. */
export type RequestRecordListener = (
  record: { timestamp: string } & LogFields,
) => void | Promise<void>;

let listener: RequestRecordListener | undefined;

/** Sets (or with undefined, clears) the process's listener. */
export function onRequestRecord(next: RequestRecordListener | undefined): void {
  listener = next;
}

/**
 * Hands a request's log fields to the listener, if any, and waits for it (locally, so a report
 * read right after a request finds it); a failing listener never fails a request.
 */
export async function publishRequestRecord(fields: LogFields): Promise<void> {
  if (!listener) return;
  try {
    await listener({ timestamp: new Date().toISOString(), tenant: process.env.TENANT, ...fields });
  } catch {
    // The record is a copy of the log line, which was written.
  }
}
