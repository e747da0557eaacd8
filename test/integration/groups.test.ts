/**
 * Groups and memberships over HTTP against DynamoDB Local: the request shapes Entra and
 * Microsoft's test suite send, inline (the Entra corpus replay is in groups-entra.test.ts).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../shared/store/client.js';
import { startTestService, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const GROUPTALK_GROUP = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:Group';
const ADSCIM_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

// biome-ignore lint/suspicious/noExplicitAny: resources are read freely in assertions.
type Json = any;

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

let counter = 0;
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

async function createUser(): Promise<string> {
  const response = await service.request('POST', '/Users', {
    schemas: [USER],
    userName: `${unique('member')}@example.com`,
  });
  expect(response.status).toBe(201);
  return response.body.id;
}

async function createUsers(n: number): Promise<string[]> {
  return Promise.all(Array.from({ length: n }, () => createUser()));
}

async function createGroup(extra: Record<string, unknown> = {}): Promise<Json> {
  const response = await service.request('POST', '/Groups', {
    schemas: [GROUP],
    displayName: unique('Group'),
    ...extra,
  });
  expect(response.status, response.text).toBe(201);
  return response.body;
}

function patch(id: string, operations: unknown[], query = '') {
  return service.request('PATCH', `/Groups/${id}${query}`, {
    schemas: [PATCH_OP],
    Operations: operations,
  });
}

async function memberIds(groupId: string): Promise<string[]> {
  const response = await service.request('GET', `/Groups/${groupId}`);
  expect(response.status).toBe(200);
  return (response.body.members ?? []).map((member: Json) => member.value).sort();
}

function list(resource: 'Groups' | 'Users', filter: string, extra = '') {
  return service.request('GET', `/${resource}?filter=${encodeURIComponent(filter)}${extra}`);
}

/** Every item left in a group's partition other than the group itself, read from the table. */
async function membershipItems(groupId: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: service.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `GROUP#${groupId}` },
      ConsistentRead: true,
    }),
  );
  return Items.filter((item) => item.sk !== '#RESOURCE');
}

const sorted = (ids: string[]) => [...ids].sort();

describe('POST /Groups', () => {
  it("creates Entra's empty group, ignoring the ADSCIM schema URN, with Location, ETag and meta", async () => {
    const response = await service.request('POST', '/Groups', {
      schemas: [GROUP, ADSCIM_GROUP],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Dispatch North',
      meta: { resourceType: 'Group' },
    });

    expect(response.status).toBe(201);
    const group = response.body;
    expect(group.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(group.schemas).toEqual([GROUP]);
    expect(group).toMatchObject({
      displayName: 'Dispatch North',
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      meta: { resourceType: 'Group', location: `${service.url}/Groups/${group.id}` },
    });
    expect(group.members).toBeUndefined();
    expect(response.headers.location).toBe(group.meta.location);
    expect(response.headers.etag).toBe(group.meta.version);
  });

  it('keeps the GroupTalk description extension', async () => {
    const group = await createGroup({
      schemas: [GROUP, GROUPTALK_GROUP],
      [GROUPTALK_GROUP]: { description: 'Night shift' },
    });

    const read = await service.request('GET', `/Groups/${group.id}`);
    expect(read.body[GROUPTALK_GROUP]).toEqual({ description: 'Night shift' });
    expect(read.body.schemas).toEqual([GROUP, GROUPTALK_GROUP]);
  });

  it('refuses a displayName taken in another case with 409 uniqueness', async () => {
    await createGroup({ displayName: 'Fire Crew A' });

    const response = await service.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'FIRE crew a',
    });

    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
  });

  it('names the group holding the displayName in the 409 detail (a retried POST finds it)', async () => {
    const existing = await createGroup();

    const response = await service.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName: existing.displayName.toUpperCase(),
    });

    expect(response.status).toBe(409);
    expect(response.body.detail).toContain(existing.id);
  });

  it('creates the memberships a body lists (display tolerated)', async () => {
    const [a, b] = await createUsers(2);

    const group = await createGroup({
      members: [
        { value: a, display: 'VP' },
        { value: b, display: 'SenorVP' },
      ],
    });

    expect(sorted(group.members.map((m: Json) => m.value))).toEqual(sorted([a!, b!]));
    expect(await memberIds(group.id)).toEqual(sorted([a!, b!]));
  });

  it('answers 400 invalidValue naming an unknown member and creates nothing', async () => {
    const known = await createUser();
    const displayName = unique('Never Created');

    const response = await service.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName,
      members: [{ value: known }, { value: 'no-such-user' }],
    });

    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
    expect(response.body.detail).toContain('no-such-user');
    expect(response.body.detail).not.toContain(known);
    const found = await list('Groups', `displayName eq "${displayName}"`);
    expect(found.body.totalResults).toBe(0);
  });

  it('refuses a nested group as a member with 400 invalidValue', async () => {
    const inner = await createGroup();

    const response = await service.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName: unique('Outer'),
      members: [{ value: inner.id, type: 'Group' }],
    });

    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
  });
});

