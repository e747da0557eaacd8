import { readFileSync } from 'node:fs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changedPaths } from '../../shared/events/changes.js';
import {
  boundedEvent,
  type ChangeEvent,
  EVENT_NAMES,
  eventName,
  MAX_EVENT_BYTES,
} from '../../shared/events/envelope.js';
import {
  type GroupState,
  groupsToRead,
  mapRecords,
  type StreamRecord,
} from '../../shared/events/mapping.js';
import {
  type EventSink,
  publishRecords,
  type SinkFailure,
  waves,
} from '../../shared/events/publisher.js';
import { eventSchemas, SCHEMA_DIR, schemaFileContent } from '../../shared/events/schemas.js';
import { cleanupItem } from '../../shared/store/cleanups.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import { keys } from '../../shared/store/keys.js';
import { membershipItem } from '../../shared/store/memberships.js';
import { resourceItem, type StoredResource } from '../../shared/store/resources.js';
import { Consumer, schemaErrors } from './support.js';

const BASE_URL = 'https://scim.example.com/scim/v2';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let sequence = 100;
function record(
  eventName: StreamRecord['eventName'],
  images: { old?: Record<string, unknown>; new?: Record<string, unknown> },
): StreamRecord {
  sequence += 1;
  const item = (images.new ?? images.old)!;
  const image = (value?: Record<string, unknown>) =>
    value ? (marshall(value, { removeUndefinedValues: true }) as never) : undefined;
  return {
    eventID: `event-${sequence}`,
    eventName,
    dynamodb: {
      Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
      NewImage: image(images.new),
      OldImage: image(images.old),
      SequenceNumber: String(sequence).padStart(21, '0'),
      ApproximateCreationDateTime: 1_800_000_000,
    },
  };
}

function user(version: number, data: Record<string, unknown> = {}): StoredResource {
  return {
    type: 'User',
    id: 'u1',
    version,
    created: '2026-11-29T05:00:00.000Z',
    lastModified: `2026-11-29T05:00:0${version}.000Z`,
    data: { userName: 'ann@example.com', externalId: 'ext-1', active: true, ...data },
  };
}

function group(version: number, data: Record<string, unknown> = {}): StoredResource {
  return {
    type: 'Group',
    id: 'g1',
    version,
    created: '2026-11-29T05:00:00.000Z',
    lastModified: `2026-11-29T05:00:0${version}.000Z`,
    data: { displayName: 'Dispatch', externalId: 'gext', ...data },
  };
}

const insert = (stored: StoredResource) => record('INSERT', { new: resourceItem(stored) });
const modify = (before: StoredResource, after: StoredResource) =>
  record('MODIFY', { old: resourceItem(before), new: resourceItem(after) });
const remove = (stored: StoredResource) => record('REMOVE', { old: resourceItem(stored) });
const memberAdded = (userId: string) =>
  record('INSERT', { new: membershipItem('g1', userId, '2026-11-29T05:00:05.000Z') });
const memberRemoved = (userId: string) =>
  record('REMOVE', { old: membershipItem('g1', userId, '2026-11-29T05:00:05.000Z') });

function map(records: StreamRecord[], groups: Record<string, GroupState> = {}): ChangeEvent[] {
  const events = mapRecords(records, {
    tenant: 'acme',
    baseUrl: BASE_URL,
    groups: new Map(Object.entries(groups)),
  }).map((mapped) => mapped.event);
  for (const event of events) expect(schemaErrors(event), event.type).toEqual([]);
  return events;
}

const names = (events: ChangeEvent[]) => events.map(eventName);

