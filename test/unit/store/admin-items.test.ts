import { describe, expect, it } from 'vitest';
import {
  deleteAdminSessionParams,
  getAdminSessionParams,
  putAdminSessionParams,
  renewAdminSessionParams,
  userAdminSessionsParams,
} from '../../../shared/store/admin-items.js';
import { tableName } from '../../../shared/store/client.js';

const key = { pk: 'ADMINSESSION#oid-1', sk: 'SESSION#s1' };

describe('admin session params', () => {
  it('records a new session once, under its user', () => {
    const record = { userId: 'oid-1', sessionId: 's1', expiresAt: 200, roleCheckedAt: 100 };

    expect(putAdminSessionParams(record)).toEqual({
      TableName: tableName(),
      Item: { ...key, ...record },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });
  });

  it('reads a session strongly consistent, so a sign-out elsewhere is seen at once', () => {
    expect(getAdminSessionParams('oid-1', 's1')).toEqual({
      TableName: tableName(),
      Key: key,
      ConsistentRead: true,
      ProjectionExpression: '#expiresAt, #roleCheckedAt',
      ExpressionAttributeNames: { '#expiresAt': 'expiresAt', '#roleCheckedAt': 'roleCheckedAt' },
    });
  });

  it('renews the role check only of a session that still exists', () => {
    expect(renewAdminSessionParams('oid-1', 's1', 300)).toEqual({
      TableName: tableName(),
      Key: key,
      UpdateExpression: 'SET #roleCheckedAt = :at',
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk', '#roleCheckedAt': 'roleCheckedAt' },
      ExpressionAttributeValues: { ':at': 300 },
    });
  });

  it('deletes one session and lists one user’s sessions by key', () => {
    expect(deleteAdminSessionParams('oid-1', 's1')).toEqual({ TableName: tableName(), Key: key });
    expect(userAdminSessionsParams('oid-1')).toMatchObject({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeValues: { ':pk': 'ADMINSESSION#oid-1' },
    });
  });
});
