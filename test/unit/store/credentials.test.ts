import { describe, expect, it } from 'vitest';
import {
  credentialPutParams,
  credentialsPageParams,
  credentialUpdateParams,
  failureCountParams,
  failureWindowParams,
  lastUsedParams,
} from '../../../shared/store/credentials.js';
import { keys } from '../../../shared/store/keys.js';

describe('credentialsPageParams', () => {
  it('reads the credentials partition strongly consistently from where the last page ended', () => {
    const params = credentialsPageParams('t', { pk: 'CREDENTIALS', sk: 'CREDENTIAL#c1' });

    expect(params).toEqual({
      TableName: 't',
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': keys.credentialsPartition },
      ConsistentRead: true,
      ExclusiveStartKey: { pk: 'CREDENTIALS', sk: 'CREDENTIAL#c1' },
    });
  });
});

describe('credentialPutParams', () => {
  it('writes a new credential only where no item holds its key', () => {
    const params = credentialPutParams('t', 'c1', { kind: 'secret-token', createdBy: 'ops' });

    expect(params).toEqual({
      TableName: 't',
      Item: { ...keys.credential('c1'), kind: 'secret-token', createdBy: 'ops' },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });
  });
});

describe('credentialUpdateParams', () => {
  it('updates only an existing credential, with the caller condition ANDed to its existence', () => {
    const params = credentialUpdateParams('t', 'c1', {
      expression: 'SET #revokedAt = :at',
      names: { '#revokedAt': 'revokedAt' },
      values: { ':at': '2026-12-07T00:00:00.000Z' },
      condition: 'attribute_not_exists(#revokedAt)',
    });

    expect(params).toEqual({
      TableName: 't',
      Key: keys.credential('c1'),
      UpdateExpression: 'SET #revokedAt = :at',
      ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#revokedAt)',
      ExpressionAttributeNames: { '#pk': 'pk', '#revokedAt': 'revokedAt' },
      ExpressionAttributeValues: { ':at': '2026-12-07T00:00:00.000Z' },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('asks only for existence without a caller condition', () => {
    const params = credentialUpdateParams('t', 'c1', {
      expression: 'SET a = :a',
      names: {},
      values: { ':a': 1 },
    });

    expect(params.ConditionExpression).toBe('attribute_exists(#pk)');
  });
});

describe('lastUsedParams', () => {
  it('writes lastUsedAt only when no other writer set it after the due time', () => {
    const params = lastUsedParams(
      't',
      'c1',
      '2026-12-07T10:00:00.000Z',
      '2026-12-07T09:00:00.000Z',
    );

    expect(params.ConditionExpression).toBe(
      'attribute_exists(#pk) AND (attribute_not_exists(#lastUsedAt) OR #lastUsedAt < :due)',
    );
    expect(params.ExpressionAttributeValues).toEqual({
      ':at': '2026-12-07T10:00:00.000Z',
      ':due': '2026-12-07T09:00:00.000Z',
    });
  });
});

describe('failure window', () => {
  it('counts a failure only inside a window that started at or after the given time', () => {
    const params = failureCountParams('t', 'c1', '2026-12-07T09:55:00.000Z');

    expect(params.UpdateExpression).toBe('ADD #failed :one');
    expect(params.ConditionExpression).toBe('attribute_exists(#pk) AND #start >= :windowStart');
    expect(params.ExpressionAttributeValues).toEqual({
      ':one': 1,
      ':windowStart': '2026-12-07T09:55:00.000Z',
    });
  });

  it('starts a new window at one failure, only for a client that exists', () => {
    const params = failureWindowParams('t', 'c1', '2026-12-07T10:00:00.000Z');

    expect(params.UpdateExpression).toBe('SET #failed = :one, #start = :now');
    expect(params.ConditionExpression).toBe('attribute_exists(#pk)');
  });
});
