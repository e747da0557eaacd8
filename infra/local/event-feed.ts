/**
 * The change feed on this machine: the same publisher as the Lambda on the stream
 * (`shared/events/publisher.ts`), fed by polling DynamoDB Local's stream of the table, with a sink
 * that appends each event as one JSON line to a file (`npm start`: `.local/events.jsonl`).
 *
 * Like Lambda's event source mapping, it reads each shard in order, a shard's children only after
 * the shard itself is done, and retries a batch from the first record not published. Its
 * checkpoint (last published sequence number per shard) lets a restart continue where it stopped;
 * it is written whole (a temporary file renamed over it), so a crash mid-write leaves the previous
 * one. A checkpoint the stream no longer reaches (records are trimmed after 24 hours, a shard is
 * gone, the file is unreadable) does not stop the feed: it resumes at the oldest record still
 * there and reports, loudly, that the records in between were lost (`onRecordsLost`).
 *
 * The publisher reads the table through the store client: `TABLE_NAME` and `DYNAMODB_ENDPOINT`
 * must name the same table before this module is imported.
 */
import { existsSync } from 'node:fs';
import { appendFile, chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as SdkRecord,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import type { StreamRecord } from '../../shared/events/mapping.js';
import { type EventSink, publishRecords } from '../../shared/events/publisher.js';
import { localClient } from './dynamodb-local.js';

export interface LocalFeedOptions {
  readonly endpoint: string;
  readonly tableName: string;
  readonly tenant: string;
  /** The tenant's SCIM base URL, for `meta.location`. */
  readonly baseUrl: string;
  readonly sink: EventSink;
  /** Keeps the per-shard position across restarts; without it, a start reads the whole stream. */
  readonly checkpointFile?: string;
  /**
   * Wait after the first poll that found nothing new (default 100 ms). While the stream stays
   * quiet the wait doubles, up to `idlePollMs`; a poll that publishes something starts over.
   */
  readonly pollMs?: number;
  /**
   * The longest wait between polls of a quiet stream (default 1,000 ms): the most an event written
   * after a quiet spell waits for its poll. Every poll costs DynamoDB Local a GetRecords on the
   * table's stream, which competes with the service's own requests (docs/benchmark.md, "The
   * local service").
   */
  readonly idlePollMs?: number;
  /**
   * How often the shard list is read again (DescribeStream) while no shard ended (default
   * 60,000 ms). It is read at the start and whenever a shard ends (its children are new).
   */
  readonly shardRefreshMs?: number;
  /** The clock for `shardRefreshMs` (default `Date.now`). */
  readonly now?: () => number;
  /** Waits `ms` between polls; tests pass their own to count the waits (default: a timer). */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Called after each DynamoDB Streams call the feed makes, with its name and duration (ms). */
  readonly onStreamCall?: (command: string, ms: number) => void;
  /** Called with the error of a failed poll (the feed retries it); default: console.error. */
  readonly onError?: (error: unknown) => void;
  /** Called when the checkpoint's position is no longer in the stream; default: console.error. */
  readonly onRecordsLost?: (loss: RecordsLost) => void;
}

/** Records the feed could not publish because the stream no longer holds them. */
export interface RecordsLost {
  /** The shard, or undefined when the whole checkpoint was unreadable. */
  readonly shardId?: string;
  /** The last sequence number published before the loss (the checkpoint's), if known. */
  readonly after?: string;
  /**
   * `trimmed`: older than the stream keeps (24 hours); `shard gone`: the checkpoint's shard is no
   * longer in the stream; `checkpoint unreadable`: the file is not a checkpoint.
   */
  readonly reason: 'trimmed' | 'shard gone' | 'checkpoint unreadable';
}

/** The default `onRecordsLost`: a message an operator cannot miss in `npm start`'s output. */
function reportLoss(loss: RecordsLost): void {
  if (loss.reason === 'checkpoint unreadable') {
    console.error(
      'CHANGE FEED CHECKPOINT UNREADABLE: re-reading every shard from its oldest record. Events ' +
        'already published come again with the same ids; records older than the stream keeps ' +
        '(24 hours) are lost.',
    );
    return;
  }
  const what =
    loss.reason === 'trimmed'
      ? `the records after sequence number ${loss.after} are older than the stream keeps (24 hours)`
      : `the shard left the stream (24 hours after it closed) with any records after sequence number ${loss.after}`;
  console.error(
    `CHANGE FEED RECORDS LOST: shard ${loss.shardId}: ${what}; resuming at the oldest record ` +
      'still in the stream. Events of the records in between were never published.',
  );
}

export interface LocalFeed {
  /** Resolves once every record written before the call is published. */
  drain(): Promise<void>;
  /**
   * Stops reading until `resume()` (resolves once the pass in progress ended), like a consumer
   * that fell behind: the stream keeps the records, read afterwards in full batches.
   */
  pause(): Promise<void>;
  resume(): void;
  stop(): Promise<void>;
}

interface ShardState {
  readonly shard: Shard;
  iterator?: string;
  /** Last sequence number published. */
  last?: string;
  done: boolean;
}

interface Checkpoint {
  readonly streamArn: string;
  readonly shards: Record<string, string>;
}

/**
 * A sink appending each event as one JSON line to `path` (created with its folder), mode 0600 like
 * the request records: events carry user names, emails and ids.
 * @example const sink = fileSink('.local/events.jsonl');
 */
export function fileSink(path: string): EventSink {
  let ready: Promise<unknown> | undefined;
  return {
    async put(events: readonly ChangeEvent[]) {
      ready ??= (async () => {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        // A file an earlier version created world-readable is narrowed too.
        if (existsSync(path)) await chmod(path, 0o600);
      })();
      await ready;
      const lines = events.map((event) => `${JSON.stringify(event)}\n`).join('');
      await appendFile(path, lines, { mode: 0o600 });
      return [];
    },
  };
}

/** The Lambda shape of a record read with the DynamoDB Streams API. */
export function toStreamRecord(record: SdkRecord): StreamRecord {
  const stream = record.dynamodb!;
  const created = stream.ApproximateCreationDateTime;
  return {
    eventID: record.eventID!,
    eventName: record.eventName as StreamRecord['eventName'],
    dynamodb: {
      Keys: stream.Keys as StreamRecord['dynamodb']['Keys'],
      NewImage: stream.NewImage as StreamRecord['dynamodb']['NewImage'],
      OldImage: stream.OldImage as StreamRecord['dynamodb']['OldImage'],
      SequenceNumber: stream.SequenceNumber!,
      ...(created ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}),
    },
  };
}

