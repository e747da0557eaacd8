/**
 * What each user operation costs in DynamoDB calls, read from the `x-store-commands` header the
 * service adds in tests. Lookups must stay key lookups: their cost may not depend on the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestResponse, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

function commands(response: TestResponse): Record<string, number> {
  return JSON.parse(response.headers['x-store-commands'] ?? '{}');
}

let sequence = 0;
async function createUser() {
  sequence += 1;
  const response = await service.request('POST', '/Users', {
    schemas: [USER],
    userName: `cost-${sequence}@example.com`,
    externalId: `cost-ext-${sequence}`,
    emails: [{ type: 'work', value: `cost-${sequence}@example.com` }],
    phoneNumbers: [{ type: 'mobile', value: `+1 555 000 ${sequence}` }],
  });
  expect(response.status).toBe(201);
  return { response, user: response.body, n: sequence };
}

describe('DynamoDB calls per user operation', () => {
  it('creates a user with one transaction and no read', async () => {
    const { response } = await createUser();
    expect(commands(response)).toEqual({ TransactWriteItemsCommand: 1 });
  });

  it('reads a user by id with one GetItem, plus one Query for its groups', async () => {
    const { user } = await createUser();
    const full = await service.request('GET', `/Users/${user.id}`);
    const withoutGroups = await service.request(
      'GET',
      `/Users/${user.id}?excludedAttributes=groups`,
    );
    expect(commands(full)).toEqual({ GetItemCommand: 1, QueryCommand: 1 });
    expect(commands(withoutGroups)).toEqual({ GetItemCommand: 1 });
  });

  it('answers each matching-attribute lookup with at most two key reads', async () => {
    // A few more users, so that nothing could pass for a walk of the table.
    for (let i = 0; i < 5; i++) await createUser();
    const { user, n } = await createUser();
    const cases: [string, Record<string, number>][] = [
      [`id eq "${user.id}"`, { GetItemCommand: 1 }],
      [`userName eq "COST-${n}@example.com"`, { GetItemCommand: 2 }],
      [`externalId eq "cost-ext-${n}"`, { QueryCommand: 1, BatchGetItemCommand: 1 }],
      [
        `emails[type eq "work"].value eq "cost-${n}@example.com"`,
        { QueryCommand: 1, BatchGetItemCommand: 1 },
      ],
      [
        `phoneNumbers[type eq "mobile"].value eq "+1 555 000 ${n}"`,
        { QueryCommand: 1, BatchGetItemCommand: 1 },
      ],
      ['userName eq "nobody-at-all"', { GetItemCommand: 1 }],
    ];
    for (const [filter, expected] of cases) {
      const response = await service.request('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(response.status, filter).toBe(200);
      expect(commands(response), filter).toEqual(expected);
    }
  });

  it('patches with one read and one write; a rename or a deactivation makes the write a transaction', async () => {
    const { user, n } = await createUser();
    const patch = await service.request('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'title', value: 'Engineer' }],
    });
    // The deactivated users' counter (the integration page's directory) changes with the user.
    const deactivate = await service.request('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    const rename = await service.request('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'userName', value: `renamed-${n}@example.com` }],
    });
    expect(commands(patch)).toEqual({ GetItemCommand: 1, PutItemCommand: 1 });
    expect(commands(deactivate)).toEqual({ GetItemCommand: 1, TransactWriteItemsCommand: 1 });
    expect(commands(rename)).toEqual({ GetItemCommand: 1, TransactWriteItemsCommand: 1 });
  });

  it('replaces with one read and one write', async () => {
    const { user, n } = await createUser();
    const response = await service.request('PUT', `/Users/${user.id}`, {
      schemas: [USER],
      userName: `cost-${n}@example.com`,
      externalId: `cost-ext-${n}`,
      emails: [{ type: 'work', value: `cost-${n}@example.com` }],
      title: 'Engineer',
    });
    expect(response.status).toBe(200);
    expect(commands(response)).toEqual({ GetItemCommand: 1, PutItemCommand: 1 });
  });

  it('lists a page with one Query for the count and one for the page', async () => {
    const response = await service.request('GET', '/Users?startIndex=1&count=3');
    expect(response.body.Resources).toHaveLength(3);
    expect(commands(response)).toEqual({ QueryCommand: 2 });
  });

  it('deletes a user, then looks up its memberships behind a cleanup marker', async () => {
    const { user } = await createUser();
    const response = await service.request('DELETE', `/Users/${user.id}`);
    expect(response.status).toBe(204);
    // The cleanup marker is part of the delete transaction, not a write of its own.
    expect(commands(response)).toEqual({
      GetItemCommand: 1,
      TransactWriteItemsCommand: 1,
      QueryCommand: 1,
    });
  });
});
