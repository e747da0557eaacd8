/**
 * RFC 9865 cursors: opaque to clients, a position in a query's result order to us.
 *
 * A cursor is base64url (RFC 3986 unreserved characters only, as RFC 9865 §2 requires) of a small
 * JSON document: a format version, a fingerprint of the query it belongs to (resource type,
 * filter, sort) and a position, either the byType index entry the page ended on (lists in the
 * index's name order: the next page is a DynamoDB Query from there, whatever its depth) or the
 * number of results already returned (lists sorted in memory).
 *
 * Cursors are not signed: the deployed service holds no secret to sign them with, and none is
 * needed. A cursor only positions a read of the caller's own tenant table within the query the
 * caller is entitled to run, so a forged one can skip or repeat results, never reach others. What
 * matters is that garbage or a cursor of another query is refused rather than misread: every
 * field is checked, and anything else is 400 `invalidCursor`. Positions do not expire.
 */

import { createHash } from 'node:crypto';
import { BadRequestError } from '../scim/errors.js';
import { keys, MAX_KEY_VALUE_LENGTH } from '../store/keys.js';

export type CursorPosition =
  /** After this entry of the byType index (its sort key and the resource id). */
  | { readonly kind: 'key'; readonly sortKey: string; readonly id: string }
  /** After this many results of a list ordered in memory. */
  | { readonly kind: 'offset'; readonly offset: number };

/** What a cursor must belong to: the parameters that decide a query's results and their order. */
export interface CursorQuery {
  readonly resourceType: string;
  readonly filter: string;
  /** The sort attribute's canonical location, `''` for the default order. */
  readonly sortBy: string;
  readonly descending: boolean;
}

const VERSION = 1;
const MAX_CURSOR_LENGTH = 2048;
const MAX_OFFSET = 10_000_000;
/** DynamoDB's limit for a sort key, in an index as in the table. */
const MAX_INDEX_SORT_KEY_BYTES = 1024;

/**
 * The cursor that continues `query` after `position`.
 *
 * @example encodeCursor(query, { kind: 'offset', offset: 100 }) // → 'eyJ2IjoxLCJxIjoi…'
 */
export function encodeCursor(query: CursorQuery, position: CursorPosition): string {
  const document =
    position.kind === 'key'
      ? { v: VERSION, q: fingerprint(query), k: [position.sortKey, position.id] }
      : { v: VERSION, q: fingerprint(query), o: position.offset };
  return Buffer.from(JSON.stringify(document), 'utf8').toString('base64url');
}

/**
 * The position a client's `cursor` parameter names for `query`: undefined for `""` (the first
 * page, RFC 9865 §2).
 *
 * @throws BadRequestError 400 invalidCursor for anything that is not a cursor this service made
 *   for this same query.
 */
export function decodeCursor(text: string, query: CursorQuery): CursorPosition | undefined {
  const cursor = text.trim();
  if (cursor === '') return undefined;
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalid();
  }
  const { v, q, k, o, ...rest } = document as Record<string, unknown>;
  if (v !== VERSION || Object.keys(rest).length > 0) throw invalid();
  if (q !== fingerprint(query)) {
    throw new BadRequestError(
      'invalidCursor',
      'The cursor belongs to another query: repeat the parameters of the query that returned it ' +
        '(filter, sortBy, sortOrder) unchanged, or start again with an empty cursor.',
    );
  }
  if (k !== undefined && o === undefined && isKey(k)) {
    return { kind: 'key', sortKey: k[0], id: k[1] };
  }
  if (o !== undefined && k === undefined && Number.isSafeInteger(o)) {
    const offset = o as number;
    if (offset >= 0 && offset <= MAX_OFFSET) return { kind: 'offset', offset };
  }
  throw invalid();
}

/** 400 invalidCursor, for a cursor of the right form but the wrong kind for the query. */
export function invalidCursorError(): BadRequestError {
  return invalid();
}

function isKey(value: unknown): value is [string, string] {
  if (!Array.isArray(value) || value.length !== 2) return false;
  const [sortKey, id] = value;
  return (
    typeof sortKey === 'string' &&
    typeof id === 'string' &&
    id !== '' &&
    id.length <= MAX_KEY_VALUE_LENGTH &&
    // DynamoDB refuses (with an error, not an empty page) a start key longer than a key may be.
    Buffer.byteLength(sortKey, 'utf8') <= MAX_INDEX_SORT_KEY_BYTES &&
    keys.isTypeSortOf(sortKey, id)
  );
}

function fingerprint(query: CursorQuery): string {
  return createHash('sha256')
    .update(
      JSON.stringify([query.resourceType, query.filter.trim(), query.sortBy, query.descending]),
    )
    .digest('base64url')
    .slice(0, 16);
}

function invalid(): BadRequestError {
  return new BadRequestError(
    'invalidCursor',
    'The cursor is not valid: send the nextCursor of a previous page unchanged, or an empty ' +
      'cursor for the first page.',
  );
}