/** Starts polling the table's stream; the table must have one (see `ensureTable`). */
export async function startLocalFeed(options: LocalFeedOptions): Promise<LocalFeed> {
  const tables = localClient(options.endpoint);
  const { Table } = await tables.send(new DescribeTableCommand({ TableName: options.tableName }));
  tables.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn || !Table?.StreamSpecification?.StreamEnabled) {
    throw new Error(`table ${options.tableName} has no stream`);
  }
  const streams = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const onStreamCall = options.onStreamCall;
  if (onStreamCall) {
    streams.middlewareStack.add(
      (next, context) => async (args) => {
        const started = performance.now();
        try {
          return await next(args);
        } finally {
          onStreamCall(context.commandName ?? 'unknown', performance.now() - started);
        }
      },
      { step: 'initialize', name: 'countStreamCalls' },
    );
  }
  const onRecordsLost = options.onRecordsLost ?? reportLoss;
  const saved = await readCheckpoint(options.checkpointFile, streamArn, onRecordsLost);
  const shards = new Map<string, ShardState>();
  const pollMs = options.pollMs ?? 100;
  const idlePollMs = Math.max(pollMs, options.idlePollMs ?? 1_000);
  const shardRefreshMs = options.shardRefreshMs ?? 60_000;
  const wait = options.wait ?? timerWait;
  const now = options.now ?? Date.now;
  /** When the shard list was last read; undefined: read it on the next pass. */
  let shardsReadAt: number | undefined;
  const onError = options.onError ?? ((error) => console.error('change feed poll failed', error));
  let checkedSavedShards = false;

  const refreshShards = async () => {
    let exclusiveStart: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStart }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (!shards.has(shard.ShardId!)) {
          shards.set(shard.ShardId!, { shard, last: saved[shard.ShardId!], done: false });
        }
      }
      exclusiveStart = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStart);
    if (!checkedSavedShards) {
      checkedSavedShards = true;
      for (const [shardId, after] of Object.entries(saved)) {
        if (!shards.has(shardId)) onRecordsLost({ shardId, after, reason: 'shard gone' });
      }
    }
  };

  const iteratorOf = async (state: ShardState, from?: string) => {
    const at: { ShardIteratorType: ShardIteratorType; SequenceNumber?: string } = from
      ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: from }
      : state.last
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: state.last }
        : { ShardIteratorType: 'TRIM_HORIZON' };
    const shardId = state.shard.ShardId!;
    try {
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ...at }),
      );
      return ShardIterator;
    } catch (error) {
      if (!isTrimmed(error) || at.ShardIteratorType === 'TRIM_HORIZON') throw error;
      // The position is older than the stream keeps: every poll would fail the same way.
      onRecordsLost({ shardId, after: at.SequenceNumber, reason: 'trimmed' });
      // From here on the shard is read from its oldest record, until something is published.
      state.last = undefined;
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      return ShardIterator;
    }
  };

  /** A page of a shard's records; an iterator that expired (or was trimmed) is fetched again. */
  const readPage = async (
    state: ShardState,
  ): Promise<{ Records?: SdkRecord[]; NextShardIterator?: string }> => {
    try {
      return await streams.send(
        new GetRecordsCommand({ ShardIterator: state.iterator, Limit: 1_000 }),
      );
    } catch (error) {
      if (!isTrimmed(error) && (error as Error).name !== 'ExpiredIteratorException') throw error;
      state.iterator = await iteratorOf(state);
      if (!state.iterator) return {};
      return streams.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: 1_000 }));
    }
  };

  /** One pass over the readable shards; answers how many records it published. */
  const pollOnce = async (): Promise<number> => {
    // DescribeStream on every poll cost DynamoDB Local as much as the GetRecords: the shard list
    // changes only when a shard ends, so it is read then (and now and then, in case).
    if (shardsReadAt === undefined || now() - shardsReadAt >= shardRefreshMs) {
      await refreshShards();
      shardsReadAt = now();
    }
    let count = 0;
    for (const state of shards.values()) {
      if (state.done) continue;
      const parent = state.shard.ParentShardId && shards.get(state.shard.ParentShardId);
      if (parent && !parent.done) continue;
      state.iterator ??= await iteratorOf(state);
      if (!state.iterator) {
        state.done = true;
        continue;
      }
      const { Records = [], NextShardIterator } = await readPage(state);
      if (Records.length > 0) {
        const records = Records.map(toStreamRecord);
        const { retryFrom } = await publishRecords(records, options);
        if (retryFrom) {
          state.iterator = await iteratorOf(state, retryFrom);
          throw new Error(`events from sequence number ${retryFrom} were not published`);
        }
        state.last = records.at(-1)!.dynamodb.SequenceNumber;
        count += records.length;
        await writeCheckpoint(options.checkpointFile, streamArn, shards);
      }
      state.iterator = NextShardIterator;
      if (!NextShardIterator) {
        state.done = true;
        // Its children (if any) appear in the shard list now.
        shardsReadAt = undefined;
      }
    }
    return count;
  };

  let stopped = false;
  let paused: { promise: Promise<void>; release: () => void } | undefined;
  let passEnded: Promise<void> = Promise.resolve();
  let waiters: { after: number; resolve: () => void }[] = [];
  let passes = 0;
  let wake: (() => void) | undefined;
  let idleWait = pollMs;
  const loop = (async () => {
    while (!stopped) {
      if (paused) await paused.promise;
      if (stopped) break;
      let endPass = () => {};
      passEnded = new Promise<void>((resolve) => {
        endPass = resolve;
      });
      const started = ++passes;
      // -1: the pass failed; it proves nothing about what is published, and is retried.
      let count = -1;
      try {
        count = await pollOnce();
      } catch (error) {
        // The shard list may be what changed.
        shardsReadAt = undefined;
        onError(error);
      }
      endPass();
      if (count === 0) {
        const ready = waiters.filter((waiter) => waiter.after < started);
        waiters = waiters.filter((waiter) => waiter.after >= started);
        for (const waiter of ready) waiter.resolve();
      }
      if (count > 0) idleWait = pollMs;
      if (count <= 0 && !stopped) {
        const woken = new AbortController();
        wake = () => woken.abort();
        await wait(count === 0 ? idleWait : pollMs, woken.signal);
        wake = undefined;
        // Quiet: the next wait is longer (a woken wait, e.g. by drain(), starts over). A failed
        // pass is retried after `pollMs` and leaves the quiet wait as it was.
        if (woken.signal.aborted) idleWait = pollMs;
        else if (count === 0) idleWait = Math.min(idleWait * 2, idlePollMs);
      }
    }
  })();

  return {
    drain: () =>
      new Promise<void>((resolve) => {
        waiters.push({ after: passes, resolve });
        wake?.();
      }),
    async pause() {
      if (!paused) {
        let release = () => {};
        const promise = new Promise<void>((resolve) => {
          release = resolve;
        });
        paused = { promise, release };
      }
      await passEnded;
    },
    resume() {
      const gate = paused;
      paused = undefined;
      gate?.release();
    },
    async stop() {
      stopped = true;
      paused?.release();
      wake?.();
      await loop;
      for (const waiter of waiters) waiter.resolve();
      streams.destroy();
    },
  };
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function timerWait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function isTrimmed(error: unknown): boolean {
  return (error as Error).name === 'TrimmedDataAccessException';
}

