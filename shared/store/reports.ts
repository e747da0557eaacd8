/**
 * The provisioning reports' data in the tenant's own table, maintained off the SCIM request path
 * by the report aggregator (a subscription on the tenant's function log group in AWS, the local
 * server's record stream under `npm start`): hourly counts per operation and outcome, the latest
 * requests, Entra's Test Connection probes, the failures, and each identifier's history. The
 * integration page reads these instead of starting Logs Insights queries, so a crowd of admins
 * costs a few Queries each and never meets Logs Insights' account-wide concurrency limit.
 *
 * Counting is idempotent per log event: an event's request item is put with
 * `attribute_not_exists` in the same transaction that adds it to its hour's counts, so a batch
 * delivered twice (Lambda retries an asynchronous invocation) counts each event once. The other
 * items are keyed by the event's time and id and simply put again.
 */
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { foldIdentifier } from '../common/identifier.js';
import { backoff } from '../common/retry.js';
import { documentClient, tableName } from './client.js';
import { keys, MAX_KEY_VALUE_LENGTH } from './keys.js';
import { tableDesign } from './table-design.js';
import {
  CONDITION_FAILED,
  MAX_TRANSACTION_ACTIONS,
  type TransactItem,
  transactWrite,
} from './transactions.js';

/** The fields of a SCIM request's log line the reports keep (see `shared/http/middleware/request-log.ts`). */
export interface ReportRecord {
  /** ISO 8601 (the log event's time). */
  readonly timestamp: string;
  readonly operation: string;
  readonly status: number;
  readonly method?: string;
  readonly path?: string;
  readonly scimType?: string;
  readonly errorDetail?: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly externalId?: string;
  readonly userName?: string;
  readonly displayName?: string;
  readonly filterAttribute?: string;
  readonly filterValue?: string;
  readonly filter?: string;
  readonly totalResults?: number;
  readonly probe?: boolean;
  readonly callerKind?: string;
  readonly callerTokenId?: string;
  readonly requestId?: string;
  /** A user write that turned `active` off or on. */
  readonly activeChange?: 'deactivated' | 'reactivated';
  /** A group write's member changes: counts, and the first ids each way (capped in the line). */
  readonly membersAdded?: number;
  readonly membersRemoved?: number;
  readonly addedMemberIds?: readonly string[];
  readonly removedMemberIds?: readonly string[];
  /**
   * On a member's history item only (written from its group's write): whether the member was
   * added or removed, and the group's id and displayName (as logged).
   */
  readonly membership?: 'added' | 'removed';
  readonly groupId?: string;
  readonly groupName?: string;
}

/** A SCIM request's record and the id of the log event it came from (unique per log group). */
export interface ReportEvent {
  readonly id: string;
  readonly record: ReportRecord;
}

/** How long the per-request items live: the reports reach 30 days back, plus a day of margin. */
export const REPORT_ITEM_DAYS = 31;
/** How long the hourly counts live: small (one item an hour), kept for a quarter's trends. */
export const REPORT_HOUR_DAYS = 92;
const DAY_SECONDS = 86_400;
/** One transaction's events: their request items plus at most one hour update each. */
const EVENTS_PER_TRANSACTION = Math.floor(MAX_TRANSACTION_ACTIONS / 2);
const BATCH_WRITE_ITEMS = 25;

/** The hour an ISO time falls in, as the hourly items' sort key (`2026-11-29T05`, UTC). */
export function reportHour(timestamp: string): string {
  return new Date(timestamp).toISOString().slice(0, 13);
}

/** The attribute counting one operation and outcome in an hour's item. */
export function countAttribute(record: Pick<ReportRecord, 'operation' | 'status' | 'scimType'>) {
  return `n|${record.operation}|${record.status}|${record.scimType ?? ''}`;
}

function ttlAfter(timestamp: string, days: number): number {
  return Math.floor(Date.parse(timestamp) / 1000) + days * DAY_SECONDS;
}

/**
 * The UpdateItem of one hour's counts for `records` (all of that hour): requests, failures, one
 * counter per operation and outcome, and per failure outcome the latest time and detail.
 *
 * @example hourUpdateParams('t', '2026-11-29T05', [{ operation: 'getUser', status: 404, … }])
 */
