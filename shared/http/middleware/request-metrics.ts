import type { Metrics } from '@aws-lambda-powertools/metrics';
import { recordRequest } from '../metrics.js';
import { durationOf, type ScimMiddleware } from './request-scope.js';

/**
 * Records each answered request in the operation's metrics (published by Powertools' `logMetrics`
 * further out): its latency, and whether it was a 4xx or a 5xx (or held a failure that counts as
 * one, a Bulk operation's internal error).
 */
export function requestMetrics(metrics: Metrics): ScimMiddleware {
  const record: NonNullable<ScimMiddleware['after']> = async (request) => {
    const state = request.internal.scim;
    const status = request.response?.statusCode ?? 500;
    recordRequest(metrics, status, durationOf(state), state.innerServerErrors);
  };
  return { after: record, onError: record };
}
