import { describe, expect, it } from 'vitest';
import { tableName } from '../../../shared/store/client.js';
import { bumpParams, touchParams } from '../../../shared/store/groups.js';

describe('touchParams', () => {
  it('bumps version and modified on the condition only that the group exists', () => {
    const params = touchParams('g1', '2026-01-01T00:00:00.000Z');

    expect(params).toEqual({
      TableName: tableName(),
      Key: { pk: 'GROUP#g1', sk: '#RESOURCE' },
      UpdateExpression: 'ADD #ver :one SET #modified = :modified',
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: { '#ver': 'ver', '#modified': 'modified', '#pk': 'pk' },
      ExpressionAttributeValues: { ':one': 1, ':modified': '2026-01-01T00:00:00.000Z' },
      ReturnValues: 'ALL_NEW',
      ReturnConsumedCapacity: 'TOTAL',
    });
  });
});

describe('bumpParams', () => {
  it('bumps version and modified only if the group is still at the version the client pinned', () => {
    const params = bumpParams('g1', 3, '2026-01-01T00:00:00.000Z');

    expect(params).toEqual({
      TableName: tableName(),
      Key: { pk: 'GROUP#g1', sk: '#RESOURCE' },
      UpdateExpression: 'SET #ver = :next, #modified = :modified',
      ConditionExpression: '#ver = :ver',
      ExpressionAttributeNames: { '#ver': 'ver', '#modified': 'modified' },
      ExpressionAttributeValues: { ':ver': 3, ':next': 4, ':modified': '2026-01-01T00:00:00.000Z' },
      ReturnValues: 'ALL_NEW',
      ReturnConsumedCapacity: 'TOTAL',
    });
  });
});
