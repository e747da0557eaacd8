/**
 * The local feed's own failure modes (infra/local/event-feed.ts), on DynamoDB Local's stream: its
 * checkpoint written whole, a checkpoint the stream no longer reaches, and the events file's mode.
 * DynamoDB Local trims records only after 24 hours, so a small HTTP proxy in front of it answers
 * what DynamoDB Streams answers then (TrimmedDataAccessException, ExpiredIteratorException) and
 * passes every other call through.
 */
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureTable } from '../../infra/local/dynamodb-local.js';
import {
  fileSink,
  type LocalFeedOptions,
  type RecordsLost,
  startLocalFeed,
} from '../../infra/local/event-feed.js';
import { type ChangeEvent, eventName } from '../../shared/events/envelope.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import { resourceItem } from '../../shared/store/resources.js';
import { TEST_TENANT } from '../support/environment.js';
import { memorySink } from './support.js';

const BASE_URL = 'https://scim.example.com/scim/v2';
const endpoint = () => process.env.DYNAMODB_ENDPOINT!;
let folder: string;

beforeAll(async () => {
  await ensureTable(endpoint(), tableName(), { stream: true });
  folder = mkdtempSync(join(tmpdir(), 'local-feed-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function putUser(id: string): Promise<void> {
  const item = resourceItem({
    type: 'User',
    id,
    version: 1,
    created: '2026-11-29T05:00:00.000Z',
    lastModified: '2026-11-29T05:00:00.000Z',
    data: { userName: `${id}@example.com`, active: true },
  });
  await documentClient().send(new PutCommand({ TableName: tableName(), Item: item }));
}

const createdUsers = (events: readonly ChangeEvent[]) =>
  events.filter((event) => eventName(event) === 'User.Created').map((event) => event.data.id);

/** Runs the feed until everything written so far is published, then stops it. */
async function runFeed(options: Partial<LocalFeedOptions> & Pick<LocalFeedOptions, 'sink'>) {
  const errors: unknown[] = [];
  const losses: RecordsLost[] = [];
  const feed = await startLocalFeed({
    endpoint: endpoint(),
    tableName: tableName(),
    tenant: TEST_TENANT,
    baseUrl: BASE_URL,
    pollMs: 20,
    onError: (error) => errors.push(error),
    onRecordsLost: (loss) => losses.push(loss),
    ...options,
  });
  // drain() resolves only after a pass that published nothing new and failed nothing.
  await feed.drain();
  await feed.stop();
  return { errors, losses };
}

interface StreamsProxy {
  readonly endpoint: string;
  /** The calls it answered itself, by operation. */
  readonly faults: string[];
  close(): Promise<void>;
}

/**
 * Passes DynamoDB (Streams) calls through to DynamoDB Local, except: GetShardIterator after a
 * sequence number in `trimmed` gets TrimmedDataAccessException, and the first GetRecords (when
 * `expireFirstIterator`) gets ExpiredIteratorException, as DynamoDB Streams answers them.
 */
async function streamsProxy(options: {
  trimmed: ReadonlySet<string>;
  expireFirstIterator?: boolean;
}): Promise<StreamsProxy> {
  const faults: string[] = [];
  let expire = options.expireFirstIterator ?? false;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks);
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const input =
        body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      const fault = (type: string, message: string) => {
        faults.push(operation);
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(
          JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }),
        );
      };
      if (
        operation === 'GetShardIterator' &&
        input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER' &&
        options.trimmed.has(String(input.SequenceNumber))
      ) {
        return fault(
          'TrimmedDataAccessException',
          'The operation attempted to read past the oldest stream record in a shard.',
        );
      }
      if (operation === 'GetRecords' && expire) {
        expire = false;
        return fault(
          'ExpiredIteratorException',
          'Iterator expired. The iterator was created at time …',
        );
      }
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(
          ([name]) => !['host', 'content-length', 'connection'].includes(name),
        ),
      ) as Record<string, string>;
      const answer = await fetch(`${endpoint()}${request.url}`, {
        method: request.method,
        headers,
        body: request.method === 'GET' ? undefined : body,
      });
      response.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/x-amz-json-1.0',
      });
      response.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('local change feed: checkpoint and events file', () => {
  const checkpointFile = () => join(folder, 'events.jsonl.checkpoint.json');
  const readCheckpoint = () =>
    JSON.parse(readFileSync(checkpointFile(), 'utf8')) as {
      streamArn: string;
      shards: Record<string, string>;
    };

  it('writes its checkpoint whole (a new file renamed over the old, mode 0600) and continues from it', async () => {
    // Prepare
    await putUser('ck-1');
    const first = memorySink();
    await runFeed({ sink: first, checkpointFile: checkpointFile() });
    const before = statSync(checkpointFile());
    const position = readCheckpoint();

    // Act: another write, published by a restarted feed.
    await putUser('ck-2');
    const second = memorySink();
    const { errors, losses } = await runFeed({ sink: second, checkpointFile: checkpointFile() });

    // Assess
    expect(createdUsers(first.events)).toContain('ck-1');
    expect(createdUsers(second.events)).toEqual(['ck-2']);
    expect(errors).toEqual([]);
    expect(losses).toEqual([]);
    const after = statSync(checkpointFile());
    // A rename gives the checkpoint a new inode; a write in place would keep it.
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode & 0o777).toBe(0o600);
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const [shard] = Object.keys(position.shards);
    expect(BigInt(readCheckpoint().shards[shard!]!)).toBeGreaterThan(
      BigInt(position.shards[shard!]!),
    );
  });

  it('starts when a crash left half a checkpoint (as a write in place could): re-reads the stream and says so', async () => {
    // Prepare: a truncated checkpoint and a temporary file a crashed write left.
    const { streamArn } = readCheckpoint();
    writeFileSync(checkpointFile(), `{"streamArn":"${streamArn}","shards":{"shardId-0`);
    writeFileSync(join(folder, '.events.jsonl.checkpoint.json.999.tmp'), '{"streamArn');
    await putUser('ck-3');
    const sink = memorySink();

    // Act
    const { errors, losses } = await runFeed({ sink, checkpointFile: checkpointFile() });

    // Assess: everything the stream holds, again (same ids), and a readable checkpoint.
    expect(errors).toEqual([]);
    expect(losses).toEqual([{ reason: 'checkpoint unreadable' }]);
    expect(createdUsers(sink.events)).toEqual(expect.arrayContaining(['ck-1', 'ck-2', 'ck-3']));
    expect(readCheckpoint().streamArn).toBe(streamArn);
  });

  it('resumes at the oldest record still in the stream when its checkpoint was trimmed, and reports the loss', async () => {
    // Prepare: the checkpoint's position is "older than 24 hours"; the first iterator expires.
    const trimmedAt = readCheckpoint();
    const [[shardId, sequenceNumber]] = Object.entries(trimmedAt.shards) as [[string, string]];
    await putUser('ck-4');
    const proxy = await streamsProxy({
      trimmed: new Set([sequenceNumber]),
      expireFirstIterator: true,
    });
    const sink = memorySink();

    // Act
    const { errors, losses } = await runFeed({
      sink,
      checkpointFile: checkpointFile(),
      endpoint: proxy.endpoint,
    }).finally(() => proxy.close());

    // Assess: no failed poll, the loss reported once, the new write published.
    expect(proxy.faults).toEqual(['GetShardIterator', 'GetRecords']);
    expect(errors).toEqual([]);
    expect(losses).toEqual([{ shardId, after: sequenceNumber, reason: 'trimmed' }]);
    expect(createdUsers(sink.events)).toContain('ck-4');
    expect(BigInt(readCheckpoint().shards[shardId]!)).toBeGreaterThan(BigInt(sequenceNumber));
  });

  it('reports the records of a checkpointed shard that is no longer in the stream', async () => {
    // Prepare
    const { streamArn } = readCheckpoint();
    writeFileSync(
      checkpointFile(),
      JSON.stringify({
        streamArn,
        shards: { 'shardId-00000000000000000000-gone': '000000000000000000042' },
      }),
    );
    const sink = memorySink();

    // Act
    const { errors, losses } = await runFeed({ sink, checkpointFile: checkpointFile() });

    // Assess
    expect(errors).toEqual([]);
    expect(losses).toEqual([
      {
        shardId: 'shardId-00000000000000000000-gone',
        after: '000000000000000000042',
        reason: 'shard gone',
      },
    ]);
  });

  it('creates events.jsonl with mode 0600 (it holds user names and emails), and narrows an older one', async () => {
    // Prepare
    const fresh = join(folder, 'events', 'events.jsonl');
    const older = join(folder, 'older-events.jsonl');
    writeFileSync(older, '', { mode: 0o644 });
    chmodSync(older, 0o644);
    const event = { id: 'e1' } as unknown as ChangeEvent;

    // Act
    await fileSink(fresh).put([event]);
    await fileSink(older).put([event]);

    // Assess
    expect(existsSync(fresh)).toBe(true);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(statSync(older).mode & 0o777).toBe(0o600);
    expect(readFileSync(fresh, 'utf8')).toBe('{"id":"e1"}\n');
  });
});