describe('GET /Groups/{id}', () => {
  it('reads only the group item with excludedAttributes=members (1 DynamoDB call)', async () => {
    const users = await createUsers(3);
    const group = await createGroup({ members: users.map((value) => ({ value })) });

    const response = await service.request('GET', `/Groups/${group.id}?excludedAttributes=members`);

    expect(response.status).toBe(200);
    expect(response.body.members).toBeUndefined();
    expect(response.body.displayName).toBe(group.displayName);
    expect(response.headers['x-store-calls']).toBe('1');
    expect(JSON.parse(response.headers['x-store-commands'] ?? '{}')).toEqual({ GetItemCommand: 1 });
  });

  it('returns every member with value, $ref and "type": "User", and no display', async () => {
    const users = await createUsers(3);
    const group = await createGroup({ members: users.map((value) => ({ value })) });

    const response = await service.request('GET', `/Groups/${group.id}`);

    expect(response.status).toBe(200);
    expect(response.body.members).toHaveLength(3);
    for (const member of response.body.members) {
      expect(member).toEqual({
        value: member.value,
        $ref: `${service.url}/Users/${member.value}`,
        type: 'User',
      });
    }
    expect(JSON.parse(response.headers['x-store-commands'] ?? '{}')).toEqual({
      GetItemCommand: 1,
      QueryCommand: 1,
    });
  });

  it('answers 404 for an unknown id', async () => {
    const response = await service.request('GET', '/Groups/40734ae655284ad3abcc');

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: '404' });
  });
});

