/**
 * The change feed's figures for `npm run bench`: the local publisher (the same code as the Lambda
 * on the stream) runs on DynamoDB Local's stream while the initial cycle provisions its users, and
 * this module reports the delay from each write to its published event and the events per second.
 * After the cycle it deletes a group of many members and reports how soon `Group.Deleted` was
 * published and how many member events the sweep put on the feed (none, by design).
 *
 * Run alone: `npx tsx test/bench/feed.ts [--users 10000] [--members 100000]`.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LocalFeed } from '../../infra/local/event-feed.js';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import { eventName } from '../../shared/events/envelope.js';
import type { EventSink } from '../../shared/events/publisher.js';

export interface DelayFigures {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface FeedReport {
  /** Events published while the cycle ran (and until the feed caught up). */
  readonly events: number;
  readonly userCreated: number;
  /** User.Created events per user id, at most: 1 means no duplicates. */
  readonly maxCreatedPerUser: number;
  /** From the first to the last event published. */
  readonly publishSeconds: number;
  readonly eventsPerSecond: number;
  /** Write (the item's modified time) to the event handed to the sink. */
  readonly delay: DelayFigures;
  readonly groupDelete?: {
    readonly members: number;
    /** From sending the DELETE to Group.Deleted handed to the sink. */
    readonly deletedEventMs: number;
    /** The DELETE's own time (it removes members for a bounded time before answering). */
    readonly responseMs: number;
    /** Member events published for the group after its DELETE (suppressed: 0). */
    readonly memberEvents: number;
    /** Until the feed had read every membership removal of the group. */
    readonly caughtUpSeconds: number;
  };
}

interface Timed {
  readonly event: ChangeEvent;
  readonly at: number;
}

/** A sink that timestamps what it gets. */
function timingSink(): EventSink & { readonly received: Timed[] } {
  const received: Timed[] = [];
  return {
    received,
    async put(events) {
      const at = Date.now();
      for (const event of events) received.push({ event, at });
      return [];
    },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export interface FeedMeasurement {
  /** Stops measuring the cycle: waits until the feed caught up, and summarizes. */
  finishCycle(): Promise<Omit<FeedReport, 'groupDelete'>>;
  /** Deletes a group of `members` seeded members and measures the feed around it. */
  measureGroupDelete(members: number): Promise<FeedReport['groupDelete']>;
  stop(): Promise<void>;
}

/**
 * Starts the local publisher on the bench's table (call after `startBenchStack`, before the
 * cycle). The environment must already name the table (the store client reads it).
 */
export async function startFeedMeasurement(stack: {
  readonly url: string;
  readonly token: string;
  readonly endpoint: string;
  readonly tableName: string;
}): Promise<FeedMeasurement> {
  const { startLocalFeed } = await import('../../infra/local/event-feed.js');
  const sink = timingSink();
  const feed: LocalFeed = await startLocalFeed({
    endpoint: stack.endpoint,
    tableName: stack.tableName,
    tenant: process.env.TENANT ?? 'bench',
    baseUrl: stack.url,
    sink,
  });
  await feed.drain();
  const start = sink.received.length;

  return {
    async finishCycle() {
      await feed.drain();
      const timed = sink.received.slice(start);
      const created = timed.filter(({ event }) => eventName(event) === 'User.Created');
      const perUser = new Map<string, number>();
      for (const { event } of created) {
        perUser.set(event.data.id, (perUser.get(event.data.id) ?? 0) + 1);
      }
      const delays = timed
        .filter(({ event }) => /\.(Created|Updated|Deactivated|Reactivated)$/.test(event.type))
        .map(({ event, at }) => at - Date.parse(event.time))
        .sort((a, b) => a - b);
      const first = timed[0]?.at ?? 0;
      const last = timed.at(-1)?.at ?? 0;
      const publishSeconds = (last - first) / 1000;
      return {
        events: timed.length,
        userCreated: created.length,
        maxCreatedPerUser: Math.max(0, ...perUser.values()),
        publishSeconds,
        eventsPerSecond: publishSeconds > 0 ? timed.length / publishSeconds : 0,
        delay: {
          samples: delays.length,
          p50Ms: percentile(delays, 50),
          p95Ms: percentile(delays, 95),
          p99Ms: percentile(delays, 99),
          maxMs: delays.at(-1) ?? 0,
        },
      };
    },

    async measureGroupDelete(members) {
      const { loadSeeder } = await import('./seed.js');
      const seeder = await loadSeeder();
      const headers = {
        authorization: `Bearer ${stack.token}`,
        'content-type': 'application/scim+json',
      };
      const response = await fetch(`${stack.url}/Groups`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          displayName: `feed bench ${members}`,
        }),
      });
      const created = (await response.json()) as { id?: string; detail?: string };
      if (response.status !== 201 || !created.id) {
        throw new Error(`POST /Groups answered ${response.status}: ${created.detail}`);
      }
      const { id } = created;
      await feed.pause();
      await seeder.seedMembers(
        id,
        Array.from({ length: members }, (_, k) => `feed-member-${k}`),
      );
      feed.resume();
      await feed.drain();
      const mark = sink.received.length;
      const sent = Date.now();
      const deletion = await fetch(`${stack.url}/Groups/${id}`, { method: 'DELETE', headers });
      const answered = Date.now();
      if (deletion.status !== 204) throw new Error(`DELETE /Groups answered ${deletion.status}`);
      const { handler: sweep } = await import('../../functions/groups/sweep-memberships.js');
      await sweep({});
      await feed.drain();
      const after = sink.received.slice(mark).filter(({ event }) => event.data.id === id);
      const deleted = after.find(({ event }) => eventName(event) === 'Group.Deleted');
      return {
        members,
        deletedEventMs: deleted ? deleted.at - sent : Number.NaN,
        responseMs: answered - sent,
        memberEvents: after.filter(({ event }) => event.data.members).length,
        caughtUpSeconds: (Date.now() - sent) / 1000,
      };
    },

    stop: () => feed.stop(),
  };
}