export function hourUpdateParams(table: string, hour: string, records: readonly ReportRecord[]) {
  const names: Record<string, string> = {
    '#requests': 'requests',
    '#failures': 'failures',
    '#ttl': tableDesign.timeToLiveAttribute,
  };
  const values: Record<string, unknown> = {
    ':requests': records.length,
    ':failures': records.filter((record) => record.status >= 400).length,
    ':ttl': ttlAfter(`${hour}:00:00.000Z`, REPORT_HOUR_DAYS),
  };
  const counts = new Map<string, number>();
  const latest = new Map<string, ReportRecord>();
  for (const record of records) {
    const name = countAttribute(record);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (record.status < 400) continue;
    const outcome = `${record.status}|${record.scimType ?? ''}`;
    const seen = latest.get(outcome);
    if (!seen || record.timestamp >= seen.timestamp) latest.set(outcome, record);
  }
  const adds = ['#requests :requests', '#failures :failures'];
  [...counts].forEach(([name, count], index) => {
    names[`#c${index}`] = name;
    values[`:c${index}`] = count;
    adds.push(`#c${index} :c${index}`);
  });
  const sets = ['#ttl = :ttl'];
  [...latest].forEach(([outcome, record], index) => {
    names[`#l${index}`] = `last|${outcome}`;
    names[`#d${index}`] = `detail|${outcome}`;
    values[`:l${index}`] = record.timestamp;
    values[`:d${index}`] = record.errorDetail ?? '';
    sets.push(`#l${index} = :l${index}`, `#d${index} = :d${index}`);
  });
  return {
    TableName: table,
    Key: keys.reportHour(hour),
    UpdateExpression: `ADD ${adds.join(', ')} SET ${sets.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * The record as kept in the report items: without the member ids a group write's line lists
 * (up to 200 ids, 8 KB: 8 write units an item instead of 1); its members' own history items say
 * what happened to each (`memberItems`), and the counts stay.
 */
function withoutMemberIds(record: ReportRecord): ReportRecord {
  const { addedMemberIds: _added, removedMemberIds: _removed, ...kept } = record;
  return kept;
}

/** The request item of one event, put only if the event was not counted before. */
export function requestItemParams(table: string, event: ReportEvent) {
  const { timestamp } = event.record;
  return {
    TableName: table,
    Item: {
      ...keys.reportRequest(timestamp, event.id),
      ...withoutMemberIds(event.record),
      eventId: event.id,
      [tableDesign.timeToLiveAttribute]: ttlAfter(timestamp, REPORT_ITEM_DAYS),
    },
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: { '#pk': tableDesign.partitionKey },
  };
}

/**
 * The event's other items: a probe, a failure, one history item per distinct identifier it names
 * and, when it names a resource by id and by name, the name's pointer to that resource. Keyed by
 * the event, so putting them twice changes nothing.
 */
export function eventItems(event: ReportEvent): Record<string, unknown>[] {
  const { record, id } = event;
  const at = record.timestamp;
  const ttl = { [tableDesign.timeToLiveAttribute]: ttlAfter(at, REPORT_ITEM_DAYS) };
  const body = { ...withoutMemberIds(record), eventId: id, ...ttl };
  const items: Record<string, unknown>[] = [];
  if (record.probe) items.push({ ...keys.reportProbe(at, id), ...body });
  if (record.status >= 400) items.push({ ...keys.reportFailure(at, id), ...body });
  for (const value of identifiers(record)) {
    items.push({ ...keys.reportHistory(value, at, id), ...body });
  }
  items.push(...memberItems(event, ttl));
  if (record.resourceId && fits(record.resourceId)) {
    for (const name of [record.userName, record.externalId, record.displayName]) {
      if (name === undefined || !fits(name) || name === record.resourceId) continue;
      items.push({
        ...keys.reportName(name, record.resourceType ?? '', record.resourceId),
        lastSeen: at,
        ...ttl,
      });
    }
  }
  return items;
}

/**
 * A group write's items in its members' histories: one per member id the line lists, keyed by the
 * member and the event like every history item (so a delivery put twice writes each once), with
 * the group's id and name in fields of their own: a member's timeline never takes the group's
 * requests for the member's.
 */
function memberItems(
  { record, id }: ReportEvent,
  ttl: Record<string, number>,
): Record<string, unknown>[] {
  if (record.status >= 400 || record.resourceType !== 'Group' || !record.resourceId) return [];
  const item = (memberId: string, membership: 'added' | 'removed') => ({
    ...keys.reportHistory(memberId, record.timestamp, id),
    timestamp: record.timestamp,
    operation: record.operation,
    status: record.status,
    ...(record.method ? { method: record.method } : {}),
    ...(record.requestId ? { requestId: record.requestId } : {}),
    resourceType: 'User',
    membership,
    groupId: record.resourceId,
    ...(record.displayName ? { groupName: record.displayName } : {}),
    eventId: id,
    ...ttl,
  });
  const ids = (list: readonly string[] | undefined) =>
    [...new Set(list ?? [])].filter((memberId) => memberId !== '' && fits(memberId));
  return [
    ...ids(record.addedMemberIds).map((memberId) => item(memberId, 'added')),
    ...ids(record.removedMemberIds).map((memberId) => item(memberId, 'removed')),
  ];
}

/**
 * The identifiers a record names (as logged), each once, and the folded form of the names that
 * compare case-insensitively (userName, displayName, a lookup by either), as uniqueness folds
 * them: `JANE.DOE@contoso.test` then finds the requests that named `Jane.Doe@contoso.test`. A
 * keyed hash is folded before hashing already; externalId and ids are case-exact.
 */
export function identifiers(record: ReportRecord): string[] {
  const foldedLookup =
    record.filterValue !== undefined &&
    FOLDED_LOOKUPS.has(record.filterAttribute?.toLowerCase() ?? '')
      ? record.filterValue
      : undefined;
  return [
    ...new Set(
      [
        record.resourceId,
        record.externalId,
        record.userName,
        record.displayName,
        record.filterValue,
        ...[record.userName, record.displayName, foldedLookup].map(foldedName),
      ].filter((value): value is string => value !== undefined && value !== '' && fits(value)),
    ),
  ];
}

/** How a keyed hash of a name starts (`HASH_PREFIX` of `shared/http/log-identifiers.ts`). */
const HASH_PREFIX = 'hmac:';

/** Lookups whose value compares case-insensitively (`filterAttribute`, lower case). */
const FOLDED_LOOKUPS = new Set(['username', 'displayname']);

/**
 * The case-insensitive history key of a name (`foldIdentifier`, the uniqueness guards' folding);
 * undefined for a keyed hash, which is of the folded name already.
 *
 * @example foldedName('Jane.Doe@contoso.test') // 'jane.doe@contoso.test'
 */
export function foldedName(name: string | undefined): string | undefined {
  if (name === undefined || name.startsWith(HASH_PREFIX)) return undefined;
  return foldIdentifier(name);
}

function fits(value: string): boolean {
  return value.length <= MAX_KEY_VALUE_LENGTH;
}

/**
 * Counts the events not counted before, in transactions of request items and hour updates. A
 * transaction refused because some of its events were already counted is sent again without
 * them. Returns how many events were new.
 */
export async function countReportEvents(events: readonly ReportEvent[]): Promise<number> {
  const table = tableName();
  let counted = 0;
  for (let start = 0; start < events.length; start += EVENTS_PER_TRANSACTION) {
    let pending = uniqueById(events.slice(start, start + EVENTS_PER_TRANSACTION));
    while (pending.length > 0) {
      const hours = groupBy(pending, (event) => reportHour(event.record.timestamp));
      const items: TransactItem[] = [
        ...pending.map((event) => ({ Put: requestItemParams(table, event) })),
        ...[...hours].map(([hour, group]) => ({
          Update: hourUpdateParams(
            table,
            hour,
            group.map((event) => event.record),
          ),
        })),
      ];
      const reasons = await transactWrite({ TransactItems: items as TransactItem[] });
      if (!reasons) {
        counted += pending.length;
        break;
      }
      // Only request items carry a condition: drop the events already counted, send the rest.
      pending = pending.filter((_event, index) => reasons[index]?.code !== CONDITION_FAILED);
    }
  }
  return counted;
}

/** Puts every event's other items (see `eventItems`), 25 to a BatchWriteItem, retrying leftovers. */
export async function putReportEventItems(events: readonly ReportEvent[]): Promise<void> {
  const table = tableName();
  const unique = new Map<string, Record<string, unknown>>();
  for (const item of events.flatMap(eventItems)) unique.set(`${item.pk}\u0000${item.sk}`, item);
  const all = [...unique.values()];
  for (let start = 0; start < all.length; start += BATCH_WRITE_ITEMS) {
    let requests = all
      .slice(start, start + BATCH_WRITE_ITEMS)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt > 0) await backoff(attempt);
      if (attempt > 8) throw new Error('DynamoDB left report items unprocessed');
      const { UnprocessedItems } = await documentClient().send(
        new BatchWriteCommand({ RequestItems: { [table]: requests } }),
      );
      requests = (UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
}

/**
 * Aggregates a batch of SCIM request events into the report items: counted once each, their
 * other items put. Safe to call again with the same batch.
 *
 * @example await aggregateReportEvents([{ id: '3795…', record: { timestamp, operation: 'getUser', status: 200 } }])
 */
export async function aggregateReportEvents(events: readonly ReportEvent[]): Promise<number> {
  const counted = await countReportEvents(events);
  await putReportEventItems(events);
  return counted;
}

/** One hour's counts as read back. */
export interface ReportHour {
  readonly hour: string;
  readonly requests: number;
  readonly failures: number;
  readonly outcomes: readonly {
    readonly operation: string;
    readonly status: number;
    readonly scimType: string;
    readonly count: number;
  }[];
  /** Per failure outcome (`<status>|<scimType>`): the latest time and detail in the hour. */
  readonly latest: ReadonlyMap<string, { readonly at: string; readonly detail: string }>;
}

/** The hours from `fromHour` to `toHour` (inclusive), oldest first. */
export async function readReportHours(fromHour: string, toHour: string): Promise<ReportHour[]> {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
    ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
    ExpressionAttributeValues: {
      ':pk': keys.reportHoursPartition,
      ':from': fromHour,
      ':to': toHour,
    },
  });
  return items.map((item) => hourOf(item));
}

function hourOf(item: Record<string, unknown>): ReportHour {
  const outcomes: ReportHour['outcomes'][number][] = [];
  const latest = new Map<string, { at: string; detail: string }>();
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith('n|')) {
      const [, operation = '', status = '0', scimType = ''] = name.split('|');
      outcomes.push({ operation, status: Number(status), scimType, count: Number(value) });
    } else if (name.startsWith('last|')) {
      const outcome = name.slice('last|'.length);
      latest.set(outcome, {
        at: String(value),
        detail: String(item[`detail|${outcome}`] ?? ''),
      });
    }
  }
  return {
    hour: String(item.sk),
    requests: Number(item.requests ?? 0),
    failures: Number(item.failures ?? 0),
    outcomes,
    latest,
  };
}

/** Where a time-sorted report partition is read from. */
export type ReportList = 'requests' | 'probes' | 'failures';

const LIST_PARTITIONS: Record<ReportList, string> = {
  requests: keys.reportRequestsPartition,
  probes: keys.reportProbesPartition,
  failures: keys.reportFailuresPartition,
};

/** The newest records of a list between two ISO times, newest first, at most `limit`. */
export async function readReportList(
  list: ReportList,
  from: string,
  to: string,
  limit: number,
): Promise<ReportRecord[]> {
  return (await queryTimeRange(LIST_PARTITIONS[list], from, to, limit, false)).map(toRecord);
}

/**
 * The outcomes (time, status, scimType, probe, caller kind, operation) of the period's newest
 * requests, newest first, at most `limit`: what the health view reads to find Entra's latest
 * provisioning cycle. Only those attributes come back (the read costs the same, the answer is a
 * tenth of the size).
 */
export async function readRequestOutcomes(
  from: string,
  to: string,
  limit: number,
): Promise<
  Pick<ReportRecord, 'timestamp' | 'status' | 'scimType' | 'probe' | 'callerKind' | 'operation'>[]
> {
  const items = await queryAll(
    {
      TableName: tableName(),
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ProjectionExpression: '#ts, #status, #scimType, #probe, #callerKind, #operation',
      ExpressionAttributeNames: {
        '#pk': 'pk',
        '#sk': 'sk',
        '#ts': 'timestamp',
        '#status': 'status',
        '#scimType': 'scimType',
        '#probe': 'probe',
        '#callerKind': 'callerKind',
        '#operation': 'operation',
      },
      ExpressionAttributeValues: {
        ':pk': keys.reportRequestsPartition,
        ':from': from,
        ':to': `${to}#\uffff`,
      },
      ScanIndexForward: false,
    },
    limit,
  );
  return items.map((item) => ({
    timestamp: String(item.timestamp),
    status: Number(item.status),
    ...(typeof item.scimType === 'string' ? { scimType: item.scimType } : {}),
    ...(item.probe === true ? { probe: true } : {}),
    ...(typeof item.callerKind === 'string' ? { callerKind: item.callerKind } : {}),
    operation: String(item.operation ?? ''),
  }));
}

