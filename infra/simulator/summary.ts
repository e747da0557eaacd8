/** The simulator's summary: requests by operation and status, errors, durations, throughput. */
import type { Recorder } from './client.js';
import type { SimulationResult } from './cycle.js';

/** The p-th percentile (0–100) by nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** A plain-text table with right-aligned numbers. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, c) =>
    Math.max(title.length, ...rows.map((row) => (row[c] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));
const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;

/** JSON-friendly per-operation figures (also used by the benchmark report). */
export function operationFigures(recorder: Recorder) {
  return [...recorder.operations].map(([operation, stats]) => ({
    operation,
    requests: stats.count,
    statuses: Object.fromEntries([...stats.statuses].sort(([a], [b]) => a - b)),
    errors: stats.errors,
    p50Ms: percentile(stats.latencies, 50),
    p99Ms: percentile(stats.latencies, 99),
    ...(stats.costed > 0
      ? {
          dynamodbCallsPerRequest: stats.storeCalls / stats.costed,
          capacityUnitsPerRequest: stats.storeCapacity / stats.costed,
        }
      : {}),
  }));
}

export function formatSummary(result: SimulationResult, recorder: Recorder): string {
  const operations = operationFigures(recorder);
  const costed = operations.some((op) => op.dynamodbCallsPerRequest !== undefined);
  const opRows = operations.map((op) => [
    op.operation,
    String(op.requests),
    Object.entries(op.statuses)
      .map(([status, count]) => `${status === '0' ? 'network' : status}×${count}`)
      .join(' '),
    String(op.errors),
    ms(op.p50Ms),
    ms(op.p99Ms),
    ...(costed
      ? [
          op.dynamodbCallsPerRequest?.toFixed(2) ?? '-',
          op.capacityUnitsPerRequest?.toFixed(2) ?? '-',
        ]
      : []),
  ]);
  const lines = [
    `Dialect ${result.dialect}, prefix ${result.prefix}`,
    '',
    table(
      [
        'operation',
        'requests',
        'statuses',
        'errors',
        'p50 ms',
        'p99 ms',
        ...(costed ? ['DynamoDB calls/req', 'capacity/req'] : []),
      ],
      opRows,
    ),
    '',
    table(
      ['phase', 'duration', 'requests', 'errors', 'req/s'],
      result.phases.map((phase) => [
        phase.name,
        seconds(phase.durationMs),
        String(phase.requests),
        String(phase.errors),
        ((phase.requests * 1000) / Math.max(1, phase.durationMs)).toFixed(1),
      ]),
    ),
    '',
    `Initial cycle: ${seconds(result.initial.durationMs)}, ${result.initial.requests} requests, ${result.initial.requestsPerSecond.toFixed(1)} req/s`,
  ];
  if (result.incremental) {
    lines.push(
      `Incremental cycles: ${seconds(result.incremental.durationMs)}, ${result.incremental.requests} requests, ${result.incremental.requestsPerSecond.toFixed(1)} req/s`,
    );
  }
  lines.push(
    `Total: ${seconds(result.durationMs)}, ${result.requests} requests (${recorder.retries} retried), ${result.errors} errors, ${result.requestsPerSecond.toFixed(1)} req/s`,
  );
  if (recorder.errorSamples.length > 0) {
    lines.push('', 'Errors (first ones):');
    for (const sample of recorder.errorSamples) {
      lines.push(
        `  ${sample.operation}: ${sample.method} ${sample.path} → ${sample.status} ${sample.detail}`,
      );
    }
  }
  const verification = result.verification;
  if (verification) {
    lines.push(
      '',
      verification.ok
        ? `Verified: ${verification.usersChecked} users, ${verification.groupsChecked} groups, ${verification.membershipsChecked} memberships as expected.`
        : `VERIFICATION FAILED: ${verification.mismatches} mismatches`,
      ...verification.samples.map((sample) => `  ${sample}`),
    );
  } else {
    lines.push('', 'Not verified (--no-verify).');
  }
  return lines.join('\n');
}
