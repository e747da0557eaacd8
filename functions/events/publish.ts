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
 * puts them on the fleet's event bus, backing off on throttling for as long as the invocation has
 * time left. Reports the first record it could not publish (`ReportBatchItemFailures`), so Lambda
 * retries from there until the record is older than the mapping allows, then parks the batch in
 * the dead-letter queue; an error (the group reads) fails the batch, which Lambda bisects.
 */
export const handler = async (
  event: DynamoDBStreamEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<DynamoDBBatchResponse> => {
  const started = performance.now();
  const records = event.Records as unknown as StreamRecord[];
  const { published, retryFrom, retries, permanent } = await publishRecords(records, {
    ...config,
    sink,
    ...(context ? { remainingMs: () => context.getRemainingTimeInMillis() } : {}),
  });
  const fields = {
    operation: 'publishEvents',
    records: records.length,
    published,
    retries,
    retryFrom,
    durationMs: Math.round(performance.now() - started),
  };
  if (permanent) {
    // Not throttling: retrying will not help until an operator acts (docs/operator-guide.md §6).
    logger.error('change feed batch refused by EventBridge', {
      ...fields,
      errorCode: permanent.code,
      errorMessage: permanent.message,
    });
  } else if (retryFrom) {
    logger.warn('change feed batch throttled', fields);
  } else {
    logger.info('change feed batch', fields);
  }
  return { batchItemFailures: retryFrom ? [{ itemIdentifier: retryFrom }] : [] };
};
