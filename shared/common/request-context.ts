/**
 * What the code serving one request (or one scheduled run) shares without passing it down: the
 * I/O statistics it accumulates and the signal that says its answer was given up on. The entry
 * layer (`shared/http`) opens the context; the store reads it on every DynamoDB call. Neither
 * imports the other.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

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

/** What the store knows of the request it works for. */
export interface RequestContext {
  readonly stats: StoreStats;
  /** Aborted once the request's answer has been given up on (its time budget ran out). */
  readonly signal?: AbortSignal;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function newStoreStats(): StoreStats {
  return { calls: 0, capacityUnits: 0, millis: 0, byCommand: {} };
}

/**
 * Runs `fn` with its own DynamoDB statistics (one request = one context, even when concurrent).
 * Once `signal` is aborted, `fn`'s DynamoDB calls fail (503 to the client) instead of starting,
 * and the call in flight is cancelled: work a client already gave up on must not write (on Lambda
 * it could resume in a later invocation of the same sandbox).
 *
 * @example
 * await withStoreStats(newStoreStats(), () => getUser(id), abortController.signal)
 */
export function withStoreStats<T>(
  stats: StoreStats,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  return storage.run(signal === undefined ? { stats } : { stats, signal }, fn);
}

/** The context of the request being served, if any. */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
