/**
 * The long fuzz run (`npm run fuzz`): at least 100,000 cases through the real handlers against an
 * in-memory DynamoDB Local with AWS's key-size limits enforced, a table audit after every round,
 * a summary on stdout and `docs/fuzz-report.md`. Exits 1 when any case found a problem.
 *
 *   FUZZ_CASES=100000   total cases, shared among the targets by weight
 *   FUZZ_SEED=<n>       replay a run (printed at the start and in the report)
 *   FUZZ_TARGETS=a,b    only these targets
 *   FUZZ_ORDER=side-by-side   all targets' batches at once (default: one target at a time, so
 *                       the worst CPU of a case is its own)
 *
 * Entra-issued tokens are turned on for the whole run (`entra.ts`). Their key set being
 * unreachable needs a process of its own (the handlers build their verifier once): after the main
 * run, this file runs itself again with `FUZZ_ENTRA_KEYS=unreachable` for the target
 * `entra-keys-unreachable`, on the same DynamoDB Local, and merges that child's report.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { terminalProgress } from '../../infra/progress.js';
import { StatusTally } from './checks.js';
import { enforceAwsKeyLimits } from './dynamodb-middleware.js';
import { createHardeningTargets } from './hardening-targets.js';
import {
  type FuzzReport,
  type RunOrder,
  runFuzz,
  summarize,
  type TargetReport,
  totals,
} from './runner.js';
import { startFuzzEnvironment } from './setup.js';
import { entraTokenTarget } from './targets/entra-token.js';
import { createGlobalFixtures, createTargets, type FuzzTarget } from './targets.js';
import { warmUp } from './warm-up.js';

/** Share of the cases each target gets (sums to 100). */
const WEIGHTS: Readonly<Record<string, number>> = {
  filter: 20,
  query: 12,
  'patch-user': 15,
  'patch-group': 12,
  'create-user': 8,
  'create-group': 6,
  replace: 7,
  raw: 8,
  headers: 5,
  paths: 4,
  bulk: 3,
  'entra-token': 2,
};

