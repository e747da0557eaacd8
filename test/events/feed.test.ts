/**
 * The change feed end to end on this machine: real HTTP requests to the service, DynamoDB Local
 * and its stream, and the same publisher as the Lambda on the stream (polling the stream like
 * Lambda's event source mapping), into a sink that keeps the events.
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalFeed } from '../../infra/local/event-feed.js';
import { toStreamRecord } from '../../infra/local/event-feed.js';
import { Recorder } from '../../infra/simulator/client.js';
import { simulate } from '../../infra/simulator/cycle.js';
import { buildDataset, expectedState, planIncremental } from '../../infra/simulator/dataset.js';
import { type ChangeEvent, type EventName, eventName } from '../../shared/events/envelope.js';
import { publishRecords } from '../../shared/events/publisher.js';
import { batchWrite } from '../../shared/store/batch.js';
import { cleanupItem } from '../../shared/store/cleanups.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import { keys } from '../../shared/store/keys.js';
import { membershipItem } from '../../shared/store/memberships.js';
import { TEST_TENANT } from '../support/environment.js';
import { startTestService, type TestService } from '../support/service.js';
import { Consumer, memorySink, schemaErrors, startTestFeed } from './support.js';

let service: TestService;
let feed: LocalFeed;
const sink = memorySink();

beforeAll(async () => {
  service = await startTestService();
  feed = await startTestFeed(sink, service.url);
});
afterAll(async () => {
  await feed?.stop();
  await service?.close();
});

/** The events published for what `run` writes (everything before it is published first). */
async function eventsOf(run: () => Promise<unknown>): Promise<ChangeEvent[]> {
  await feed.drain();
  const mark = sink.events.length;
  await run();
  await feed.drain();
  const events = sink.events.slice(mark);
  for (const event of events) expect(schemaErrors(event), JSON.stringify(event)).toEqual([]);
  return events;
}

const named = (events: ChangeEvent[], name: EventName) =>
  events.filter((event) => eventName(event) === name);

