/**
 * The wrapper of functions that a schedule runs rather than a route (the membership sweeper):
 * what `scimHandler` does for a request, for a run. It gives the run its time budget, counts its
 * DynamoDB work and logs one line with the outcome, so a scheduled function is as thin as a SCIM
 * one and imports nothing from the store.
 */
import type { Context } from 'aws-lambda';
import { newStoreStats, withStoreStats } from '../common/request-context.js';
import { logger } from './logger.js';

/** Time kept back from the function's timeout for the chunk in progress and the log line. */
const RESERVE_MS = 5_000;
/** The budget outside Lambda (no context), e.g. a direct call from a test or the local server. */
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * A scheduled function: `fn` gets the milliseconds it may work (the function's remaining time
 * minus a reserve, at least 1 s) and returns the run's outcome, logged under `operation`.
 *
 * @example
 * export const handler = scheduledHandler('sweepMemberships', (budgetMs) => sweepCleanups(budgetMs));
 */
export function scheduledHandler<T extends object>(
  operation: string,
  fn: (budgetMs: number) => Promise<T>,
) {
  return async (_event: unknown, context?: Context): Promise<T> => {
    // Its lines name this function (a route's handler does it through injectLambdaContext).
    if (context) logger.addContext(context);
    const remaining = context?.getRemainingTimeInMillis() ?? DEFAULT_TIMEOUT_MS;
    const budget = Math.max(1_000, remaining - RESERVE_MS);
    const stats = newStoreStats();
    const started = performance.now();
    const result = await withStoreStats(stats, () => fn(budget));
    logger.info('scheduled run', {
      operation,
      ...result,
      durationMs: Math.round(performance.now() - started),
      dynamodbCalls: stats.calls,
      dynamodbCapacityUnits: stats.capacityUnits,
    });
    return result;
  };
}
