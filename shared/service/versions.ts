import { withRetries } from '../common/retry.js';
import { PreconditionFailedError, ServiceUnavailableError } from '../scim/errors.js';
import { VersionConflictError } from '../store/errors.js';

/**
 * `meta.version` and the ETag are the same weak validator, derived from the item's write counter.
 *
 * @example etagOf(3) // 'W/"3"'
 */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/**
 * Checks an `If-Match` header against the current version (RFC 7232 §3.1, weak comparison, as
 * RFC 7644 §3.14 uses it). Absent header: no precondition.
 */
export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined || ifMatch.trim() === '') return;
  const current = `"${version}"`;
  const candidates = ifMatch.split(',').map((tag) => tag.trim());
  if (candidates.includes('*')) return;
  if (candidates.some((tag) => tag.replace(/^W\//, '') === current)) return;
  throw new PreconditionFailedError();
}

/** Whether `If-None-Match` names the current version (a GET then answers 304). */
export function matchesIfNoneMatch(ifNoneMatch: string | undefined, version: number): boolean {
  if (ifNoneMatch === undefined || ifNoneMatch.trim() === '') return false;
  const current = `"${version}"`;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag.replace(/^W\//, '') === current);
}

/** Whether `If-Match` pins one version (an absent, empty or `*` header does not). */
export function pinsVersion(ifMatch: string | undefined): boolean {
  return (
    ifMatch !== undefined &&
    ifMatch.trim() !== '' &&
    !ifMatch.split(',').some((tag) => tag.trim() === '*')
  );
}

/**
 * Runs a read-check-write `step`, and runs it again (the retry policy of `common/retry.ts`) while its
 * conditional write loses the race with another write of the same resource, unless `If-Match`
 * pins the version (then the loser answers 412, as RFC 7644 §3.14 wants). A client that sent no
 * If-Match never sees 412: when the resource stays that busy, it gets 503 with Retry-After.
 *
 * @example await retryOnVersionConflict(ifMatch, async () => { const current = await read(); … })
 */
export async function retryOnVersionConflict<T>(
  ifMatch: string | undefined,
  step: () => Promise<T>,
): Promise<T> {
  return withRetries(step, {
    // Pinned, a conflict is retried only when the version may not have moved: the re-read's
    // checkIfMatch answers 412 if it did.
    retryable: (error) =>
      error instanceof VersionConflictError && (error.versionMayBeCurrent || !pinsVersion(ifMatch)),
    exhausted: () =>
      new ServiceUnavailableError(
        'The resource is being changed by other requests at this moment; retry later.',
        1,
      ),
  });
}
