/**
 * Appends each request's log record to a JSON-lines file, the local stand-in for the CloudWatch
 * log groups that the integration page's reports read in AWS. Written synchronously, so a report
 * asked for right after a request finds it. Mode 0600: the records hold user names and ids.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { onRequestRecord } from '../../shared/http/request-records.js';

/** Starts appending to `file`; the returned function stops. */
export function appendRequestRecords(file: string): () => void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const fd = openSync(file, 'a', 0o600);
  onRequestRecord((record) => {
    writeSync(fd, `${JSON.stringify(record)}\n`);
  });
  return () => {
    onRequestRecord(undefined);
    closeSync(fd);
  };
}
