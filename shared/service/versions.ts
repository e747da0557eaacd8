import { PreconditionFailedError } from '../scim/errors.js';

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
