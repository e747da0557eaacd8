/**
 * The AWS sink: PutEvents on the fleet's event bus, as many events per call as EventBridge takes
 * (10 entries, 256 KB), calls of one wave in parallel (a wave never holds two events of one
 * resource, see `publisher.ts`). Each refused event comes back with its reason, throttling told
 * from permanent refusals (`publisher.ts` backs off on the first and stops on the second).
 */
import {
  EventBridgeClient,
  type EventBridgeClientConfig,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type ChangeEvent, EVENTBRIDGE_SOURCE, eventName } from './envelope.js';
import type { EventSink, SinkFailure } from './publisher.js';

/**
 * The entry error codes EventBridge documents as retryable; every other one (AccessDenied,
 * InvalidArgument, MalformedDetail, NotAuthorizedForSource…) is not. Source: the API reference,
 * PutEventsResultEntry (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html).
 */
export const RETRYABLE_ENTRY_CODES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'InternalFailure',
]);

/** Names a failed call's error is throttling by (the SDK's and the common errors' spellings). */
const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);

/**
 * Whether a whole PutEvents call that failed may succeed later: throttling, a server fault (5xx),
 * or no answer at all (network, timeout). A client fault (validation, access denied, unknown bus,
 * bad credentials) is permanent.
 */
export function isRetryableCallError(error: unknown): boolean {
  const failure = error as {
    name?: string;
    $fault?: 'client' | 'server';
    $metadata?: { httpStatusCode?: number };
  };
  if (failure.name !== undefined && THROTTLING_ERRORS.has(failure.name)) return true;
  const status = failure.$metadata?.httpStatusCode;
  if (status === undefined) return true;
  return status === 429 || status >= 500 || failure.$fault === 'server';
}

/**
 * The publisher's client: one attempt per call, since `publisher.ts` retries with a backoff that
 * knows how much of the invocation is left (the SDK's own retries do not), and a call that hangs
 * ends within the 5 s the publisher keeps (`PUBLISH_BACKOFF.reserveMs`) rather than running the
 * function into its timeout, which Lambda would answer by bisecting a half-published batch.
 */
export function eventBridgeClient(config: EventBridgeClientConfig = {}): EventBridgeClient {
  return new EventBridgeClient({
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: 1_000,
      requestTimeout: 3_000,
      throwOnRequestTimeout: true,
    },
    ...config,
  });
}

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

/** The PutEvents entry of an event: the whole CloudEvent is the `detail`. */
export function putEventsEntry(event: ChangeEvent, busName: string): PutEventsRequestEntry {
  return {
    EventBusName: busName,
    Source: EVENTBRIDGE_SOURCE,
    DetailType: eventName(event),
    Detail: JSON.stringify(event),
    Time: new Date(event.time),
  };
}

/** EventBridge's size of an entry (its documented calculation: time, source, type, detail). */
export function entrySize(entry: PutEventsRequestEntry): number {
  return (
    14 +
    Buffer.byteLength(entry.Source ?? '', 'utf8') +
    Buffer.byteLength(entry.DetailType ?? '', 'utf8') +
    Buffer.byteLength(entry.Detail ?? '', 'utf8')
  );
}

/** Splits items into PutEvents requests: at most 10 entries and 256 KB each. */
export function putEventsChunks<T extends { readonly entry: PutEventsRequestEntry }>(
  items: readonly T[],
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = entrySize(item.entry);
    if (
      current.length === MAX_ENTRIES ||
      (current.length > 0 && bytes + size > MAX_REQUEST_BYTES)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Publishes to `busName`. Entries EventBridge refuses and calls that fail as a whole come back as
 * failures, each with its code and whether it is retryable.
 */
export function eventBridgeSink(busName: string, client = eventBridgeClient()): EventSink {
  return {
    async put(events) {
      const entries = events.map((event) => ({ event, entry: putEventsEntry(event, busName) }));
      const failed = await Promise.all(
        putEventsChunks(entries).map(async (chunk): Promise<SinkFailure[]> => {
          try {
            const output = await client.send(
              new PutEventsCommand({ Entries: chunk.map(({ entry }) => entry) }),
            );
            return chunk.flatMap(({ event }, index) => {
              const result = output.Entries?.[index];
              if (result?.EventId && !result.ErrorCode) return [];
              // An entry without an answer is treated as EventBridge's own failure.
              const code = result?.ErrorCode ?? 'InternalFailure';
              return [
                {
                  event,
                  code,
                  message: result?.ErrorMessage,
                  retryable: RETRYABLE_ENTRY_CODES.has(code),
                },
              ];
            });
          } catch (error) {
            const code = (error as Error).name ?? 'Error';
            const message = (error as Error).message;
            const retryable = isRetryableCallError(error);
            return chunk.map(({ event }) => ({ event, code, message, retryable }));
          }
        }),
      );
      return failed.flat();
    },
  };
}
