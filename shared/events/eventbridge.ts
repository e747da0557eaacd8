/**
 * The AWS sink: PutEvents on the fleet's event bus, as many events per call as EventBridge takes
 * (10 entries, 256 KB), calls of one wave in parallel (a wave never holds two events of one
 * resource, see `publisher.ts`).
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type ChangeEvent, EVENTBRIDGE_SOURCE, eventName } from './envelope.js';
import type { EventSink } from './publisher.js';

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
 * Publishes to `busName`. Entries EventBridge refuses (throttling, internal errors) and calls
 * that fail as a whole come back as failed, for the publisher to retry.
 */
export function eventBridgeSink(busName: string, client = new EventBridgeClient({})): EventSink {
  return {
    async put(events) {
      const entries = events.map((event) => ({ event, entry: putEventsEntry(event, busName) }));
      const failed = await Promise.all(
        putEventsChunks(entries).map(async (chunk) => {
          try {
            const output = await client.send(
              new PutEventsCommand({ Entries: chunk.map(({ entry }) => entry) }),
            );
            return chunk.filter((_, index) => output.Entries?.[index]?.ErrorCode);
          } catch {
            return chunk;
          }
        }),
      );
      return failed.flat().map(({ event }) => event);
    },
  };
}
