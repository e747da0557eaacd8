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
 *
 * Failures: a wave refused for throttling (or a transient fault) is sent again after a growing
 * backoff for as long as the invocation has time left (`remainingMs`, Lambda's
 * `getRemainingTimeInMillis`); then the batch is handed back to Lambda from the first record not
 * published, which retries it until the record's age passes the mapping's limit (see
 * `infra/constructs/change-feed.ts`). A permanent refusal (access denied, an invalid entry) is not
 * retried within the invocation: waiting would not change the answer, and the result says why.
 */

import { batchGetResources } from '../store/resources.js';
import { boundedEvent, type ChangeEvent } from './envelope.js';
import {
  type GroupState,
  groupsToRead,
  type MappedEvent,
  mapRecords,
  type StreamRecord,
} from './mapping.js';

/** An event the sink could not publish, and why. */
export interface SinkFailure {
  readonly event: ChangeEvent;
  /** The refusal's code: EventBridge's entry `ErrorCode`, or the failed call's error name. */
  readonly code: string;
  readonly message?: string;
  /** Throttling or a transient fault: the same event may be accepted after a backoff. */
  readonly retryable: boolean;
}

/** Where events go. */
export interface EventSink {
  /**
   * Publishes `events` (never two of one resource in one call) and answers those that were not
   * accepted, each with its reason; never throws for a refusal.
   */
  put(events: readonly ChangeEvent[]): Promise<readonly SinkFailure[]>;
}

/** How long to wait between attempts of a throttled wave. */
export interface PublishBackoff {
  /** The first wait is drawn from [base / 2, base); each next one doubles, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Time left to the invocation that no wait may eat into (to answer Lambda and log). */
  readonly reserveMs: number;
}

/**
 * 250 ms doubling to 8 s: a throttled wave is tried about ten times in a minute's invocation
 * instead of four times in under a second; 5 s are kept to answer before the function's timeout.
 */
export const PUBLISH_BACKOFF: PublishBackoff = {
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  reserveMs: 5_000,
};

/** Without `remainingMs` (the local feed): the time a batch may spend backing off. */
const DEFAULT_BUDGET_MS = 30_000;

export interface PublishOptions {
  readonly tenant: string;
  /** Absolute SCIM base URL, for `meta.location` in the representations. */
  readonly baseUrl: string;
  readonly sink: EventSink;
  /**
   * Milliseconds left to the invocation (Lambda's `context.getRemainingTimeInMillis`); without
   * it, 30 s from the call.
   */
  readonly remainingMs?: () => number;
  readonly backoff?: PublishBackoff;
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
  /** How many times a wave was sent again after a throttling (or transient) refusal. */
  readonly retries: number;
  /** Set when the batch stopped at a permanent refusal: its code and message. */
  readonly permanent?: { readonly code: string; readonly message?: string };
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
  const deadline = Date.now() + DEFAULT_BUDGET_MS;
  return publishInWaves(
    mapped,
    options.sink,
    options.remainingMs ?? (() => deadline - Date.now()),
    options.backoff ?? PUBLISH_BACKOFF,
  );
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
  remainingMs: () => number,
  policy: PublishBackoff,
): Promise<PublishResult> {
  const all = waves(mapped);
  let published = 0;
  let retries = 0;
  for (let index = 0; index < all.length; index++) {
    let pending = all[index]!;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const failures = await sink.put(pending.map((item) => boundedEvent(item.event)));
      const failed = new Set(failures.map((failure) => failure.event.id));
      const before = pending.length;
      pending = pending.filter((item) => failed.has(item.event.id));
      published += before - pending.length;
      if (pending.length === 0) break;
      const stop = (permanent?: SinkFailure) => ({
        published,
        retries,
        retryFrom: lowestSequence([...pending, ...all.slice(index + 1).flat()]),
        ...(permanent ? { permanent: { code: permanent.code, message: permanent.message } } : {}),
      });
      const permanent = failures.find((failure) => !failure.retryable);
      if (permanent) return stop(permanent);
      const delay = backoffDelay(attempt, policy);
      if (remainingMs() - policy.reserveMs < delay) return stop();
      retries += 1;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  return { published, retries };
}

/**
 * The wait after attempt `attempt` (from 1): exponential with "equal jitter", so a wave always
 * waits at least half the step (throttling lasts) while parallel publishers spread apart.
 */
export function backoffDelay(attempt: number, policy: PublishBackoff = PUBLISH_BACKOFF): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return step / 2 + Math.random() * (step / 2);
}

function lowestSequence(items: readonly MappedEvent[]): string {
  return items
    .map((item) => item.sequenceNumber)
    .reduce((lowest, next) => (BigInt(next) < BigInt(lowest) ? next : lowest));
}