describe('change feed mapping (stream records to events)', () => {
  it('makes a User.Created carrying tenant, ids, version, time and the SCIM representation', () => {
    // Act
    const [event, ...rest] = map([insert(user(1))]);

    // Assess
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'com.grouptalk.scim.User.Created',
      source: 'urn:grouptalk:scim:acme',
      subject: 'Users/u1',
      time: '2026-11-29T05:00:01.000Z',
      tenant: 'acme',
      data: { tenant: 'acme', resourceType: 'User', id: 'u1', externalId: 'ext-1', version: 1 },
    });
    expect(event?.data.resource).toMatchObject({
      id: 'u1',
      userName: 'ann@example.com',
      meta: { location: `${BASE_URL}/Users/u1`, version: 'W/"1"', resourceType: 'User' },
    });
  });

  it('yields nothing for guards, counters, cleanup markers, credentials or unknown items', () => {
    // Prepare
    const internal = [
      { ...keys.uniqueName('User', 'ann@example.com'), id: 'u1' },
      { ...keys.counterShard('User', 3), n: 1 },
      cleanupItem({ type: 'Group', id: 'g1', deletedAt: '2026-11-29T05:00:00.000Z' }),
      { pk: 'CREDENTIALS', sk: 'CREDENTIAL#c1', secretHash: 'x' },
      { pk: 'AUDIT#2026-11-29', sk: 'ENTRY#1', what: 'x' },
      { pk: 'USER#u1', sk: 'SOMETHING#else' },
    ];
    const records = internal.flatMap((item) => [
      record('INSERT', { new: item }),
      record('MODIFY', { old: item, new: { ...item, n: 2 } }),
      record('REMOVE', { old: item }),
    ]);

    // Act & assess
    expect(map(records)).toEqual([]);
    expect(groupsToRead(records)).toEqual([]);
  });

  it('names the changed attribute paths of an update, and ignores writes that change none', () => {
    // Prepare
    const before = user(1, { name: { givenName: 'Ann', familyName: 'Lee' } });
    const after = user(2, {
      name: { givenName: 'Anne', familyName: 'Lee' },
      emails: [{ type: 'work', value: 'anne@example.com' }],
      [ENTERPRISE]: { costCenter: 'CC1' },
    });

    // Act
    const [updated, ...rest] = map([
      modify(before, after),
      modify(after, { ...after, version: 3 }),
    ]);

    // Assess
    expect(rest).toEqual([]);
    expect(eventName(updated!)).toBe('User.Updated');
    expect(updated?.data.changedAttributes).toEqual([
      'emails',
      'name.givenName',
      `${ENTERPRISE}:costCenter`,
    ]);
    expect(updated?.data.version).toBe(2);
  });

  it('turns active changes into User.Deactivated and User.Reactivated (after User.Updated when more changed)', () => {
    // Prepare
    const disabled = user(2, { active: false });
    const renamedAndEnabled = user(3, { active: true, userName: 'anne@example.com' });

    // Act
    const events = map([modify(user(1), disabled), modify(disabled, renamedAndEnabled)]);

    // Assess
    expect(names(events)).toEqual(['User.Deactivated', 'User.Updated', 'User.Reactivated']);
    expect(events.map((event) => event.data.version)).toEqual([2, 3, 3]);
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
    expect(events[0]?.data.resource?.active).toBe(false);
  });

  it('makes User.Deleted from the old image: externalId and the deleted version + 1, no representation', () => {
    const [deleted] = map([remove(user(4))]);
    expect(eventName(deleted!)).toBe('User.Deleted');
    expect(deleted?.data).toEqual({
      tenant: 'acme',
      resourceType: 'User',
      id: 'u1',
      externalId: 'ext-1',
      version: 5,
    });
    expect(deleted?.time).toBe(new Date(1_800_000_000_000).toISOString());
  });

  it('batches consecutive member changes per group, keeping their order around other group events', () => {
    // Prepare: adds, the version bump, a rename, more adds and a removal, then the last bump.
    const records = [
      insert(group(1)),
      memberAdded('a'),
      memberAdded('b'),
      modify(group(1), group(2)),
      modify(group(2), group(3, { displayName: 'Dispatch North' })),
      memberAdded('c'),
      memberRemoved('a'),
      memberRemoved('b'),
      modify(
        group(3, { displayName: 'Dispatch North' }),
        group(4, { displayName: 'Dispatch North' }),
      ),
    ];

    // Act
    const events = map(records);

    // Assess
    expect(names(events)).toEqual([
      'Group.Created',
      'Group.MembersAdded',
      'Group.Updated',
      'Group.MembersAdded',
      'Group.MembersRemoved',
    ]);
    expect(events.map((event) => event.data.members)).toEqual([
      undefined,
      ['a', 'b'],
      undefined,
      ['c'],
      ['a', 'b'],
    ]);
    // A member event carries the version of the group write that follows it (or a later one).
    expect(events.map((event) => event.data.version)).toEqual([1, 2, 3, 4, 4]);
    expect(groupsToRead(records)).toEqual([]);
  });

  it('splits member changes into events of at most 1,000 ids, and reads the group version when the batch ends first', () => {
    // Prepare
    const records = Array.from({ length: 2_500 }, (_, k) => memberAdded(`u${k}`));

    // Act
    const events = map(records, { g1: { exists: true, version: 9 } });

    // Assess
    expect(groupsToRead(records)).toEqual(['g1']);
    expect(events.map((event) => event.data.members?.length)).toEqual([1_000, 1_000, 500]);
    expect(events.every((event) => event.data.version === 9)).toBe(true);
    expect(() => map(records)).toThrow(/not read/);
  });

  it('leaves the member removals of a deleted group to Group.Deleted', () => {
    // Prepare
    const sweep = Array.from({ length: 300 }, (_, k) => memberRemoved(`u${k}`));

    // Act
    const inBatch = map([memberRemoved('x'), remove(group(7)), ...sweep]);
    const later = map(sweep, { g1: { exists: false } });

    // Assess
    expect(names(inBatch)).toEqual(['Group.Deleted']);
    expect(later).toEqual([]);
    expect(groupsToRead([remove(group(7)), ...sweep])).toEqual([]);
  });

  it('maps a replayed batch to the same events with the same ids', () => {
    const records = [
      insert(user(1)),
      modify(user(1), user(2, { active: false })),
      memberAdded('u1'),
    ];
    const groups = { g1: { exists: true, version: 3 } };
    expect(map(records, groups)).toEqual(map(records, groups));
  });

  it.each(['Group.MembersAdded', 'Group.MembersRemoved'] as const)(
    'gives a %s retried with more members another id, so a consumer de-duplicating by id ends with every member',
    (name) => {
      // Prepare: five member changes of g1; the first attempt's batch ended after the third.
      const change = name === 'Group.MembersAdded' ? memberAdded : memberRemoved;
      const members = ['a', 'b', 'c', 'd', 'e'];
      const records = members.map(change);
      const groups = { g1: { exists: true, version: 6, externalId: 'gext' } };
      const consumer = new Consumer();
      if (name === 'Group.MembersRemoved') {
        for (const event of map(members.map(memberAdded), groups)) consumer.apply(event);
      }

      // Act: the first attempt, the same batch again, then the batch retried and extended.
      const first = map(records.slice(0, 3), groups);
      const again = map(records.slice(0, 3), groups);
      const extended = map(records, groups);
      for (const event of [...first, ...again, ...extended]) consumer.apply(event);

      // Assess
      expect(names([...first, ...extended])).toEqual([name, name]);
      expect(extended[0]?.data.members).toEqual(members);
      expect(again.map((event) => event.id)).toEqual(first.map((event) => event.id));
      expect(extended[0]?.id).not.toBe(first[0]?.id);
      expect(consumer.duplicates).toBe(1);
      const held = [...(consumer.groups.get('g1')?.members ?? [])].sort();
      expect(held).toEqual(name === 'Group.MembersAdded' ? members : []);
      // A retry that starts later (Lambda resumes at the first record not published) also differs.
      expect(map(records.slice(1), groups)[0]?.id).not.toBe(extended[0]?.id);
    },
  );

  it("carries the group's externalId on member events: from its next write in the batch, else from the read", () => {
    // Prepare
    const renamed = group(2, { externalId: 'gext-2' });

    // Act
    const inBatch = map([memberAdded('a'), modify(group(1), renamed)]);
    const read = map([memberAdded('b')], {
      g1: { exists: true, version: 3, externalId: 'gext-3' },
    });
    const none = map([memberRemoved('c')], { g1: { exists: true, version: 3, externalId: null } });

    // Assess
    expect(inBatch[0]?.data).toMatchObject({ members: ['a'], externalId: 'gext-2', version: 2 });
    expect(read[0]?.data).toMatchObject({ members: ['b'], externalId: 'gext-3', version: 3 });
    expect(none[0]?.data).toMatchObject({ members: ['c'], externalId: null });
  });

  it('drops the representation of an event too large for EventBridge, and says so', () => {
    // Prepare
    const huge = user(1, { [ENTERPRISE]: { organization: 'x'.repeat(300_000) } });
    const [event] = map([insert(huge)]);

    // Act
    const bounded = boundedEvent(event!);

    // Assess
    expect(bounded.data.resource).toBeUndefined();
    expect(bounded.data.resourceOmitted).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThan(MAX_EVENT_BYTES);
    expect(schemaErrors(bounded)).toEqual([]);
    expect(boundedEvent(map([insert(user(1))])[0]!).data.resource).toBeDefined();
  });

  it('names extension sub-attributes and complex values as PATCH paths', () => {
    expect(
      changedPaths(
        { [ENTERPRISE]: { manager: { value: 'm1' } }, active: true },
        { [ENTERPRISE]: { manager: { value: 'm2' } }, active: true, title: 'Chief' },
      ),
    ).toEqual(['title', `${ENTERPRISE}:manager.value`]);
  });
});

