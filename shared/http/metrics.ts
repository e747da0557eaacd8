import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { telemetry } from '../config.js';

/** The tenant and operation each `Metrics` of `operationMetrics` records for. */
const dimensionsOf = new WeakMap<Metrics, { tenant: string; operation: string }>();

/**
 * One operation's CloudWatch metrics (embedded metric format, written to stdout with the logs) in
 * two dimension sets: `service`+`tenant` and `service`+`operation`. Never the three together: a
 * tenant then adds 3 custom metrics, not 3 per operation (issue 12's fleet cost; the fleet stack's
 * alarms and dashboard read these sets). Set `POWERTOOLS_METRICS_DISABLED=true` where nobody reads
 * them (tests, `npm start`).
 *
 * @example
 * const metrics = operationMetrics('getUser');
 * recordRequest(metrics, 404, 12.5); // published by the logMetrics middleware
 */
export function operationMetrics(operation: string): Metrics {
  const metrics = new Metrics({
    namespace: telemetry.metricsNamespace,
    serviceName: telemetry.serviceName,
  });
  dimensionsOf.set(metrics, { tenant: process.env.TENANT ?? 'unknown', operation });
  return metrics;
}

/**
 * Records one answered request: its latency (whose SampleCount counts requests) and whether it
 * was a client or a server error (0 or 1, so that Average is the error rate). A request whose
 * answer holds `innerServerErrors` (Bulk operations that failed with an internal error) counts as
 * a server error although its own status is 200: the 5xx alarm must see those failures.
 */
export function recordRequest(
  metrics: Metrics,
  status: number,
  durationMs: number,
  innerServerErrors = 0,
): void {
  const dimensions = dimensionsOf.get(metrics);
  if (dimensions) {
    // Each call adds one dimension set (`service` joins both); publishing clears them.
    metrics.addDimensions({ tenant: dimensions.tenant });
    metrics.addDimensions({ operation: dimensions.operation });
  }
  metrics.addMetric(telemetry.metrics.latency, MetricUnit.Milliseconds, durationMs);
  metrics.addMetric(
    telemetry.metrics.clientErrors,
    MetricUnit.Count,
    status >= 400 && status < 500 ? 1 : 0,
  );
  metrics.addMetric(
    telemetry.metrics.serverErrors,
    MetricUnit.Count,
    // 501 answers a SCIM feature the service does not implement (/Me): not a fault to alarm on.
    (status >= 500 && status !== 501) || innerServerErrors > 0 ? 1 : 0,
  );
}
