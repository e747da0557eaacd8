import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../shared/scim/errors.js';
import { type CursorQuery, decodeCursor, encodeCursor } from '../../../shared/service/cursors.js';
import { keys } from '../../../shared/store/keys.js';

const query: CursorQuery = { resourceType: 'User', filter: '', sortBy: '', descending: false };

function expectInvalid(text: string, forQuery: CursorQuery = query) {
  try {
    decodeCursor(text, forQuery);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).scimType).toBe('invalidCursor');
    return;
  }
  throw new Error(`cursor ${text} was accepted`);
}

describe('RFC 9865 cursors', () => {
  it('round-trips a key position and an offset, using unreserved characters only', () => {
    const sortKey = keys.typeSort('BJensen', '42');
    const key = encodeCursor(query, { kind: 'key', sortKey, id: '42' });
    const offset = encodeCursor(query, { kind: 'offset', offset: 200 });

    expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(key, query)).toEqual({ kind: 'key', sortKey, id: '42' });
    expect(decodeCursor(offset, query)).toEqual({ kind: 'offset', offset: 200 });
  });

  it('reads an empty cursor as the first page', () => {
    expect(decodeCursor('', query)).toBeUndefined();
  });

  it('refuses the cursor of another query (filter, sort or order changed)', () => {
    const cursor = encodeCursor(query, { kind: 'offset', offset: 1 });

    expectInvalid(cursor, { ...query, filter: 'title pr' });
    expectInvalid(cursor, { ...query, sortBy: 'title' });
    expectInvalid(cursor, { ...query, descending: true });
    expectInvalid(cursor, { ...query, resourceType: 'Group' });
  });

  const forged = (document: unknown) =>
    Buffer.from(JSON.stringify(document), 'utf8').toString('base64url');
  const fingerprint = () =>
    JSON.parse(
      Buffer.from(encodeCursor(query, { kind: 'offset', offset: 0 }), 'base64url').toString(),
    ).q;

  it.each([
    ['garbage', 'not a cursor!'],
    ['base64 of something that is not JSON', Buffer.from('hello').toString('base64url')],
    ['a JSON array', forged([1])],
    ['another version', forged({ v: 2, q: 'x', o: 1 })],
    ['a negative offset', () => forged({ v: 1, q: fingerprint(), o: -1 })],
    ['a fractional offset', () => forged({ v: 1, q: fingerprint(), o: 1.5 })],
    ['both a key and an offset', () => forged({ v: 1, q: fingerprint(), o: 1, k: ['a#1', '1'] })],
    [
      'a key whose sort key does not end with its id',
      () => forged({ v: 1, q: fingerprint(), k: ['a#1', '2'] }),
    ],
    ['an unknown member', () => forged({ v: 1, q: fingerprint(), o: 1, x: 1 })],
    [
      'a sort key longer than DynamoDB allows',
      () => forged({ v: 1, q: fingerprint(), k: [`${'é'.repeat(600)}#1`, '1'] }),
    ],
    ['a cursor longer than 2048 characters', 'A'.repeat(2049)],
  ])('refuses %s with 400 invalidCursor', (_case, cursor) => {
    expectInvalid(typeof cursor === 'function' ? cursor() : cursor);
  });
});
