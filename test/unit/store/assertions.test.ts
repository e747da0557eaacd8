import { describe, expect, it } from 'vitest';
import {
  rememberAssertionParams,
  usedAssertionHash,
  usedAssertionItem,
} from '../../../shared/store/assertions.js';
import { tableName } from '../../../shared/store/client.js';

const USED = {
  issuer: 'https://login.microsoftonline.com/3c8a1f2e-5b6d-4e7f-9a0b-1c2d3e4f5a6b/v2.0',
  identifier: 'jti:0f1e2d3c',
  clientId: 'client-1',
  expiresAt: 1_772_179_846,
  usedAt: '2026-12-07T10:00:00.000Z',
};

describe('used assertions', () => {
  it('keys an assertion by a digest of issuer and identifier, one partition each, with the TTL attribute', () => {
    const hash = usedAssertionHash(USED.issuer, USED.identifier);

    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(usedAssertionItem(USED)).toEqual({
      pk: `ASSERTION#${hash}`,
      sk: '#USED',
      clientId: 'client-1',
      usedAt: '2026-12-07T10:00:00.000Z',
      ttl: 1_772_179_846,
    });
  });

  it('tells one issuer’s identifier from another’s', () => {
    expect(usedAssertionHash('https://a/v2.0', 'jti:x')).not.toBe(
      usedAssertionHash('https://b/v2.0', 'jti:x'),
    );
    expect(usedAssertionHash('https://a/v2.0', 'jti:x')).toBe(
      usedAssertionHash('https://a/v2.0', 'jti:x'),
    );
  });

  it('writes only where no unexpired item holds the assertion', () => {
    expect(rememberAssertionParams(USED, 1_772_176_000)).toEqual({
      TableName: tableName(),
      Item: usedAssertionItem(USED),
      ConditionExpression: 'attribute_not_exists(#pk) OR #ttl < :now',
      ExpressionAttributeNames: { '#pk': 'pk', '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':now': 1_772_176_000 },
      ReturnConsumedCapacity: 'TOTAL',
    });
  });
});
