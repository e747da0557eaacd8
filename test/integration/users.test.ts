import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUPTALK = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

async function createUser(userName: string, extra: Record<string, unknown> = {}) {
  const response = await service.request('POST', '/Users', {
    schemas: [USER],
    userName,
    active: true,
    ...extra,
  });
  expect(response.status).toBe(201);
  return response.body as { id: string } & Record<string, unknown>;
}

describe('POST /Users', () => {
  it('creates a user with both extensions and answers 201 with Location, ETag and meta', async () => {
    const response = await service.request('POST', '/Users', {
      schemas: [USER, ENTERPRISE],
      userName: 'create.one@example.com',
      externalId: 'ext-create-one',
      name: { givenName: 'Create', familyName: 'One' },
      emails: [{ type: 'work', value: 'create.one@example.com', primary: true }],
      [ENTERPRISE]: { costCenter: '4130', organization: 'GroupTalk' },
      [GROUPTALK]: { label1: 'dispatch', label5: 'night' },
      meta: { resourceType: 'User' },
    });

    expect(response.status).toBe(201);
    const user = response.body;
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.location).toBe(`${service.url}/Users/${user.id}`);
    expect(response.headers.etag).toBe(user.meta.version);
    expect(response.headers['content-type']).toContain('application/scim+json');
    expect(user.meta).toMatchObject({ resourceType: 'User', location: response.headers.location });
    expect(user.schemas).toEqual([USER, ENTERPRISE, GROUPTALK]);
    expect(user[ENTERPRISE]).toEqual({ costCenter: '4130', organization: 'GroupTalk' });
    expect(user[GROUPTALK]).toEqual({ label1: 'dispatch', label5: 'night' });

    const read = await service.request('GET', `/Users/${user.id}`);
    expect(read.status).toBe(200);
    expect(read.body.userName).toBe('create.one@example.com');
  });

  it('refuses a second user with the same userName in another case with 409 uniqueness', async () => {
    await createUser('Dup.User@example.com');

    const response = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'dup.user@EXAMPLE.com',
    });

    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
  });

  it('names the user holding the userName in the 409 detail (a retried POST finds it)', async () => {
    const existing = await createUser('Held.Name@example.com');

    const response = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'held.name@example.com',
    });

    expect(response.status).toBe(409);
    expect(response.body.detail).toContain(existing.id);
  });

  it('gives one 201 and 409s when the same userName is created concurrently', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 12 }, () =>
        service.request('POST', '/Users', { schemas: [USER], userName: 'race@example.com' }),
      ),
    );

    const statuses = attempts.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(11);
    const list = await service.request('GET', '/Users?filter=userName eq "race@example.com"');
    expect(list.body.totalResults).toBe(1);
  });

  it.each([
    ['malformed JSON', '{"userName": ', 'invalidSyntax'],
    ['a missing userName', { schemas: [USER], displayName: 'No Name' }, 'invalidValue'],
    ['a wrong type', { schemas: [USER], userName: 'typed', active: 'sometimes' }, 'invalidValue'],
    ['an array body', [], 'invalidSyntax'],
  ])('answers 400 to %s and stores nothing', async (_case, body, scimType) => {
    const response = await service.request('POST', '/Users', body);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: '400', scimType });
  });
});

describe('GET /Users', () => {
  it('answers a lookup that matches nothing with 200 and an empty ListResponse', async () => {
    const response = await service.request('GET', '/Users?filter=userName+eq+%22nobody%22');

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      Resources: [],
      startIndex: 1,
    });
  });

  it('finds a user by each matching attribute Entra uses', async () => {
    const user = await createUser('Lookup.Me@example.com', {
      externalId: 'ext-lookup',
      emails: [{ type: 'work', value: 'Lookup.Work@example.com' }],
      phoneNumbers: [{ type: 'mobile', value: '+1 425 555 0100' }],
    });

    for (const filter of [
      'userName eq "lookup.me@EXAMPLE.com"',
      'externalId eq "ext-lookup"',
      'externalId eq ext-lookup',
      'emails[type eq "work"].value eq "lookup.work@example.com"',
      'phoneNumbers[type eq "mobile"].value eq "+1 425 555 0100"',
      `id eq "${user.id}"`,
    ]) {
      const response = await service.request('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(response.status, filter).toBe(200);
      expect(response.body.totalResults, filter).toBe(1);
      expect(response.body.Resources[0].id, filter).toBe(user.id);
    }
  });

  it('answers an invalid filter with 400 invalidFilter', async () => {
    const response = await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq')}`,
    );

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });
});

describe('PATCH /Users/{id}', () => {
  it('disables a user with Entra\'s default-dialect "False" string and keeps it visible', async () => {
    const user = await createUser('disable.me@example.com');

    const response = await service.request('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });

    expect(response.status).toBe(204);
    const read = await service.request('GET', `/Users/${user.id}`);
    expect(read.body.active).toBe(false);
    const found = await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "disable.me@example.com"')}`,
    );
    expect(found.body.totalResults).toBe(1);
  });
});

describe('DELETE /Users/{id}', () => {
  it('deletes a user, then answers 404 and frees its userName', async () => {
    const user = await createUser('delete.me@example.com');

    expect((await service.request('DELETE', `/Users/${user.id}`)).status).toBe(204);

    const read = await service.request('GET', `/Users/${user.id}`);
    expect(read.status).toBe(404);
    expect(read.body).toMatchObject({ status: '404' });
    expect((await service.request('DELETE', `/Users/${user.id}`)).status).toBe(404);
    await createUser('delete.me@example.com');
  });
});
