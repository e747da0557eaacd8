import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { telemetry } from '../config.js';

/** The operation each `Metrics` of `operationMetrics` records for. */
const dimensionsOf = new WeakMap<Metrics, { operation: string }>();

/**
 * One operation's CloudWatch metrics (embedded metric format, written to stdout with the logs) in
 * one dimension set, `service`+`operation`: the cell's, whatever its tenants. No `tenant`
 * dimension: Entra's token request and lookup each cycle would make every connected tenant a
 * custom metric billed all month (issue 19); a tenant's own counts come from AWS's metrics and
 * the access-log filters, which write only on errors. Set `POWERTOOLS_METRICS_DISABLED=true`
 * where nobody reads them (tests, `npm start`).
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
  dimensionsOf.set(metrics, { operation });
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
    // One dimension set (`service` joins it); publishing clears it.
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