function countBy<T>(values: T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** Per subject: Created first (if any), Deleted last (if any), versions never going down. */
function expectPerResourceOrder(events: ChangeEvent[]): void {
  const bySubject = new Map<string, ChangeEvent[]>();
  for (const event of events) {
    bySubject.set(event.subject, [...(bySubject.get(event.subject) ?? []), event]);
  }
  for (const [subject, list] of bySubject) {
    const versions = list.map((event) => event.data.version);
    expect(versions, subject).toEqual([...versions].sort((a, b) => a - b));
    const kinds = list.map((event) => eventName(event).split('.')[1]);
    if (kinds.includes('Created')) expect(kinds[0], subject).toBe('Created');
    if (kinds.includes('Deleted')) expect(kinds.at(-1), subject).toBe('Deleted');
  }
}

describe('change feed on DynamoDB Local', () => {
  const cycle = {
    users: 30,
    groups: 4,
    memberships: 45,
    concurrency: 4,
    seed: 11,
    memberBatch: 7,
    dialect: 'default' as const,
    prefix: 'feed',
  };
  const dataset = buildDataset(cycle);
  const plan = planIncremental(dataset, cycle.seed);

  it('publishes exactly one User.Created per user, one Group.Created per group and the memberships for an initial Entra cycle', async () => {
    // Act
    let ids: { users: (string | undefined)[]; groups: (string | undefined)[] } | undefined;
    const events = await eventsOf(async () => {
      const recorder = new Recorder();
      const result = await simulate({
        ...cycle,
        url: service.url,
        token: service.token,
        incremental: false,
        recorder,
      });
      expect(recorder.errorSamples).toEqual([]);
      ids = result.ids;
    });

    // Assess
    const userIds = ids!.users as string[];
    const groupIds = ids!.groups as string[];
    expect(countBy(events.map(eventName))).toEqual(
      new Map<EventName, number>([
        ['User.Created', cycle.users],
        ['Group.Created', cycle.groups],
        ['Group.MembersAdded', named(events, 'Group.MembersAdded').length],
      ]),
    );
    expect(
      named(events, 'User.Created')
        .map((event) => event.data.id)
        .sort(),
    ).toEqual([...userIds].sort());
    expect(
      named(events, 'User.Created')
        .map((event) => event.data.externalId)
        .sort(),
    ).toEqual(dataset.users.map((user) => user.externalId).sort());
    expect(
      named(events, 'Group.Created')
        .map((event) => event.data.id)
        .sort(),
    ).toEqual([...groupIds].sort());
    const consumer = new Consumer();
    for (const event of events) consumer.apply(event);
    const expected = expectedState(dataset);
    expected.groups.forEach((group, j) => {
      const members = [...(group?.members ?? [])].map((user) => userIds[user]).sort();
      expect([...(consumer.groups.get(groupIds[j]!)?.members ?? [])].sort()).toEqual(members);
    });
    expectPerResourceOrder(events);
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    expect(events.every((event) => event.tenant === TEST_TENANT)).toBe(true);
  });

  it('publishes the incremental cycle: updates, disables, restores, deletes and member changes, in order per resource', async () => {
    // Act: Entra runs the initial cycle again (nothing changes), then the incremental ones.
    let ids: { users: (string | undefined)[]; groups: (string | undefined)[] } | undefined;
    const events = await eventsOf(async () => {
      const recorder = new Recorder();
      const result = await simulate({
        ...cycle,
        url: service.url,
        token: service.token,
        incremental: true,
        recorder,
      });
      expect(recorder.errorSamples).toEqual([]);
      expect(result.ok).toBe(true);
      ids = result.ids;
    });

    // Assess
    const userIds = ids!.users as string[];
    const groupIds = ids!.groups as string[];
    const subjectsOf = (list: ChangeEvent[]) => list.map((event) => event.data.id).sort();
    const usersAt = (indexes: readonly number[]) => indexes.map((user) => userIds[user]!).sort();
    const groupsAt = (indexes: readonly number[]) =>
      indexes.map((group) => groupIds[group]!).sort();
    expect(named(events, 'User.Created')).toEqual([]);
    expect(named(events, 'Group.Created')).toEqual([]);
    expect(subjectsOf(named(events, 'User.Deactivated'))).toEqual(usersAt(plan.disables));
    expect(subjectsOf(named(events, 'User.Reactivated'))).toEqual(usersAt(plan.restores));
    expect(subjectsOf(named(events, 'User.Deleted'))).toEqual(usersAt(plan.userDeletes));
    expect([...new Set(subjectsOf(named(events, 'User.Updated')))]).toEqual(
      usersAt(plan.userUpdates.map((update) => update.user)),
    );
    for (const { user, changes } of plan.userUpdates) {
      const paths = named(events, 'User.Updated')
        .filter((event) => event.data.id === userIds[user])
        .flatMap((event) => event.data.changedAttributes ?? []);
      if (changes.givenName) expect(paths).toContain('name.givenName');
      if (changes.userName) expect(paths).toContain('userName');
      if (changes.costCenter) {
        expect(paths).toContain(
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter',
        );
      }
    }
    expect([...new Set(subjectsOf(named(events, 'Group.Updated')))]).toEqual(
      groupsAt(plan.groupUpdates.map((update) => update.group)),
    );
    expect(subjectsOf(named(events, 'Group.Deleted'))).toEqual(groupsAt(plan.groupDeletes));
    for (const event of named(events, 'User.Deactivated')) {
      expect(event.data.resource?.active).toBe(false);
      expect(event.data.changedAttributes).toContain('active');
    }

    // A consumer that saw the initial cycle's events ends with the service's state.
    const consumer = new Consumer();
    for (const event of [...sink.events]) consumer.apply(event);
    const expected = expectedState(dataset, plan);
    expected.users.forEach((user, k) => {
      const held = consumer.users.get(userIds[k]!);
      expect(held?.deleted, `user ${k}`).toBe(user === undefined);
      if (user) expect(held?.active, `user ${k}`).toBe(user.active);
    });
    expected.groups.forEach((group, j) => {
      const held = consumer.groups.get(groupIds[j]!);
      expect(held?.deleted).toBe(group === undefined);
      const members = [...(group?.members ?? [])].map((user) => userIds[user]).sort();
      expect([...(held?.members ?? [])].sort()).toEqual(members);
    });
    expectPerResourceOrder(events);
  });

  it('publishes User.Deactivated when Entra disables a user', async () => {
    // Prepare
    const created = await service.request('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'disable.me@example.com',
      externalId: 'disable-me',
      active: true,
    });
    expect(created.status).toBe(201);

    // Act: Entra's default dialect.
    const events = await eventsOf(() =>
      service.request('PATCH', `/Users/${created.body.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      }),
    );

    // Assess
    expect(events.map(eventName)).toEqual(['User.Deactivated']);
    expect(events[0]?.data).toMatchObject({
      id: created.body.id,
      externalId: 'disable-me',
      version: 2,
      changedAttributes: ['active'],
      resource: { active: false, meta: { version: 'W/"2"' } },
    });
  });

  it('publishes nothing for guards, counters, cleanup markers, credentials or a refused request', async () => {
    // Act
    const events = await eventsOf(async () => {
      for (const item of [
        { ...keys.uniqueName('User', 'internal@example.com'), id: 'x' },
        { ...keys.counterShard('User', 5), n: 3 },
        cleanupItem({ type: 'User', id: 'x', deletedAt: new Date().toISOString() }),
        { ...keys.credential('c-internal'), kind: 'secretToken' },
      ]) {
        await documentClient().send(new PutCommand({ TableName: tableName(), Item: item }));
      }
      // A second create of a taken userName: 409, nothing written.
      const conflict = await service.request('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'disable.me@example.com',
      });
      expect(conflict.status).toBe(409);
    });

    // Assess
    expect(events).toEqual([]);
  });

  it('publishes Group.Deleted for a large group and leaves its swept memberships off the bus', async () => {
    // Prepare: a group with 3,000 memberships written straight into the table.
    const created = await service.request('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Feed large group',
    });
    const groupId = created.body.id as string;
    // Written while the feed is behind, the memberships are read in full batches of 1,000.
    const added = await eventsOf(async () => {
      await feed.pause();
      await batchWrite(
        Array.from({ length: 3_000 }, (_, k) => ({
          put: membershipItem(groupId, `member-${k}`, new Date().toISOString()),
        })),
      );
      feed.resume();
    });

    // Act
    const deleted = await eventsOf(async () => {
      const response = await service.request('DELETE', `/Groups/${groupId}`);
      expect(response.status).toBe(204);
    });

    // Assess: member additions batched (one event per batch of 1,000), the delete alone.
    expect(added.map(eventName)).toEqual(Array(3).fill('Group.MembersAdded'));
    expect(added.map((event) => event.data.members?.length)).toEqual([1_000, 1_000, 1_000]);
    expect(new Set(added.flatMap((event) => event.data.members)).size).toBe(3_000);
    expect(deleted.map(eventName)).toEqual(['Group.Deleted']);
  });

  it('gives a replayed batch the same event ids, so a consumer keeps each change once', async () => {
    // Prepare: the stream's records as Lambda would be handed them, twice.
    const records = await streamRecords();
    const first = memorySink();
    const again = memorySink();

    // Act
    await publishRecords(records, { tenant: TEST_TENANT, baseUrl: service.url, sink: first });
    await publishRecords(records, { tenant: TEST_TENANT, baseUrl: service.url, sink: again });

    // Assess
    expect(first.events.length).toBeGreaterThan(40);
    expect(again.events.map((event) => event.id)).toEqual(first.events.map((event) => event.id));
    // The ids are those published live (member events aside: their batching depends on the batch).
    const live = new Set(sink.events.map((event) => event.id));
    const stateEvents = first.events.filter((event) => !event.data.members);
    expect(stateEvents.filter((event) => !live.has(event.id))).toEqual([]);
    const consumer = new Consumer();
    for (const event of [...first.events, ...again.events]) consumer.apply(event);
    expect(consumer.duplicates).toBe(first.events.length);
    expect(consumer.seen.size).toBe(first.events.length);
  });
});

describe('change feed member events on a retried batch (DynamoDB Local stream)', () => {
  it.each(['Group.MembersAdded', 'Group.MembersRemoved'] as const)(
    'gives a %s retried further another id, so a consumer de-duplicating by id ends with every member',
    async (name) => {
      // Prepare: a group and five users; the five added (and, for removals, removed) in one PATCH.
      const group = await service.request('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: `Retried ${name}`,
      });
      const groupId = group.body.id as string;
      const userIds: string[] = [];
      for (let k = 0; k < 5; k++) {
        const user = await service.request('POST', '/Users', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `retried.${name}.${k}@example.com`,
        });
        userIds.push(user.body.id as string);
      }
      const patch = (op: 'add' | 'remove') =>
        service.request('PATCH', `/Groups/${groupId}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op, path: 'members', value: userIds.map((value) => ({ value })) }],
        });
      expect((await patch('add')).status).toBeLessThan(300);
      if (name === 'Group.MembersRemoved') expect((await patch('remove')).status).toBeLessThan(300);
      await feed.drain();

      // The run's records: this group's membership changes of the kind, from the first one on.
      const records = await streamRecords();
      const wanted = name === 'Group.MembersAdded' ? 'INSERT' : 'REMOVE';
      const runIndexes = records.flatMap((record, index) => {
        const { pk, sk } = record.dynamodb.Keys;
        const key = keys.decodeItem(pk!.S!, sk!.S!);
        const ours = key?.kind === 'membership' && key.groupId === groupId;
        return ours && record.eventName === wanted ? [index] : [];
      });
      expect(runIndexes).toHaveLength(5);
      const start = runIndexes[0]!;
      const first = memorySink();
      const retried = memorySink();
      const options = { tenant: TEST_TENANT, baseUrl: service.url };

      // Act: the first attempt's batch ended after the third member; the retry reached the fifth.
      await publishRecords(records.slice(start, runIndexes[2]! + 1), { ...options, sink: first });
      await publishRecords(records.slice(start, runIndexes[4]! + 1), { ...options, sink: retried });
      const consumer = new Consumer();
      // The consumer held the group (and, for removals, its five members) before the batch.
      consumer.apply({
        ...named(sink.events, 'Group.Created').find((event) => event.data.id === groupId)!,
      });
      if (name === 'Group.MembersRemoved') {
        for (const event of named(sink.events, 'Group.MembersAdded')) {
          if (event.data.id === groupId) consumer.apply(event);
        }
      }
      for (const event of [...first.events, ...retried.events]) consumer.apply(event);

      // Assess
      const ofRun = (events: ChangeEvent[]) =>
        named(events, name).filter((event) => event.data.id === groupId);
      expect(ofRun(first.events).map((event) => event.data.members?.length)).toEqual([3]);
      expect(ofRun(retried.events).map((event) => event.data.members?.length)).toEqual([5]);
      expect(ofRun(retried.events)[0]?.id).not.toBe(ofRun(first.events)[0]?.id);
      const held = [...(consumer.groups.get(groupId)?.members ?? [])].sort();
      expect(held).toEqual(name === 'Group.MembersAdded' ? [...userIds].sort() : []);
    },
  );
});

/** Every record of this table's stream (all shards, from their start). */
async function streamRecords() {
  const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
  const { localClient } = await import('../../infra/local/dynamodb-local.js');
  const endpoint = process.env.DYNAMODB_ENDPOINT!;
  const tables = localClient(endpoint);
  const { Table } = await tables.send(new DescribeTableCommand({ TableName: tableName() }));
  tables.destroy();
  const streams = new DynamoDBStreamsClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const streamArn = Table!.LatestStreamArn!;
  const { StreamDescription } = await streams.send(
    new DescribeStreamCommand({ StreamArn: streamArn }),
  );
  const records = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.ShardId!,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(page.Records ?? []).map(toStreamRecord));
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  streams.destroy();
  return records;
}
