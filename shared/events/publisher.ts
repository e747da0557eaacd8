/**
 * Publishes one batch of stream records: reads what the mapping needs (the state of groups whose
 * member changes are in the batch), maps, and hands the events to a sink (EventBridge in AWS, a
 * JSON-lines file locally) in waves that keep each resource's events in order.
 *
 * Order: wave k holds the k-th event of every resource in the batch, and wave k+1 is sent only
 * once all of wave k was accepted. So a resource's later event is never accepted before an
 * earlier one, while events of different resources share PutEvents calls. Across batches, the
 * event source mapping processes a shard's batches one after the other (per partition key even
 * with a parallelization factor above 1).
 */

import { backoff, RETRY_POLICY } from '../common/retry.js';
import { batchGetResources } from '../store/resources.js';
import { boundedEvent, type ChangeEvent } from './envelope.js';
import {
  type GroupState,
  groupsToRead,
  type MappedEvent,
  mapRecords,
  type StreamRecord,
} from './mapping.js';

/** Where events go. */
export interface EventSink {
  /**
   * Publishes `events` (never two of one resource in one call) and answers those that were not
   * accepted and may be retried. Throws when nothing could be sent.
   */
  put(events: readonly ChangeEvent[]): Promise<readonly ChangeEvent[]>;
}

export interface PublishOptions {
  readonly tenant: string;
  /** Absolute SCIM base URL, for `meta.location` in the representations. */
  readonly baseUrl: string;
  readonly sink: EventSink;
  /** Attempts per wave before giving up on the batch's rest (default 4). */
  readonly attempts?: number;
}

export interface PublishResult {
  /** Events accepted by the sink. */
  readonly published: number;
  /**
   * When some events could not be published: the lowest stream sequence number among them,
   * where the retry must start (Lambda's `batchItemFailures`). Events already published before
   * it are sent again then, with the same ids.
   */
  readonly retryFrom?: string;
}

/**
 * Maps and publishes a batch of stream records.
 *
 * @example const { retryFrom } = await publishRecords(event.Records, { tenant, baseUrl, sink });
 */
export async function publishRecords(
  records: readonly StreamRecord[],
  options: PublishOptions,
): Promise<PublishResult> {
  const groups = await readGroups(groupsToRead(records));
  const mapped = mapRecords(records, { tenant: options.tenant, baseUrl: options.baseUrl, groups });
  return publishInWaves(mapped, options.sink, options.attempts ?? 4);
}

async function readGroups(ids: readonly string[]): Promise<Map<string, GroupState>> {
  const states = new Map<string, GroupState>(ids.map((id) => [id, { exists: false }]));
  if (ids.length === 0) return states;
  for (const record of await batchGetResources('Group', ids)) {
    states.set(record.id, {
      exists: true,
      version: record.version,
      externalId: typeof record.data.externalId === 'string' ? record.data.externalId : null,
    });
  }
  return states;
}

/** The mapped events as waves: wave k holds the k-th event of each resource (see module doc). */
export function waves(mapped: readonly MappedEvent[]): MappedEvent[][] {
  const position = new Map<string, number>();
  const result: MappedEvent[][] = [];
  for (const item of mapped) {
    const index = position.get(item.event.subject) ?? 0;
    position.set(item.event.subject, index + 1);
    if (result[index] === undefined) result[index] = [];
    result[index].push(item);
  }
  return result;
}

async function publishInWaves(
  mapped: readonly MappedEvent[],
  sink: EventSink,
  attempts: number,
): Promise<PublishResult> {
  const all = waves(mapped);
  let published = 0;
  for (let index = 0; index < all.length; index++) {
    let pending = all[index]!;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const events = pending.map((item) => boundedEvent(item.event));
      const failed = new Set((await sink.put(events)).map((event) => event.id));
      published += pending.length - failed.size;
      pending = pending.filter((item) => failed.has(item.event.id));
      if (pending.length === 0) break;
      if (attempt >= attempts) {
        const unpublished = [...pending, ...all.slice(index + 1).flat()];
        return { published, retryFrom: lowestSequence(unpublished) };
      }
      await backoff(attempt, { ...RETRY_POLICY, baseDelayMs: 50 });
    }
  }
  return { published };
}

function lowestSequence(items: readonly MappedEvent[]): string {
  return items
    .map((item) => item.sequenceNumber)
    .reduce((lowest, next) => (BigInt(next) < BigInt(lowest) ? next : lowest));
}
