import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../shared/config.js';
import { startTestService, type TestResponse, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** userName → title (undefined: none) and cost center. */
const PEOPLE: readonly [string, string | undefined, string | undefined][] = [
  ['page.anna', 'Dispatcher', '200'],
  ['Page.Bert', 'driver', '10'],
  ['page.cleo', undefined, '30'],
  ['PAGE.dave', 'Controller', undefined],
  ['page.emma', 'dispatcher', '200'],
  ['page.finn', 'Apprentice', '5'],
  ['page.gus', undefined, undefined],
  ['page.hana', 'Zookeeper', '7'],
  ['page.ivan', 'Mechanic', '99'],
  ['page.jo', 'Driver', '1'],
  ['page.kim', 'analyst', '42'],
];

let service: TestService;
const ids = new Map<string, string>();
beforeAll(async () => {
  service = await startTestService();
  for (const [userName, title, costCenter] of PEOPLE) {
    const response = await service.request('POST', '/Users', {
      schemas: [USER],
      userName,
      ...(title ? { title } : {}),
      ...(costCenter ? { [ENTERPRISE]: { costCenter } } : {}),
    });
    expect(response.status).toBe(201);
    ids.set(userName, response.body.id);
  }
});
afterAll(() => service.close());

const names = (response: TestResponse) =>
  response.body.Resources.map((user: { userName: string }) => user.userName);

const byName = [...PEOPLE.map(([userName]) => userName)].sort((a, b) =>
  a.toLowerCase() < b.toLowerCase() ? -1 : 1,
);

async function list(query: string) {
  const response = await service.request('GET', `/Users?${query}`);
  expect(response.status, response.text).toBe(200);
  return response;
}

/** Follows nextCursor from an empty cursor to the last page; returns every page. */
async function walkCursor(path: string, query: string): Promise<TestResponse[]> {
  const pages: TestResponse[] = [];
  let cursor = '';
  for (let guard = 0; guard < 100; guard++) {
    const response = await service.request('GET', `${path}?${query}&cursor=${cursor}`);
    expect(response.status, response.text).toBe(200);
    pages.push(response);
    if (response.body.nextCursor === undefined) return pages;
    cursor = response.body.nextCursor;
  }
  throw new Error('cursor paging did not end');
}

describe('GET /Users sorting (RFC 7644 §3.4.2.3)', () => {
  it('lists in name order by default and by sortBy=userName, case-insensitively, either way', async () => {
    const plain = await list('count=50');
    const ascending = await list('sortBy=userName&count=50');
    const descending = await list('sortBy=userName&sortOrder=descending&count=50');

    expect(names(plain)).toEqual(byName);
    expect(names(ascending)).toEqual(byName);
    expect(names(descending)).toEqual([...byName].reverse());
  });

  it('sorts by a case-insensitive string, resources without it last when ascending and first when descending', async () => {
    const ascending = await list('sortBy=title&count=50&attributes=title');
    const descending = await list('sortBy=title&sortOrder=descending&count=50&attributes=title');

    const titles = (response: TestResponse) =>
      response.body.Resources.map((user: { title?: string }) => user.title ?? null);
    expect(titles(ascending)).toEqual([
      'analyst',
      'Apprentice',
      'Controller',
      'Dispatcher',
      'dispatcher',
      'driver',
      'Driver',
      'Mechanic',
      'Zookeeper',
      null,
      null,
    ]);
    expect(titles(descending)).toEqual([...titles(ascending)].reverse());
  });

  it('sorts an extension attribute as its type says (a string: "10" before "5")', async () => {
    const response = await list(
      `sortBy=${ENTERPRISE}:costCenter&filter=${encodeURIComponent('costCenter pr')}`,
    );

    expect(
      response.body.Resources.map(
        (user: Record<string, { costCenter: string }>) => user[ENTERPRISE]?.costCenter,
      ),
    ).toEqual(['1', '10', '200', '200', '30', '42', '5', '7', '99']);
  });

  it('sorts the matches of a filter and pages through the sorted order by index', async () => {
    const first = await list(`filter=${encodeURIComponent('title pr')}&sortBy=title&count=4`);
    const second = await list(
      `filter=${encodeURIComponent('title pr')}&sortBy=title&count=4&startIndex=5`,
    );

    expect(first.body).toMatchObject({ totalResults: 9, itemsPerPage: 4, startIndex: 1 });
    expect(names(first)).toEqual(['page.kim', 'page.finn', 'PAGE.dave', 'page.anna']);
    expect(names(second)).toEqual(['page.emma', 'Page.Bert', 'page.jo', 'page.ivan']);
  });

  it.each([
    ['an unknown attribute', 'sortBy=shoeSize'],
    ['a complex attribute without a value', 'sortBy=name'],
    ['an unknown sortOrder', 'sortBy=userName&sortOrder=sideways'],
  ])('answers %s with 400 invalidValue', async (_case, query) => {
    const response = await service.request('GET', `/Users?${query}`);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
  });
});

describe('GET /Users index paging (RFC 7644 §3.4.2.4)', () => {
  it('pages through name order with startIndex and count, 1-based', async () => {
    const page = await list('startIndex=4&count=3');

    expect(page.body).toMatchObject({ totalResults: 11, startIndex: 4, itemsPerPage: 3 });
    expect(names(page)).toEqual(byName.slice(3, 6));
  });

  it('caps count at the maximum page size and answers count=0 with the total only', async () => {
    const capped = await list(`count=${limits.maxPageSize + 1}`);
    const none = await list('count=0');

    expect(capped.body.itemsPerPage).toBe(11);
    expect(none.body).toMatchObject({ totalResults: 11, itemsPerPage: 0, Resources: [] });
  });

  it('refuses to skip more resources than one request may read, pointing at cursor paging', async () => {
    const response = await service.request(
      'GET',
      `/Users?startIndex=${limits.maxFilterCandidates + 2}`,
    );

    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('tooMany');
    expect(response.body.detail).toContain('cursor');
  });
});

describe('GET /Users cursor paging (RFC 9865)', () => {
  it('walks every user once, in name order, with a total and no nextCursor on the last page', async () => {
    const pages = await walkCursor('/Users', 'count=3');

    expect(pages.flatMap(names)).toEqual(byName);
    expect(pages).toHaveLength(4);
    for (const page of pages) {
      expect(page.body.totalResults).toBe(11);
      expect(page.body.startIndex).toBeUndefined();
      expect(page.body.itemsPerPage).toBe(page.body.Resources.length);
    }
    expect(pages[0]?.body.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('reads one page of the index per request at any depth', async () => {
    const pages = await walkCursor('/Users', 'count=2');

    const last = pages[pages.length - 1] as TestResponse;
    // One Query for the page, one for the counter: the same on page 6 as on page 1.
    expect(JSON.parse(last.headers['x-store-commands'] as string)).toEqual({ QueryCommand: 2 });
  });

  it('walks in reverse with sortOrder=descending', async () => {
    const pages = await walkCursor('/Users', 'count=4&sortBy=userName&sortOrder=descending');

    expect(pages.flatMap(names)).toEqual([...byName].reverse());
  });

  it('walks the matches of a filter no index answers, leaving out the unknown total', async () => {
    const pages = await walkCursor('/Users', `count=2&filter=${encodeURIComponent('title pr')}`);

    expect(pages.flatMap(names)).toEqual(
      byName.filter((name) => PEOPLE.find(([userName]) => userName === name)?.[1] !== undefined),
    );
    expect(pages[0]?.body.totalResults).toBeUndefined();
  });

  it('walks a sorted order with the same cursor interface', async () => {
    const pages = await walkCursor('/Users', 'count=5&sortBy=title&sortOrder=descending');
    const index = await list('count=50&sortBy=title&sortOrder=descending');

    expect(pages.flatMap(names)).toEqual(names(index));
    expect(pages[0]?.body.totalResults).toBe(11);
  });

  it('answers a lookup by an indexed attribute with one page and no cursor', async () => {
    const pages = await walkCursor(
      '/Users',
      `filter=${encodeURIComponent('userName eq "page.jo"')}`,
    );

    expect(pages).toHaveLength(1);
    expect(names(pages[0] as TestResponse)).toEqual(['page.jo']);
  });

  it('pages by cursor through POST /Users/.search too', async () => {
    const first = await service.request('POST', '/Users/.search', { cursor: '', count: 6 });
    const second = await service.request('POST', '/Users/.search', {
      cursor: first.body.nextCursor,
      count: 6,
    });

    expect([...names(first), ...names(second)]).toEqual(byName);
    expect(second.body.nextCursor).toBeUndefined();
  });

  it.each([
    ['garbage', 'cursor=%21%21%21'],
    ['base64 that is not a cursor', `cursor=${Buffer.from('{"v":1}').toString('base64url')}`],
  ])('answers %s with 400 invalidCursor', async (_case, query) => {
    const response = await service.request('GET', `/Users?${query}`);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: '400', scimType: 'invalidCursor' });
  });

  it('refuses the cursor of another query with 400 invalidCursor', async () => {
    const first = await list('cursor=&count=2');

    const response = await service.request(
      'GET',
      `/Users?cursor=${first.body.nextCursor}&count=2&sortBy=title`,
    );

    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidCursor');
  });

  it.each(['0', '-1', 'ten'])('answers count=%s with 400 invalidCount', async (count) => {
    const response = await service.request('GET', `/Users?cursor=&count=${count}`);

    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidCount');
  });
});

describe('GET /Groups sorting and paging', () => {
  it('sorts groups by displayName and pages them by cursor', async () => {
    for (const displayName of ['Night Shift', 'alpha team', 'Day Shift', 'Crew']) {
      const created = await service.request('POST', '/Groups', { schemas: [GROUP], displayName });
      expect(created.status).toBe(201);
    }

    const pages = await walkCursor('/Groups', 'count=3&sortBy=displayName&sortOrder=descending');
    const search = await service.request('POST', '/Groups/.search', {
      sortBy: 'displayName',
      attributes: ['displayName'],
    });

    const displayNames = (response: TestResponse) =>
      response.body.Resources.map((group: { displayName: string }) => group.displayName);
    expect(pages.flatMap(displayNames)).toEqual(['Night Shift', 'Day Shift', 'Crew', 'alpha team']);
    expect(displayNames(search)).toEqual(['alpha team', 'Crew', 'Day Shift', 'Night Shift']);
  });
});
