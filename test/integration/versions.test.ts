import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

async function createUser(userName: string) {
  const response = await service.request('POST', '/Users', { schemas: [USER], userName });
  expect(response.status).toBe(201);
  return { id: response.body.id as string, etag: response.headers.etag as string };
}

describe('ETags on /Users/{id} (RFC 7644 §3.14)', () => {
  it('gives every response the ETag that meta.version holds, and a new one on every write', async () => {
    const user = await createUser('etag.writes');

    const read = await service.request('GET', `/Users/${user.id}`);
    const patched = await service.request('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'nickName', value: 'E' }],
    });

    expect(read.headers.etag).toBe(user.etag);
    expect(read.body.meta.version).toBe(user.etag);
    expect(patched.headers.etag).not.toBe(user.etag);
  });

  it('answers GET with If-None-Match naming the current version with 304, the ETag and no body', async () => {
    const user = await createUser('etag.unchanged');

    const response = await service.request('GET', `/Users/${user.id}`, undefined, {
      'if-none-match': user.etag,
    });

    expect(response.status).toBe(304);
    expect(response.headers.etag).toBe(user.etag);
    expect(response.text).toBe('');
  });

  it('answers GET with If-None-Match naming an older version with 200 and the resource', async () => {
    const user = await createUser('etag.changed');
    await service.request('PUT', `/Users/${user.id}`, {
      schemas: [USER],
      userName: 'etag.changed',
      title: 'New',
    });

    const response = await service.request('GET', `/Users/${user.id}`, undefined, {
      'if-none-match': `W/"0", ${user.etag}`,
    });

    expect(response.status).toBe(200);
    expect(response.body.title).toBe('New');
  });

  it('answers GET with If-None-Match: * with 304 for an existing user and 404 for a missing one', async () => {
    const user = await createUser('etag.star');

    const existing = await service.request('GET', `/Users/${user.id}`, undefined, {
      'if-none-match': '*',
    });
    const missing = await service.request('GET', '/Users/no-such-user', undefined, {
      'if-none-match': '*',
    });

    expect(existing.status).toBe(304);
    expect(missing.status).toBe(404);
  });

  it.each([
    ['PUT', { schemas: [USER], userName: 'etag.stale' }],
    ['PATCH', { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'title', value: 'x' }] }],
    ['DELETE', undefined],
  ])('answers %s with a stale If-Match with 412 and changes nothing', async (method, body) => {
    const user = await createUser(`etag.stale.${method.toLowerCase()}`);
    const current = await service.request('PUT', `/Users/${user.id}`, {
      schemas: [USER],
      userName: `etag.stale.${method.toLowerCase()}`,
      nickName: 'current',
    });

    const response = await service.request(
      method,
      `/Users/${user.id}`,
      body === undefined
        ? undefined
        : {
            ...body,
            ...(method === 'PUT' ? { userName: `etag.stale.${method.toLowerCase()}` } : {}),
          },
      { 'if-match': user.etag },
    );

    expect(response.status).toBe(412);
    const read = await service.request('GET', `/Users/${user.id}`);
    expect(read.headers.etag).toBe(current.headers.etag);
    expect(read.body.nickName).toBe('current');
  });

  it('accepts a write whose If-Match names the current version', async () => {
    const user = await createUser('etag.current');

    const response = await service.request(
      'PATCH',
      `/Users/${user.id}`,
      { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'title', value: 'ok' }] },
      { 'if-match': user.etag },
    );

    expect(response.status).toBe(204);
  });
});

describe('ETags on /Groups/{id}', () => {
  it('answers GET without members and If-None-Match naming the current version with 304, and 200 once it changed', async () => {
    const created = await service.request('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'etag.group',
    });
    const path = `/Groups/${created.body.id}?excludedAttributes=members`;

    const unchanged = await service.request('GET', path, undefined, {
      'if-none-match': created.headers.etag,
    });
    await service.request('PATCH', `/Groups/${created.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'displayName', value: 'etag.group.renamed' }],
    });
    const changed = await service.request('GET', path, undefined, {
      'if-none-match': created.headers.etag,
    });

    expect(unchanged.status).toBe(304);
    expect(unchanged.headers.etag).toBe(created.headers.etag);
    expect(unchanged.text).toBe('');
    expect(changed.status).toBe(200);
    expect(changed.body.displayName).toBe('etag.group.renamed');
  });

  it('answers GET with members with 200 whatever If-None-Match says: a user DELETE removes members without a new version', async () => {
    const { id: leaving } = await createUser('etag.leaving@example.com');
    const created = await service.request('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'etag.members',
      members: [{ value: leaving }],
    });
    await service.request('DELETE', `/Users/${leaving}`);

    const read = await service.request('GET', `/Groups/${created.body.id}`, undefined, {
      'if-none-match': created.headers.etag,
    });

    expect(read.status).toBe(200);
    expect(read.body.members ?? []).toEqual([]);
  });
});
