/**
 * Group and membership fixtures shared by the integration tests and the group benchmark: users
 * written straight to the table, group requests over HTTP, and membership items counted in the
 * table. Imports the store client, so the environment must be set before this module is loaded.
 */
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { batchWrite } from '../../shared/store/batch.js';
import { documentClient } from '../../shared/store/client.js';
import { resourceItem } from '../../shared/store/resources.js';
import type { TestResponse, TestService } from './service.js';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

// biome-ignore lint/suspicious/noExplicitAny: resources are read freely in assertions.
type Json = any;

/** Users written straight to the table: the fixture needs them to exist, not their HTTP path. */
export async function seedUsers(n: number, concurrency = 8): Promise<string[]> {
  const now = new Date().toISOString();
  const ids = Array.from({ length: n }, () => randomUUID());
  await batchWrite(
    ids.map((id) => ({
      put: resourceItem({
        type: 'User',
        id,
        version: 1,
        created: now,
        lastModified: now,
        data: { userName: `${id}@example.com` },
      }),
    })),
    concurrency,
  );
  return ids;
}

/** A new, empty group with a unique displayName, created over HTTP. */
export async function createGroup(service: TestService): Promise<Json> {
  const response = await service.request('POST', '/Groups', {
    schemas: [GROUP],
    displayName: `Scale ${randomUUID()}`,
  });
  expect(response.status).toBe(201);
  return response.body;
}

export function addMembers(service: TestService, groupId: string, ids: readonly string[]) {
  return service.request('PATCH', `/Groups/${groupId}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }],
  });
}

export function removeMember(service: TestService, groupId: string, id: string) {
  return service.request('PATCH', `/Groups/${groupId}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }],
  });
}

/** The DynamoDB commands the request made, by name (the `x-store-commands` header). */
export function commands(response: TestResponse): Record<string, number> {
  return JSON.parse(response.headers['x-store-commands'] ?? '{}');
}

/** The DynamoDB calls the request made (the `x-store-calls` header). */
export function calls(response: TestResponse): number {
  return Number(response.headers['x-store-calls']);
}

/** The group's membership items in the table, however many pages they take. */
export async function membershipCount(
  service: Pick<TestService, 'tableName'>,
  groupId: string,
): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const output = await documentClient().send(
      new QueryCommand({
        TableName: service.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
        ExpressionAttributeValues: { ':pk': `GROUP#${groupId}`, ':member': 'MEMBER#' },
        ConsistentRead: true,
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    count += output.Count ?? 0;
    start = output.LastEvaluatedKey;
  } while (start);
  return count;
}

/** The member values a GET of the group returns, in its order. */
export async function memberIds(service: TestService, groupId: string): Promise<string[]> {
  const response = await service.request('GET', `/Groups/${groupId}`);
  expect(response.status).toBe(200);
  return (response.body.members ?? []).map((member: Json) => member.value);
}
