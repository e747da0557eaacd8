/**
 * The write side of the integration page's directory (`directory.ts` reads it): the search items
 * of a user or group and the deactivated users' counter, as actions of the resource's own
 * transaction, so a search never finds a value the resource does not hold once the write is
 * answered (the index itself follows within a moment), and nothing is ever half written.
 *
 * A resource's name (userName, group displayName) is searched through the byType index, which
 * already orders by it; the other searchable values each get a small item (keys only) that the
 * bySearch index orders by the folded value. An item is written only when its value changes, so
 * an update that leaves them alone stays one conditional put.
 */
import type { ResourceTypeName } from '../common/resource-types.js';
import { tableName } from './client.js';
import { keys } from './keys.js';
import { tableDesign } from './table-design.js';
import type { TransactItem } from './transactions.js';

/** A searchable attribute, as the directory's answers name it (`matched`). */
export type SearchField = 'userName' | 'displayName' | 'email' | 'externalId';

export interface SearchEntry {
  readonly field: SearchField;
  /** As stored. */
  readonly value: string;
  /** Folded as keys are (`keys.foldSearch`). */
  readonly folded: string;
}

/** Shards of the deactivated users' counter, as of the resource counters. */
const COUNTER_SHARDS = 8;
/**
 * The attribute of a resource item that says its search items and its place in the deactivated
 * counter are written (its value: the version of that layout). Items written before the directory
 * lack it: the first write after, or `npm run migrate-directory`, writes them.
 */
export const DIRECTORY_MARK = 'dirv';
export const DIRECTORY_VERSION = 1;

const bySearch = tableDesign.indexes.bySearch;

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The e-mail the directory shows and searches: the primary one, else the work one, else the
 * first (Entra sends one, `emails[type eq "work"]`, marked primary).
 */
export function directoryEmailOf(data: Record<string, unknown>): string | undefined {
  if (!Array.isArray(data.emails)) return undefined;
  const emails = data.emails.filter(
    (entry): entry is { value: string; type?: unknown; primary?: unknown } =>
      typeof (entry as { value?: unknown } | null)?.value === 'string' &&
      (entry as { value: string }).value !== '',
  );
  const primary = emails.find((entry) => entry.primary === true);
  const work = emails.find(
    (entry) => typeof entry.type === 'string' && entry.type.toLowerCase() === 'work',
  );
  return (primary ?? work ?? emails[0])?.value;
}

/**
 * The searchable values of a resource in the order a match is named: its name first, then (users)
 * displayName, e-mail, externalId, (groups) externalId. A value that folds to one before it is
 * left out: the earlier one finds the resource by the same prefixes (Entra often sends the same
 * address as userName and e-mail).
 */
export function searchEntries(
  type: ResourceTypeName,
  data: Record<string, unknown>,
): SearchEntry[] {
  const candidates: [SearchField, string | undefined][] =
    type === 'User'
      ? [
          ['userName', stringOf(data.userName)],
          ['displayName', stringOf(data.displayName)],
          ['email', directoryEmailOf(data)],
          ['externalId', stringOf(data.externalId)],
        ]
      : [
          ['displayName', stringOf(data.displayName)],
          ['externalId', stringOf(data.externalId)],
        ];
  const entries: SearchEntry[] = [];
  for (const [field, value] of candidates) {
    if (value === undefined) continue;
    const folded = keys.foldSearch(value);
    if (folded === '' || entries.some((entry) => entry.folded === folded)) continue;
    entries.push({ field, value, folded });
  }
  return entries;
}

/** The field searched through byType (the resource's unique name). */
export function nameField(type: ResourceTypeName): SearchField {
  return type === 'User' ? 'userName' : 'displayName';
}

/** The entries that have a search item of their own (all but the name). */
function itemEntries(type: ResourceTypeName, data: Record<string, unknown>): SearchEntry[] {
  const name = nameField(type);
  return searchEntries(type, data).filter((entry) => entry.field !== name);
}