/**
 * A table named explicitly, for a reader outside the functions (`npm run verify` reads the
 * canary's report items with the operator's access, as it does the credential registry).
 */
export interface ReportTable {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * The history of one identifier (as logged) between two ISO times, oldest first, at most
 * `limit`, with each record's event id; in the store's table unless `table` names another.
 */
export async function readReportHistory(
  value: string,
  from: string,
  to: string,
  limit: number,
  table?: ReportTable,
): Promise<ReportEvent[]> {
  if (!fits(value)) return [];
  const items = await queryTimeRange(
    keys.reportHistoryPartition(value),
    from,
    to,
    limit,
    true,
    table,
  );
  return items.map((item) => ({ id: String(item.eventId), record: toRecord(item) }));
}

/**
 * The newest `limit` events of one identifier (as logged) between two ISO times, newest first:
 * what a timeline shows. Read from the newest end, so a busy partition (a large group's initial
 * sync writes thousands of member items) gives its latest events, not its first hours.
 */
export async function readLatestReportHistory(
  value: string,
  from: string,
  to: string,
  limit: number,
): Promise<ReportEvent[]> {
  if (!fits(value)) return [];
  const items = await queryTimeRange(keys.reportHistoryPartition(value), from, to, limit, false);
  return items.map((item) => ({ id: String(item.eventId), record: toRecord(item) }));
}

/** The resources an identifier (a logged userName, externalId or displayName) named. */
export async function readReportNames(value: string): Promise<{ type: string; id: string }[]> {
  if (!fits(value)) return [];
  const items = await queryAll(
    {
      TableName: tableName(),
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': keys.reportNamePartition(value) },
    },
    100,
  );
  return items.map((item) => keys.decodeReportName(String(item.sk)));
}

async function queryTimeRange(
  partition: string,
  from: string,
  to: string,
  limit: number,
  oldestFirst: boolean,
  table?: ReportTable,
): Promise<Record<string, unknown>[]> {
  return queryAll(
    {
      TableName: table?.tableName ?? tableName(),
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      // `#` sorts below digits: `<to>#…` keeps the events of the last millisecond.
      ExpressionAttributeValues: { ':pk': partition, ':from': from, ':to': `${to}#\uffff` },
      ScanIndexForward: oldestFirst,
    },
    limit,
    table?.documents,
  );
}

async function queryAll(
  input: QueryCommandInput,
  limit = Number.POSITIVE_INFINITY,
  documents: DynamoDBDocumentClient = documentClient(),
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        ...input,
        ...(Number.isFinite(limit) ? { Limit: limit - items.length } : {}),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start && items.length < limit);
  return items;
}

