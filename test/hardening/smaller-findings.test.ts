/**
 * The smaller findings of issue 10 item 4, over HTTP against DynamoDB Local: Group members are
 * users (schema and read-back), the fallback's redirect cannot carry CR/LF, `/Me` and root
 * `/.search` answer 501, core attributes nested under the core schema URN are read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolation } from '../fuzz/checks.js';
import { startTestService, type TestResponse, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

async function send(method: string, path: string, body?: unknown): Promise<TestResponse> {
  const response = await service.request(method, path, body);
  expect(contractViolation(response)).toBeUndefined();
  return response;
}

describe('Group members are users', () => {
  it('advertises members.$ref referencing User only and members.type canonical value User', async () => {
    // Act
    const response = await send('GET', `/Schemas/${GROUP}`);

    // Assess
    const members = response.body.attributes.find((a: { name: string }) => a.name === 'members');
    const sub = (name: string) =>
      members.subAttributes.find((a: { name: string }) => a.name === name);
    expect(sub('$ref').referenceTypes).toEqual(['User']);
    expect(sub('type').canonicalValues).toEqual(['User']);
  });

  it('reads a member back with "type": "User"', async () => {
    // Prepare
    const user = await send('POST', '/Users', { schemas: [USER], userName: 'typed@example.com' });
    const group = await send('POST', '/Groups', {
      displayName: 'Typed members',
      members: [{ value: user.body.id }],
    });

    // Act
    const read = await send('GET', `/Groups/${group.body.id}`);

    // Assess
    expect(read.body.members).toEqual([
      { value: user.body.id, $ref: `${service.url}/Users/${user.body.id}`, type: 'User' },
    ]);
  });
});

describe('unimplemented SCIM endpoints', () => {
  it.each([
    ['GET', '/Me'],
    ['PATCH', '/Me'],
    ['DELETE', '/Me/'],
    ['POST', '/.search'],
  ])('answers %s %s with a SCIM 501 error', async (method, path) => {
    // Act
    const response = await send(method, path, method === 'GET' ? undefined : {});

    // Assess
    expect(response.status).toBe(501);
    expect(response.body).toMatchObject({ schemas: [ERROR], status: '501' });
  });

  it('still answers an unknown path with 404', async () => {
    // Act
    const response = await send('GET', '/Mentions');

    // Assess
    expect(response.status).toBe(404);
  });
});

describe('the trailing-slash redirect', () => {
  it('percent-encodes CR, LF and other characters of the path in Location, adding no header', async () => {
    // Act: fetch must not follow the redirect, to show it.
    const response = await fetch(`${service.url}/Users/a%0D%0ASet-Cookie:%20x=1%25/`, {
      headers: { authorization: `Bearer ${service.token}` },
      redirect: 'manual',
    });

    // Assess
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe(
      `${service.url}/Users/a%0D%0ASet-Cookie:%20x=1%25`,
    );
    expect(response.headers.get('set-cookie')).toBeNull();
  });
});

describe('core attributes under the core schema URN', () => {
  it('creates a user from a body whose core attributes sit in an object under the core URN', async () => {
    // Act
    const response = await send('POST', '/Users', {
      schemas: [USER],
      [USER]: {
        userName: 'nested.core@example.com',
        name: { givenName: 'Nested' },
        emails: [{ value: 'nested.core@example.com', type: 'work' }],
      },
    });

    // Assess
    expect(response.status).toBe(201);
    expect(response.body.userName).toBe('nested.core@example.com');
    expect(response.body.name).toEqual({ givenName: 'Nested' });
    expect(response.body[USER]).toBeUndefined();
  });

  it('lets a top-level attribute win over the same one under the core URN in a PUT', async () => {
    // Prepare
    const user = await send('POST', '/Users', { schemas: [USER], userName: 'both@example.com' });

    // Act
    const response = await send('PUT', `/Users/${user.body.id}`, {
      schemas: [USER],
      displayName: 'Top level',
      [USER]: { userName: 'both@example.com', displayName: 'Nested', title: 'Dispatcher' },
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.displayName).toBe('Top level');
    expect(response.body.title).toBe('Dispatcher');
  });
});
