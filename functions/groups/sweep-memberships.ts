import type { Context } from 'aws-lambda';
import { logger } from '../../shared/http/logger.js';
import { sweepCleanups } from '../../shared/service/cleanups.js';
import { newStoreStats, withStoreStats } from '../../shared/store/client.js';

/** Time kept back from the function's timeout for the chunk in progress and the log line. */
const RESERVE_MS = 5_000;

/**
 * Scheduled, not an HTTP route (e.g. every 5 minutes): deletes the membership items that the
 * DELETE of a large group left behind, looks again for memberships of deleted users, and removes
 * the cleanup markers once their grace period is over.
 */
export const handler = async (_event: unknown, context?: Context) => {
  const budget = Math.max(1_000, (context?.getRemainingTimeInMillis() ?? 60_000) - RESERVE_MS);
  const stats = newStoreStats();
  const started = performance.now();
  const result = await withStoreStats(stats, () => sweepCleanups(budget));
  logger.info('membership cleanup sweep', {
    operation: 'sweepMemberships',
    ...result,
    durationMs: Math.round(performance.now() - started),
    dynamodbCalls: stats.calls,
    dynamodbCapacityUnits: stats.capacityUnits,
  });
  return result;
};
