/**
 * One timeline for one user or group: every request about it in the period and, for a user, the
 * membership changes its groups' writes made, newest first, from the aggregated report items.
 *
 * Report history items are keyed by each identifier as the request line wrote it
 * (`REPORT#HISTORY#<id | userName | externalId | displayName>`), so a resource's requests sit in
 * several partitions: those naming its id (reads, updates, and, for a user, the "Added to group"
 * items the aggregator writes from group writes) and those naming only a name (Entra's lookup by
 * userName before it knows the id, a create refused before an id existed). The resource's current
 * names come from the store (what GroupTalk holds now), its earlier names from its own requests;
 * each is queried, and the events are de-duplicated by event id. Requests naming another resource
 * by one of those names (a user deleted and created again under the same userName) are left out.
 */
import type { ResourceTypeName } from '../../common/resource-types.js';
import { foldedName, type ReportEvent, readLatestReportHistory } from '../../store/reports.js';
import { getResource } from '../../store/resources.js';
import type { ReportRange } from './source.js';
import { requestTitle } from './wording.js';

/** One entry of a timeline, as the API serves it. */
export interface TimelineItem {
  readonly at: string;
  readonly title: string;
  readonly outcome: 'succeeded' | 'failed';
  readonly status: number;
  readonly operation: string;
  readonly scimType?: string;
  /** The exact errorDetail Entra was given. */
  readonly detail?: string;
  /** For a member's entry of its group's write. */
  readonly group?: { readonly id: string; readonly displayName?: string };
  readonly requestId?: string;
}

export interface Timeline {
  readonly type: ResourceTypeName;
  readonly id: string;
  readonly items: readonly TimelineItem[];
  readonly from: string;
  readonly to: string;
  /**
   * More events of the period exist than `items` holds: they are the latest `limit` ones (the
   * page says "showing the latest 500").
   */
  readonly truncated: boolean;
}

/** Names queried beyond the current ones (earlier userNames, externalIds). */
const MAX_NAMES = 20;

/**
 * The timeline of `type`/`id` in `range`, at most `limit` entries, newest first. Each identifier's
 * partition is read from its newest end, one item past `limit`, so that an answer cut short says
 * so exactly (`truncated`).
 *
 * @param loggedForms a name's forms as request lines hold it: itself, and its keyed hashes where
 *   the tenant logs identifiers hashed (`searchTerms`)
 */
export async function resourceTimeline(
  type: ResourceTypeName,
  id: string,
  range: ReportRange,
  limit: number,
  loggedForms: (name: string) => Promise<readonly string[]>,
): Promise<Timeline> {
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  const [current, byId] = await Promise.all([
    getResource(type, id),
    readLatestReportHistory(id, from, to, limit + 1),
  ]);
  const held = current
    ? [current.data[type === 'User' ? 'userName' : 'displayName'], current.data.externalId]
    : [];
  const names = new Set<string>();
  for (const name of held) if (typeof name === 'string' && name !== '') names.add(name);
  const logged = new Set<string>();
  for (const name of names) {
    for (const form of await loggedForms(name)) logged.add(form);
    // Requests that named it in another case (`Jane.Doe@…` for `jane.doe@…`): not externalId.
    if (name !== current?.data.externalId) {
      const folded = foldedName(name);
      if (folded) logged.add(folded);
    }
  }
  // Earlier names, as its own requests logged them (already in their logged form).
  for (const { record } of byId) {
    for (const name of [record.userName, record.externalId, record.displayName]) {
      if (name && name !== id && record.resourceId === id && !record.membership) logged.add(name);
    }
  }
  logged.delete(id);
  const byName = await Promise.all(
    [...logged]
      .slice(0, MAX_NAMES)
      .map((name) => readLatestReportHistory(name, from, to, limit + 1)),
  );
  const found = new Map<string, ReportEvent>();
  for (const event of [...byId, ...byName.flat()]) {
    if (!belongs(event, type, id)) continue;
    found.set(`${event.id}|${event.record.membership ?? ''}`, event);
  }
  const newestFirst = [...found.values()].sort(
    (a, b) => b.record.timestamp.localeCompare(a.record.timestamp) || b.id.localeCompare(a.id),
  );
  // A partition that held more than `limit` gave only its newest `limit + 1`: older events of the
  // resource may be left in it even when fewer than that were its own (a name shared with another).
  const cut = [byId, ...byName].some((events) => events.length > limit);
  const items = newestFirst.slice(0, limit).map(({ record }) => timelineItem(record));
  return { type, id, items, from, to, truncated: cut || newestFirst.length > limit };
}

/** Whether an event found under one of the resource's identifiers is about this resource. */
function belongs({ record }: ReportEvent, type: ResourceTypeName, id: string): boolean {
  if (record.membership) return type === 'User';
  if (record.resourceType !== undefined && record.resourceType !== type) return false;
  return record.resourceId === undefined || record.resourceId === id;
}

function timelineItem(record: ReportEvent['record']): TimelineItem {
  return {
    at: record.timestamp,
    title: requestTitle(record),
    outcome: record.status >= 400 ? 'failed' : 'succeeded',
    status: record.status,
    operation: record.operation,
    ...(record.scimType ? { scimType: record.scimType } : {}),
    ...(record.status >= 400 && record.errorDetail ? { detail: record.errorDetail } : {}),
    ...(record.groupId
      ? {
          group: {
            id: record.groupId,
            ...(record.groupName && !record.groupName.startsWith('hmac:')
              ? { displayName: record.groupName }
              : {}),
          },
        }
      : {}),
    ...(record.requestId ? { requestId: record.requestId } : {}),
  };
}
