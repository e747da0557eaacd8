/**
 * Stream records to domain events: pure, so the Lambda on the table's stream and the local
 * publisher on DynamoDB Local's stream map alike, and a replayed batch maps to the same events.
 *
 * - Only users, groups and memberships become events (see `keys.decodeItem`): guards, counters,
 *   cleanup markers and any other internal item yield nothing.
 * - A write that changes no SCIM attribute (a group's version bump after a member change) yields
 *   nothing of its own; the member events carry the change.
 * - Member changes are batched: consecutive additions (or removals) of one group's members within
 *   a batch become one event of at most `MAX_MEMBERS_PER_EVENT` ids. Any other event of the group
 *   in between starts a new one, so per-group order is kept. Where a run starts and ends depends
 *   on where the batch starts and ends, so its id names both its first and its last record (see
 *   `runId`): a retried batch that reaches further gives the longer run another id.
 * - Member changes of a group deleted by the time they are published (its REMOVE is in the batch,
 *   or the publisher found it gone) yield nothing: `Group.Deleted` implies them. This is what keeps
 *   the sweep of a 100,000-member group off the bus.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { presentResource } from '../service/presentation.js';
import { keys } from '../store/keys.js';
import { fromItem } from '../store/resources.js';
import { changedPaths } from './changes.js';
import {
  type ChangeData,
  type ChangeEvent,
  changeEvent,
  type EventName,
  MAX_MEMBERS_PER_EVENT,
} from './envelope.js';

type AttributeMap = Record<string, AttributeValue>;

/** A DynamoDB stream record as Lambda delivers it (the local publisher converts to this). */
export interface StreamRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly dynamodb: {
    readonly Keys: AttributeMap;
    readonly NewImage?: AttributeMap;
    readonly OldImage?: AttributeMap;
    readonly SequenceNumber: string;
    /** Seconds since the epoch (Lambda's shape). */
    readonly ApproximateCreationDateTime?: number;
  };
}

/** What the publisher read about a group whose member changes are in the batch. */
export interface GroupState {
  readonly exists: boolean;
  readonly version?: number;
  /** The group's externalId (null when it has none), carried by its member events. */
  readonly externalId?: string | null;
}

export interface MappingContext {
  readonly tenant: string;
  /** Absolute SCIM base URL (`https://host/scim/v2`), for `meta.location`. */
  readonly baseUrl: string;
  /** The groups named by `groupsToRead(records)`, read (strongly consistent) before mapping. */
  readonly groups: ReadonlyMap<string, GroupState>;
}

/** An event with the stream position it came from (its first record's). */
export interface MappedEvent {
  readonly event: ChangeEvent;
  readonly sequenceNumber: string;
}

interface Decoded {
  readonly record: StreamRecord;
  readonly key: NonNullable<ReturnType<typeof keys.decodeItem>>;
}

function decode(records: readonly StreamRecord[]): Decoded[] {
  const decoded: Decoded[] = [];
  for (const record of records) {
    const { pk, sk } = record.dynamodb.Keys;
    const key =
      pk?.S !== undefined && sk?.S !== undefined ? keys.decodeItem(pk.S, sk.S) : undefined;
    if (key) decoded.push({ record, key });
  }
  return decoded;
}

/**
 * The groups the publisher must read before `mapRecords`: those with member changes in the batch
 * and no later record of the group itself in it (which would tell their version) nor a delete.
 */
export function groupsToRead(records: readonly StreamRecord[]): string[] {
  const wanted = new Set<string>();
  const deleted = new Set<string>();
  for (const { key, record } of decode(records)) {
    if (key.kind === 'membership') wanted.add(key.groupId);
    else if (key.type === 'Group' && record.dynamodb.NewImage) wanted.delete(key.id);
    else if (key.type === 'Group') deleted.add(key.id);
  }
  return [...wanted].filter((groupId) => !deleted.has(groupId));
}

interface MemberRun {
  readonly name: 'Group.MembersAdded' | 'Group.MembersRemoved';
  readonly groupId: string;
  readonly first: StreamRecord;
  readonly members: string[];
  last: StreamRecord;
  lastIndex: number;
}

type Draft = { readonly mapped: MappedEvent } | { readonly run: MemberRun };

/**
 * The events of a batch of stream records, in stream order (per resource, the order of its
 * writes). `context.groups` must hold every group of `groupsToRead(records)`.
 */
