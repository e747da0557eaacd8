/**
 * The local service as `npm start` runs it, after use: DynamoDB Local keeping its data on disk, the
 * table with its stream, and the change feed (`infra/local/event-feed.ts`) polling that stream
 * while requests come in. An initial Entra cycle (the simulator's, as `npm run simulate`) fills the
 * table and the stream; then reads are measured in alternating rounds with the feed polling ("feed
 * on") and paused ("feed off"), so both see the same data, stream and machine load. The median of
 * the rounds' p50s is reported beside the load average.
 *
 * Its own process (the handlers read their table and endpoint at import time, so it cannot share
 * the benchmark's): `npm run bench -- --local-service [--quick]` runs it alone, a full
 * `npm run bench` runs it as a child, and `npx tsx test/bench/local-service.ts --out <json>` too.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Recorder } from '../../infra/simulator/client.js';
import { percentile } from '../../infra/simulator/summary.js';
import type { EventSink } from '../../shared/events/publisher.js';
import { keys } from '../../shared/store/keys.js';
import { benchClient } from './measure.js';
import type { BenchReport } from './report.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One operation's client p50 (ms), per round and the median over rounds. */
export interface RoundFigures {
  readonly rounds: readonly number[];
  readonly medianMs: number;
}

export interface LocalServiceReport {
  readonly cycle: { readonly users: number; readonly groups: number; readonly memberships: number };
  readonly cycleSeconds: number;
  /** Stream records published by the feed during and after the cycle. */
  readonly events: number;
  readonly samples: number;
  readonly pollMs: number | 'default';
  /** Load average (1 minute) before and after the measured rounds. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  /** Stream API calls the feed made while the measured rounds ran with it on, per second. */
  readonly feedCallsPerSecond: Readonly<Record<string, number>>;
  /** Their mean duration (ms), as the feed saw it. */
  readonly feedCallMeanMs: Readonly<Record<string, number>>;
  readonly feedOn: Readonly<Record<string, RoundFigures>>;
  readonly feedOff: Readonly<Record<string, RoundFigures>>;
}

export const LOCAL_SERVICE_OPERATIONS = [
  'get user by id',
  'get user by id (excludedAttributes=groups)',
  'GET /ServiceProviderConfig',
  'raw GetItem',
] as const;

const round = (value: number) => Math.round(value * 100) / 100;

