/**
 * Every request limit at its boundary: the limit itself is served, one past it is refused with a
 * clear SCIM error naming the limit, and the limits SCIM has a place for are advertised in
 * /ServiceProviderConfig. Also: values too long to be DynamoDB keys (which DynamoDB Local
 * accepts but AWS refuses) are answered as client errors, checked with AWS's key limits enforced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../shared/config.js';
import { MAX_FILTER_DEPTH } from '../../shared/scim/filter/parser.js';
import { contractViolation, StatusTally } from '../fuzz/checks.js';
import { enforceAwsKeyLimits } from '../fuzz/dynamodb-middleware.js';
import { startTestService, type TestResponse, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

let service: TestService;
const tally = new StatusTally();
const refusedByAws: string[] = [];
let stopEnforcing: () => void = () => {};

beforeAll(async () => {
  service = await startTestService();
  const { documentClient } = await import('../../shared/store/client.js');
  stopEnforcing = enforceAwsKeyLimits(documentClient().middlewareStack, refusedByAws);
});
afterAll(async () => {
  stopEnforcing();
  await service.close();
  console.log(
    `[hardening/limits] ${tally.total} requests: ${tally}; calls AWS would refuse for key size: ${refusedByAws.length}`,
  );
});

async function send(method: string, path: string, body?: unknown): Promise<TestResponse> {
  const response = await service.request(method, path, body);
  tally.add(response.status);
  expect(contractViolation(response)).toBeUndefined();
  return response;
}

async function createUser(userName: string): Promise<string> {
  const response = await send('POST', '/Users', { schemas: [USER], userName });
  expect(response.status).toBe(201);
  return response.body.id;
}

async function createGroup(displayName: string): Promise<string> {
  const response = await send('POST', '/Groups', { displayName });
  expect(response.status).toBe(201);
  return response.body.id;
}

function patchOps(count: number) {
  return {
    schemas: [PATCH_OP],
    Operations: Array.from({ length: count }, (_, index) => ({
      op: 'replace',
      path: 'displayName',
      value: `Ops ${index}`,
    })),
  };
}

/** A filter `(((…userName eq "x"…)))` nested `depth` times. */
function nestedFilter(depth: number): string {
  return `${'('.repeat(depth)}userName eq "x"${')'.repeat(depth)}`;
}

describe('GET /ServiceProviderConfig', () => {
  it('advertises the limits SCIM has a place for: bulk.maxOperations, bulk.maxPayloadSize, filter.maxResults', async () => {
    // Act
    const response = await send('GET', '/ServiceProviderConfig');

    // Assess
    expect(response.body.bulk).toMatchObject({
      maxOperations: limits.maxBulkOperations,
      maxPayloadSize: limits.maxBodyBytes,
    });
    expect(response.body.filter.maxResults).toBe(limits.maxPageSize);
    expect(response.body.pagination.maxPageSize).toBe(limits.maxPageSize);
  });
});

describe('request body size', () => {
  it(`serves a body of exactly maxPayloadSize (${limits.maxBodyBytes} bytes) and refuses one byte more with 413`, async () => {
    // Prepare: a valid user padded with whitespace to the exact size.
    const json = JSON.stringify({ schemas: [USER], userName: 'size.limit@example.com' });
    const atLimit = json + ' '.repeat(limits.maxBodyBytes - Buffer.byteLength(json));

    // Act
    const accepted = await send('POST', '/Users', atLimit);
    const refused = await send('POST', '/Users', `${atLimit} `);

    // Assess
    expect(accepted.status).toBe(201);
    expect(refused.status).toBe(413);
    expect(refused.body.detail).toContain(String(limits.maxBodyBytes));
  });
});

describe('PATCH operations per request', () => {
  it(`applies ${limits.maxPatchOperations} operations and refuses ${limits.maxPatchOperations + 1} with 413, changing nothing`, async () => {
    // Prepare
    const id = await createGroup('Ops limit');

    // Act
    const accepted = await send('PATCH', `/Groups/${id}`, patchOps(limits.maxPatchOperations));
    const before = await send('GET', `/Groups/${id}`);
    const refused = await send('PATCH', `/Groups/${id}`, patchOps(limits.maxPatchOperations + 1));
    const after = await send('GET', `/Groups/${id}`);

    // Assess
    expect(accepted.status).toBe(204);
    expect(refused.status).toBe(413);
    expect(refused.body.detail).toContain(String(limits.maxPatchOperations));
    expect(after.body.meta.version).toBe(before.body.meta.version);
  });
});