export function mapRecords(
  records: readonly StreamRecord[],
  context: MappingContext,
): MappedEvent[] {
  const decoded = decode(records);
  const deletedInBatch = new Set<string>();
  for (const { key, record } of decoded) {
    if (key.kind === 'resource' && key.type === 'Group' && record.eventName === 'REMOVE') {
      deletedInBatch.add(key.id);
    }
  }
  // The state (version, externalId) of the next record of each group after position i (the
  // group's version bump follows its member writes, or is in the same transaction).
  const nextGroupState: (GroupState | undefined)[] = new Array(decoded.length);
  const following = new Map<string, GroupState>();
  for (let index = decoded.length - 1; index >= 0; index--) {
    const { key, record } = decoded[index]!;
    if (key.kind === 'membership') {
      nextGroupState[index] = following.get(key.groupId);
    } else if (key.type === 'Group' && record.dynamodb.NewImage) {
      const stored = fromItem(unmarshall(record.dynamodb.NewImage));
      following.set(key.id, {
        exists: true,
        version: stored.version,
        externalId: externalIdOf(stored.data),
      });
    }
  }

  const drafts: Draft[] = [];
  const openRuns = new Map<string, MemberRun>();
  decoded.forEach(({ key, record }, index) => {
    if (key.kind === 'membership') {
      const gone =
        deletedInBatch.has(key.groupId) || context.groups.get(key.groupId)?.exists === false;
      if (gone || record.eventName === 'MODIFY') return;
      const name = record.eventName === 'INSERT' ? 'Group.MembersAdded' : 'Group.MembersRemoved';
      const open = openRuns.get(key.groupId);
      if (open && open.name === name && open.members.length < MAX_MEMBERS_PER_EVENT) {
        open.members.push(key.userId);
        open.last = record;
        open.lastIndex = index;
        return;
      }
      const run: MemberRun = {
        name,
        groupId: key.groupId,
        first: record,
        members: [key.userId],
        last: record,
        lastIndex: index,
      };
      openRuns.set(key.groupId, run);
      drafts.push({ run });
      return;
    }
    const events = resourceEvents(key.type, key.id, record, context);
    if (key.type === 'Group' && events.length > 0) openRuns.delete(key.id);
    for (const mapped of events) drafts.push({ mapped });
  });

  return drafts.map((draft) => {
    if ('mapped' in draft) return draft.mapped;
    const { run } = draft;
    const group = nextGroupState[run.lastIndex] ?? context.groups.get(run.groupId);
    const version = group?.version;
    if (version === undefined) {
      throw new Error(`group ${run.groupId} was not read before mapping its member changes`);
    }
    const added = run.last.dynamodb.NewImage
      ? (unmarshall(run.last.dynamodb.NewImage).added as string | undefined)
      : undefined;
    return {
      sequenceNumber: run.first.dynamodb.SequenceNumber,
      event: changeEvent(run.name, runId(run), added ?? approximateTime(run.last), {
        tenant: context.tenant,
        resourceType: 'Group',
        id: run.groupId,
        externalId: group?.externalId ?? null,
        version,
        members: [...run.members],
      }),
    };
  });
}

/** The events of one user or group record. */
function resourceEvents(
  type: 'User' | 'Group',
  id: string,
  record: StreamRecord,
  context: MappingContext,
): MappedEvent[] {
  const { NewImage, OldImage, SequenceNumber } = record.dynamodb;
  const after = NewImage ? fromItem(unmarshall(NewImage)) : undefined;
  const before = OldImage ? fromItem(unmarshall(OldImage)) : undefined;
  const base = (stored: NonNullable<typeof after>) => ({
    tenant: context.tenant,
    resourceType: type,
    id,
    externalId: externalIdOf(stored.data),
  });
  const event = (name: EventName, time: string, data: ChangeData): MappedEvent => ({
    sequenceNumber: SequenceNumber,
    event: changeEvent(name, eventId(record, name), time, data),
  });
  const representation = (stored: NonNullable<typeof after>) =>
    presentResource(stored, { baseUrl: context.baseUrl }).body as Record<string, unknown>;

  if (record.eventName === 'INSERT' && after) {
    return [
      event(`${type}.Created`, after.lastModified, {
        ...base(after),
        version: after.version,
        resource: representation(after),
      }),
    ];
  }
  if (record.eventName === 'REMOVE' && before) {
    return [
      event(`${type}.Deleted`, approximateTime(record), {
        ...base(before),
        version: before.version + 1,
      }),
    ];
  }
  if (record.eventName !== 'MODIFY' || !after || !before) return [];
  const paths = changedPaths(before.data, after.data);
  if (paths.length === 0) return [];
  const data = {
    ...base(after),
    version: after.version,
    changedAttributes: paths,
    resource: representation(after),
  };
  const wasActive = before.data.active !== false;
  const isActive = after.data.active !== false;
  if (type === 'User' && wasActive !== isActive) {
    const flip = isActive ? 'User.Reactivated' : 'User.Deactivated';
    const others = paths.filter((path) => path !== 'active');
    return [
      ...(others.length > 0 ? [event('User.Updated', after.lastModified, data)] : []),
      event(flip, after.lastModified, data),
    ];
  }
  return [event(`${type}.Updated`, after.lastModified, data)];
}

/**
 * The event id: the stream record's own id (unique per record, the same whenever the record is
 * read again) and the event's name, since one record may yield two events.
 */
function eventId(record: StreamRecord, name: EventName): string {
  return `${record.eventID}:${name}`;
}

/**
 * The id of a member event: its first and its last stream record, and the event's name. A run's
 * members are exactly the group's membership records from the first to the last (a shard keeps a
 * group's records in order, and what cuts a run is in those records), so two events share an id
 * only when they carry the same members. A batch retried further (`[a,b,c]`, then `[a,b,c,d,e]`)
 * or starting later gives another id, and a consumer that de-duplicates by id applies it.
 */
function runId(run: MemberRun): string {
  return `${run.first.eventID}..${run.last.eventID}:${run.name}`;
}

/** A resource's externalId as stored, or null. */
function externalIdOf(data: Record<string, unknown>): string | null {
  return typeof data.externalId === 'string' ? data.externalId : null;
}

/** The stream's time of a record (second precision in AWS), for deletes and removals. */
function approximateTime(record: StreamRecord): string {
  const seconds = record.dynamodb.ApproximateCreationDateTime;
  return new Date(seconds === undefined ? Date.now() : seconds * 1000).toISOString();
}
