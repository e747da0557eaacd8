/**
 * The report aggregator's input side: which request lines count and what of them is kept. In AWS
 * a subscription filter on the tenant's function log group (`infra/constructs/report-aggregator.ts`)
 * delivers the SCIM request lines to `functions/reports/aggregate.ts`; locally the server hands
 * every record to the same code in-process (`infra/local/admin.ts`). Either way the lines of the
 * integration page (`kind: "admin"`), the token endpoint (`kind: "token"`) and anything else are
 * dropped here too, so a filter pattern changed by hand cannot make them count.
 */
import { gunzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent } from 'aws-lambda';
import { isScimRequestLine } from '../../http/request-records.js';
import { aggregateReportEvents, type ReportEvent, toRecord } from '../../store/reports.js';

/**
 * The report event of one request line (its parsed JSON), or undefined when it is not a SCIM
 * request's line: page and token lines, other functions' lines, anything malformed.
 *
 * @example reportEventOf({ kind: 'scim', operation: 'getUser', status: 200 }, '3795…', Date.now())
 */
export function reportEventOf(
  line: Record<string, unknown>,
  id: string,
  at: number | string,
): ReportEvent | undefined {
  if (!isScimRequestLine(line)) return undefined;
  if (typeof line.operation !== 'string' || typeof line.status !== 'number') return undefined;
  const time = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(time) || id === '') return undefined;
  return { id, record: toRecord({ ...line, timestamp: new Date(time).toISOString() }) };
}

/** Parses a log event's message: the JSON line, after any prefix the runtime put before it. */
export function parseLine(message: string): Record<string, unknown> | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const value = JSON.parse(message.slice(start)) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The payload CloudWatch Logs delivers to a subscribed function: base64 of gzipped JSON. */
export function decodeLogsEvent(event: CloudWatchLogsEvent): CloudWatchLogsDecodedData {
  return JSON.parse(
    gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'),
  ) as CloudWatchLogsDecodedData;
}

/** The SCIM request events of a delivery (none for CloudWatch Logs' control message). */
export function reportEventsOfLogs(data: CloudWatchLogsDecodedData): ReportEvent[] {
  if (data.messageType !== 'DATA_MESSAGE') return [];
  return data.logEvents.flatMap((logEvent) => {
    const line = parseLine(logEvent.message);
    const event = line && reportEventOf(line, logEvent.id, logEvent.timestamp);
    return event ? [event] : [];
  });
}

/**
 * Aggregates one delivery. Throws when DynamoDB fails, so Lambda retries the delivery (an
 * asynchronous invocation: twice more), which counts nothing twice.
 */
export async function aggregateLogs(
  event: CloudWatchLogsEvent,
): Promise<{ events: number; counted: number }> {
  const events = reportEventsOfLogs(decodeLogsEvent(event));
  const counted = events.length > 0 ? await aggregateReportEvents(events) : 0;
  return { events: events.length, counted };
}
