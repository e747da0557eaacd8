/**
 * The change feed on this machine: the same publisher as the Lambda on the stream
 * (`shared/events/publisher.ts`), fed by polling DynamoDB Local's stream of the table, with a sink
 * that appends each event as one JSON line to a file (`npm start`: `.local/events.jsonl`).
 *
 * Like Lambda's event source mapping, it reads each shard in order, a shard's children only after
 * the shard itself is done, and retries a batch from the first record not published. Its
 * checkpoint (last published sequence number per shard) lets a restart continue where it stopped.
 *
 * The publisher reads the table through the store client: `TABLE_NAME` and `DYNAMODB_ENDPOINT`
 * must name the same table before this module is imported.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
  /** Wait between polls of a stream with nothing new (default 100 ms). */
  readonly pollMs?: number;
  /** Called with the error of a failed poll (the feed retries it); default: console.error. */
  readonly onError?: (error: unknown) => void;
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
 * A sink appending each event as one JSON line to `path` (created with its folder).
 * @example const sink = fileSink('.local/events.jsonl');
 */
export function fileSink(path: string): EventSink {
  let ready: Promise<unknown> | undefined;
  return {
    async put(events: readonly ChangeEvent[]) {
      ready ??= mkdir(dirname(path), { recursive: true });
      await ready;
      await appendFile(path, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
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
  const saved = await readCheckpoint(options.checkpointFile, streamArn);
  const shards = new Map<string, ShardState>();
  const pollMs = options.pollMs ?? 100;
  const onError = options.onError ?? ((error) => console.error('change feed poll failed', error));

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
  };

  const iteratorOf = async (state: ShardState, from?: string) => {
    const at: { ShardIteratorType: ShardIteratorType; SequenceNumber?: string } = from
      ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: from }
      : state.last
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: state.last }
        : { ShardIteratorType: 'TRIM_HORIZON' };
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: state.shard.ShardId!, ...at }),
    );
    return ShardIterator;
  };

  /** One pass over the readable shards; answers how many records it published. */
  const pollOnce = async (): Promise<number> => {
    await refreshShards();
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
      const { Records = [], NextShardIterator } = await streams.send(
        new GetRecordsCommand({ ShardIterator: state.iterator, Limit: 1_000 }),
      );
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
      if (!NextShardIterator) state.done = true;
    }
    return count;
  };

  let stopped = false;
  let paused: { promise: Promise<void>; release: () => void } | undefined;
  let passEnded: Promise<void> = Promise.resolve();
  let waiters: { after: number; resolve: () => void }[] = [];
  let passes = 0;
  let wake: (() => void) | undefined;
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
        onError(error);
      }
      endPass();
      if (count === 0) {
        const ready = waiters.filter((waiter) => waiter.after < started);
        waiters = waiters.filter((waiter) => waiter.after >= started);
        for (const waiter of ready) waiter.resolve();
      }
      if (count <= 0 && !stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
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

async function readCheckpoint(
  file: string | undefined,
  streamArn: string,
): Promise<Record<string, string>> {
  if (!file || !existsSync(file)) return {};
  const checkpoint = JSON.parse(await readFile(file, 'utf8')) as Checkpoint;
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
  await writeFile(file, `${JSON.stringify(checkpoint)}\n`);
}