describe('change feed schemas', () => {
  it('keeps the schema files equal to shared/events/schemas.ts', () => {
    for (const name of EVENT_NAMES) {
      expect(JSON.parse(readFileSync(`${SCHEMA_DIR}${name}.json`, 'utf8')), name).toEqual(
        JSON.parse(schemaFileContent(name)),
      );
    }
  });

  it('refuses events that break the contract', () => {
    // Prepare
    const [created] = map([insert(user(1))]);
    const [deactivated] = map([modify(user(1), user(2, { active: false }))]);

    // Assess: no representation, a representation on a delete, an active user "deactivated".
    const { resource: _dropped, ...withoutResource } = created!.data;
    expect(schemaErrors({ ...created!, data: withoutResource })).not.toEqual([]);
    expect(
      schemaErrors({
        ...created!,
        type: 'com.grouptalk.scim.User.Deleted',
        dataschema: eventSchemas()['User.Deleted'].$id as string,
      }),
    ).not.toEqual([]);
    const active = { ...deactivated!.data.resource, active: true };
    expect(
      schemaErrors({ ...deactivated!, data: { ...deactivated!.data, resource: active } }),
    ).not.toEqual([]);
  });
});

describe('change feed publisher', () => {
  it('publishes in waves: never two events of one resource at once, each resource in order', () => {
    // Prepare
    const records = [
      insert(user(1)),
      insert(group(1)),
      modify(user(1), user(2, { title: 'A' })),
      remove(user(2)),
    ];
    const mapped = mapRecords(records, { tenant: 'acme', baseUrl: BASE_URL, groups: new Map() });

    // Act
    const result = waves(mapped).map((wave) => wave.map((item) => eventName(item.event)));

    // Assess
    expect(result).toEqual([['User.Created', 'Group.Created'], ['User.Updated'], ['User.Deleted']]);
  });

  it('asks for a retry from the lowest sequence number not published, after retrying the failed events', async () => {
    // Prepare: the sink throttles every User.Updated; the invocation has time for one backoff.
    const accepted: string[] = [];
    let calls = 0;
    const refusing: EventSink = {
      async put(events) {
        calls += 1;
        accepted.push(...events.filter((e) => eventName(e) !== 'User.Updated').map((e) => e.id));
        return events
          .filter((e) => eventName(e) === 'User.Updated')
          .map((event) => ({ event, code: 'ThrottlingException', retryable: true }));
      },
    };
    const records = [
      insert(user(1)),
      insert(group(1)),
      modify(user(1), user(2, { title: 'A' })),
      remove(user(2)),
    ];

    // Act
    const result = await publishRecords(records, {
      tenant: 'acme',
      baseUrl: BASE_URL,
      sink: refusing,
      remainingMs: () => (calls < 3 ? 60_000 : 0),
      backoff: { baseDelayMs: 1, maxDelayMs: 1, reserveMs: 1_000 },
    });

    // Assess: the update and the delete after it are left for the retry, which starts at the update.
    expect(result).toEqual({
      published: 2,
      retries: 1,
      retryFrom: records[2]!.dynamodb.SequenceNumber,
    });
    expect(calls).toBe(3);
    expect(accepted).toEqual([
      `${records[0]!.eventID}:User.Created`,
      `${records[1]!.eventID}:Group.Created`,
    ]);
  });
});

