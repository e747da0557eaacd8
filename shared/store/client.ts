/**
 * The one DynamoDB client of the process, built on first use (so that importing the store costs
 * nothing and needs no configuration), and the one place DynamoDB's errors are translated: the
 * middleware that wraps every send turns "could not serve" into `StoreUnavailableError`.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { currentRequestContext, type StoreStats } from '../common/request-context.js';
import { readStoreConfig, type StoreConfig } from '../config.js';
import { StoreUnavailableError } from './errors.js';

/** An abandoned request's DynamoDB call: the 503 the client was already given. */
function abandoned(): StoreUnavailableError {
  return new StoreUnavailableError('abandoned');
}

/**
 * The DynamoDB client's configuration: retries and timeouts sized for a function with 10 s.
 *
 * Standard retry mode backs off exponentially with full jitter (at most 50 ms then 100 ms after
 * a 5xx or a network error, 1 s then 2 s after throttling) and stops retrying when its token
 * bucket runs dry during an outage. Three attempts bound a throttled call to about 3 s of
 * waiting. A dead endpoint fails fast: 1 s to connect, 2 s for an answer (the SDK only warns
 * after `requestTimeout` unless told to throw), so even three attempts that all hang end within
 * about 6.2 s; the handler chain answers 503 before the function's own timeout regardless.
 *
 * @example new DynamoDBClient(dynamoDbClientConfig(readStoreConfig()))
 */
export function dynamoDbClientConfig(config: StoreConfig): DynamoDBClientConfig {
  return {
    region: config.region,
    endpoint: config.endpoint,
    // Local DynamoDB accepts any credentials; in AWS the Lambda role's are used.
    ...(config.endpoint ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: 3,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: config.connectionTimeoutMs ?? 1_000,
      requestTimeout: config.requestTimeoutMs ?? 2_000,
      throwOnRequestTimeout: true,
    },
  };
}

function createClient(config: StoreConfig): DynamoDBDocumentClient {
  const client = new DynamoDBClient(dynamoDbClientConfig(config));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = currentRequestContext();
      // Before any attempt: the SDK's retries come later in the stack.
      if (request?.signal?.aborted) throw abandoned();
      const stats = request?.stats;
      const started = performance.now();
      try {
        const result = await next(args);
        if (stats) record(stats, context.commandName ?? 'unknown', result.output, started);
        return result;
      } catch (error) {
        if (stats) record(stats, context.commandName ?? 'unknown', undefined, started);
        throw translateUnavailable(error);
      }
    },
    { step: 'initialize', name: 'storeStats' },
  );
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  return withRequestAbortSignal(documents);
}

type Send = (command: unknown, options?: unknown, callback?: unknown) => unknown;

/**
 * Makes every `send` of `documents` pass its request's abort signal as the SDK's `abortSignal`
 * (unless the caller gives one), so that an abandoned request's call in flight is cancelled and
 * not retried. Only a command's `send` options reach the HTTP handler and the retry strategy; a
 * middleware cannot add them, hence the wrapper.
 */
function withRequestAbortSignal(documents: DynamoDBDocumentClient): DynamoDBDocumentClient {
  const send = documents.send.bind(documents) as Send;
  const sendAbortable: Send = (command, options, callback) => {
    const signal = currentRequestContext()?.signal;
    if (signal === undefined || typeof options === 'function') {
      return send(command, options, callback);
    }
    const given = (options ?? {}) as { abortSignal?: unknown };
    return send(command, { ...given, abortSignal: given.abortSignal ?? signal }, callback);
  };
  documents.send = sendAbortable as DynamoDBDocumentClient['send'];
  return documents;
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

let config: StoreConfig | undefined;
let client: DynamoDBDocumentClient | undefined;

/** The store's configuration (`TABLE_NAME`, …), read on first use and failing fast. */
export function storeConfig(): StoreConfig {
  config ??= readStoreConfig();
  return config;
}

/**
 * The document client shared by every store module: built once per process (per cold start),
 * on first use rather than at import.
 */
export function documentClient(): DynamoDBDocumentClient {
  client ??= createClient(storeConfig());
  return client;
}

/** The table every store module reads and writes. */
export function tableName(): string {
  return storeConfig().tableName;
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);

/** DynamoDB's own "try again" answers (HTTP 500 and 503). */
const UNAVAILABLE = new Set([
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  errors?: unknown[];
}

/**
 * Whether an error says DynamoDB could not be reached or did not answer in time: the SDK's
 * timeouts (`TimeoutError`) and Node's system errors on the socket (`connect ECONNREFUSED`,
 * `getaddrinfo ENOTFOUND`, `socket hang up` = ECONNRESET, …), which the SDK passes on as plain
 * `Error`s with a `code`, possibly inside an `AggregateError` (Happy Eyeballs tries each address).
 */
function isNetworkFailure(error: SdkErrorShape): boolean {
  if (error.name === 'TimeoutError' || error.name === 'RequestTimeout') return true;
  const code = error.code ?? '';
  if (/^E[A-Z0-9_]+$/.test(code) || /^(UND_ERR|ERR_SOCKET|ERR_HTTP2)/.test(code)) return true;
  return (
    Array.isArray(error.errors) && error.errors.some((inner) => isNetworkFailure(inner as never))
  );
}

/**
 * Translates what DynamoDB says when it cannot serve us (after the SDK's own retries) into
 * `StoreUnavailableError`: throttled, failed (a 5xx) or not reached, or cancelled because the
 * request ran out of time. Other errors (a failed condition, a cancelled transaction) pass
 * unchanged for the store module that sent the call to interpret.
 */
export function translateUnavailable(error: unknown): unknown {
  if (error === null || typeof error !== 'object' || error instanceof StoreUnavailableError) {
    return error;
  }
  const shape = error as SdkErrorShape;
  // The SDK's answer to a call cancelled by `withStoreStats`' signal.
  if (shape.name === 'AbortError') return new StoreUnavailableError('abandoned', { cause: error });
  const status = shape.$metadata?.httpStatusCode;
  if (THROTTLING.has(shape.name ?? '') || status === 429) {
    return new StoreUnavailableError('throttled', { cause: error });
  }
  if (
    UNAVAILABLE.has(shape.name ?? '') ||
    (status !== undefined && status >= 500) ||
    shape.$fault === 'server' ||
    isNetworkFailure(shape)
  ) {
    return new StoreUnavailableError('unavailable', { cause: error });
  }
  return error;
}
