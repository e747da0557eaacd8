/**
 * `npm run bench`: where the time and the cost of each SCIM operation go, and how they grow.
 * Starts DynamoDB Local (in memory) and the local server in this process with the cost headers on,
 * then measures per-operation latency, DynamoDB calls, capacity and handler time; lookups and
 * member operations at growing sizes (large datasets seeded straight into the table); a full
 * initial Entra cycle through the simulator; and each function's bundle size and cold import.
 * Writes bench-report.json, prints a Markdown report and (full runs) writes docs/benchmark.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTable, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { Recorder } from '../../infra/simulator/client.js';
import { simulate } from '../../infra/simulator/cycle.js';
import { buildDataset } from '../../infra/simulator/dataset.js';
import { stderrProgress } from '../../infra/simulator/progress.js';
import { operationFigures } from '../../infra/simulator/summary.js';
import {
  type AdminReportsResult,
  measureAdminReports,
  renderAdminReports,
} from './admin-reports.js';
import { measureAggregatedReports, renderAggregatedReports } from './aggregated-reports.js';
import { type BundleResult, measureBundles } from './bundles.js';
import {
  type DirectoryResult,
  measureDirectory,
  renderDirectory,
  replaceDirectorySection,
} from './directory.js';
import { type FeedReport, startFeedMeasurement } from './feed.js';
import {
  benchmarkFigures,
  localServiceSize,
  measureLocalService,
  renderLocalServiceMarkdown,
  replaceSection,
} from './local-service.js';
import { benchClient, type OperationResult } from './measure.js';
import {
  groupOperations,
  memberOperations,
  userListPages,
  userReads,
  userWrites,
  WARMUP,
} from './operations.js';
import { measureRawRoundTrips, type RawRoundTrips } from './raw.js';
import {
  type BenchReport,
  type CycleReport,
  checkTargets,
  type MachineFacts,
  renderMarkdown,
  type SizedResults,
} from './report.js';
import { muteStdout, startBenchStack } from './stack.js';
import { measureWorstCases } from './worst-case.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const HELP = `Usage: npm run bench -- [options]

  --quick                 smoke run: 1,000 users, groups of 10 and 1,000, 20 samples,
                          a 300-user cycle, one cold import per function (about 2 minutes)
  --sizes <list>          user counts, default 1000,10000,100000
  --member-sizes <list>   members of one group, default 10,10000,100000
  --samples <n>           requests per measured operation, default 100 (quick: 20)
  --cycle <u,g,m>         initial cycle users,groups,memberships, default 10000,200,20000
  --cycle-concurrency <n> objects in flight during the cycle, default 8
  --no-cycle              skip the cycle
  --no-bundles            skip bundle sizes and cold imports
  --no-admin-reports      skip the integration page's report latency (a month of records)
  --reports-only          only the report latency from the aggregated items (a month of a
                          10,000-user directory in DynamoDB Local), then exit
  --directory-only        only the integration page's directory search (a 10,000-user tenant;
                          --quick: 1,000), then exit; its section replaces the one in --doc
                          (default docs/benchmark.md, none for --quick) and its figures join
                          --out when that exists
  --no-directory          skip the directory search
  --no-local-service      skip the local service as npm start runs it (feed on and off)
  --local-service         measure only the local service as npm start runs it, after a cycle
                          (10,000 users; --quick: 1,000), feed on and off; its section replaces
                          the one in --doc (default docs/benchmark.md, none for --quick) and its
                          figures join --out when that exists
  --out <file>            JSON report, default bench-report.json
  --doc <file>            Markdown report, default docs/benchmark.md for full runs (none for --quick)
  --render <json>         measure nothing: print (and with --doc write) the Markdown of a saved report
  -h, --help              this help`;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    'member-sizes': { type: 'string' },
    samples: { type: 'string' },
    cycle: { type: 'string' },
    'cycle-concurrency': { type: 'string' },
    'no-cycle': { type: 'boolean', default: false },
    'no-bundles': { type: 'boolean', default: false },
    'no-admin-reports': { type: 'boolean', default: false },
    'reports-only': { type: 'boolean', default: false },
    'directory-only': { type: 'boolean', default: false },
    'no-directory': { type: 'boolean', default: false },
    'no-local-service': { type: 'boolean', default: false },
    'local-service': { type: 'boolean', default: false },
    out: { type: 'string' },
    doc: { type: 'string' },
    render: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

if (values.render) {
  const saved = JSON.parse(
    await readFile(resolve(REPO_ROOT, values.render), 'utf8'),
  ) as BenchReport;
  const markdown = renderMarkdown(saved);
  process.stdout.write(`${markdown}\n`);
  if (values.doc) await writeFile(resolve(REPO_ROOT, values.doc), markdown);
  process.exit(0);
}

function numbers(name: string, raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined) return fallback;
  const list = raw.split(',').map((part) => Number(part.trim()));
  if (list.length === 0 || list.some((value) => !Number.isInteger(value) || value < 1)) {
    console.error(`--${name} takes positive integers separated by commas, got "${raw}"\n\n${HELP}`);
    process.exit(2);
  }
  return list;
}

const quick = values.quick;
const userSizes = numbers('sizes', values.sizes, quick ? [1000] : [1000, 10_000, 100_000]).sort(
  (a, b) => a - b,
);
const memberSizes = numbers(
  'member-sizes',
  values['member-sizes'],
  quick ? [10, 1000] : [10, 10_000, 100_000],
).sort((a, b) => a - b);
const [samples = 100] = numbers('samples', values.samples, [quick ? 20 : 100]);
const [cycleUsers = 0, cycleGroups = 0, cycleMemberships = 0] = numbers(
  'cycle',
  values.cycle,
  quick ? [300, 10, 600] : [10_000, 200, 20_000],
);
const [cycleConcurrency = 8] = numbers('cycle-concurrency', values['cycle-concurrency'], [8]);
const outFile = resolve(REPO_ROOT, values.out ?? 'bench-report.json');
const docFile = values.doc ?? (quick ? undefined : 'docs/benchmark.md');

const started = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const log = (message: string) => {
  const elapsed = Math.round((performance.now() - started) / 1000);
  process.stderr.write(
    `[bench ${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}] ${message}\n`,
  );
};

if (loadAtStart > cpus().length / 2) {
  log(
    `warning: load average ${loadAtStart.toFixed(1)} on ${cpus().length} cores; other work will skew the figures`,
  );
}

if (values['reports-only']) {
  log('report latency from the aggregated items: a month of a 10,000-user directory');
  const dynamodb = await startDynamoDbLocal();
  const table = 'grouptalk-scim-bench-reports';
  await ensureTable(dynamodb.endpoint, table, { stream: false });
  Object.assign(process.env, {
    TABLE_NAME: table,
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  });
  try {
    const result = await measureAggregatedReports({
      workDir: join(REPO_ROOT, '.local'),
      users: quick ? 1000 : 10_000,
    });
    process.stdout.write(renderAggregatedReports(result));
    await writeFile(outFile, `${JSON.stringify({ aggregatedReports: result }, null, 2)}\n`);
  } finally {
    await dynamodb.stop();
  }
  process.exit(0);
}

if (values['directory-only']) {
  log(`directory search: a ${quick ? '1,000' : '10,000'}-user tenant`);
  const dynamodb = await startDynamoDbLocal();
  const table = 'grouptalk-scim-bench-directory';
  await ensureTable(dynamodb.endpoint, table, { stream: false });
  Object.assign(process.env, {
    TABLE_NAME: table,
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    // A loaded machine's DynamoDB Local can take seconds to answer a batch of the seed: AWS's
    // 1 s / 2 s budgets would fail it (the searches' own latencies are what is measured).
    DYNAMODB_CONNECTION_TIMEOUT_MS: process.env.DYNAMODB_CONNECTION_TIMEOUT_MS ?? '5000',
    DYNAMODB_REQUEST_TIMEOUT_MS: process.env.DYNAMODB_REQUEST_TIMEOUT_MS ?? '8000',
  });
  try {
    const directory = await measureDirectory({
      users: quick ? 1000 : 10_000,
      runs: values.samples ? samples : quick ? 10 : 30,
      log,
    });
    const markdown = renderDirectory(directory);
    process.stdout.write(`${markdown}\n`);
    if (existsSync(outFile)) {
      const saved = JSON.parse(await readFile(outFile, 'utf8')) as Record<string, unknown>;
      await writeFile(outFile, `${JSON.stringify({ ...saved, directory }, null, 2)}\n`);
      log(`added the figures to ${outFile}`);
    }
    if (docFile) {
      const path = resolve(REPO_ROOT, docFile);
      await writeFile(path, replaceDirectorySection(await readFile(path, 'utf8'), markdown));
      log(`wrote its section in ${path}`);
    }
  } finally {
    await dynamodb.stop();
  }
  process.exit(0);
}

if (values['local-service']) {
  // Alone: nothing else of the benchmark runs in this process (the handlers read their table at
  // import time), and the section is compared with the last full run's figures when there is one.
  const saved = existsSync(outFile)
    ? (JSON.parse(await readFile(outFile, 'utf8')) as BenchReport)
    : undefined;
  const localService = await measureLocalService({
    ...localServiceSize(quick, values.samples ? samples : undefined),
    log,
  });
  const markdown = renderLocalServiceMarkdown(localService, saved ? benchmarkFigures(saved) : {});
  process.stdout.write(`${markdown}\n`);
  if (saved) {
    await writeFile(outFile, `${JSON.stringify({ ...saved, localService }, null, 2)}\n`);
    log(`added the figures to ${outFile}`);
  }
  if (docFile) {
    const path = resolve(REPO_ROOT, docFile);
    await writeFile(path, replaceSection(await readFile(path, 'utf8'), markdown));
    log(`wrote its section in ${path}`);
  }
  process.exit(0);
}

let bundles: BundleResult[] | undefined;
if (!values['no-bundles']) {
  // First, while nothing else competes for the CPU.
  log('bundling each function and timing cold imports');
  await mkdir(join(REPO_ROOT, '.local'), { recursive: true });
  bundles = await measureBundles({
    // Inside the repository: the variant without the SDK resolves it from node_modules.
    workDir: await mkdtemp(join(REPO_ROOT, '.local', 'bench-bundles-')),
    runs: quick ? 1 : 3,
  });
}

let adminReports: AdminReportsResult | undefined;
if (!values['no-admin-reports']) {
  log('integration page reports over a month of request records');
  adminReports = await measureAdminReports({
    workDir: join(REPO_ROOT, '.local'),
    users: quick ? 1000 : 10_000,
  });
  log(
    `reports: ${adminReports.records} records, worst ${Math.max(...adminReports.coldMs, ...adminReports.warmMs, ...adminReports.historyColdMs)} ms`,
  );
}

log('starting DynamoDB Local (in memory) and the local server');
const stack = await startBenchStack();
// The reports as the page reads them: the aggregated items, in the bench table's own partitions.
const aggregatedReports = values['no-admin-reports']
  ? undefined
  : await measureAggregatedReports({
      workDir: join(REPO_ROOT, '.local'),
      users: quick ? 1000 : 10_000,
    });
const unmute = muteStdout();
let report: BenchReport;
try {
  const { loadSeeder } = await import('./seed.js');
  const seeder = await loadSeeder();
  const bench = benchClient(stack.url, stack.token);

  const maxMembers = memberSizes[memberSizes.length - 1] ?? 0;
  const poolSize = Math.max(userSizes[userSizes.length - 1] ?? 0, maxMembers + samples + 10, 100);
  const pool = buildDataset({
    seed: 42,
    users: poolSize,
    groups: 0,
    memberships: 0,
    prefix: 'bench',
  });
  const ids: string[] = [];
  let seedingMs = 0;
  const seedUsersTo = async (size: number) => {
    const begun = performance.now();
    while (ids.length < size) {
      const chunk = pool.users.slice(ids.length, Math.min(size, ids.length + 10_000));
      ids.push(...(await seeder.seedUsers(chunk)));
      log(`seeded ${ids.length.toLocaleString('en-US')} users`);
    }
    seedingMs += performance.now() - begun;
  };
  const userPool = { users: pool.users, ids };

  const baseSize = userSizes[0] ?? 1000;
  await seedUsersTo(baseSize);
  // Every code path once, so neither V8's nor DynamoDB Local's JIT is measured cold.
  log('warm-up: a small initial and incremental cycle');
  const warmupRecorder = new Recorder();
  const warmup = await simulate({
    url: stack.url,
    token: stack.token,
    users: quick ? 100 : 300,
    groups: 10,
    memberships: quick ? 200 : 600,
    concurrency: 4,
    dialect: 'aadOptscim062020',
    incremental: true,
    seed: 2,
    prefix: 'warmup',
    memberBatch: 25,
    recorder: warmupRecorder,
  });
  if (!warmup.ok) {
    const [first] = warmupRecorder.errorSamples;
    throw new Error(
      `the warm-up cycle failed, so the service is not working: ${first ? `${first.method} ${first.path} → ${first.status} ${first.detail}` : JSON.stringify(warmup.verification?.samples)}`,
    );
  }
  log(`raw DynamoDB round trips (${samples} samples each)`);
  const rawRoundTrips: RawRoundTrips = await measureRawRoundTrips({
    endpoint: stack.endpoint,
    tableName: stack.tableName,
    userId: ids[0] as string,
    batchIds: ids.slice(0, 10),
    samples,
  });
  log(`per-operation measurements (${samples} samples each)`);
  const fresh = buildDataset({
    seed: 43,
    users: samples + WARMUP,
    groups: 0,
    memberships: 0,
    prefix: 'benchops',
  }).users;
  const operations: OperationResult[] = [
    ...(await userReads(bench, userPool, baseSize, samples)),
    ...(await userListPages(bench, baseSize, samples, 5)),
    ...(await userWrites(bench, fresh, samples)),
    ...(await groupOperations(bench, userPool, 'benchops', samples)),
  ];

  const userGrowth: SizedResults[] = [];
  for (const size of userSizes) {
    await seedUsersTo(size);
    log(`user growth at ${size.toLocaleString('en-US')} users`);
    userGrowth.push({
      size,
      results: [
        ...(await userReads(bench, userPool, size, samples)),
        ...(await userListPages(bench, size, samples, size >= 100_000 ? 3 : 5)),
      ],
    });
  }

  await seedUsersTo(poolSize);
  const memberGrowth: SizedResults[] = [];
  const groupId = await seeder.seedGroup('bench big group');
  const outsiders = ids.slice(maxMembers, maxMembers + samples + 10);
  let members = 0;
  for (const size of memberSizes) {
    const begun = performance.now();
    for (let from = members; from < size; from += 10_000) {
      await seeder.seedMembers(groupId, ids.slice(from, Math.min(size, from + 10_000)));
    }
    members = size;
    seedingMs += performance.now() - begun;
    log(`member growth at ${size.toLocaleString('en-US')} members`);
    const fullSamples = size >= 100_000 ? 3 : size >= 10_000 ? 10 : samples;
    memberGrowth.push({
      size,
      results: await memberOperations(
        bench,
        groupId,
        ids[0] as string,
        outsiders,
        samples,
        fullSamples,
      ),
    });
  }

  let cycle: CycleReport | undefined;
  let feed: FeedReport | undefined;
  const feedGroupMembers = quick ? 10_000 : 100_000;
  if (!values['no-cycle'] && cycleUsers > 0) {
    log(
      `initial cycle: ${cycleUsers} users, ${cycleGroups} groups, ${cycleMemberships} memberships`,
    );
    const recorder = new Recorder();
    // The change feed publishes while the cycle writes (test/bench/feed.ts).
    const feedMeasurement = await startFeedMeasurement(stack);
    const options = {
      url: stack.url,
      token: stack.token,
      users: cycleUsers,
      groups: cycleGroups,
      memberships: cycleMemberships,
      concurrency: cycleConcurrency,
      dialect: 'default' as const,
      incremental: false,
      seed: 1,
      prefix: 'cycle',
      memberBatch: 25,
    };
    const result = await simulate({
      ...options,
      recorder,
      progress: stderrProgress(recorder, 'bench'),
    });
    cycle = {
      ...options,
      initial: result.initial,
      phases: result.phases,
      errors: result.errors,
      ...(result.verification ? { verification: result.verification } : {}),
      operations: operationFigures(recorder),
    };
    log(
      `cycle: ${(result.initial.durationMs / 1000).toFixed(1)} s, ${result.initial.requestsPerSecond.toFixed(1)} req/s, ${result.ok ? 'verified' : 'NOT OK'}`,
    );
    const feedCycle = await feedMeasurement.finishCycle();
    log(`feed: group delete of ${feedGroupMembers} members`);
    feed = {
      ...feedCycle,
      groupDelete: await feedMeasurement.measureGroupDelete(feedGroupMembers),
    };
    await feedMeasurement.stop();
  }

  log('hostile requests: worst handler CPU');
  const worstCases = await measureWorstCases(stack.token, 5);

  const measured = {
    worstCases,
    operations: { users: baseSize, results: operations },
    rawRoundTrips,
    growth: { users: userGrowth, members: memberGrowth },
    ...(cycle ? { cycle } : {}),
    ...(feed ? { feed } : {}),
    ...(bundles ? { bundles } : {}),
  };
  report = {
    machine: machineFacts(),
    settings: { quick, samples, userSizes, memberSizes },
    ...measured,
    targets: checkTargets(measured),
    seconds: { seeding: seedingMs / 1000, total: (performance.now() - started) / 1000 },
  };
} finally {
  unmute();
  await stack.stop();
}

if (!values['no-local-service']) {
  // A process of its own: this one's handler modules are bound to the benchmark's table.
  log('the local service as npm start runs it, after a cycle, feed on and off');
  const json = join(REPO_ROOT, '.local', `bench-local-service-${process.pid}.json`);
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./local-service.ts', import.meta.url)),
      '--out',
      json,
      ...(quick ? ['--quick'] : []),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], cwd: REPO_ROOT },
  );
  if (child.status !== 0) throw new Error(`the local service measurement failed (${child.status})`);
  report = { ...report, localService: JSON.parse(await readFile(json, 'utf8')) };
  await rm(json, { force: true });
}

let directory: DirectoryResult | undefined;
if (!values['no-directory']) {
  // A process of its own, with its own DynamoDB Local: a tenant of exactly 10,000 users.
  log('the integration page directory search in a 10,000-user tenant');
  const json = join(REPO_ROOT, '.local', `bench-directory-${process.pid}.json`);
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./directory.ts', import.meta.url)),
      '--out',
      json,
      '--users',
      quick ? '1000' : '10000',
      '--runs',
      quick ? '10' : '30',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], cwd: REPO_ROOT },
  );
  if (child.status !== 0) throw new Error(`the directory measurement failed (${child.status})`);
  directory = JSON.parse(await readFile(json, 'utf8')) as DirectoryResult;
  await rm(json, { force: true });
}

await writeFile(
  outFile,
  `${JSON.stringify({ ...report, adminReports, aggregatedReports, directory }, null, 2)}\n`,
);
const markdown =
  renderMarkdown(report) +
  (adminReports ? renderAdminReports(adminReports) : '') +
  (aggregatedReports ? renderAggregatedReports(aggregatedReports) : '') +
  (directory ? renderDirectory(directory) : '');
process.stdout.write(`${markdown}\n`);
log(`wrote ${outFile}`);
if (docFile) {
  const path = resolve(REPO_ROOT, docFile);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, markdown);
  log(`wrote ${path}`);
}

function machineFacts(): MachineFacts {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr ?? '';
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    os: `${type()} ${release()}`,
    java: java.split('\n')[0]?.trim() || 'java',
    dynamodb: 'DynamoDB Local 1.25.1 (in memory)',
    loadAverage: {
      start: Math.round(loadAtStart * 100) / 100,
      end: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    },
    date: new Date().toISOString().slice(0, 10),
  };
}