describe('local change feed: polling a quiet stream', () => {
  it('waits longer between polls while nothing is written (up to idlePollMs), reads the shard list once, and starts over when something is published', async () => {
    const sink = memorySink();
    const waits: number[] = [];
    const calls: string[] = [];
    let resume: (() => void) | undefined;
    const held = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const feed = await startLocalFeed({
      endpoint: endpoint(),
      tableName: tableName(),
      tenant: TEST_TENANT,
      baseUrl: BASE_URL,
      sink,
      pollMs: 20,
      idlePollMs: 200,
      // A clock that stands still: only the end of a shard or a failure re-reads the shard list.
      now: () => 0,
      onStreamCall: (command) => calls.push(command),
      // A fake clock: records each wait, ends it at once, and holds the 7th until the test goes on.
      wait: async (ms, signal) => {
        waits.push(ms);
        if (waits.length === 7) {
          signal.addEventListener('abort', () => resume?.());
          await held;
        } else {
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
    });
    try {
      // The first waits follow the passes that read what earlier tests wrote (passes that publish
      // do not wait), so they start at the first empty pass.
      await vi.waitFor(() => expect(waits).toHaveLength(7), { timeout: 60_000 });
      expect(waits).toEqual([20, 40, 80, 160, 200, 200, 200]);
      expect(calls.filter((call) => call === 'DescribeStreamCommand')).toHaveLength(1);
      expect(calls.filter((call) => call === 'GetRecordsCommand').length).toBeGreaterThanOrEqual(7);

      await putUser('quiet-stream-wakes');
      resume?.();
      await vi.waitFor(() => expect(createdUsers(sink.events)).toContain('quiet-stream-wakes'), {
        timeout: 60_000,
      });
      // After the pass that published, the next empty pass waits the shortest time again.
      await vi.waitFor(() => expect(waits.slice(7)).toContain(20), { timeout: 60_000 });
      expect(calls.filter((call) => call === 'DescribeStreamCommand')).toHaveLength(1);
    } finally {
      await feed.stop();
    }
  });

  it('reads the shard list again once the refresh interval passed', async () => {
    const calls: string[] = [];
    let clock = 0;
    let waited = 0;
    const feed = await startLocalFeed({
      endpoint: endpoint(),
      tableName: tableName(),
      tenant: TEST_TENANT,
      baseUrl: BASE_URL,
      sink: memorySink(),
      shardRefreshMs: 1_000,
      now: () => clock,
      onStreamCall: (command) => calls.push(command),
      // Each wait moves the fake clock 400 ms: the list (read at 0) is read again after every
      // third wait (at 1,200, 2,400, …); passes that publish do not wait, nor move the clock.
      wait: async () => {
        waited++;
        clock += 400;
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    try {
      await vi.waitFor(() => expect(waited).toBeGreaterThanOrEqual(12), { timeout: 60_000 });
    } finally {
      await feed.stop();
    }
    const describes = calls.filter((call) => call === 'DescribeStreamCommand').length;
    expect(describes).toBeGreaterThanOrEqual(1 + Math.floor((waited - 1) / 3));
    expect(describes).toBeLessThanOrEqual(1 + Math.floor(waited / 3));
  });
});
