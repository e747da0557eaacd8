import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
  for (const [userName, title] of [
    ['search.anna', 'Dispatcher'],
    ['search.bert', 'Driver'],
    ['search.cleo', 'Dispatcher'],
    ['other.dave', 'Dispatcher'],
  ]) {
    const created = await service.request('POST', '/Users', {
      schemas: [USER],
      userName,
      title,
      emails: [{ type: 'work', value: `${userName}@example.com` }],
    });
    expect(created.status).toBe(201);
  }
});
afterAll(() => service.close());

describe('POST /Users/.search', () => {
  it('answers a SearchRequest like the equivalent GET /Users (RFC 7644 §3.4.3)', async () => {
    // Act
    const response = await service.request('POST', '/Users/.search', {
      schemas: [SEARCH_REQUEST],
      filter: 'userName sw "search." and title eq "Dispatcher"',
      attributes: ['userName'],
      startIndex: 1,
      count: 10,
    });
    const get = await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName sw "search." and title eq "Dispatcher"')}&attributes=userName`,
    );

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      schemas: [LIST_RESPONSE],
      totalResults: 2,
      startIndex: 1,
    });
    expect(response.body.Resources).toEqual(get.body.Resources);
    for (const user of response.body.Resources) {
      expect(Object.keys(user).sort()).toEqual(['id', 'schemas', 'userName']);
    }
  });

  it('pages with startIndex and count given as numbers', async () => {
    const response = await service.request('POST', '/Users/.search', {
      filter: 'userName sw "search."',
      startIndex: 2,
      count: 1,
    });

    expect(response.body).toMatchObject({ totalResults: 3, itemsPerPage: 1, startIndex: 2 });
  });

  it('applies excludedAttributes from the body', async () => {
    const response = await service.request('POST', '/Users/.search', {
      filter: 'userName eq "search.bert"',
      excludedAttributes: ['emails', 'title'],
    });

    expect(response.body.Resources[0].userName).toBe('search.bert');
    expect(response.body.Resources[0].emails).toBeUndefined();
    expect(response.body.Resources[0].title).toBeUndefined();
  });

  it('answers an empty body with every user, like GET /Users', async () => {
    const response = await service.request('POST', '/Users/.search', {});

    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(4);
  });

  it.each([
    ['a malformed filter', { filter: 'userName eq' }, 'invalidFilter'],
    ['a filter that is not a string', { filter: 5 }, 'invalidValue'],
    ['attributes that are not strings', { attributes: [1, 2] }, 'invalidValue'],
    ['a body that is not an object', [], 'invalidSyntax'],
  ])('answers %s with 400', async (_case, body, scimType) => {
    const response = await service.request('POST', '/Users/.search', body);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: '400', scimType });
  });

  it('filters on schemas, as RFC 7644 §3.4.2.2 shows (users with enterprise data)', async () => {
    const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    await service.request('POST', '/Users', {
      schemas: [USER, enterprise],
      userName: 'search.enterprise',
      [enterprise]: { department: 'Ops' },
    });

    const response = await service.request('POST', '/Users/.search', {
      filter: `schemas eq "${enterprise}"`,
      attributes: ['userName'],
    });

    expect(response.body.Resources.map((user: { userName: string }) => user.userName)).toEqual([
      'search.enterprise',
    ]);
  });

  it('is not mistaken for GET /Users/{id} with the id ".search"', async () => {
    const response = await service.request('GET', '/Users/.search');

    expect(response.status).toBe(404);
  });
});

describe('POST /Groups/.search', () => {
  it('answers a SearchRequest on groups, members left out unless asked for', async () => {
    const created = await service.request('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Search Crew',
    });
    expect(created.status).toBe(201);

    const response = await service.request('POST', '/Groups/.search', {
      schemas: [SEARCH_REQUEST],
      filter: 'displayName eq "search crew"',
      excludedAttributes: ['members'],
    });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 1 });
    expect(response.body.Resources[0]).toMatchObject({
      id: created.body.id,
      displayName: 'Search Crew',
    });
  });
});