describe('change feed under any batch cuts and failures (property)', () => {
  it("leaves a consumer that de-duplicates by id with the group's members, however Lambda cuts, fails and retries the batches", async () => {
    const step = fc.record({
      kind: fc.constantFrom('member', 'member', 'member', 'groupWrite', 'userWrite'),
      member: fc.integer({ min: 0, max: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 3, maxLength: 40 }),
        fc.array(fc.nat({ max: 1_000 }), { minLength: 16, maxLength: 64 }),
        async (steps, draws) => {
          // Prepare: g1's member changes, its version bumps and u1's updates, in stream order.
          const members = new Set<string>();
          const records: StreamRecord[] = [];
          let groupVersion = 1;
          let userVersion = 1;
          for (const { kind, member } of steps) {
            if (kind === 'groupWrite') {
              records.push(modify(group(groupVersion), group(groupVersion + 1)));
              groupVersion += 1;
            } else if (kind === 'userWrite') {
              const title = { title: `t${userVersion + 1}` };
              records.push(modify(user(userVersion), user(userVersion + 1, title)));
              userVersion += 1;
            } else if (members.delete(`m${member}`)) {
              records.push(memberRemoved(`m${member}`));
            } else {
              members.add(`m${member}`);
              records.push(memberAdded(`m${member}`));
            }
          }
          const item = resourceItem(group(groupVersion));
          await documentClient().send(new PutCommand({ TableName: tableName(), Item: item }));
          let drawn = 0;
          const draw = () => draws[drawn++ % draws.length]!;
          const accepted: ChangeEvent[] = [];
          let stuck = 0;
          const flaky: EventSink = {
            async put(events) {
              const failures: SinkFailure[] = [];
              for (const event of events) {
                if (stuck < 3 && draw() % 3 === 0) {
                  failures.push({ event, code: 'ThrottlingException', retryable: true });
                } else accepted.push(event);
              }
              return failures;
            },
          };

          // Act: batches of random length from where the last one stopped; a throttled event ends
          // the invocation (no time left) and Lambda retries from the first record not published.
          let position = 0;
          while (position < records.length) {
            const end = Math.min(records.length, position + 1 + (draw() % 12));
            const { retryFrom } = await publishRecords(records.slice(position, end), {
              tenant: 'acme',
              baseUrl: BASE_URL,
              sink: flaky,
              remainingMs: () => 0,
            });
            const next = retryFrom
              ? records.findIndex((record) => record.dynamodb.SequenceNumber === retryFrom)
              : end;
            stuck = next === position ? stuck + 1 : 0;
            position = next;
          }
          const consumer = new Consumer();
          for (const event of accepted) consumer.apply(event);

          // Assess
          const held = [...(consumer.groups.get('g1')?.members ?? [])].sort();
          expect(held).toEqual([...members].sort());
        },
      ),
      // A counterexample is reported as found: shrinking re-runs batches against DynamoDB Local.
      { numRuns: 40, endOnFailure: true },
    );
  });
});
