/**
 * Replays every group request of the Entra corpus (`../shared/entra/entra-request-samples.json`)
 * over HTTP against DynamoDB Local, then reads the result back to check its effect. The same
 * request shapes are tested inline in groups.test.ts, so the behaviour stays covered when the
 * corpus is absent.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { documentClient } from '../../shared/store/client.js';
import { startTestService, type TestService } from '../support/service.js';
import { describeWithShared, readSharedJson } from '../support/shared-folder.js';

interface Sample {
  id: string;
  method: string;
  path: string;
  query?: Record<string, string> | null;
  rawQuery?: string;
  body?: { Operations?: { op: string; path?: string; value?: unknown }[] } & Record<
    string,
    unknown
  >;
  expect: {
    status: number;
    totalResults?: number;
    noMembers?: boolean;
    noMembersInResources?: boolean;
    mustContain?: string[];
  };
}

const CORPUS = 'entra/entra-request-samples.json';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const corpus = readSharedJson<{ samples: Sample[] }>(CORPUS);
const groupSamples = (corpus?.samples ?? []).filter((sample) => sample.path.startsWith('/Groups'));

// biome-ignore lint/suspicious/noExplicitAny: resources are read freely in assertions.
type Json = any;

let service: TestService;
let counter = 0;

async function createUser(): Promise<string> {
  counter += 1;
  const response = await service.request('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: `entra-group-member-${counter}@example.com`,
  });
  expect(response.status).toBe(201);
  return response.body.id;
}

async function createGroup(displayName: string, members: string[]): Promise<Json> {
  const response = await service.request('POST', '/Groups', {
    schemas: [GROUP],
    displayName,
    members: members.map((value) => ({ value })),
  });
  expect(response.status, response.text).toBe(201);
  return response.body;
}

/** Deletes the group holding `displayName`, if any (the corpus creates and looks up the same name). */
async function clearDisplayName(displayName: string): Promise<void> {
  const found = await service.request(
    'GET',
    `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`,
  );
  for (const group of found.body.Resources) await service.request('DELETE', `/Groups/${group.id}`);
}

/** The member ids a sample's PATCH names, each with whether the operation removes it. */
function namedMembers(sample: Sample): { id: string; removed: boolean }[] {
  const named: { id: string; removed: boolean }[] = [];
  for (const operation of sample.body?.Operations ?? []) {
    const path = operation.path ?? '';
    const removed = operation.op.toLowerCase() === 'remove';
    const filtered = /^members\[value eq "([^"]+)"\]$/i.exec(path);
    if (filtered?.[1]) named.push({ id: filtered[1], removed });
    if (path.toLowerCase() === 'members' && Array.isArray(operation.value)) {
      for (const member of operation.value as { value: string }[]) {
        named.push({ id: member.value, removed });
      }
    }
  }
  return named;
}

async function memberIds(groupId: string): Promise<string[]> {
  const response = await service.request('GET', `/Groups/${groupId}`);
  return (response.body.members ?? []).map((member: Json) => member.value).sort();
}

function queryOf(sample: Sample, swap: (text: string) => string = (text) => text): string {
  if (sample.rawQuery) return `?${swap(sample.rawQuery)}`;
  if (!sample.query) return '';
  const entries = Object.entries(sample.query).map(([key, value]): [string, string] => [
    key,
    swap(value),
  ]);
  return `?${new URLSearchParams(entries).toString()}`;
}

describeWithShared(CORPUS, 'Entra corpus, group requests', () => {
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service?.close());

  it('has group samples to replay', () => {
    expect(groupSamples.length).toBeGreaterThanOrEqual(10);
  });

  it.each(groupSamples.map((sample) => [sample.id, sample] as const))('%s', async (_id, sample) => {
    // Prepare: a group with a bystander member; every member id the sample names becomes a
    // real user, a member already when the sample removes it. The corpus ids are Entra's
    // examples, so they are swapped for ours in the request text.
    const bystander = await createUser();
    const named = namedMembers(sample);
    const swaps = new Map<string, string>();
    for (const { id } of named) swaps.set(id, await createUser());
    const initial = [
      bystander,
      ...named.filter((m) => m.removed).map((m) => swaps.get(m.id) as string),
    ];
    const lookupName = 'displayName';
    if (sample.method === 'POST' || /displayName eq "displayName"/.test(queryOf(sample))) {
      await clearDisplayName(lookupName);
    }
    const target = await createGroup(
      /displayName eq "displayName"/.test(queryOf(sample))
        ? lookupName
        : `entra-${sample.id}-${counter}`,
      initial,
    );
    swaps.set('<groupId>', target.id);
    swaps.set('<userId>', bystander);
    const swap = (text: string) => {
      let result = text;
      for (const [from, to] of swaps) result = result.split(from).join(to);
      return result;
    };
    const path = /^\/Groups\/[^/]+$/.test(sample.path) ? `/Groups/${target.id}` : sample.path;
    const body = sample.body ? JSON.parse(swap(JSON.stringify(sample.body))) : undefined;

    // Act
    const response = await service.request(sample.method, `${path}${queryOf(sample, swap)}`, body);

    // Assess
    expect(response.status, `${sample.id}: ${response.text}`).toBe(sample.expect.status);
    const expected = sample.expect;
    if (expected.totalResults !== undefined) {
      expect(response.body.totalResults).toBe(expected.totalResults);
    }
    if (expected.noMembers) expect(response.body.members).toBeUndefined();
    if (expected.noMembersInResources) {
      expect(response.body.Resources.length).toBeGreaterThan(0);
      for (const resource of response.body.Resources) expect(resource.members).toBeUndefined();
    }
    for (const key of expected.mustContain ?? []) expect(response.body).toHaveProperty(key);

    if (sample.method === 'DELETE') {
      expect((await service.request('GET', path)).status).toBe(404);
      const { Items = [] } = await documentClient().send(
        new QueryCommand({
          TableName: service.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `GROUP#${target.id}` },
          ConsistentRead: true,
        }),
      );
      expect(Items).toEqual([]);
    } else if (sample.method === 'POST') {
      const read = await service.request('GET', `/Groups/${response.body.id}`);
      expect(read.body).toMatchObject({
        displayName: sample.body?.displayName,
        schemas: [GROUP],
      });
      expect(read.body.externalId).toBe(sample.body?.externalId);
    } else if (sample.method === 'PATCH') {
      const expectedMembers = new Set([bystander]);
      for (const { id, removed } of named) {
        const ours = swaps.get(id) as string;
        if (removed) expectedMembers.delete(ours);
        else expectedMembers.add(ours);
      }
      expect(await memberIds(target.id)).toEqual([...expectedMembers].sort());
      const rename = sample.body?.Operations?.find((op) => op.path === 'displayName');
      if (rename) {
        const read = await service.request('GET', `${path}?excludedAttributes=members`);
        expect(read.body.displayName).toBe(rename.value);
      }
    } else if (sample.id === 'group-membership-check') {
      expect(response.body.totalResults).toBe(1);
      expect(response.body.Resources[0]).toEqual({ schemas: [GROUP], id: target.id });
    }
  });
});