/** The report's Markdown section. */
export function renderFeedMarkdown(report: FeedReport, users: number): string {
  const d = report.delay;
  const lines = [
    '## Change feed (issue 15)',
    '',
    `The local publisher (the Lambda's code, polling DynamoDB Local's stream every 100 ms while it publishes) during the initial cycle of ${users.toLocaleString('en-US')} users:`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| events published | ${report.events.toLocaleString('en-US')} |`,
    `| User.Created events (max per user) | ${report.userCreated.toLocaleString('en-US')} (${report.maxCreatedPerUser}) |`,
    `| events per second (first to last event) | ${report.eventsPerSecond.toFixed(1)} |`,
    `| delay write → published, p50 / p95 / p99 / max (${d.samples.toLocaleString('en-US')} events) | ${d.p50Ms} / ${d.p95Ms} / ${d.p99Ms} / ${d.maxMs} ms |`,
  ];
  const g = report.groupDelete;
  if (g) {
    lines.push(
      `| DELETE of a ${g.members.toLocaleString('en-US')}-member group: Group.Deleted after the request was sent (its response came after ${g.responseMs} ms) | ${g.deletedEventMs} ms |`,
      `| member events for that group's swept memberships | ${g.memberEvents} |`,
      `| feed caught up with the DELETE and the sweep | ${g.caughtUpSeconds.toFixed(1)} s |`,
    );
  }
  lines.push(
    '',
    "Delays are DynamoDB Local's and this machine's (the cycle's requests share the process); in AWS, Lambda polls the stream about four times a second and the batching window adds up to 1 s.",
    '',
  );
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '10000' },
      members: { type: 'string', default: '100000' },
      concurrency: { type: 'string', default: '8' },
    },
  });
  const users = Number(values.users);
  const { muteStdout, startBenchStack } = await import('./stack.js');
  const stack = await startBenchStack();
  const unmute = muteStdout();
  let report: FeedReport;
  try {
    const measurement = await startFeedMeasurement(stack);
    const { Recorder } = await import('../../infra/simulator/client.js');
    const { simulate } = await import('../../infra/simulator/cycle.js');
    const started = performance.now();
    await simulate({
      url: stack.url,
      token: stack.token,
      users,
      groups: 0,
      memberships: 0,
      concurrency: Number(values.concurrency),
      dialect: 'default',
      incremental: false,
      seed: 1,
      prefix: 'feed',
      memberBatch: 25,
      verify: false,
      recorder: new Recorder(),
    });
    const cycleSeconds = (performance.now() - started) / 1000;
    const cycle = await measurement.finishCycle();
    const groupDelete = await measurement.measureGroupDelete(Number(values.members));
    await measurement.stop();
    report = { ...cycle, groupDelete };
    process.stderr.write(`cycle: ${cycleSeconds.toFixed(1)} s\n`);
  } finally {
    unmute();
    await stack.stop();
  }
  process.stdout.write(`${renderFeedMarkdown(report, users)}\n${JSON.stringify(report)}\n`);
}