describe('members per PATCH', () => {
  it(`checks ${limits.maxPatchMembers} members and refuses ${limits.maxPatchMembers + 1} with 413 before any write`, async () => {
    // Prepare: ids of no user, so the request at the limit is checked but refused as invalidValue.
    const id = await createGroup('Members limit');
    const members = (count: number) => ({
      schemas: [PATCH_OP],
      Operations: [
        {
          op: 'add',
          path: 'members',
          value: Array.from({ length: count }, (_, index) => ({ value: `no-such-user-${index}` })),
        },
      ],
    });

    // Act
    const atLimit = await send('PATCH', `/Groups/${id}`, members(limits.maxPatchMembers));
    const overLimit = await send('PATCH', `/Groups/${id}`, members(limits.maxPatchMembers + 1));
    const group = await send('GET', `/Groups/${id}`);

    // Assess
    expect(atLimit.status).toBe(400);
    expect(atLimit.body.scimType).toBe('invalidValue');
    expect(overLimit.status).toBe(413);
    expect(overLimit.body.detail).toContain(String(limits.maxPatchMembers));
    expect(group.body.members ?? []).toEqual([]);
    expect(group.body.meta.version).toBe('W/"1"');
  });
});

describe('POST /Bulk operations', () => {
  it(`runs ${limits.maxBulkOperations} operations and refuses ${limits.maxBulkOperations + 1} with 413 running none`, async () => {
    // Prepare: operations that each create one user.
    const bulk = (count: number, prefix: string) => ({
      schemas: [BULK],
      Operations: Array.from({ length: count }, (_, index) => ({
        method: 'POST',
        path: '/Users',
        bulkId: `u${index}`,
        data: { schemas: [USER], userName: `${prefix}.${index}@example.com` },
      })),
    });

    // Act
    const accepted = await send('POST', '/Bulk', bulk(limits.maxBulkOperations, 'bulk.ok'));
    const refused = await send('POST', '/Bulk', bulk(limits.maxBulkOperations + 1, 'bulk.no'));
    const created = await send('GET', '/Users?filter=userName sw "bulk.no."');

    // Assess
    expect(accepted.status).toBe(200);
    expect(accepted.body.Operations).toHaveLength(limits.maxBulkOperations);
    expect(
      accepted.body.Operations.every((operation: { status: string }) => operation.status === '201'),
    ).toBe(true);
    expect(refused.status).toBe(413);
    expect(refused.body.detail).toContain(String(limits.maxBulkOperations));
    expect(created.body.totalResults).toBe(0);
  });
});

describe('filter length and nesting', () => {
  it(`evaluates a filter of ${limits.maxFilterLength} characters and refuses one more with 400 invalidFilter`, async () => {
    // Prepare
    const filter = (length: number) => {
      const head = 'userName eq "';
      return `${head}${'x'.repeat(length - head.length - 1)}"`;
    };

    // Act
    const accepted = await send(
      'GET',
      `/Users?filter=${encodeURIComponent(filter(limits.maxFilterLength))}`,
    );
    const refused = await send(
      'GET',
      `/Users?filter=${encodeURIComponent(filter(limits.maxFilterLength + 1))}`,
    );
    const searched = await send('POST', '/Users/.search', {
      filter: filter(limits.maxFilterLength + 1),
    });

    // Assess
    expect(accepted.status).toBe(200);
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('invalidFilter');
    expect(refused.body.detail).toContain(String(limits.maxFilterLength));
    expect(searched.status).toBe(400);
    expect(searched.body.scimType).toBe('invalidFilter');
  });

  it(`evaluates a filter nested ${MAX_FILTER_DEPTH} deep and refuses ${MAX_FILTER_DEPTH + 1} with 400 invalidFilter`, async () => {
    // Act
    const accepted = await send(
      'GET',
      `/Users?filter=${encodeURIComponent(nestedFilter(MAX_FILTER_DEPTH))}`,
    );
    const refused = await send(
      'GET',
      `/Users?filter=${encodeURIComponent(nestedFilter(MAX_FILTER_DEPTH + 1))}`,
    );
    const notNested = await send(
      'GET',
      `/Groups?filter=${encodeURIComponent(`${'not ('.repeat(MAX_FILTER_DEPTH + 1)}displayName pr${')'.repeat(MAX_FILTER_DEPTH + 1)}`)}`,
    );

    // Assess
    expect(accepted.status).toBe(200);
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('invalidFilter');
    expect(refused.body.detail).toContain(String(MAX_FILTER_DEPTH));
    expect(notNested.status).toBe(400);
    expect(notNested.body.scimType).toBe('invalidFilter');
  });
});

