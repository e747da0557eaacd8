/**
 * Runs fuzz targets in rounds: each round, every target runs a batch of cases (one after another
 * within a target), then the targets' fixtures are reset and the whole table is audited while
 * nothing else writes. The targets' batches run one target at a time (default), so the CPU a case
 * took is its own, or side by side (faster on a machine whose DynamoDB Local has cores to spare,
 * but each case's CPU then counts the other targets' work too). Cases are sampled per batch from
 * a seed, so any case can be regenerated from (seed, target, round, index) in either order.
 */
import fc from 'fast-check';
import { StatusTally } from './checks.js';
import type { AuditResult, TableReader } from './table.js';
import { auditTable } from './table.js';
import type { CaseProblem, FuzzTarget } from './targets.js';

export interface Failure {
  readonly target: string;
  readonly round: number;
  readonly index: number;
  readonly problem: CaseProblem;
  /** The input, as JSON, cut to a readable length. */
  readonly input: string;
}

export interface TargetReport {
  readonly name: string;
  readonly description: string;
  cases: number;
  readonly statuses: StatusTally;
  millis: number;
  readonly problems: Map<CaseProblem['kind'], number>;
  /**
   * The most CPU one case took (user + system of this process while it ran: the handlers, the
   * store client and the case's own checks, reads through the harness included; DynamoDB Local
   * runs in another process). Exact for the case when targets run one at a time; side by side it
   * also counts the other targets' work interleaved meanwhile, an upper bound.
   */
  worstCpuMs: number;
  /**
   * The CPU 99 % of the cases stayed within: a single worst case can be a garbage collection
   * that fell in it, a p99 near it says the cost is the input's.
   */
  p99CpuMs: number;
  /** The case that took `worstCpuMs`: where to regenerate it, and its input cut short. */
  worstCase?: { readonly round: number; readonly index: number; readonly input: string };
}

export interface FuzzReport {
  readonly seed: number;
  readonly targets: TargetReport[];
  readonly failures: Failure[];
  readonly audits: AuditResult[];
  /** DynamoDB calls AWS would refuse for key size (should be none). */
  readonly keyLimitViolations: string[];
  /** How the targets' batches ran within a round (see `RunOptions.order`). */
  readonly order: RunOrder;
  millis: number;
}

/**
 * `one-at-a-time`: each target's batch in turn, so a case's CPU is its own. `side-by-side`: all
 * targets' batches at once (`Promise.all`), shorter on a machine with cores to spare.
 */
export type RunOrder = 'one-at-a-time' | 'side-by-side';

export interface RunOptions {
  readonly seed: number;
  /** Cases per target (a number for all, or by target name). */
  readonly cases: number | Readonly<Record<string, number>>;
  readonly batchSize?: number;
  /** One target's batch at a time (default), or all side by side. */
  readonly order?: RunOrder;
  /** Keep at most this many failures with their inputs (all are counted). */
  readonly keepFailures?: number;
  readonly onRound?: (report: FuzzReport, round: number) => void;
  /** Filled by the caller's key-limit check (see `enforceAwsKeyLimits`). */
  readonly keyLimitViolations?: string[];
}

export function stringifyInput(input: unknown, limit = 2_000): string {
  const text = JSON.stringify(input, (_key, value) =>
    typeof value === 'string' && value.length > 300
      ? `${value.slice(0, 300)}…(${value.length} chars)`
      : value,
  );
  return (text ?? String(input)).slice(0, limit);
}

/** Hashes a target name into the seed, so targets draw different inputs from one run seed. */
function seedOf(seed: number, name: string, round: number): number {
  let hash = seed ^ (round * 0x9e3779b1);
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return hash | 0;
}

/**
 * Runs every target for its number of cases and audits the table after each round.
 *
 * @example
 * const report = await runFuzz(targets, reader, { seed: 42, cases: 1_000 });
 * report.targets.every((target) => target.problems.size === 0);
 */
