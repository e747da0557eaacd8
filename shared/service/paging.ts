/**
 * The paging parameters of a list request: `startIndex`/`count` (RFC 7644 §3.4.2.4) and the
 * `count` of a cursor page (RFC 9865), held to the configured page sizes.
 */
import { limits } from '../config.js';
import { BadRequestError } from '../scim/errors.js';
import type { SearchParameters } from '../scim/search.js';

/**
 * The query parameters of a list request (RFC 7644 §3.4.2, RFC 9865 §2), from the URL or from a
 * `/.search` body.
 */
export type ListQuery = SearchParameters;

/**
 * Any integer, negative ones included (`parsePaging` clamps them, as RFC 7644 §3.4.2.4 says);
 * `fallback` when absent or blank; 400 invalidValue when not an integer.
 */
function integerParameter(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw new BadRequestError('invalidValue', `${name} must be an integer, got "${raw}".`);
  }
  return value;
}

/** startIndex below 1 means 1; count below 0 means 0; count above the maximum is capped (§3.4.2.4). */
export function parsePaging(query: ListQuery): { startIndex: number; count: number } {
  const startIndex = Math.max(1, integerParameter('startIndex', query.startIndex, 1));
  const count = Math.min(
    limits.maxPageSize,
    Math.max(0, integerParameter('count', query.count, limits.defaultPageSize)),
  );
  return { startIndex, count };
}

/**
 * `count` of a cursor page: RFC 9865 wants a positive integer (400 invalidCount otherwise); above
 * the maximum page size it is capped, as RFC 7644 §3.4.2.4 lets a page hold fewer.
 */
export function parseCursorCount(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return limits.defaultPageSize;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new BadRequestError(
      'invalidCount',
      `count must be an integer from 1 to ${limits.maxPageSize} with cursor paging, got "${raw}".`,
    );
  }
  return Math.min(value, limits.maxPageSize);
}