describe('count', () => {
  it(`caps count at maxResults (${limits.maxPageSize}) rather than refusing it (RFC 7644 §3.4.2.4)`, async () => {
    // Prepare: more users than a page holds, created in bulk.
    const existing = (await send('GET', '/Users?count=0')).body.totalResults as number;
    const missing = Math.max(0, limits.maxPageSize + 1 - existing);
    for (let start = 0; start < missing; start += limits.maxBulkOperations) {
      const count = Math.min(limits.maxBulkOperations, missing - start);
      await send('POST', '/Bulk', {
        schemas: [BULK],
        Operations: Array.from({ length: count }, (_, index) => ({
          method: 'POST',
          path: '/Users',
          data: { schemas: [USER], userName: `count.cap.${start + index}@example.com` },
        })),
      });
    }

    // Act
    const capped = await send('GET', '/Users?count=100000&attributes=userName');
    const cursor = await send('GET', '/Users?count=100000&cursor=&attributes=userName');
    const negative = await send('GET', '/Users?count=-5');

    // Assess
    expect(capped.status).toBe(200);
    expect(capped.body.totalResults).toBeGreaterThan(limits.maxPageSize);
    expect(capped.body.itemsPerPage).toBe(limits.maxPageSize);
    expect(capped.body.Resources).toHaveLength(limits.maxPageSize);
    expect(cursor.status).toBe(200);
    expect(cursor.body.Resources).toHaveLength(limits.maxPageSize);
    expect(negative.status).toBe(200);
    expect(negative.body.Resources).toHaveLength(0);
  });
});

describe('values too long to be DynamoDB keys', () => {
  // Characters whose UTF-8 or case-folded (NFC) form is the longest per UTF-16 unit.
  const wide = (units: number) => '中'.repeat(units);
  const expanding = (units: number) => '\u0958'.repeat(units);

  it('refuses a userName whose case-folded key AWS would refuse with 400 invalidValue', async () => {
    // Act
    const response = await send('POST', '/Users', { schemas: [USER], userName: expanding(512) });
    const lookup = await send(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${expanding(512)}"`)}`,
    );

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
    expect(lookup.status).toBe(200);
    expect(lookup.body.totalResults).toBe(0);
  });

  it('stores a work e-mail too long for its index and still finds the user by it', async () => {
    // Prepare
    const email = `${expanding(400)}@example.com`;
    const created = await send('POST', '/Users', {
      schemas: [USER],
      userName: 'long.email@example.com',
      emails: [{ type: 'work', value: email }],
      externalId: wide(400),
    });

    // Act
    const byEmail = await send(
      'GET',
      `/Users?filter=${encodeURIComponent(`emails[type eq "work"].value eq "${email}"`)}`,
    );
    const byExternalId = await send(
      'GET',
      `/Users?filter=${encodeURIComponent(`externalId eq "${wide(400)}"`)}`,
    );

    // Assess
    expect(created.status).toBe(201);
    expect(byEmail.body.Resources.map((user: { id: string }) => user.id)).toEqual([
      created.body.id,
    ]);
    expect(byExternalId.body.Resources.map((user: { id: string }) => user.id)).toEqual([
      created.body.id,
    ]);
  });

  it('answers member ids too long to be keys as unknown users, adding and removing nothing', async () => {
    // Prepare
    const groupId = await createGroup('Long member ids');
    const userId = await createUser('long.member.ids@example.com');
    await send('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }],
    });
    const long = wide(512);

    // Act
    const add = await send('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: long }] }],
    });
    const remove = await send('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: 'members', value: [{ value: long }] }],
    });
    const removeByFilter = await send('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: `members[value eq "${long}"]` }],
    });
    const membership = await send(
      'GET',
      `/Groups?filter=${encodeURIComponent(`id eq "${groupId}" and members eq "${long}"`)}`,
    );
    const group = await send('GET', `/Groups/${groupId}`);

    // Assess
    expect(add.status).toBe(400);
    expect(add.body.scimType).toBe('invalidValue');
    expect([200, 204]).toContain(remove.status);
    expect([200, 204]).toContain(removeByFilter.status);
    expect(membership.status).toBe(200);
    expect(membership.body.totalResults).toBe(0);
    expect(group.body.members.map((member: { value: string }) => member.value)).toEqual([userId]);
  });

  it('answers a members filter on an id too long to be a key with an empty list', async () => {
    // Act
    const response = await send(
      'GET',
      `/Groups?filter=${encodeURIComponent(`members eq "${wide(700)}"`)}`,
    );

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(0);
  });

  it('made no DynamoDB call AWS would refuse for its key size', () => {
    expect(refusedByAws).toEqual([]);
  });
});