const RECORD_FIELDS = [
  'timestamp',
  'operation',
  'status',
  'method',
  'path',
  'scimType',
  'errorDetail',
  'resourceType',
  'resourceId',
  'externalId',
  'userName',
  'displayName',
  'filterAttribute',
  'filterValue',
  'filter',
  'totalResults',
  'probe',
  'callerKind',
  'callerTokenId',
  'requestId',
  'activeChange',
  'membersAdded',
  'membersRemoved',
  'addedMemberIds',
  'removedMemberIds',
  'membership',
  'groupId',
  'groupName',
] as const satisfies readonly (keyof ReportRecord)[];

const ID_LISTS = new Set<string>(['addedMemberIds', 'removedMemberIds']);

/** The record fields of an item (or a log line), nothing else. */
export function toRecord(item: Record<string, unknown>): ReportRecord {
  const record: Record<string, unknown> = {};
  for (const name of RECORD_FIELDS) {
    const value = item[name];
    if (value === undefined) continue;
    if (ID_LISTS.has(name)) {
      // Only a list of strings, as the request log writes it.
      if (Array.isArray(value) && value.every((id) => typeof id === 'string')) record[name] = value;
      continue;
    }
    record[name] = value;
  }
  return record as unknown as ReportRecord;
}

function uniqueById(events: readonly ReportEvent[]): ReportEvent[] {
  return [...new Map(events.map((event) => [event.id, event])).values()];
}

function groupBy<T>(values: readonly T[], key: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const name = key(value);
    groups.set(name, [...(groups.get(name) ?? []), value]);
  }
  return groups;
}
