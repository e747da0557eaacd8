import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

const body = (userName: string) => ({
  schemas: [USER, ENTERPRISE],
  userName,
  password: 'never-returned',
  title: 'Dispatcher',
  name: { givenName: 'Pro', familyName: 'Jection' },
  emails: [{ type: 'work', value: `${userName}@example.com` }],
  [ENTERPRISE]: { costCenter: '4130', department: 'Ops' },
});

describe('attributes and excludedAttributes on every response with a resource (RFC 7644 §3.9)', () => {
  it('POST returns the attributes asked for, plus id and schemas (returned "always")', async () => {
    const response = await service.request(
      'POST',
      '/Users?attributes=userName,name.givenName',
      body('proj.post'),
    );

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      schemas: [USER],
      id: expect.any(String),
      userName: 'proj.post',
      name: { givenName: 'Pro' },
    });
  });

  it('GET leaves out what excludedAttributes names, a sub-attribute or a whole extension', async () => {
    const created = await service.request('POST', '/Users', body('proj.get'));

    const response = await service.request(
      'GET',
      `/Users/${created.body.id}?excludedAttributes=name.familyName,${ENTERPRISE},title`,
    );

    expect(response.body.name).toEqual({ givenName: 'Pro' });
    expect(response.body.title).toBeUndefined();
    expect(response.body[ENTERPRISE]).toBeUndefined();
    expect(response.body.schemas).toEqual([USER]);
    expect(response.body.id).toBe(created.body.id);
  });

  it('never returns password (returned "never"), even when asked for', async () => {
    const created = await service.request('POST', '/Users', body('proj.password'));

    const asked = await service.request('GET', `/Users/${created.body.id}?attributes=password`);

    expect(created.text).not.toContain('never-returned');
    expect(asked.body).toEqual({ schemas: [USER], id: created.body.id });
  });

  it('applies to each resource of a list', async () => {
    await service.request('POST', '/Users', body('proj.list'));

    const response = await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "proj.list"')}&attributes=${ENTERPRISE}:costCenter`,
    );

    expect(response.body.Resources).toEqual([
      { schemas: [USER, ENTERPRISE], id: expect.any(String), [ENTERPRISE]: { costCenter: '4130' } },
    ]);
  });

  it('applies to PUT, and to PATCH, which then answers 200 with the resource instead of 204', async () => {
    const created = await service.request('POST', '/Users', body('proj.write'));

    const put = await service.request('PUT', `/Users/${created.body.id}?attributes=title`, {
      ...body('proj.write'),
      title: 'Driver',
    });
    const patch = await service.request(
      'PATCH',
      `/Users/${created.body.id}?excludedAttributes=emails,name,${ENTERPRISE},meta`,
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Lead' }] },
    );

    expect(put.body).toEqual({ schemas: [USER], id: created.body.id, title: 'Driver' });
    expect(patch.status).toBe(200);
    expect(patch.body).toEqual({
      schemas: [USER],
      id: created.body.id,
      userName: 'proj.write',
      title: 'Lead',
    });
  });
});

describe('PUT /Users/{id} mutability (RFC 7644 §3.5.1)', () => {
  it('ignores readOnly values in the body (id, meta, groups) and keeps the server ones', async () => {
    const created = await service.request('POST', '/Users', body('put.readonly'));

    const response = await service.request('PUT', `/Users/${created.body.id}`, {
      ...body('put.readonly'),
      id: 'client-chosen',
      meta: { created: '1999-01-01T00:00:00Z', resourceType: 'Group' },
      groups: [{ value: 'some-group' }],
    });

    expect(response.status).toBe(200);
    expect(response.body.id).toBe(created.body.id);
    expect(response.body.meta.created).toBe(created.body.meta.created);
    expect(response.body.meta.resourceType).toBe('User');
    expect(response.body.groups).toBeUndefined();
  });

  it('replaces the whole resource: attributes the body leaves out are removed', async () => {
    const created = await service.request('POST', '/Users', body('put.replace'));

    const response = await service.request('PUT', `/Users/${created.body.id}`, {
      schemas: [USER],
      userName: 'put.replace',
    });

    expect(response.body.title).toBeUndefined();
    expect(response.body[ENTERPRISE]).toBeUndefined();
  });

  it('enforces required attributes: no userName is 400 invalidValue and changes nothing', async () => {
    const created = await service.request('POST', '/Users', body('put.required'));

    const response = await service.request('PUT', `/Users/${created.body.id}`, {
      schemas: [USER],
      title: 'Nameless',
    });

    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
    const read = await service.request('GET', `/Users/${created.body.id}`);
    expect(read.body.title).toBe('Dispatcher');
  });

  it('keeps one primary value of a multi-valued attribute', async () => {
    const created = await service.request('POST', '/Users', body('put.primary'));

    const response = await service.request('PUT', `/Users/${created.body.id}`, {
      schemas: [USER],
      userName: 'put.primary',
      emails: [
        { type: 'work', value: 'a@example.com', primary: true },
        { type: 'home', value: 'b@example.com', primary: true },
      ],
    });

    expect(
      response.body.emails.filter((email: { primary?: boolean }) => email.primary === true),
    ).toHaveLength(1);
  });
});
