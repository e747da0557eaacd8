import { describe, expect, it } from 'vitest';
import { cleanupItem, cleanupPut, cleanupsParams } from '../../../shared/store/cleanups.js';
import { tableName } from '../../../shared/store/client.js';

describe('cleanup markers', () => {
  it('keys a marker by resource in one partition per type', () => {
    expect(cleanupItem({ type: 'Group', id: 'g1', deletedAt: 't' })).toEqual({
      pk: 'CLEANUP#Group',
      sk: 'GROUP#g1',
      type: 'Group',
      id: 'g1',
      deletedAt: 't',
    });
    expect(cleanupItem({ type: 'User', id: 'u1', deletedAt: 't' })).toMatchObject({
      pk: 'CLEANUP#User',
      sk: 'USER#u1',
    });
  });

  it('joins a delete transaction as an unconditional Put', () => {
    expect(cleanupPut({ type: 'Group', id: 'g1', deletedAt: 't' })).toEqual({
      Put: {
        TableName: tableName(),
        Item: cleanupItem({ type: 'Group', id: 'g1', deletedAt: 't' }),
      },
    });
  });

  it("reads a type's pending markers with one strongly consistent Query", () => {
    expect(cleanupsParams('Group', 100)).toMatchObject({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeValues: { ':pk': 'CLEANUP#Group' },
      ConsistentRead: true,
      Limit: 100,
    });
  });
});
