import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../shared/config.js';
import { startTestService, type TestService } from '../support/service.js';

const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUPTALK_USER = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User';
const GROUPTALK_GROUP = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:Group';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

/** Every key of every object in `value`, at any depth, whose value is null. */
function nullPaths(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (Array.isArray(value))
    return value.flatMap((item, index) => nullPaths(item, `${path}[${index}]`));
  if (typeof value === 'object') {
    return Object.entries(value as object).flatMap(([key, item]) =>
      nullPaths(item, `${path}.${key}`),
    );
  }
  return [];
}

describe('GET /ServiceProviderConfig', () => {
  it('advertises what the service does, with the limits it enforces (RFC 7643 §5, RFC 9865 §4)', async () => {
    // Act
    const response = await service.request('GET', '/ServiceProviderConfig');

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('application/scim+json');
    expect(response.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: {
        supported: true,
        maxOperations: limits.maxBulkOperations,
        maxPayloadSize: limits.maxBodyBytes,
      },
      filter: { supported: true, maxResults: limits.maxPageSize },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      pagination: {
        cursor: true,
        index: true,
        defaultPaginationMethod: 'index',
        defaultPageSize: limits.defaultPageSize,
        maxPageSize: limits.maxPageSize,
        cursorTimeout: expect.any(Number),
      },
      meta: {
        resourceType: 'ServiceProviderConfig',
        location: `${service.url}/ServiceProviderConfig`,
      },
    });
    expect(response.body.authenticationSchemes).toEqual([
      expect.objectContaining({
        type: 'oauthbearertoken',
        primary: true,
        name: expect.any(String),
      }),
    ]);
    expect(nullPaths(response.body)).toEqual([]);
  });

  it('refuses a filter with 403, so that no client believes its conditions held (RFC 7644 §4)', async () => {
    const response = await service.request(
      'GET',
      `/ServiceProviderConfig?filter=${encodeURIComponent('patch.supported eq true')}`,
    );

    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ status: '403' });
  });

  it('requires the bearer token, as every endpoint does', async () => {
    const response = await service.request('GET', '/ServiceProviderConfig', undefined, {
      authorization: undefined,
    });

    expect(response.status).toBe(401);
  });
});

describe('GET /ResourceTypes', () => {
  it('lists User then Group in a ListResponse with their schemas and extensions (RFC 7643 §6)', async () => {
    const response = await service.request('GET', '/ResourceTypes');

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      schemas: [LIST_RESPONSE],
      totalResults: 2,
      itemsPerPage: 2,
      startIndex: 1,
    });
    expect(response.body.Resources).toEqual([
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'User',
        name: 'User',
        endpoint: '/Users',
        description: 'User Account',
        schema: USER,
        schemaExtensions: [
          { schema: ENTERPRISE, required: false },
          { schema: GROUPTALK_USER, required: false },
        ],
        meta: { resourceType: 'ResourceType', location: `${service.url}/ResourceTypes/User` },
      },
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'Group',
        name: 'Group',
        endpoint: '/Groups',
        description: 'Group',
        schema: GROUP,
        schemaExtensions: [{ schema: GROUPTALK_GROUP, required: false }],
        meta: { resourceType: 'ResourceType', location: `${service.url}/ResourceTypes/Group` },
      },
    ]);
  });

  it('answers GET /ResourceTypes/{id} with the one resource type, and 404 for an unknown one', async () => {
    const found = await service.request('GET', '/ResourceTypes/Group');
    const missing = await service.request('GET', '/ResourceTypes/Device');

    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: 'Group', endpoint: '/Groups', schema: GROUP });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: '404' });
  });
});

describe('GET /Schemas', () => {
  it('lists the core, enterprise and GroupTalk schemas with every attribute characteristic (RFC 7643 §7)', async () => {
    const response = await service.request('GET', '/Schemas');

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 5 });
    const ids = response.body.Resources.map((schema: { id: string }) => schema.id);
    expect(ids).toEqual([USER, GROUP, ENTERPRISE, GROUPTALK_USER, GROUPTALK_GROUP]);
    expect(response.text).toContain('User Account');
    expect(nullPaths(response.body)).toEqual([]);
    const user = response.body.Resources[0];
    expect(user).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      name: 'User',
      description: 'User Account',
      meta: { resourceType: 'Schema', location: `${service.url}/Schemas/${USER}` },
    });
    const userName = user.attributes.find(
      (attribute: { name: string }) => attribute.name === 'userName',
    );
    expect(userName).toEqual({
      name: 'userName',
      type: 'string',
      multiValued: false,
      description: expect.stringContaining('Unique identifier for the User'),
      required: true,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'server',
    });
    const emails = user.attributes.find(
      (attribute: { name: string }) => attribute.name === 'emails',
    );
    expect(emails).toMatchObject({ type: 'complex', multiValued: true });
    expect(emails.subAttributes.map((sub: { name: string }) => sub.name)).toEqual([
      'value',
      'display',
      'type',
      'primary',
    ]);
    const password = user.attributes.find(
      (attribute: { name: string }) => attribute.name === 'password',
    );
    expect(password).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
  });

  it('answers GET /Schemas/{urn} with one schema, the URN in any case, and 404 for an unknown one', async () => {
    const found = await service.request('GET', `/Schemas/${GROUPTALK_USER.toUpperCase()}`);
    const missing = await service.request('GET', '/Schemas/urn:example:unknown');

    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: GROUPTALK_USER, name: 'GroupTalkUser' });
    expect(found.body.attributes.map((attribute: { name: string }) => attribute.name)).toEqual([
      'label1',
      'label2',
      'label3',
      'label4',
      'label5',
    ]);
    expect(missing.status).toBe(404);
  });
});
