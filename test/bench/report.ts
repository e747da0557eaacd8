/** The benchmark report: its JSON shape, the targets of issue 6 checked against it, and Markdown. */
import type { CycleResult, PhaseResult } from '../../infra/simulator/cycle.js';
import type { Verification } from '../../infra/simulator/verify.js';
import type { BundleResult } from './bundles.js';
import { type FeedReport, renderFeedMarkdown } from './feed.js';
import {
  benchmarkFigures,
  type LocalServiceReport,
  renderLocalServiceMarkdown,
} from './local-service.js';
import type { OperationResult } from './measure.js';
import { type RawRoundTrips, rawSerialMs } from './raw.js';
import { renderWorstCases, type WorstCaseReport, worstCaseTarget } from './worst-case.js';

export interface MachineFacts {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  readonly java: string;
  readonly dynamodb: string;
  readonly date: string;
  /** 1-minute load average when the run started and when it ended: other work skews figures. */
  readonly loadAverage: { readonly start: number; readonly end: number };
}

export interface SizedResults {
  readonly size: number;
  readonly results: readonly OperationResult[];
}

export interface CycleReport {
  readonly users: number;
  readonly groups: number;
  readonly memberships: number;
  readonly concurrency: number;
  readonly dialect: string;
  readonly memberBatch: number;
  readonly initial: CycleResult;
  readonly phases: readonly PhaseResult[];
  readonly errors: number;
  readonly verification?: Verification;
  readonly operations: readonly {
    operation: string;
    requests: number;
    p50Ms: number;
    p99Ms: number;
    dynamodbCallsPerRequest?: number;
  }[];
}

