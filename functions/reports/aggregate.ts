import type { CloudWatchLogsEvent, Context } from 'aws-lambda';
import { aggregateLogs } from '../../shared/admin/reports/aggregate.js';
import { logger } from '../../shared/http/logger.js';

/**
 * Subscribed to the tenant's function log group (SCIM request lines only): counts each request
 * into the tenant's report items (`shared/store/reports.ts`), off the SCIM request path. Its own
 * line has no `kind`, so it never feeds itself.
 */
export const handler = async (event: CloudWatchLogsEvent, _context?: Context) => {
  const started = performance.now();
  const outcome = await aggregateLogs(event);
  logger.info('report batch', {
    operation: 'aggregateReports',
    ...outcome,
    durationMs: Math.round(performance.now() - started),
  });
  return outcome;
};
