import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { readFeedConfig } from '../../shared/events/config.js';
import { eventBridgeSink } from '../../shared/events/eventbridge.js';
import type { StreamRecord } from '../../shared/events/mapping.js';
import { publishRecords } from '../../shared/events/publisher.js';
import { logger } from '../../shared/http/logger.js';

const config = readFeedConfig({ bus: true });
const sink = eventBridgeSink(config.busName!);

/**
 * On the tenant table's stream (NEW_AND_OLD_IMAGES): maps a batch of records to domain events and
 * puts them on the fleet's event bus. Reports the first record it could not publish
 * (`ReportBatchItemFailures`), so Lambda retries from there; an error (the group reads) fails the
 * batch, which Lambda bisects and retries, then sends to the dead-letter queue.
 */
export const handler = async (
  event: DynamoDBStreamEvent,
  _context?: Context,
): Promise<DynamoDBBatchResponse> => {
  const started = performance.now();
  const records = event.Records as unknown as StreamRecord[];
  const { published, retryFrom } = await publishRecords(records, { ...config, sink });
  logger.info('change feed batch', {
    operation: 'publishEvents',
    records: records.length,
    published,
    retryFrom,
    durationMs: Math.round(performance.now() - started),
  });
  return { batchItemFailures: retryFrom ? [{ itemIdentifier: retryFrom }] : [] };
};