describe('GET /Groups', () => {
  it('finds a group by displayName (any case), externalId and id with excludedAttributes=members', async () => {
    const group = await createGroup({ displayName: 'Lookup Crew', externalId: 'ext-lookup-crew' });

    for (const filter of [
      'displayName eq "lookup CREW"',
      'externalId eq "ext-lookup-crew"',
      `id eq "${group.id}"`,
    ]) {
      const response = await list('Groups', filter, '&excludedAttributes=members');
      expect(response.status, filter).toBe(200);
      expect(response.body.totalResults, filter).toBe(1);
      expect(response.body.Resources[0].id, filter).toBe(group.id);
      expect(response.body.Resources[0].members, filter).toBeUndefined();
    }
  });

  it('answers a displayName lookup with the group item reads only (guard + item)', async () => {
    const group = await createGroup();

    const response = await list(
      'Groups',
      `displayName eq "${group.displayName}"`,
      '&excludedAttributes=members',
    );

    expect(response.body.totalResults).toBe(1);
    expect(response.headers['x-store-calls']).toBe('2');
  });

  it('answers a lookup that matches nothing with an empty ListResponse', async () => {
    const response = await list(
      'Groups',
      'displayName eq "no such group"',
      '&excludedAttributes=members',
    );

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ totalResults: 0, Resources: [], startIndex: 1 });
  });

  it.each([
    ['id eq "<g>" and members eq "<u>"'],
    ['id eq "<g>" and members[value eq "<u>"]'],
    ['id eq "<g>" and members.value eq "<u>"'],
    ['members[value eq "<u>"]'],
    ['members.value eq "<u>"'],
    ['members eq "<u>"'],
  ])('answers the membership check %s', async (template) => {
    const [member, outsider] = await createUsers(2);
    const group = await createGroup({ members: [{ value: member }] });
    const filterFor = (user: string) =>
      template.replace('<g>', group.id).replace('<u>', user ?? '');

    const hit = await list('Groups', filterFor(member!), '&attributes=id');
    const miss = await list('Groups', filterFor(outsider!), '&attributes=id');

    expect(hit.status).toBe(200);
    expect(hit.body.totalResults).toBe(1);
    expect(hit.body.Resources[0]).toEqual({ schemas: [GROUP], id: group.id });
    expect(miss.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('checks a membership with key reads only (group item + membership item)', async () => {
    const [member] = await createUsers(1);
    const group = await createGroup({ members: [{ value: member }] });

    const response = await list(
      'Groups',
      `id eq "${group.id}" and members eq "${member}"`,
      '&attributes=id',
    );

    expect(response.body.totalResults).toBe(1);
    expect(JSON.parse(response.headers['x-store-commands'] ?? '{}')).toEqual({ GetItemCommand: 2 });
  });

  it('pages through all groups with startIndex and count', async () => {
    await createGroup();
    await createGroup();

    const first = await service.request('GET', '/Groups?startIndex=1&count=1');
    const second = await service.request('GET', '/Groups?startIndex=2&count=1');

    expect(first.body.totalResults).toBeGreaterThanOrEqual(2);
    expect(first.body.Resources).toHaveLength(1);
    expect(second.body.Resources).toHaveLength(1);
    expect(second.body.Resources[0].id).not.toBe(first.body.Resources[0].id);
    expect(first.body.Resources[0].members).toBeUndefined();
  });
});

describe('PATCH /Groups/{id}', () => {
  it('adds several members at once ($ref null, display and displayName tolerated) with 204', async () => {
    const [a, b, c] = await createUsers(3);
    const group = await createGroup();

    const response = await patch(group.id, [
      {
        op: 'Add',
        path: 'members',
        value: [
          { $ref: null, value: a },
          { value: b, display: 'B' },
          { displayName: 'new User', value: c },
        ],
      },
    ]);

    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(response.headers.etag).not.toBe(group.meta.version);
    expect(await memberIds(group.id)).toEqual(sorted([a!, b!, c!]));
  });

  it('accepts bare string member values', async () => {
    const [a, b] = await createUsers(2);
    const group = await createGroup();

    const response = await patch(group.id, [{ op: 'add', path: 'members', value: a }]);
    const again = await patch(group.id, [{ op: 'add', path: 'members', value: [b] }]);

    expect(response.status).toBe(204);
    expect(again.status).toBe(204);
    expect(await memberIds(group.id)).toEqual(sorted([a!, b!]));
  });

  it('removes only the listed members with the default dialect\'s "Remove" and a value list', async () => {
    const [a, b, c] = await createUsers(3);
    const group = await createGroup({ members: [{ value: a }, { value: b }, { value: c }] });

    const response = await patch(group.id, [
      { op: 'Remove', path: 'members', value: [{ $ref: null, value: a }] },
    ]);

    expect(response.status).toBe(204);
    expect(await memberIds(group.id)).toEqual(sorted([b!, c!]));
  });

  it('removes only the member named by members[value eq "…"]', async () => {
    const [a, b] = await createUsers(2);
    const group = await createGroup({ members: [{ value: a }, { value: b }] });

    const response = await patch(group.id, [{ op: 'remove', path: `members[value eq "${b}"]` }]);

    expect(response.status).toBe(204);
    expect(await memberIds(group.id)).toEqual([a]);
  });

  it('removes all members with a remove of members and no value', async () => {
    const users = await createUsers(3);
    const group = await createGroup({ members: users.map((value) => ({ value })) });

    const response = await patch(group.id, [{ op: 'remove', path: 'members' }]);

    expect(response.status).toBe(204);
    expect(await memberIds(group.id)).toEqual([]);
    expect(await membershipItems(group.id)).toEqual([]);
  });

  it('replaces the members with a replace of members', async () => {
    const [a, b, c] = await createUsers(3);
    const group = await createGroup({ members: [{ value: a }, { value: b }] });

    const response = await patch(group.id, [
      { op: 'replace', path: 'members', value: [{ value: b }, { value: c }] },
    ]);

    expect(response.status).toBe(204);
    expect(await memberIds(group.id)).toEqual(sorted([b!, c!]));
  });

  it('applies ordered member operations of one request in order', async () => {
    const [a, b, c] = await createUsers(3);
    const group = await createGroup({ members: [{ value: a }] });

    const response = await patch(group.id, [
      { op: 'remove', path: 'members' },
      { op: 'add', path: 'members', value: [{ value: b }, { value: c }] },
      { op: 'remove', path: `members[value eq "${c}"]` },
    ]);

    expect(response.status).toBe(204);
    expect(await memberIds(group.id)).toEqual([b]);
  });

  it('succeeds and changes nothing when adding a member twice or removing a non-member', async () => {
    const [a, outsider] = await createUsers(2);
    const group = await createGroup({ members: [{ value: a }] });
    const before = await membershipItems(group.id);

    const add = await patch(group.id, [{ op: 'Add', path: 'members', value: [{ value: a }] }]);
    const remove = await patch(group.id, [
      { op: 'Remove', path: 'members', value: [{ value: outsider }] },
    ]);

    expect(add.status).toBe(204);
    expect(remove.status).toBe(204);
    expect(await memberIds(group.id)).toEqual([a]);
    expect(await membershipItems(group.id)).toEqual(before);
  });

  it('answers 400 invalidValue listing unknown member ids and applies nothing of the PATCH', async () => {
    const [known, old] = await createUsers(2);
    const group = await createGroup({ members: [{ value: old }] });

    const response = await patch(group.id, [
      { op: 'Replace', path: 'displayName', value: `${group.displayName} renamed` },
      { op: 'Remove', path: 'members', value: [{ value: old }] },
      { op: 'Add', path: 'members', value: [{ value: known }, { value: 'ghost-1' }] },
      { op: 'add', path: 'members', value: 'ghost-2' },
    ]);

    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
    expect(response.body.detail).toContain('ghost-1');
    expect(response.body.detail).toContain('ghost-2');
    const read = await service.request('GET', `/Groups/${group.id}`);
    expect(read.body.displayName).toBe(group.displayName);
    expect(read.body.meta.version).toBe(group.meta.version);
    expect(read.body.members.map((m: Json) => m.value)).toEqual([old]);
  });

  it('answers 400 invalidValue for an unknown member in a members-only PATCH and writes nothing', async () => {
    const [known] = await createUsers(1);
    const group = await createGroup();

    const response = await patch(group.id, [
      { op: 'add', path: 'members', value: [{ value: known }, { value: 'string id 1' }] },
    ]);

    expect(response.status).toBe(400);
    expect(response.body.detail).toContain('string id 1');
    expect(await membershipItems(group.id)).toEqual([]);
  });

  it('renames a group with the default dialect and frees the old displayName', async () => {
    const group = await createGroup();
    const renamed = `${group.displayName} updatedDisplayName`;

    const response = await patch(group.id, [
      { op: 'Replace', path: 'displayName', value: renamed },
    ]);

    expect(response.status).toBe(204);
    const byNew = await list(
      'Groups',
      `displayName eq "${renamed}"`,
      '&excludedAttributes=members',
    );
    expect(byNew.body.Resources[0].id).toBe(group.id);
    const byOld = await list('Groups', `displayName eq "${group.displayName}"`);
    expect(byOld.body.totalResults).toBe(0);
  });

  it('answers 200 with the group when the client asks for attributes', async () => {
    const [a] = await createUsers(1);
    const group = await createGroup();

    const response = await patch(
      group.id,
      [{ op: 'add', path: 'members', value: [{ value: a }] }],
      '?excludedAttributes=members',
    );

    expect(response.status).toBe(200);
    expect(response.body.id).toBe(group.id);
    expect(response.body.members).toBeUndefined();
    expect(response.headers.etag).toBe(response.body.meta.version);
  });

  it('answers 412 when If-Match names an old version, and 404 for an unknown group', async () => {
    const [a] = await createUsers(1);
    const group = await createGroup();
    await patch(group.id, [{ op: 'add', path: 'members', value: [{ value: a }] }]);

    const stale = await service.request(
      'PATCH',
      `/Groups/${group.id}`,
      { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] },
      { 'if-match': group.meta.version },
    );
    const missing = await patch('no-such-group', [{ op: 'add', path: 'members', value: [a] }]);

    expect(stale.status).toBe(412);
    expect(await memberIds(group.id)).toEqual([a]);
    expect(missing.status).toBe(404);
  });

  it.each([
    ['a few members (one transaction)', 1],
    ['more members than one transaction holds', 60],
  ])(
    'lets exactly one of concurrent member PATCHes with the same If-Match succeed, with %s',
    async (_name, perPatch) => {
      const group = await createGroup();
      const racers = 4;
      const users = await createUsers(racers * perPatch);
      const batches = Array.from({ length: racers }, (_, index) =>
        users.slice(index * perPatch, (index + 1) * perPatch),
      );

      const responses = await Promise.all(
        batches.map((batch) =>
          service.request(
            'PATCH',
            `/Groups/${group.id}`,
            {
              schemas: [PATCH_OP],
              Operations: [
                { op: 'add', path: 'members', value: batch.map((value) => ({ value })) },
              ],
            },
            { 'if-match': group.meta.version },
          ),
        ),
      );

      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 204)).toHaveLength(1);
      expect(statuses.filter((status) => status === 412)).toHaveLength(racers - 1);
      const winner = batches[statuses.indexOf(204)] ?? [];
      expect(await memberIds(group.id)).toEqual(sorted(winner));
    },
  );

  it('names the group holding the displayName when a rename is refused with 409', async () => {
    const [holder, renamed] = [await createGroup(), await createGroup()];

    const response = await patch(renamed.id, [
      { op: 'replace', path: 'displayName', value: holder.displayName },
    ]);

    expect(response.status).toBe(409);
    expect(response.body.scimType).toBe('uniqueness');
    expect(response.body.detail).toContain(holder.id);
  });
});

