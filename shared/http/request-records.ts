/**
 * Where a process may also send each request's log record, besides the log line itself. Nothing
 * listens in AWS (CloudWatch has the lines); the local server appends the records to a file that
 * the integration page's reports read, as Logs Insights reads the lines in AWS.
 */
import type { LogFields } from './types.js';

/** A request's log record: its time and the fields of its log line. */
export type RequestRecordListener = (record: { timestamp: string } & LogFields) => void;

let listener: RequestRecordListener | undefined;

/** Sets (or with undefined, clears) the process's listener. */
export function onRequestRecord(next: RequestRecordListener | undefined): void {
  listener = next;
}

/** Hands a request's log fields to the listener, if any; a failing listener never fails a request. */
export function publishRequestRecord(fields: LogFields): void {
  if (!listener) return;
  try {
    listener({ timestamp: new Date().toISOString(), tenant: process.env.TENANT, ...fields });
  } catch {
    // The record is a copy of the log line, which was written.
  }
}
