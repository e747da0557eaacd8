import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readStoreConfig } from '../config.js';
import { ServiceUnavailableError } from '../scim/errors.js';

/** DynamoDB work done for one request: logged with it and counted by the benchmark. */
export interface StoreStats {
  calls: number;
  /** Capacity units consumed, summed over calls (read and write). */
  capacityUnits: number;
  /** Milliseconds spent waiting for DynamoDB. */
  millis: number;
  /** Calls by command name, e.g. `{ GetItemCommand: 1 }`. */
  byCommand: Record<string, number>;
}

const statsStorage = new AsyncLocalStorage<StoreStats>();

export function newStoreStats(): StoreStats {
  return { calls: 0, capacityUnits: 0, millis: 0, byCommand: {} };
}

/** Runs `fn` with its own DynamoDB statistics (one request = one context, even when concurrent). */
export function withStoreStats<T>(stats: StoreStats, fn: () => Promise<T>): Promise<T> {
  return statsStorage.run(stats, fn);
}

export const storeConfig = readStoreConfig();

function createClient(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: storeConfig.region,
    endpoint: storeConfig.endpoint,
    // Local DynamoDB accepts any credentials; in AWS the Lambda role's are used.
    ...(storeConfig.endpoint
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    // Standard retry mode: exponential backoff with full jitter on throttling and 5xx; a few
    // attempts keep the worst case well inside the function's timeout.
    maxAttempts: 4,
    retryMode: 'standard',
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const stats = statsStorage.getStore();
      const started = performance.now();
      try {
        const result = await next(args);
        if (stats) record(stats, context.commandName ?? 'unknown', result.output, started);
        return result;
      } catch (error) {
        if (stats) record(stats, context.commandName ?? 'unknown', undefined, started);
        throw error;
      }
    },
    { step: 'initialize', name: 'storeStats' },
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

function record(stats: StoreStats, command: string, output: unknown, started: number): void {
  stats.calls += 1;
  stats.millis += performance.now() - started;
  stats.byCommand[command] = (stats.byCommand[command] ?? 0) + 1;
  const consumed = (output as { ConsumedCapacity?: unknown } | undefined)?.ConsumedCapacity;
  for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
    stats.capacityUnits += (entry as { CapacityUnits?: number }).CapacityUnits ?? 0;
  }
}

/** The module-scope document client shared by every store module. */
export const documentClient = createClient();
export const tableName = storeConfig.tableName;

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);

/**
 * Translates what DynamoDB says when it cannot serve us (after the SDK's own retries) into the
 * SCIM answer a client should retry: 429 when throttled, 503 when unavailable. Other errors pass.
 */
export function translateUnavailable(error: unknown): unknown {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  if (THROTTLING.has(name)) {
    return new ServiceUnavailableError('The service is busy; retry later.', 2, 429);
  }
  if (
    name === 'InternalServerError' ||
    name === 'ServiceUnavailable' ||
    name === 'TimeoutError' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(
      (error as { code?: string }).code ?? '',
    )
  ) {
    return new ServiceUnavailableError('Storage is unavailable; retry later.', 5, 503);
  }
  return error;
}
