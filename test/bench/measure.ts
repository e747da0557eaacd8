/**
 * One measured operation: requests sent one at a time (so latencies are not queueing), each
 * recorded with its client-side latency and the cost headers the service adds when
 * `STORE_STATS_HEADERS=true`.
 */
import {
  Recorder,
  type RequestRecord,
  ScimClient,
  type ScimResponse,
} from '../../infra/simulator/client.js';
import { percentile } from '../../infra/simulator/summary.js';

export interface OperationResult {
  readonly operation: string;
  readonly samples: number;
  /** Client round trip through the local API Gateway stand-in (ms). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** DynamoDB calls per request (the same for every sample unless min ≠ max). */
  readonly dynamodbCalls: { readonly min: number; readonly max: number; readonly median: number };
  /** Calls by command of the median request, e.g. `{ GetItemCommand: 2 }`. */
  readonly commands: Readonly<Record<string, number>>;
  /** Capacity units per request, as DynamoDB (Local) reports them. */
  readonly capacityUnits: { readonly median: number; readonly mean: number };
  /**
   * Server-side time minus time waiting on DynamoDB (ms); null when the handler waits on calls in
   * parallel (their summed wait exceeds the wall time, so the difference means nothing).
   */
  readonly handlerExclDynamoDbMs: { readonly p50: number; readonly p99: number } | null;
  /** Server-side time including DynamoDB (ms). */
  readonly serverMs: { readonly p50: number; readonly p99: number };
}

export interface BenchClient {
  readonly client: ScimClient;
  /**
   * Sends `warmup` unrecorded requests, then `samples` recorded ones; `send(i)` makes request i
   * (warm-up requests, 10 unless told, get negative i). Throws when a request answers another status than
   * `expect`.
   */
  measure(
    operation: string,
    samples: number,
    send: (client: ScimClient, i: number) => Promise<ScimResponse>,
    options?: { warmup?: number; expect?: readonly number[] },
  ): Promise<OperationResult>;
}

export function benchClient(url: string, token: string): BenchClient {
  const recorder = new Recorder();
  const client = new ScimClient({ url, token, recorder, attempts: 1 });
  return {
    client,
    async measure(operation, samples, send, options = {}) {
      const expected = options.expect ?? [200, 201, 204];
      const check = (response: ScimResponse, i: number) => {
        if (!expected.includes(response.status)) {
          throw new Error(
            `${operation} #${i} answered ${response.status}: ${JSON.stringify(response.body)?.slice(0, 300)}`,
          );
        }
      };
      for (let i = -(options.warmup ?? 10); i < 0; i++) check(await send(client, i), i);
      const records: RequestRecord[] = [];
      recorder.onRecord = (record) => records.push(record);
      try {
        for (let i = 0; i < samples; i++) check(await send(client, i), i);
      } finally {
        recorder.onRecord = undefined;
      }
      return summarize(operation, records);
    },
  };
}

export function summarize(operation: string, records: readonly RequestRecord[]): OperationResult {
  const costed = records.flatMap((record) => (record.cost ? [record.cost] : []));
  const calls = costed.map((cost) => cost.calls);
  const capacity = costed.map((cost) => cost.capacity);
  const server = costed.flatMap((cost) => (cost.handlerMs === undefined ? [] : [cost.handlerMs]));
  const own = costed.flatMap((cost) =>
    cost.handlerMs === undefined ? [] : [cost.handlerMs - cost.storeMs],
  );
  // A negative difference shows overlapping (parallel) DynamoDB calls.
  const overlapping = own.filter((ms) => ms < 0).length > own.length / 10;
  const medianCalls = percentile(calls, 50);
  const typical = costed.find((cost) => cost.calls === medianCalls);
  return {
    operation,
    samples: records.length,
    p50Ms: round(
      percentile(
        records.map((record) => record.ms),
        50,
      ),
    ),
    p99Ms: round(
      percentile(
        records.map((record) => record.ms),
        99,
      ),
    ),
    dynamodbCalls: { min: Math.min(...calls), max: Math.max(...calls), median: medianCalls },
    commands: typical?.commands ?? {},
    capacityUnits: {
      median: round(percentile(capacity, 50)),
      mean: round(capacity.reduce((sum, value) => sum + value, 0) / Math.max(1, capacity.length)),
    },
    handlerExclDynamoDbMs:
      overlapping || own.length === 0
        ? null
        : { p50: round(percentile(own, 50)), p99: round(percentile(own, 99)) },
    serverMs: { p50: round(percentile(server, 50)), p99: round(percentile(server, 99)) },
  };
}

const round = (value: number) => Math.round(value * 100) / 100;
