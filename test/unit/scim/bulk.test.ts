import { describe, expect, it } from 'vitest';
import { limits } from '../../../shared/config.js';
import { parseBulkRequest, resolveReferences } from '../../../shared/scim/bulk.js';
import {
  InvalidSyntaxError,
  InvalidValueError,
  PayloadTooLargeError,
} from '../../../shared/scim/errors.js';

describe('parseBulkRequest (RFC 7644 §3.7)', () => {
  it('reads operations, their targets and the bulkIds they refer to', () => {
    const request = parseBulkRequest({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      failOnErrors: 1,
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { userName: 'Alice' } },
        {
          method: 'post',
          path: '/Groups',
          bulkId: 'ytrewq',
          data: { displayName: 'Tour Guides', members: [{ type: 'User', value: 'bulkId:qwerty' }] },
        },
        {
          method: 'PATCH',
          path: '/Groups/bulkId:ytrewq',
          version: 'W/"1"',
          data: { Operations: [{ op: 'remove', path: 'members[value eq "bulkId:qwerty"]' }] },
        },
        { method: 'DELETE', path: '/Users/2819c223' },
      ],
    });

    expect(request.failOnErrors).toBe(1);
    expect(
      request.operations.map(({ method, endpoint, id, references, version }) => ({
        method,
        endpoint,
        id,
        references,
        version,
      })),
    ).toEqual([
      { method: 'POST', endpoint: 'Users', id: undefined, references: [], version: undefined },
      {
        method: 'POST',
        endpoint: 'Groups',
        id: undefined,
        references: ['qwerty'],
        version: undefined,
      },
      {
        method: 'PATCH',
        endpoint: 'Groups',
        id: 'bulkId:ytrewq',
        references: ['ytrewq', 'qwerty'],
        version: 'W/"1"',
      },
      { method: 'DELETE', endpoint: 'Users', id: '2819c223', references: [], version: undefined },
    ]);
  });

  it('marks a malformed operation with its own problem instead of refusing the request', () => {
    const [get, postWithId, putWithoutData] = parseBulkRequest({
      Operations: [
        { method: 'GET', path: '/Users' },
        { method: 'POST', path: '/Users/1', data: {} },
        { method: 'PUT', path: '/Users/1' },
      ],
    }).operations;

    expect(get?.problem).toBeInstanceOf(InvalidSyntaxError);
    expect(postWithId?.problem).toBeInstanceOf(InvalidValueError);
    expect(putWithoutData?.problem).toBeInstanceOf(InvalidSyntaxError);
  });

  it('refuses the whole request for a bad envelope, a repeated bulkId or too many operations', () => {
    expect(() => parseBulkRequest([])).toThrow(InvalidSyntaxError);
    expect(() => parseBulkRequest({ schemas: [] })).toThrow(InvalidSyntaxError);
    expect(() => parseBulkRequest({ failOnErrors: -1, Operations: [] })).toThrow(InvalidValueError);
    expect(() =>
      parseBulkRequest({
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'a', data: {} },
          { method: 'POST', path: '/Groups', bulkId: 'a', data: {} },
        ],
      }),
    ).toThrow(InvalidValueError);
    expect(() =>
      parseBulkRequest({
        Operations: Array.from({ length: limits.maxBulkOperations + 1 }, () => ({})),
      }),
    ).toThrow(PayloadTooLargeError);
  });
});

describe('resolveReferences (RFC 7644 §3.7.2)', () => {
  it('replaces whole-value and quoted references, and leaves unknown ones', () => {
    const ids = new Map([['qwerty', '92b725cd']]);

    expect(
      resolveReferences(
        {
          members: [{ value: 'bulkId:qwerty' }, { value: 'bulkId:other' }],
          path: 'members[value eq "bulkId:qwerty"]',
          note: 'bulkId:qwerty is kept inside prose',
        },
        ids,
      ),
    ).toEqual({
      members: [{ value: '92b725cd' }, { value: 'bulkId:other' }],
      path: 'members[value eq "92b725cd"]',
      note: 'bulkId:qwerty is kept inside prose',
    });
  });
});
