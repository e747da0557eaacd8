/**
 * What the store reports, in its own terms: the service decides what each means for a client
 * (`shared/service/errors.ts` gives their SCIM answers). SDK errors never leave the store except
 * as one of these or, for a failure no retry can fix, as a plain `Error` (a 500).
 */
import type { ResourceTypeName } from '../common/resource-types.js';

export class StoreError extends Error {
  override readonly name: string = 'StoreError';
}

/** The version a write was based on is no longer current (or the item is gone). */
export class VersionConflictError extends StoreError {
  override readonly name = 'VersionConflictError';
  /**
   * The write also required the item to predate the directory (no `dirv`): the backfill
   * (`migrate-directory.ts`) may have marked it without moving its version, so a pinned If-Match
   * is no reason to give up: a re-read tells whether the version moved.
   */
  readonly versionMayBeCurrent: boolean;
  constructor(options: { versionMayBeCurrent?: boolean } = {}) {
    super('The item changed since it was read.');
    this.versionMayBeCurrent = options.versionMayBeCurrent === true;
  }
}

/** Another resource of the type holds the unique name (userName, group displayName). */
export class NameTakenError extends StoreError {
  override readonly name = 'NameTakenError';
  constructor(
    readonly type: ResourceTypeName,
    readonly uniqueName: string,
    /** The resource holding the name, when the failed condition returned its guard. */
    readonly holderId?: string,
  ) {
    super(`${type} name taken`);
  }
}

/** A unique name that cannot be stored: missing, or too long to be part of a key. */
export class UnusableNameError extends StoreError {
  override readonly name = 'UnusableNameError';
  constructor(
    readonly type: ResourceTypeName,
    readonly reason: 'missing' | 'tooLong',
    readonly maxLength: number,
  ) {
    super(`${type} name ${reason}`);
  }
}

/** The resource's data is larger than one item may hold. */
export class ItemTooLargeError extends StoreError {
  override readonly name = 'ItemTooLargeError';
  constructor(
    readonly type: ResourceTypeName,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`${type} item too large`);
  }
}

/**
 * DynamoDB could not serve the call, after the SDK's and the store's retries: `throttled`,
 * `unavailable` (a 5xx, a timeout, unreachable), `abandoned` (the request's time ran out and its
 * calls were cancelled), `contended` (other transactions kept holding the items).
 */
export class StoreUnavailableError extends StoreError {
  override readonly name = 'StoreUnavailableError';
  constructor(
    readonly reason: 'throttled' | 'unavailable' | 'abandoned' | 'contended',
    options?: { cause?: unknown },
  ) {
    super(`DynamoDB ${reason}`, options);
  }
}
