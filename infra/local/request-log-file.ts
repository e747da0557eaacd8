/**
 * The local stand-in for the tenant's function log group and its report subscription: appends
 * each request's log record (SCIM, token endpoint and integration page alike, as the log group
 * holds them all) to a JSON-lines file, and hands each to the report aggregator in-process, which
 * keeps the SCIM ones in the table as the aggregator function does in AWS. Written synchronously
 * and aggregated before the request answers, so a report asked for right after a request finds
 * it. Mode 0600: the records hold user names and ids.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { reportEventOf } from '../../shared/admin/reports/aggregate.js';
import { logger } from '../../shared/http/logger.js';
import { onRequestRecord } from '../../shared/http/request-records.js';
import { aggregateReportEvents } from '../../shared/store/reports.js';

/** Starts appending to `file` (and aggregating); the returned function stops. */
export function appendRequestRecords(file: string): () => void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const fd = openSync(file, 'a', 0o600);
  onRequestRecord(async (record) => {
    writeSync(fd, `${JSON.stringify(record)}\n`);
    // The log event id's stand-in: one per record, as CloudWatch gives one per line.
    const event = reportEventOf(record, randomUUID(), record.timestamp);
    if (!event) return;
    await aggregateReportEvents([event]).catch((error: unknown) => {
      logger.warn('report aggregation failed', { error: error as Error });
    });
  });
  return () => {
    onRequestRecord(undefined);
    closeSync(fd);
  };
}
