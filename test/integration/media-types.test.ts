import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

describe('data input and output formats (RFC 7644 §3.8)', () => {
  it.each(['application/scim+json', 'application/json', 'application/scim+json; charset=utf-8'])(
    'accepts a %s body and answers application/scim+json',
    async (contentType) => {
      const response = await service.request(
        'POST',
        '/Users',
        { schemas: [USER], userName: `media.${contentType.replace(/\W/g, '')}` },
        { 'content-type': contentType },
      );

      expect(response.status).toBe(201);
      expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    },
  );

  it('refuses a body that is not JSON by its media type with 415 and a SCIM error', async () => {
    const response = await service.request('POST', '/Users', 'userName=media.form', {
      'content-type': 'application/x-www-form-urlencoded',
    });

    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '415',
    });
  });
});