const UNREACHABLE = 'entra-keys-unreachable';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const totalCases = Number(process.env.FUZZ_CASES ?? 100_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const only = process.env.FUZZ_TARGETS?.split(',').map((name) => name.trim());
const order: RunOrder =
  process.env.FUZZ_ORDER === 'side-by-side' ? 'side-by-side' : 'one-at-a-time';
/** Set by the parent run for its child: where the child writes its report. */
const childReportPath = process.env.FUZZ_CHILD_REPORT;
const unreachableKeys = process.env.FUZZ_ENTRA_KEYS === 'unreachable';

const environment = await startFuzzEnvironment(unreachableKeys ? 'unreachable' : 'reachable');
try {
  const { documentClient } = await import('../../shared/store/client.js');
  const keyLimitViolations: string[] = [];
  enforceAwsKeyLimits(documentClient().middlewareStack, keyLimitViolations);
  const context = { harness: environment.harness, reader: environment.reader };
  let targets: FuzzTarget[];
  if (unreachableKeys) {
    targets = [entraTokenTarget(context, environment.entra)];
  } else {
    const global = await createGlobalFixtures(context);
    targets = [
      ...(await createTargets(context, global)),
      ...(await createHardeningTargets(context, environment.entra)),
    ].filter((target) => !only || only.includes(target.name));
  }
  await warmUp(environment.harness, environment.entra);
  const names = [...targets.map((target) => target.name)];
  const withChild = !unreachableKeys && (!only || only.includes(UNREACHABLE));
  if (withChild) names.push(UNREACHABLE);
  const weight = names.reduce((sum, name) => sum + (WEIGHTS[name] ?? 1), 0);
  const cases: Record<string, number> = Object.fromEntries(
    names.map((name) => [name, Math.ceil((totalCases * (WEIGHTS[name] ?? 1)) / weight)]),
  );
  if (unreachableKeys) cases[UNREACHABLE] = totalCases;
  console.log(
    `fuzzing ${names.length} targets, ${names.reduce((sum, name) => sum + (cases[name] ?? 0), 0)} cases, seed ${seed}, ${order}`,
  );
  // On a terminal only: a CI log gets the summary, not a line per round.
  let roundLine = '';
  const progress = terminalProgress({ label: 'fuzz', detail: () => roundLine });
  progress.step(
    'cases',
    names.reduce((sum, name) => sum + (cases[name] ?? 0), 0),
  );
  let casesDone = 0;
  const report = await runFuzz(targets, environment.reader, {
    seed,
    cases,
    order,
    keyLimitViolations,
    onRound: (sofar, round) => {
      const done = totals(sofar);
      progress.advance(done.cases - casesDone);
      casesDone = done.cases;
      roundLine =
        `round ${round + 1} · 5xx ${done.serverErrors} · partial writes ${done.partialWrites} · ` +
        `other problems ${done.contractViolations + done.unexpected} · ` +
        `audit problems ${sofar.audits.at(-1)?.problems.length ?? 0}`;
    },
  });
  progress.stop();
  if (childReportPath) {
    await writeFile(childReportPath, JSON.stringify(serialize(report)));
    await environment.stop();
    process.exit(0);
  }
  if (withChild) {
    mergeChild(report, await runChild(environment.endpoint, cases[UNREACHABLE] ?? 0));
  }
  console.log(summarize(report));
  const path = join(REPO_ROOT, 'docs', 'fuzz-report.md');
  await mkdir(join(REPO_ROOT, 'docs'), { recursive: true });
  await writeFile(path, markdown(report, totalCases));
  console.log(`report written to ${path}`);
  const total = totals(report);
  process.exitCode =
    total.serverErrors +
      total.partialWrites +
      total.contractViolations +
      total.unexpected +
      total.auditProblems +
      total.keyLimitViolations ===
    0
      ? 0
      : 1;
} finally {
  await environment.stop();
}

/** A report as JSON (its tallies and problem counts as entry lists). */
function serialize(report: FuzzReport) {
  return {
    ...report,
    targets: report.targets.map((target) => ({
      ...target,
      statuses: [...target.statuses.counts],
      problems: [...target.problems],
    })),
  };
}

/**
 * Runs this file again with the tenant's Entra key set unreachable (`entra-keys-unreachable`
 * only), on the same DynamoDB Local, and reads back its report.
 */
async function runChild(endpoint: string, childCases: number): Promise<FuzzReport> {
  const reportPath = join(tmpdir(), `fuzz-child-${process.pid}.json`);
  console.log(`${UNREACHABLE}: ${childCases} cases in a process of its own`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: {
        ...process.env,
        FUZZ_ENTRA_KEYS: 'unreachable',
        FUZZ_CHILD_REPORT: reportPath,
        FUZZ_CASES: String(childCases),
        FUZZ_SEED: String(seed),
        DYNAMODB_ENDPOINT: endpoint,
        // Every case of the child logs "Entra signing keys unavailable" at ERROR, as it should.
        FUZZ_LOG_LEVEL: process.env.FUZZ_LOG_LEVEL ?? 'CRITICAL',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`the ${UNREACHABLE} run exited with ${code}`);
  const parsed = JSON.parse(await readFile(reportPath, 'utf8'));
  await rm(reportPath, { force: true });
  return {
    ...parsed,
    targets: parsed.targets.map(
      (target: TargetReport & { statuses: [number, number][]; problems: [string, number][] }) => {
        const statuses = new StatusTally();
        for (const [status, count] of target.statuses) statuses.counts.set(status, count);
        return { ...target, statuses, problems: new Map(target.problems) };
      },
    ),
  };
}

/** Adds the child's targets, failures, audits and key-limit findings to the main report. */
function mergeChild(report: FuzzReport, child: FuzzReport): void {
  report.targets.push(...child.targets);
  report.failures.push(...child.failures);
  report.audits.push(...child.audits);
  report.keyLimitViolations.push(...child.keyLimitViolations);
  report.millis += child.millis;
}

function markdown(report: FuzzReport, requested: number): string {
  const total = totals(report);
  const rows = report.targets.map((target) => {
    const problems =
      [...target.problems].map(([kind, count]) => `${kind} ${count}`).join(', ') || '0';
    const serverErrors = target.statuses.count(
      (status) => status >= 500 && status !== 503 && status !== 501,
    );
    return `| ${target.name} | ${target.cases} | ${target.statuses} | ${serverErrors} | ${problems} | ${(target.millis / 1000).toFixed(1)} s | ${target.worstCpuMs.toFixed(0)} ms | ${target.p99CpuMs.toFixed(0)} ms |`;
  });
  const worst = report.targets
    .filter((target) => target.worstCase)
    .map(
      (target) =>
        `- **${target.name}** (${target.worstCpuMs.toFixed(0)} ms; round ${target.worstCase?.round}, case ${target.worstCase?.index}): \`${target.worstCase?.input.replace(/`/g, "'")}\``,
    );
  const descriptions = report.targets.map(
    (target) => `- **${target.name}**: ${target.description}.`,
  );
  const failures = report.failures.map(
    (failure) =>
      `- ${failure.target} (round ${failure.round}, case ${failure.index}) ${failure.problem.kind}: ${failure.problem.detail}\n  input: \`${failure.input.replace(/`/g, "'")}\``,
  );
  const audit = total.lastAudit;
  return `# Fuzz report

Generated by \`npm run fuzz\` (\`test/fuzz/run.ts\`) on ${new Date().toISOString().slice(0, 10)}: ${total.cases} cases
(${requested} requested) through the real handlers (API Gateway v2 events, the middy chain, the
store) against DynamoDB Local, with AWS's key-size limits enforced on every DynamoDB call.
Seed ${report.seed} (replay with \`FUZZ_SEED=${report.seed} FUZZ_CASES=${requested} npm run fuzz\`).
Targets ran ${report.order === 'one-at-a-time' ? 'one at a time' : 'side by side'}.
Entra-issued tokens were turned on for the whole run (\`ENTRA_TENANT_ID\`, a local key set, pinned
\`ENTRA_APP_ID\`/\`ENTRA_OBJECT_ID\`); \`${UNREACHABLE}\` ran in a process of its own whose
key set URL answers nothing.

| | |
|---|---|
| cases | ${total.cases} |
| requests answered | ${total.requests} |
| answers by status | ${total.answers} |
| 5xx answers (must be 0) | ${total.serverErrors} |
| partial writes (must be 0) | ${total.partialWrites} |
| other contract violations | ${total.contractViolations + total.unexpected} |
| table audits | ${report.audits.length}, ${total.itemsAudited} items checked, ${total.auditProblems} problems |
| DynamoDB calls AWS would refuse (key size) | ${total.keyLimitViolations} |
| duration | ${(report.millis / 1000).toFixed(0)} s |

| target | cases | answers by status | 5xx | problems | time | worst handler CPU per case | p99 |
|---|---:|---|---:|---|---:|---:|---:|
${rows.join('\n')}

${
  report.order === 'one-at-a-time'
    ? `"Worst handler CPU per case" is the most CPU time one case took: user + system of this process
