import { describe, expect, it } from 'vitest';
import { tableName } from '../../../shared/store/client.js';
import {
  addMembersParams,
  MEMBERS_PER_TRANSACTION,
  memberPageParams,
  memberRangeParams,
  memberRanges,
  membershipItem,
} from '../../../shared/store/memberships.js';

describe('addMembersParams', () => {
  it('checks that each user exists and writes its membership, keeping the first added time', () => {
    const params = addMembersParams('g1', ['u1'], '2026-01-01T00:00:00.000Z');

    expect(params.TransactItems).toEqual([
      {
        ConditionCheck: {
          TableName: tableName(),
          Key: { pk: 'USER#u1', sk: '#RESOURCE' },
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
        },
      },
      {
        Update: {
          TableName: tableName(),
          Key: { pk: 'GROUP#g1', sk: 'MEMBER#u1' },
          UpdateExpression: 'SET #mpk = :mpk, #msk = :msk, #added = if_not_exists(#added, :added)',
          ExpressionAttributeNames: { '#mpk': 'gsi5pk', '#msk': 'gsi5sk', '#added': 'added' },
          ExpressionAttributeValues: {
            ':mpk': 'USER#u1',
            ':msk': 'GROUP#g1',
            ':added': '2026-01-01T00:00:00.000Z',
          },
        },
      },
    ]);
  });

  it('fills a transaction with 50 members (100 actions) and refuses more', () => {
    const fifty = Array.from({ length: MEMBERS_PER_TRANSACTION }, (_, i) => `u${i}`);

    expect(addMembersParams('g', fifty, 'now').TransactItems).toHaveLength(100);
    expect(() => addMembersParams('g', [...fifty, 'one more'], 'now')).toThrow();
  });
});

describe('memberPageParams', () => {
  it("reads the group's membership sort keys, strongly consistent, from a given key", () => {
    const params = memberPageParams('g1', { pk: 'GROUP#g1', sk: 'MEMBER#u9' });

    expect(params).toMatchObject({
      TableName: tableName(),
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': 'GROUP#g1', ':prefix': 'MEMBER#' },
      ProjectionExpression: '#sk',
      ConsistentRead: true,
      ExclusiveStartKey: { pk: 'GROUP#g1', sk: 'MEMBER#u9' },
    });
    expect(params.IndexName).toBeUndefined();
  });
});

describe('membershipItem', () => {
  it('is keyed in the group partition and indexed by member', () => {
    expect(membershipItem('g1', 'u1', 't')).toEqual({
      pk: 'GROUP#g1',
      sk: 'MEMBER#u1',
      gsi5pk: 'USER#u1',
      gsi5sk: 'GROUP#g1',
      added: 't',
    });
  });
});

describe('memberRanges', () => {
  it('splits the ids after the first page at the hex boundaries above it', () => {
    expect(memberRanges('e7f0')).toEqual([
      { from: 'e7f0', fromExclusive: true, to: 'f' },
      { from: 'f', fromExclusive: false },
    ]);
  });

  it('covers every id after the first page with 16 ranges when it ended early', () => {
    const ranges = memberRanges('0a');

    expect(ranges).toHaveLength(16);
    expect(ranges[0]).toEqual({ from: '0a', fromExclusive: true, to: '1' });
    expect(ranges[1]).toEqual({ from: '1', fromExclusive: false, to: '2' });
    expect(ranges.at(-1)).toEqual({ from: 'f', fromExclusive: false });
  });

  it('reads one open range when the first page ended after the last boundary', () => {
    expect(memberRanges('fz')).toEqual([{ from: 'fz', fromExclusive: true }]);
  });
});

describe('memberRangeParams', () => {
  it('reads a bounded range with BETWEEN on the membership sort keys', () => {
    const params = memberRangeParams('g1', { from: '1', fromExclusive: false, to: '2' });

    expect(params).toMatchObject({
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'GROUP#g1', ':from': 'MEMBER#1', ':to': 'MEMBER#2' },
      ConsistentRead: true,
      ProjectionExpression: '#sk',
    });
  });

  it('reads the last range open-ended, after the first page when it starts there', () => {
    const params = memberRangeParams('g1', { from: 'fz', fromExclusive: true });

    expect(params).toMatchObject({
      KeyConditionExpression: '#pk = :pk AND #sk > :from',
      ExpressionAttributeValues: { ':pk': 'GROUP#g1', ':from': 'MEMBER#fz' },
    });
  });
});