export async function runFuzz(
  targets: readonly FuzzTarget[],
  reader: TableReader,
  options: RunOptions,
): Promise<FuzzReport> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 250;
  const keep = options.keepFailures ?? 20;
  const casesOf = (name: string) =>
    typeof options.cases === 'number' ? options.cases : (options.cases[name] ?? 0);
  const report: FuzzReport = {
    seed: options.seed,
    targets: targets.map((target) => ({
      name: target.name,
      description: target.description,
      cases: 0,
      statuses: new StatusTally(),
      millis: 0,
      problems: new Map(),
      worstCpuMs: 0,
      p99CpuMs: 0,
    })),
    failures: [],
    audits: [],
    keyLimitViolations: options.keyLimitViolations ?? [],
    order: options.order ?? 'one-at-a-time',
    millis: 0,
  };
  const rounds = Math.max(...targets.map((target) => Math.ceil(casesOf(target.name) / batchSize)));

  const cpuSamples = targets.map((): number[] => []);
  const runBatch = async (target: FuzzTarget, position: number, round: number) => {
    const entry = report.targets[position] as TargetReport;
    const remaining = casesOf(target.name) - entry.cases;
    if (remaining <= 0) return;
    const inputs = fc.sample(target.arbitrary, {
      seed: seedOf(options.seed, target.name, round),
      numRuns: Math.min(batchSize, remaining),
    });
    const batchStarted = performance.now();
    for (const [index, input] of inputs.entries()) {
      const cpuBefore = process.cpuUsage();
      const outcome = await target.run(input);
      const cpu = process.cpuUsage(cpuBefore);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      cpuSamples[position]?.push(cpuMs);
      if (cpuMs > entry.worstCpuMs) {
        entry.worstCpuMs = cpuMs;
        entry.worstCase = { round, index, input: stringifyInput(input, 400) };
      }
      entry.cases += 1;
      for (const status of outcome.statuses) entry.statuses.add(status);
      for (const problem of outcome.problems) {
        entry.problems.set(problem.kind, (entry.problems.get(problem.kind) ?? 0) + 1);
        if (report.failures.length < keep) {
          report.failures.push({
            target: target.name,
            round,
            index,
            problem,
            input: stringifyInput(input),
          });
        }
      }
    }
    await target.reset();
    entry.millis += performance.now() - batchStarted;
  };

  for (let round = 0; round < rounds; round++) {
    if (report.order === 'side-by-side') {
      await Promise.all(targets.map((target, position) => runBatch(target, position, round)));
    } else {
      for (const [position, target] of targets.entries()) await runBatch(target, position, round);
    }
    report.audits.push(await auditTable(reader));
    report.millis = performance.now() - started;
    options.onRound?.(report, round);
  }
  for (const [position, samples] of cpuSamples.entries()) {
    samples.sort((a, b) => a - b);
    const entry = report.targets[position] as TargetReport;
    entry.p99CpuMs = samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))] ?? 0;
  }
  report.millis = performance.now() - started;
  return report;
}

/** Totals of a report, for assertions and summaries. */
export function totals(report: FuzzReport) {
  const count = (kind: CaseProblem['kind']) =>
    report.targets.reduce((sum, target) => sum + (target.problems.get(kind) ?? 0), 0);
  const answers = new StatusTally();
  for (const target of report.targets) answers.merge(target.statuses);
  const lastAudit = report.audits.at(-1);
  return {
    cases: report.targets.reduce((sum, target) => sum + target.cases, 0),
    requests: answers.total,
    answers,
    serverErrors:
      // 501 answers an unimplemented SCIM endpoint (/Me), by contract.
      answers.count((status) => status >= 500 && status !== 503 && status !== 501) +
      count('server-error'),
    serverErrorCases: count('server-error'),
    partialWrites: count('partial-write'),
    contractViolations: count('contract'),
    unexpected: count('unexpected'),
    auditProblems: report.audits.reduce((sum, audit) => sum + audit.problems.length, 0),
    itemsAudited: report.audits.reduce((sum, audit) => sum + audit.items, 0),
    lastAudit,
    keyLimitViolations: report.keyLimitViolations.length,
  };
}

/** A short summary: one line per target and a totals line. */
export function summarize(report: FuzzReport): string {
  const total = totals(report);
  const lines = report.targets.map((target) => {
    const problems =
      [...target.problems].map(([kind, count]) => `${kind}×${count}`).join(' ') || 'none';
    return `  ${target.name.padEnd(22)} ${String(target.cases).padStart(7)} cases  ${(target.millis / 1000).toFixed(1).padStart(6)} s  worst CPU ${target.worstCpuMs.toFixed(0)} ms (p99 ${target.p99CpuMs.toFixed(0)})  problems: ${problems}  statuses: ${target.statuses}`;
  });
  lines.unshift(
    report.order === 'one-at-a-time'
      ? '  (targets one at a time: worst CPU is the CPU of that case alone)'
      : '  (targets side by side: worst CPU counts other targets interleaved, an upper bound)',
  );
  lines.push(
    `  total: ${total.cases} cases, ${total.requests} requests in ${(report.millis / 1000).toFixed(1)} s (seed ${report.seed}); ` +
      `5xx: ${total.serverErrors}; partial writes: ${total.partialWrites}; contract violations: ${total.contractViolations}; ` +
      `unexpected: ${total.unexpected}; table audits: ${report.audits.length} (${total.itemsAudited} items, ${total.auditProblems} problems); ` +
      `DynamoDB calls AWS would refuse: ${total.keyLimitViolations}`,
  );
  return lines.join('\n');
}