/** A search item as stored: its keys only (about 100 bytes with a 40-character value). */
export function searchItem(
  type: ResourceTypeName,
  id: string,
  entry: SearchEntry,
): Record<string, string> {
  return {
    ...keys.searchItem(type, id, entry.field),
    [bySearch.partitionKey]: keys.searchPartition(type, entry.folded),
    [bySearch.sortKey]: keys.searchSort(entry.folded, id, entry.field),
  };
}

export function isDeactivated(type: ResourceTypeName, data: Record<string, unknown>): boolean {
  return type === 'User' && data.active === false;
}

function deactivatedUpdate(delta: 1 | -1): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key: keys.deactivatedShard(Math.floor(Math.random() * COUNTER_SHARDS)),
      UpdateExpression: 'ADD #n :delta',
      ExpressionAttributeNames: { '#n': 'n' },
      ExpressionAttributeValues: { ':delta': delta },
    },
  };
}

function put(type: ResourceTypeName, id: string, entry: SearchEntry): TransactItem {
  return { Put: { TableName: tableName(), Item: searchItem(type, id, entry) } };
}

function remove(type: ResourceTypeName, id: string, field: SearchField): TransactItem {
  return { Delete: { TableName: tableName(), Key: keys.searchItem(type, id, field) } };
}

/** What a resource's directory state is as written: undefined when it predates the directory. */
export interface DirectoryState {
  readonly type: ResourceTypeName;
  readonly id: string;
  readonly data: Record<string, unknown>;
  /** True for a resource item written before the directory (no `DIRECTORY_MARK`). */
  readonly unindexed?: boolean;
}

/** The actions a create adds: a put per search item, and the count when created deactivated. */
export function createActions(record: DirectoryState): TransactItem[] {
  return [
    ...itemEntries(record.type, record.data).map((entry) => put(record.type, record.id, entry)),
    ...(isDeactivated(record.type, record.data) ? [deactivatedUpdate(1)] : []),
  ];
}

/**
 * The actions a replace adds: a put per search item whose value changed (all of them when the
 * previous item predates the directory), a delete per value gone, and the deactivated counter
 * when `active` flips. Empty when none of that changes.
 */
export function replaceActions(previous: DirectoryState, next: DirectoryState): TransactItem[] {
  const before = new Map(
    itemEntries(previous.type, previous.data).map((entry) => [entry.field, entry]),
  );
  const after = itemEntries(next.type, next.data);
  const actions: TransactItem[] = [];
  for (const entry of after) {
    const old = before.get(entry.field);
    if (previous.unindexed || old === undefined || old.folded !== entry.folded) {
      actions.push(put(next.type, next.id, entry));
    }
  }
  const kept = new Set(after.map((entry) => entry.field));
  for (const field of before.keys()) {
    if (!kept.has(field)) actions.push(remove(previous.type, previous.id, field));
  }
  const was = !previous.unindexed && isDeactivated(previous.type, previous.data);
  const is = isDeactivated(next.type, next.data);
  if (was !== is) actions.push(deactivatedUpdate(is ? 1 : -1));
  return actions;
}

/** The actions a delete adds: its search items deleted, and uncounted when deactivated. */
export function deleteActions(record: DirectoryState): TransactItem[] {
  return [
    ...itemEntries(record.type, record.data).map((entry) =>
      remove(record.type, record.id, entry.field),
    ),
    ...(!record.unindexed && isDeactivated(record.type, record.data)
      ? [deactivatedUpdate(-1)]
      : []),
  ];
}

/**
 * The search items of a resource as the create writes them (bulk loads: the benchmark's seed).
 */
export function searchItemsOf(record: DirectoryState): Record<string, string>[] {
  return itemEntries(record.type, record.data).map((entry) =>
    searchItem(record.type, record.id, entry),
  );
}

/**
 * The actions that bring a resource written before the directory up to date (`migrate-directory.ts`):
 * its search items, and its count when deactivated. The caller marks the resource item in the
 * same transaction, conditional on its version.
 */
export function backfillActions(record: DirectoryState): TransactItem[] {
  return createActions(record);
}
