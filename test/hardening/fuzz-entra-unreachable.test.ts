/**
 * The quick fuzz run of `entra-keys-unreachable`: the tenant's Entra key set URL answers nothing,
 * so every well-formed RS256 token must get a 503 with Retry-After (Entra retries it; a 401 would
 * quarantine the provisioning job), every other token a 401, and the service's own tokens still
 * work. Its own file, so its own process: the handlers build their verifier once, on the first
 * request, from the settings of the moment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FuzzReport, runFuzz, summarize, totals } from '../fuzz/runner.js';
import { type FuzzEnvironment, fuzzEnvironmentFromTestSetup } from '../fuzz/setup.js';
import { entraTokenTarget } from '../fuzz/targets/entra-token.js';

const CASES = Number(process.env.FUZZ_QUICK_CASES ?? 300);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

let env: FuzzEnvironment;
let report: FuzzReport | undefined;

beforeAll(async () => {
  env = await fuzzEnvironmentFromTestSetup('unreachable');
  // Every case logs "Entra signing keys unavailable" at ERROR, as it should.
  process.env.LOG_LEVEL = 'CRITICAL';
});

afterAll(async () => {
  await env.stop();
  if (report) console.log(`[hardening/fuzz-entra-unreachable]\n${summarize(report)}`);
});

describe('Entra tokens while the tenant key set is unreachable', () => {
  it(`answers 503 with Retry-After to every RS256 token, 401 to the rest, for ${CASES} cases (seed ${seed})`, async () => {
    // Prepare
    const target = entraTokenTarget({ harness: env.harness, reader: env.reader }, env.entra);

    // Act
    report = await runFuzz([target], env.reader, { seed, cases: CASES, batchSize: 100 });

    // Assess
    const failures = report.failures.map(
      (failure) => `${failure.problem.kind}: ${failure.problem.detail}\n  input ${failure.input}`,
    );
    expect(failures, `seed ${seed}`).toEqual([]);
    expect(totals(report).serverErrors).toBe(0);
    expect(report.targets[0]?.statuses.counts.get(503) ?? 0).toBeGreaterThan(0);
    expect(report.targets[0]?.cases).toBe(CASES);
  }, 60_000);
});
