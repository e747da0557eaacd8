/**
 * The quick fuzz run of `npm test`: every target of `test/fuzz/targets.ts` for a few hundred
 * cases through the real handlers, with AWS's key-size limits enforced and the table audited
 * after each round. `npm run fuzz` (test/fuzz/run.ts) is the long run. A failure prints the seed;
 * `FUZZ_SEED=<seed> npx vitest run test/hardening/fuzz.test.ts` replays it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enforceAwsKeyLimits } from '../fuzz/dynamodb-middleware.js';
import { type FuzzReport, runFuzz, summarize, totals } from '../fuzz/runner.js';
import { type FuzzEnvironment, fuzzEnvironmentFromTestSetup } from '../fuzz/setup.js';
import { createGlobalFixtures, createTargets, type FuzzTarget } from '../fuzz/targets.js';

const CASES_PER_TARGET = Number(process.env.FUZZ_QUICK_CASES ?? 300);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

let env: FuzzEnvironment;
let targets: FuzzTarget[];
const keyLimitViolations: string[] = [];
let stopEnforcing: () => void = () => {};
let report: FuzzReport | undefined;

beforeAll(async () => {
  env = await fuzzEnvironmentFromTestSetup();
  const { documentClient } = await import('../../shared/store/client.js');
  stopEnforcing = enforceAwsKeyLimits(documentClient().middlewareStack, keyLimitViolations);
  const context = { harness: env.harness, reader: env.reader };
  targets = await createTargets(context, await createGlobalFixtures(context));
}, 60_000);

afterAll(async () => {
  stopEnforcing();
  await env.stop();
  if (report) console.log(`[hardening/fuzz] quick run\n${summarize(report)}`);
});

describe('fuzzing through the real handlers', () => {
  it(`keeps the SCIM contract and writes nothing partial for ${CASES_PER_TARGET} cases per target (seed ${seed})`, async () => {
    // Act
    report = await runFuzz(targets, env.reader, {
      seed,
      cases: CASES_PER_TARGET,
      batchSize: 100,
      keyLimitViolations,
    });

    // Assess
    const total = totals(report);
    const failures = report.failures.map(
      (failure) =>
        `${failure.target} ${failure.problem.kind}: ${failure.problem.detail}\n  input ${failure.input}`,
    );
    expect(failures, `seed ${seed}`).toEqual([]);
    expect(total.serverErrors).toBe(0);
    expect(total.partialWrites).toBe(0);
    expect(total.auditProblems).toBe(0);
    expect(keyLimitViolations).toEqual([]);
    expect(total.cases).toBe(CASES_PER_TARGET * targets.length);
  }, 120_000);
});