export interface BenchReport {
  readonly machine: MachineFacts;
  readonly settings: {
    readonly quick: boolean;
    readonly samples: number;
    readonly userSizes: readonly number[];
    readonly memberSizes: readonly number[];
  };
  readonly operations: { readonly users: number; readonly results: readonly OperationResult[] };
  /** Each DynamoDB command alone, raw, on the same DynamoDB Local in the same run. */
  readonly rawRoundTrips?: RawRoundTrips;
  readonly growth: {
    readonly users: readonly SizedResults[];
    readonly members: readonly SizedResults[];
  };
  readonly cycle?: CycleReport;
  /** The change feed during the cycle (test/bench/feed.ts). */
  readonly feed?: FeedReport;
  /** The local service as `npm start` runs it, after a cycle, feed on and off. */
  readonly localService?: LocalServiceReport;
  readonly bundles?: readonly BundleResult[];
  /** Hostile requests' worst handler CPU (`worst-case.ts`); absent in reports made before. */
  readonly worstCases?: WorstCaseReport;
  readonly targets: readonly TargetCheck[];
  readonly seconds: { readonly seeding: number; readonly total: number };
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** Operations whose cost must not grow with the table or the group. */
const FLAT_USER_OPS = [
  'get user by id',
  'get user by id (excludedAttributes=groups)',
  'lookup userName',
  'lookup externalId',
  'lookup work email',
  'lookup mobile',
  'lookup id',
];
const FLAT_MEMBER_OPS = [
  'member add (1)',
  'member remove (1)',
  'GET group excludedAttributes=members',
];
const READS = ['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand'];
const WRITES = [
  'TransactWriteItemsCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
];

function series(growth: readonly SizedResults[], operation: string) {
  return growth.flatMap(({ size, results }) => {
    const result = results.find((r) => r.operation === operation);
    return result ? [{ size, result }] : [];
  });
}

export function checkTargets(
  report: Omit<BenchReport, 'targets' | 'seconds' | 'machine' | 'settings'>,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (report.worstCases) checks.push(worstCaseTarget(report.worstCases));
  const flat = (growth: readonly SizedResults[], operations: readonly string[]) => {
    for (const operation of operations) {
      const points = series(growth, operation);
      if (points.length < 2) continue;
      const calls = new Set(
        points.flatMap(({ result }) => [result.dynamodbCalls.min, result.dynamodbCalls.max]),
      );
      const first = points[0] as (typeof points)[number];
      const last = points[points.length - 1] as (typeof points)[number];
      checks.push({
        target: `${operation}: same DynamoDB calls at every size`,
        measured: points.map(({ size, result }) => `${size}: ${callsText(result)}`).join(', '),
        met: calls.size === 1,
      });
      const ratio = last.result.p50Ms / first.result.p50Ms;
      checks.push({
        target: `${operation}: p50 at ${last.size} within 1.5× of ${first.size}`,
        measured: `${first.result.p50Ms} → ${last.result.p50Ms} ms (×${ratio.toFixed(2)})`,
        met: ratio <= 1.5,
      });
    }
  };
  flat(report.growth.users, FLAT_USER_OPS);
  flat(report.growth.members, FLAT_MEMBER_OPS);

  for (const operation of FLAT_USER_OPS) {
    const result = report.operations.results.find((r) => r.operation === operation);
    if (!result) continue;
    checks.push({
      target: `${operation}: at most 2 DynamoDB calls (1 where the design allows)`,
      measured: `${callsText(result)} (${commandsText(result.commands)})`,
      met: result.dynamodbCalls.max <= 2,
    });
  }
  for (const result of report.operations.results) {
    // Member adds and removes are PATCH /Groups requests too.
    if (!/^(create|PATCH|member add|member remove)/.test(result.operation)) continue;
    const reads = sum(result.commands, READS);
    const writes = sum(result.commands, WRITES);
    checks.push({
      target: `${result.operation}: at most 1 read and 1 transactional write`,
      measured: `${reads} read, ${writes} write (${commandsText(result.commands)})`,
      met: reads <= 1 && writes <= 1,
    });
  }
  const timed = report.operations.results.flatMap((r) =>
    r.handlerExclDynamoDbMs ? [{ operation: r.operation, p50: r.handlerExclDynamoDbMs.p50 }] : [],
  );
  const slow = timed.filter((r) => r.p50 >= 1);
  checks.push({
    target: `handler time excluding DynamoDB under 1 ms at p50 (${timed.length} operations without parallel calls)`,
    measured:
      slow.length === 0
        ? `max ${Math.max(...timed.map((r) => r.p50))} ms`
        : slow.map((r) => `${r.operation} ${r.p50} ms`).join('; '),
    met: slow.length === 0,
  });
  if (report.cycle) {
    checks.push({
      target: `initial cycle of ${report.cycle.users} users above 25 requests per second`,
      measured: `${report.cycle.initial.requestsPerSecond.toFixed(1)} req/s`,
      met: report.cycle.initial.requestsPerSecond > 25,
    });
  }
  return checks;
}

const sum = (commands: Readonly<Record<string, number>>, names: readonly string[]) =>
  names.reduce((total, name) => total + (commands[name] ?? 0), 0);

function callsText(result: OperationResult): string {
  const { min, max } = result.dynamodbCalls;
  return min === max ? String(min) : `${min}–${max}`;
}

function commandsText(commands: Readonly<Record<string, number>>): string {
  return Object.entries(commands)
    .map(([name, count]) => `${count}× ${name.replace(/Command$/, '')}`)
    .join(', ');
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, c) => (c === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

const n = (value: number) => value.toLocaleString('en-US');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

function operationsTable(results: readonly OperationResult[], raw?: RawRoundTrips): string {
  const rawText = (r: OperationResult) => {
    const serial = raw === undefined ? undefined : rawSerialMs(r.commands, raw);
    return serial === undefined || serial === 0
      ? 'n/a'
      : `${serial} (×${(r.p50Ms / serial).toFixed(1)})`;
  };
  return markdownTable(
    [
      'operation',
      'p50 ms',
      'raw round trips ms (p50 ×)',
      'p99 ms',
      'DynamoDB calls',
      'commands',
      'capacity units',
      'handler excl. DynamoDB p50 / p99 ms',
    ],
    results.map((r) => [
      r.operation,
      String(r.p50Ms),
      rawText(r),
      String(r.p99Ms),
      callsText(r),
      commandsText(r.commands),
      String(r.capacityUnits.median),
      r.handlerExclDynamoDbMs
        ? `${r.handlerExclDynamoDbMs.p50} / ${r.handlerExclDynamoDbMs.p99}`
        : 'n/a (parallel calls)',
    ]),
  );
}

function growthTable(growth: readonly SizedResults[], what: string): string {
  const operations = [
    ...new Set(
      growth.flatMap(({ results }) =>
        results.map((r) => r.operation.replace(/startIndex \d+/, 'startIndex n/2, at most 20,000')),
      ),
    ),
  ];
  return markdownTable(
    ['operation', ...growth.map(({ size }) => `${n(size)} ${what}`)],
    operations.map((operation) => [
      operation,
      ...growth.map(({ results }) => {
        const r = results.find(
          (result) =>
            result.operation.replace(/startIndex \d+/, 'startIndex n/2, at most 20,000') ===
            operation,
        );
        return r ? `${r.p50Ms} ms · ${callsText(r)} calls · ${r.capacityUnits.median} CU` : '-';
      }),
    ]),
  );
}

/** The readable report: stdout and docs/benchmark.md. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines: string[] = [
    '# Benchmark',
    '',
    `Measured ${m.date} by \`npm run bench\`${report.settings.quick ? ' (--quick)' : ''} on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node.js ${m.node}, ${m.os}; ${m.dynamodb}, ${m.java}; 1-minute load average ${m.loadAverage.start} before the run.`,
    '',
    'Everything runs on one machine: DynamoDB Local in memory, the local API Gateway stand-in and the',
    'real handler modules in one Node.js process, and the client in the same process. Latencies are',
    'client round trips, one request at a time. "Handler excl. DynamoDB" is the server-side time',
    '(`x-handler-ms`, from the first middleware to the response) minus the time spent waiting on',
    'DynamoDB (`x-store-ms`). DynamoDB calls and capacity units come from the `x-store-*` headers',
    '(DynamoDB Local reports capacity as AWS would bill it for on-demand tables). Absolute latencies',
    "are DynamoDB Local's, not AWS's; call counts, capacity and their growth carry over.",
    '',
    'Run it with `npm run bench` (about 4 minutes on an idle 2-core machine; writes `bench-report.json` and this',
    'page), `npm run bench -- --quick` for a smoke run (no page written), or choose sizes with',
    '`--sizes 1000,10000 --member-sizes 10,10000`. Handlers log and publish metrics as deployed',
    '(LOG_LEVEL INFO, EMF metrics); that output is built but discarded. Large datasets are seeded',
    "with BatchWriteItem from the store's own item builders; everything measured goes through HTTP.",
    '',
    '## Targets (issue 6)',
    '',
    markdownTable(
      ['target', 'measured', 'met'],
      report.targets.map((t) => [t.target, t.measured, t.met ? 'yes' : '**no**']),
    ),
    '',
    `## Per operation (${n(report.operations.users)} users in the table)`,
    '',
    'Next to each p50: the raw round trips of its DynamoDB commands, each command sent alone through',
    'a plain SDK client to the same DynamoDB Local in the same run, summed as if sent one after the',
    'other (p50 of each × how often the operation sends it), and the p50 as a multiple of that sum.',
    'An operation that sends independent calls concurrently (GET /Users/{id}: the user item and its',
    'groups) can come in under its sum.',
    '',
    ...(report.rawRoundTrips
      ? [
          markdownTable(
            ['command (raw)', 'p50 ms', 'p99 ms'],
            Object.entries(report.rawRoundTrips).map(([command, figure]) => [
              command,
              String(figure.p50Ms),
              String(figure.p99Ms),
            ]),
          ),
          '',
        ]
      : []),
    operationsTable(report.operations.results, report.rawRoundTrips),
    '',
    '## Growth: users',
    '',
    'p50 latency · DynamoDB calls · capacity units per request.',
    '',
    growthTable(report.growth.users, 'users'),
    '',
    'A `startIndex` page walks the index up to the page, so its cost grows with `startIndex` (the',
    'service refuses to skip more than 20,000: clients page deeper with a cursor); a cursor page is',
    'one Query from where the last one stopped, whatever the size.',
    '',
    '## Growth: members of one group',
    '',
    growthTable(report.growth.members, 'members'),
    '',
    'Only the full GET reads membership items (all of them, so it grows with the group); Entra',
    'reads groups with `excludedAttributes=members`.',
    '',
  ];
  if (report.cycle) {
    const c = report.cycle;
    lines.push(
      `## Initial cycle: ${n(c.users)} users, ${n(c.groups)} groups, ${n(c.memberships)} memberships`,
      '',
      `Entra's order and shapes (\`${c.dialect}\` dialect) played by the simulator library, ${c.concurrency} objects in flight, ${c.memberBatch} members per "Add members" PATCH: **${(c.initial.durationMs / 1000).toFixed(1)} s, ${n(c.initial.requests)} requests, ${c.initial.requestsPerSecond.toFixed(1)} requests per second**, ${c.errors} errors; end state ${c.verification ? (c.verification.ok ? 'verified' : `NOT as expected (${c.verification.mismatches} mismatches)`) : 'not verified'}.`,
      '',
      markdownTable(
        ['phase', 'duration', 'requests', 'req/s'],
        c.phases.map((p) => [
          p.name,
          `${(p.durationMs / 1000).toFixed(1)} s`,
          n(p.requests),
          ((p.requests * 1000) / p.durationMs).toFixed(1),
        ]),
      ),
      '',
      markdownTable(
        ['operation', 'requests', 'p50 ms', 'p99 ms', 'DynamoDB calls/request'],
        c.operations.map((o) => [
          o.operation,
          n(o.requests),
          o.p50Ms.toFixed(1),
          o.p99Ms.toFixed(1),
          o.dynamodbCallsPerRequest?.toFixed(2) ?? '-',
        ]),
      ),
      '',
    );
  }
  if (report.feed) lines.push(renderFeedMarkdown(report.feed, report.cycle?.users ?? 0));
  if (report.localService) {
    lines.push(renderLocalServiceMarkdown(report.localService, benchmarkFigures(report)));
  }
  if (report.bundles) {
    lines.push(
      '## Functions: bundle size and cold import',
      '',
      'Bundled with esbuild and the options of `infra/bundles.ts` (ESM, minified,',
      'node24 target, source map). Cold import: median time of `await import(bundle)` in a fresh',
      'Node.js process, with `--enable-source-maps` as the stack sets it; then without source maps;',
      'then with `@aws-sdk/*` left out of the bundle (loaded from node_modules, as the Lambda',
      "runtime's own SDK would be).",
      '',
      markdownTable(
        [
          'function',
          'bundle',
          'source map',
          'zipped',
          'cold import ms',
          'without source maps ms',
          'bundle without SDK',
          'cold import without SDK ms',
        ],
        report.bundles.map((b) => [
          b.function,
          kb(b.bundleBytes),
          kb(b.sourceMapBytes),
          kb(b.zippedBytes),
          String(b.coldImportMs),
          String(b.coldImportWithoutSourceMapsMs),
          kb(b.bundleWithoutSdkBytes),
          String(b.coldImportWithoutSdkMs),
        ]),
      ),
      '',
    );
  }
  if (report.worstCases) lines.push(...renderWorstCases(report.worstCases));
  lines.push(
    `Seeding (BatchWriteItem with the store's item builders) took ${report.seconds.seeding.toFixed(0)} s of the run's ${report.seconds.total.toFixed(0)} s.`,
    '',
  );
  return lines.join('\n');
}