while the case ran, with the targets run one at a time, so nothing else of the run was working
meanwhile. It counts the handlers, the middy chain and the store client, and also the case's own
work around them: building its input (the entra targets sign a token, about 2 ms), and the reads it
checks the outcome with through the same harness (a GET before and after a write, a filter after a
create). DynamoDB Local runs in another process and is not counted; a garbage collection that
falls in the case is: replaying a run shows its worst case on another input of the same
target, so the worst is an outlier bound and the p99 (the CPU 99 % of its cases stayed within) the
cost of the inputs themselves.`
    : `"Worst handler CPU per case" is the most CPU time one case took (user + system of the process
while it ran, handler and store client included, DynamoDB Local excluded). This run had the targets
side by side (\`FUZZ_ORDER=side-by-side\`), so it also counts other targets' work interleaved
meanwhile: an upper bound.`
} \`npm run bench\` measures hostile requests one at a time (its "Hostile requests" section).

The case that took it, per target (regenerated by the seed, the target, the round and the index):

${worst.join('\n')}

What each target sends:

${descriptions.join('\n')}

Checked on every case: the status is one SCIM defines, never a 5xx (nothing is injected, so not
even a 503, except the 503 with Retry-After that \`${UNREACHABLE}\` expects); every error carries the RFC 7644 error body; a failed write left its resource's
version, data and (groups) members as they were; a successful write stored a new version and
answered its ETag. After every round, with nothing else writing, every item of the table is
audited: each user and group holds the guard of its unique name and no guard is stray, the
counters equal the resources, and no membership names a missing user or group.
${audit ? `\nLast audit: ${audit.users} users, ${audit.groups} groups, ${audit.memberships} memberships, ${audit.guards} guards.\n` : ''}
${failures.length > 0 ? `## Failures (first ${failures.length})\n\n${failures.join('\n')}\n` : 'No failures.\n'}`;
}
