/**
 * The change feed's event shape: a CloudEvents 1.0 envelope (structured JSON mode) around the
 * GroupTalk SCIM change. One JSON Schema per event type lives in `schemas/` (see `schemas.ts`);
 * docs/change-feed.md is the consumer's reference.
 */
import type { ResourceTypeName } from '../common/resource-types.js';

/** Every event type the feed publishes (the CloudEvents `type` is `com.grouptalk.scim.<name>`). */
export const EVENT_NAMES = [
  'User.Created',
  'User.Updated',
  'User.Deactivated',
  'User.Reactivated',
  'User.Deleted',
  'Group.Created',
  'Group.Updated',
  'Group.Deleted',
  'Group.MembersAdded',
  'Group.MembersRemoved',
] as const;

export type EventName = (typeof EVENT_NAMES)[number];

/** Member ids in one member event: about 40 KB of ids, far below EventBridge's 256 KB. */
export const MAX_MEMBERS_PER_EVENT = 1_000;

export const EVENT_TYPE_PREFIX = 'com.grouptalk.scim.';

/** EventBridge `source` of every event: rules match it together with `detail.tenant`. */
export const EVENTBRIDGE_SOURCE = 'grouptalk.scim';

/** Where the JSON Schemas say they live (their `$id`); `dataschema` of each event points there. */
export const SCHEMA_BASE_URL = 'https://scim.grouptalk.com/events/v1/';

/** The CloudEvents `source` of a tenant's events. */
export function eventSource(tenant: string): string {
  return `urn:grouptalk:scim:${tenant}`;
}

/** The `data` of every event. */
export interface ChangeData {
  readonly tenant: string;
  readonly resourceType: ResourceTypeName;
  readonly id: string;
  /**
   * The resource's externalId as written (before a delete: as it was), or null. Member events
   * carry the group's (from its next write in the batch, else as read when publishing).
   */
  readonly externalId: string | null;
  /**
   * The resource's version after the change (`meta.version` is `W/"<version>"`). A delete has the
   * deleted version + 1; member events carry the group's version that includes the change, or a
   * later one. Consumers ignore a state event whose version is lower than the one they hold.
   */
  readonly version: number;
  /** User.Updated, Group.Updated, User.Deactivated, User.Reactivated: the attribute paths written. */
  readonly changedAttributes?: readonly string[];
  /** Group.MembersAdded, Group.MembersRemoved: the member (user) ids. */
  readonly members?: readonly string[];
  /**
   * The SCIM representation as `GET` returns it, without Group `members` and User `groups` (the
   * member events carry those); absent after a delete and for member events.
   */
  readonly resource?: Record<string, unknown>;
  /** True when `resource` was left out because the event would exceed EventBridge's 256 KB. */
  readonly resourceOmitted?: boolean;
}

/** A CloudEvents 1.0 event of the feed, as published (EventBridge `detail`, one line locally). */
export interface ChangeEvent {
  readonly specversion: '1.0';
  /**
   * Derived from the stream record(s): `<record>:<name>` for a state event, `<first>..<last>:<name>`
   * for a member event (the run's first and last record). A replayed event has the same id only
   * when it has the same content; a member run re-cut by a retry gets another id.
   */
  readonly id: string;
  readonly source: string;
  readonly type: `${typeof EVENT_TYPE_PREFIX}${EventName}`;
  /** `Users/<id>` or `Groups/<id>`: per subject, events are published in order. */
  readonly subject: string;
  /** When the change was written (ISO 8601). */
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly dataschema: string;
  /** CloudEvents extension attribute: the tenant, for EventBridge rules (`detail.tenant`). */
  readonly tenant: string;
  readonly data: ChangeData;
}

/** The short name of an event (`User.Created`) from its CloudEvents type. */
export function eventName(event: Pick<ChangeEvent, 'type'>): EventName {
  return event.type.slice(EVENT_TYPE_PREFIX.length) as EventName;
}

export function schemaUrl(name: EventName): string {
  return `${SCHEMA_BASE_URL}${name}.json`;
}

const ENDPOINT: Record<ResourceTypeName, string> = { User: 'Users', Group: 'Groups' };

/** Builds the envelope of one change. */
export function changeEvent(
  name: EventName,
  id: string,
  time: string,
  data: ChangeData,
): ChangeEvent {
  return {
    specversion: '1.0',
    id,
    source: eventSource(data.tenant),
    type: `${EVENT_TYPE_PREFIX}${name}`,
    subject: `${ENDPOINT[data.resourceType]}/${data.id}`,
    time,
    datacontenttype: 'application/json',
    dataschema: schemaUrl(name),
    tenant: data.tenant,
    data,
  };
}

/**
 * The largest event the feed publishes, in bytes of JSON: EventBridge takes at most 256 KB per
 * entry (source, detail type and detail together), and a resource may hold 350 KB.
 */
export const MAX_EVENT_BYTES = 240_000;

/**
 * The event itself when it fits `MAX_EVENT_BYTES`, else the same event without its `resource`
 * (marked `resourceOmitted`): the consumer reads the resource from the SCIM API instead.
 */
export function boundedEvent(event: ChangeEvent): ChangeEvent {
  if (Buffer.byteLength(JSON.stringify(event), 'utf8') <= MAX_EVENT_BYTES) return event;
  const { resource: _omitted, ...data } = event.data;
  return { ...event, data: { ...data, resourceOmitted: true } };
}
