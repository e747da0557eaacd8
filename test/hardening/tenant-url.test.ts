/**
 * With the Tenant URL configured (`TENANT_URL`, set by the stack), `Location`, `meta.location`,
 * `$ref` and the fallback's redirects come from it, never from the client's `Host` header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const TENANT_URL = 'https://scim.tenant.example/scim/v2';

let service: TestService;
beforeAll(async () => {
  // Before the first request imports a handler, which reads it once.
  process.env.TENANT_URL = TENANT_URL;
  service = await startTestService();
});
afterAll(() => service.close());

describe('TENANT_URL', () => {
  it('builds Location and meta.location of a created user from the Tenant URL, whatever Host says', async () => {
    // Act
    const response = await service.request(
      'POST',
      '/Users',
      { schemas: [USER], userName: 'located@example.com' },
      { host: 'attacker.example' },
    );

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.location).toBe(`${TENANT_URL}/Users/${response.body.id}`);
    expect(response.body.meta.location).toBe(`${TENANT_URL}/Users/${response.body.id}`);
  });

  it('builds member $ref values and the trailing-slash redirect from the Tenant URL', async () => {
    // Prepare
    const user = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'member.ref@example.com',
    });
    const group = await service.request('POST', '/Groups', {
      displayName: 'Referenced',
      members: [{ value: user.body.id }],
    });

    // Act
    const read = await service.request('GET', `/Groups/${group.body.id}`, undefined, {
      host: 'attacker.example',
    });
    // fetch must not follow the redirect (to a host that does not resolve here).
    const redirect = await fetch(`${service.url}/Users/?count=1`, {
      headers: { authorization: `Bearer ${service.token}`, host: 'attacker.example' },
      redirect: 'manual',
    });

    // Assess
    expect(read.body.members[0].$ref).toBe(`${TENANT_URL}/Users/${user.body.id}`);
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe(`${TENANT_URL}/Users?count=1`);
  });
});