async function readCheckpoint(
  file: string | undefined,
  streamArn: string,
  onRecordsLost: (loss: RecordsLost) => void,
): Promise<Record<string, string>> {
  if (!file || !existsSync(file)) return {};
  let checkpoint: Checkpoint;
  try {
    checkpoint = JSON.parse(await readFile(file, 'utf8')) as Checkpoint;
    if (typeof checkpoint?.streamArn !== 'string' || typeof checkpoint.shards !== 'object') {
      throw new Error('not a checkpoint');
    }
  } catch {
    // Not written by this version (whose writes are whole): read the stream from its start.
    onRecordsLost({ reason: 'checkpoint unreadable' });
    return {};
  }
  // A new stream (the table was recreated) starts from its beginning.
  return checkpoint.streamArn === streamArn ? checkpoint.shards : {};
}

async function writeCheckpoint(
  file: string | undefined,
  streamArn: string,
  shards: ReadonlyMap<string, ShardState>,
): Promise<void> {
  if (!file) return;
  const positions: Record<string, string> = {};
  for (const [id, state] of shards) if (state.last) positions[id] = state.last;
  const checkpoint: Checkpoint = { streamArn, shards: positions };
  // Whole or not at all: a crash mid-write leaves the previous checkpoint, not half of this one.
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  await writeFile(temporary, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}