describe('PUT /Groups/{id}', () => {
  it('replaces the members when the body lists them', async () => {
    const [a, b, c] = await createUsers(3);
    const group = await createGroup({ members: [{ value: a }, { value: b }] });

    const response = await service.request('PUT', `/Groups/${group.id}`, {
      schemas: [GROUP],
      id: group.id,
      displayName: 'putName',
      members: [
        { value: b, display: 'VP' },
        { value: c, display: 'SenorVP' },
      ],
    });

    expect(response.status).toBe(200);
    expect(response.body.displayName).toBe('putName');
    expect(sorted(response.body.members.map((m: Json) => m.value))).toEqual(sorted([b!, c!]));
    expect(await memberIds(group.id)).toEqual(sorted([b!, c!]));
  });

  it('keeps the members when the body has no members attribute', async () => {
    const [a] = await createUsers(1);
    const group = await createGroup({ members: [{ value: a }] });

    const response = await service.request('PUT', `/Groups/${group.id}`, {
      schemas: [GROUP],
      id: group.id,
      displayName: unique('Tiffany Ortiz'),
      externalId: '6c6b54c2-fa81-4234-ad4f-420ec6808049',
    });

    expect(response.status).toBe(200);
    expect(response.body.members.map((m: Json) => m.value)).toEqual([a]);
    expect(await memberIds(group.id)).toEqual([a]);
  });
});

