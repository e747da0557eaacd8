/**
 * What CloudWatch Logs hands a function subscribed to a log group (the report aggregator): the
 * batch gzipped and base64-encoded under `awslogs.data`, as the subscription filter delivers it.
 */
import { gzipSync } from 'node:zlib';
import type { CloudWatchLogsEvent } from 'aws-lambda';

/** One log event of a delivered batch. */
export interface DeliveredLogEvent {
  readonly id: string;
  readonly timestamp: number;
  readonly message: string;
}

/** A delivery of `logEvents` from tenant `tenant`'s function log group. */
export function logDelivery(
  logEvents: readonly DeliveredLogEvent[],
  options: { tenant?: string; filterName?: string; messageType?: string } = {},
): CloudWatchLogsEvent {
  const data = {
    messageType: options.messageType ?? 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: `/grouptalk-scim/${options.tenant ?? 'acme'}/functions`,
    logStream: '2026/12/07/[$LATEST]abc',
    subscriptionFilters: [options.filterName ?? 'ReportAggregator'],
    logEvents,
  };
  return { awslogs: { data: gzipSync(JSON.stringify(data)).toString('base64') } };
}