export async function measureLocalService(options: {
  readonly users: number;
  readonly groups: number;
  readonly memberships: number;
  readonly samples: number;
  readonly rounds: number;
  readonly pollMs?: number;
  readonly log: (message: string) => void;
}): Promise<LocalServiceReport> {
  const { log } = options;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { ensureTable, startDynamoDbLocal, localClient } = await import(
    '../../infra/local/dynamodb-local.js'
  );
  const { generateSigningKey, issueRegisteredToken, publicJwks } = await import(
    '../../infra/tokens.js'
  );
  const work = await mkdtemp(join(REPO_ROOT, '.local', 'bench-local-service-'));
  // On disk, as `npm start` keeps it (.local/dynamodb-data).
  const dynamodb = await startDynamoDbLocal({ dbPath: join(work, 'dynamodb-data') });
  const tableName = 'grouptalk-scim-local';
  const tenant = 'local';
  try {
    await ensureTable(dynamodb.endpoint, tableName);
    const key = await generateSigningKey();
    Object.assign(process.env, {
      TENANT: tenant,
      TOKEN_PUBLIC_KEYS: JSON.stringify(publicJwks([key])),
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      AWS_REGION: 'us-east-1',
      STORE_STATS_HEADERS: 'true',
      LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
    const { startLocalServer } = await import('../../infra/local/server.js');
    const { startLocalFeed, fileSink } = await import('../../infra/local/event-feed.js');
    const { simulate } = await import('../../infra/simulator/cycle.js');
    const { muteStdout } = await import('./stack.js');
    const server = await startLocalServer({ port: 0 });
    const unmute = muteStdout();
    const { token } = await issueRegisteredToken(key, {
      tenant,
      endpoint: dynamodb.endpoint,
      tableName,
      createdBy: 'bench',
    });
    // As npm start: events appended to a file; counted on the way.
    const file = fileSink(join(work, 'events.jsonl'));
    let events = 0;
    const sink: EventSink = {
      put(batch) {
        events += batch.length;
        return file.put(batch);
      },
    };
    const feedCalls: Record<string, number> = {};
    const feedCallMs: Record<string, number> = {};
    const feed = await startLocalFeed({
      endpoint: dynamodb.endpoint,
      tableName,
      tenant,
      baseUrl: server.url,
      sink,
      checkpointFile: join(work, 'events.jsonl.checkpoint.json'),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      onStreamCall: (command, ms) => {
        feedCalls[command] = (feedCalls[command] ?? 0) + 1;
        feedCallMs[command] = (feedCallMs[command] ?? 0) + ms;
      },
    });
    const raw = localClient(dynamodb.endpoint);
    try {
      log(
        `local service: initial cycle of ${options.users} users, ${options.groups} groups, ${options.memberships} memberships with the feed on`,
      );
      const begun = performance.now();
      const result = await simulate({
        url: server.url,
        token,
        users: options.users,
        groups: options.groups,
        memberships: options.memberships,
        concurrency: 8,
        dialect: 'default',
        incremental: false,
        verify: false,
        seed: 1,
        prefix: 'local',
        memberBatch: 25,
        recorder: new Recorder(),
      });
      const cycleSeconds = (performance.now() - begun) / 1000;
      // A loaded machine can make a request give up (503) after its retries; the table and the
      // stream are as full as the cycle left them, which is what the rounds measure against.
      if (!result.ok)
        log('local service: the cycle ended with errors (see above); measuring anyway');
      await feed.drain();
      log(`local service: cycle ${cycleSeconds.toFixed(0)} s, ${events} events published`);

      const bench = benchClient(server.url, token);
      const listed = await bench.client.request('ids', 'GET', '/Users', {
        query: { count: '100', attributes: 'id' },
      });
      const ids = ((listed.body as { Resources?: { id: string }[] }).Resources ?? []).map(
        (resource) => resource.id,
      );
      if (ids.length === 0) throw new Error('no users to read after the cycle');
      const id = (i: number) => ids[Math.abs(i) % ids.length] as string;
      const measureRound = async (): Promise<Record<string, number>> => {
        const figures: Record<string, number> = {};
        figures['get user by id'] = (
          await bench.measure('get user by id', options.samples, (client, i) =>
            client.request('get', 'GET', `/Users/${id(i)}`),
          )
        ).p50Ms;
        figures['get user by id (excludedAttributes=groups)'] = (
          await bench.measure('get user by id (x)', options.samples, (client, i) =>
            client.request('get', 'GET', `/Users/${id(i)}`, {
              query: { excludedAttributes: 'groups' },
            }),
          )
        ).p50Ms;
        figures['GET /ServiceProviderConfig'] = (
          await bench.measure('spc', options.samples, (client) =>
            client.request('spc', 'GET', '/ServiceProviderConfig'),
          )
        ).p50Ms;
        const rawMs: number[] = [];
        for (let i = -10; i < options.samples; i++) {
          const started = performance.now();
          await raw.send(
            new GetItemCommand({
              TableName: tableName,
              Key: (({ pk, sk }) => ({ pk: { S: pk }, sk: { S: sk } }))(
                keys.resource('User', id(i)),
              ),
            }),
          );
          if (i >= 0) rawMs.push(performance.now() - started);
        }
        figures['raw GetItem'] = round(percentile(rawMs, 50));
        return figures;
      };

      const on: Record<string, number[]> = {};
      const off: Record<string, number[]> = {};
      const add = (into: Record<string, number[]>, figures: Record<string, number>) => {
        for (const [name, ms] of Object.entries(figures)) into[name] = [...(into[name] ?? []), ms];
      };
      const loadStart = loadavg()[0] ?? 0;
      let onMs = 0;
      for (const name of Object.keys(feedCalls)) {
        feedCalls[name] = 0;
        feedCallMs[name] = 0;
      }
      const measureOn = async () => {
        const roundBegun = performance.now();
        add(on, await measureRound());
        onMs += performance.now() - roundBegun;
      };
      const measureOff = async () => {
        // Paused, the feed makes no calls; none of the counted ones happen here.
        await feed.pause();
        add(off, await measureRound());
        feed.resume();
      };
      for (let r = 0; r < options.rounds; r++) {
        // On first, then off first: every run so far answered faster round after round once the
        // cycle ended (cause not pinned down), which would favour whichever came second.
        if (r % 2 === 0) {
          await measureOn();
          await measureOff();
        } else {
          await measureOff();
          await measureOn();
        }
        log(
          `local service: round ${r + 1}/${options.rounds}: get user by id ${on['get user by id']?.at(-1)} ms (feed on), ${off['get user by id']?.at(-1)} ms (feed off), load ${(loadavg()[0] ?? 0).toFixed(1)}`,
        );
      }
      const summarize = (from: Record<string, number[]>) =>
        Object.fromEntries(
          Object.entries(from).map(([name, rounds]) => [
            name,
            { rounds, medianMs: round(percentile(rounds, 50)) },
          ]),
        );
      return {
        cycle: { users: options.users, groups: options.groups, memberships: options.memberships },
        cycleSeconds: Math.round(cycleSeconds),
        events,
        samples: options.samples,
        pollMs: options.pollMs ?? 'default',
        loadAverage: { start: round(loadStart), end: round(loadavg()[0] ?? 0) },
        feedCallsPerSecond: Object.fromEntries(
          Object.entries(feedCalls).map(([name, count]) => [
            name,
            round(count / Math.max(0.001, onMs / 1000)),
          ]),
        ),
        feedCallMeanMs: Object.fromEntries(
          Object.entries(feedCalls).map(([name, count]) => [
            name,
            round((feedCallMs[name] ?? 0) / Math.max(1, count)),
          ]),
        ),
        feedOn: summarize(on),
        feedOff: summarize(off),
      };
    } finally {
      raw.destroy();
      await feed.stop();
      unmute();
      await server.close();
    }
  } finally {
    await dynamodb.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** The benchmark's own p50 (in-memory DynamoDB Local, no feed) of an operation, when it has one. */
export type BenchmarkFigures = Readonly<Record<string, number | undefined>>;

/**
 * The Markdown section: feed on and off beside the benchmark's figures for the same operations
 * (its in-memory table that no feed reads), with the ratio the issue bounds (at most 2×).
 */
export function renderLocalServiceMarkdown(
  report: LocalServiceReport,
  benchmark: BenchmarkFigures = {},
): string {
  const ms = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)}`);
  const ratio = (value: number | undefined, base: number | undefined) =>
    value === undefined || base === undefined || base <= 0
      ? ''
      : ` (×${(value / base).toFixed(1)})`;
  const spread = (figures: RoundFigures | undefined) =>
    figures
      ? `${Math.min(...figures.rounds).toFixed(2)}–${Math.max(...figures.rounds).toFixed(2)}`
      : 'n/a';
  const rows = LOCAL_SERVICE_OPERATIONS.map((name) => {
    const on = report.feedOn[name];
    const off = report.feedOff[name];
    const base = benchmark[name];
    return `| ${name} | ${ms(on?.medianMs)}${ratio(on?.medianMs, base)} | ${spread(on)} | ${ms(off?.medianMs)}${ratio(off?.medianMs, base)} | ${spread(off)} | ${ms(base)} |`;
  });
  const calls = Object.entries(report.feedCallsPerSecond)
    .filter(([, perSecond]) => perSecond > 0)
    .map(
      ([name, perSecond]) =>
        `${name.replace(/Command$/, '')} ${perSecond}/s (${report.feedCallMeanMs[name] ?? 'n/a'} ms each)`,
    )
    .join(', ');
  const c = report.cycle;
  return [
    '## The local service after a cycle, change feed on and off (issue 24)',
    '',
    `As \`npm start\` runs it (\`test/bench/local-service.ts\`): DynamoDB Local keeping its data on disk, the table with its stream, the change feed polling it (${report.pollMs === 'default' ? 'every 100 ms while it publishes, the wait doubling to 1 s while the stream is quiet, the shard list read once' : `${report.pollMs} ms between polls`}). After an initial cycle of ${c.users.toLocaleString('en-US')} users, ${c.groups} groups and ${c.memberships.toLocaleString('en-US')} memberships (${report.cycleSeconds} s, ${report.events.toLocaleString('en-US')} events on the feed), ${report.samples} requests per operation one at a time, in ${report.feedOn['get user by id']?.rounds.length ?? 0} rounds alternating feed on (polling) and off (paused, same data and stream): the median of the rounds' p50s (ms), the range of the rounds beside it, and the ratio to the benchmark's own figure (in-memory table, no feed; its run's date and load are at the top of this page). Load average ${report.loadAverage.start} at the start of the rounds, ${report.loadAverage.end} at the end.`,
    '',
    '| operation | feed on p50 ms | rounds | feed off p50 ms | rounds | benchmark p50 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `The feed's calls while it was on and the stream quiet: ${calls || 'none'}.`,
    '',
  ].join('\n');
}

/** The benchmark's figures for the operations measured here (from a full run's report). */
export function benchmarkFigures(report: BenchReport): BenchmarkFigures {
  const p50 = (name: string) =>
    report.operations.results.find((result) => result.operation === name)?.p50Ms;
  return {
    'get user by id': p50('get user by id'),
    'get user by id (excludedAttributes=groups)': p50('get user by id (excludedAttributes=groups)'),
    'raw GetItem': report.rawRoundTrips?.GetItemCommand?.p50Ms,
  };
}

/** The cycle and samples: 10,000 users as the issue asks, 1,000 for a smoke run. */
export function localServiceSize(quick: boolean, samples?: number) {
  const users = quick ? 1000 : 10_000;
  return {
    users,
    groups: users / 50,
    memberships: users * 2,
    samples: samples ?? (quick ? 30 : 100),
    rounds: quick ? 3 : 5,
  };
}

const SECTION = '## The local service after a cycle';

/** `doc` with this section replaced (or put before the bundles' section, or at the end). */
export function replaceSection(doc: string, section: string): string {
  // Followed by a blank line, as the sections of `renderMarkdown` are.
  section = section.endsWith('\n\n') ? section : `${section.trimEnd()}\n\n`;
  const start = doc.indexOf(SECTION);
  if (start >= 0) {
    const next = doc.indexOf('\n## ', start + SECTION.length);
    return doc.slice(0, start) + section + (next >= 0 ? doc.slice(next + 1) : '');
  }
  const bundles = doc.indexOf('## Functions: bundle size');
  if (bundles >= 0) return doc.slice(0, bundles) + section + doc.slice(bundles);
  return `${doc.trimEnd()}\n\n${section}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      users: { type: 'string' },
      samples: { type: 'string' },
      rounds: { type: 'string' },
      'poll-ms': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const size = localServiceSize(values.quick);
  const users = Number(values.users ?? size.users);
  const started = performance.now();
  const report = await measureLocalService({
    users,
    groups: Math.max(1, Math.round(users / 50)),
    memberships: users * 2,
    samples: Number(values.samples ?? size.samples),
    rounds: Number(values.rounds ?? size.rounds),
    ...(values['poll-ms'] ? { pollMs: Number(values['poll-ms']) } : {}),
    log: (message) => {
      const s = Math.round((performance.now() - started) / 1000);
      process.stderr.write(`[local-service ${s}s] ${message}\n`);
    },
  });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (values.out) await writeFile(values.out, json);
  else process.stdout.write(json);
}