describe('DELETE /Groups/{id}', () => {
  it('deletes the group and every membership item, and frees its displayName', async () => {
    const users = await createUsers(30);
    const group = await createGroup({ members: users.map((value) => ({ value })) });
    expect(await membershipItems(group.id)).toHaveLength(30);

    const response = await service.request('DELETE', `/Groups/${group.id}`);

    expect(response.status).toBe(204);
    expect((await service.request('GET', `/Groups/${group.id}`)).status).toBe(404);
    expect((await service.request('DELETE', `/Groups/${group.id}`)).status).toBe(404);
    expect(await membershipItems(group.id)).toEqual([]);
    const user = await service.request('GET', `/Users/${users[0]}`);
    expect(user.body.groups).toBeUndefined();
    await createGroup({ displayName: group.displayName });
  });
});

describe("a user's groups", () => {
  it('lists the groups of GET /Users/{id} as direct memberships from the index', async () => {
    const [user] = await createUsers(1);
    const one = await createGroup({ members: [{ value: user }] });
    const two = await createGroup();
    await patch(two.id, [{ op: 'add', path: 'members', value: [{ value: user }] }]);

    const response = await service.request('GET', `/Users/${user}`);

    expect(response.status).toBe(200);
    expect(
      [...response.body.groups].sort((x: Json, y: Json) => x.value.localeCompare(y.value)),
    ).toEqual(
      [one.id, two.id].sort().map((id) => ({
        value: id,
        $ref: `${service.url}/Groups/${id}`,
        type: 'direct',
      })),
    );
  });

  it('reads no membership index for excludedAttributes=groups nor in a userName lookup', async () => {
    const [user] = await createUsers(1);
    await createGroup({ members: [{ value: user }] });

    const read = await service.request('GET', `/Users/${user}?excludedAttributes=groups`);
    const userName = read.body.userName;
    const lookup = await list('Users', `userName eq "${userName}"`);
    const withGroups = await list('Users', `userName eq "${userName}"`, '&attributes=groups');

    expect(read.body.groups).toBeUndefined();
    expect(read.headers['x-store-calls']).toBe('1');
    expect(lookup.body.Resources[0].groups).toBeUndefined();
    expect(lookup.headers['x-store-calls']).toBe('2');
    expect(withGroups.body.Resources[0].groups).toHaveLength(1);
  });

  it('deleting a user removes its memberships', async () => {
    const [leaving, staying] = await createUsers(2);
    const group = await createGroup({ members: [{ value: leaving }, { value: staying }] });

    expect((await service.request('DELETE', `/Users/${leaving}`)).status).toBe(204);

    expect(await memberIds(group.id)).toEqual([staying]);
    expect((await membershipItems(group.id)).map((item) => item.sk)).toEqual([`MEMBER#${staying}`]);
  });
});
