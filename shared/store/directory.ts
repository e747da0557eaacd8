/**
 * The integration page's directory: the users and groups GroupTalk holds, searched by the start
 * of a name, display name, e-mail or externalId, case-insensitively, with Queries only.
 *
 * A search merges, in key order, up to four streams: per type, the byType index (names, which it
 * already orders by their folded form) and the bySearch index (the search items of
 * `search-items.ts`) from the first key starting with the folded prefix. A resource matching by
 * several values is given once, at its smallest matching key (`matched` names that value), so a
 * page never repeats one of the page before. Search items are KEYS_ONLY: the resources they name
 * are read with one consistent BatchGetItem per round, and an entry whose resource no longer holds
 * that value (the index lags a write by a moment) is skipped. byType's copy of a resource lags the
 * same way, so the names that would be hits are read in that BatchGetItem too (a read unit per
 * hit, `npm run bench -- --directory-only`) and judged on what it answers.
 */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ResourceTypeName } from '../common/resource-types.js';
import { documentClient, tableName } from './client.js';
import { keys, MAX_KEY_VALUE_LENGTH } from './keys.js';
import { batchGetResources, countResources, fromItem, type StoredResource } from './resources.js';
import { nameField, type SearchField, searchEntries } from './search-items.js';
import { tableDesign } from './table-design.js';

const { byType, bySearch } = tableDesign.indexes;

export type DirectoryScope = 'all' | 'users' | 'groups';

/** Where one stream stopped: the index sort key and the table key of its last entry taken. */
export interface StreamPosition {
  readonly indexSort: string;
  readonly pk: string;
  readonly sk: string;
}

/**
 * Where a page ended, per stream (`User:name`, `User:search`, `Group:name`, `Group:search`):
 * a position, or `null` once the stream is read to its end. A stream not named starts afresh.
 */
export type DirectoryCursor = Readonly<Record<string, StreamPosition | null>>;

export interface DirectoryHit {
  readonly record: StoredResource;
  /** The value the search matched (none for the empty search). */
  readonly matched?: SearchField;
}

export interface DirectoryPage {
  readonly hits: DirectoryHit[];
  /** Where the next page starts; undefined at the end. */
  readonly next?: DirectoryCursor;
}

/** Thrown for a cursor that is not one this search wrote (the page answers 400). */
export class InvalidCursorError extends Error {
  constructor(reason: string) {
    super(`invalid directory cursor: ${reason}`);
    this.name = 'InvalidCursorError';
  }
}

/**
 * The bySearch index is still being built (the first minutes after the update that adds it:
 * CloudFormation does not wait for the backfill, and the index cannot be read until ACTIVE).
 */
export class DirectoryNotReadyError extends Error {
  constructor(options?: ErrorOptions) {
    super('the directory index is not active yet', options);
    this.name = 'DirectoryNotReadyError';
  }
}

type StreamKind = 'name' | 'search';

interface Entry {
  readonly type: ResourceTypeName;
  readonly kind: StreamKind;
  readonly position: StreamPosition;
  /** The field of a search item (names: the type's name field). */
  readonly field: SearchField;
  /** The whole resource, from byType's ALL projection; search items have only keys. */
  readonly record?: StoredResource;
}

class Stream {
  readonly id: string;
  private buffer: Entry[] = [];
  private startKey: Record<string, unknown> | undefined;
  /** No more to fetch (the buffer may still hold entries). */
  private exhausted = false;
  /** The last entry taken, where the next page resumes. */
  taken: StreamPosition | undefined;

  constructor(
    readonly type: ResourceTypeName,
    readonly kind: StreamKind,
    private readonly prefix: string,
    resume: StreamPosition | null | undefined,
  ) {
    this.id = `${type}:${kind}`;
    if (resume === null) this.exhausted = true;
    else if (resume !== undefined) {
      this.taken = resume;
      this.startKey = this.exclusiveStartKey(resume);
    }
  }

  private get index() {
    return this.kind === 'name' ? byType : bySearch;
  }

  /** The index partition this stream reads. */
  private get partition(): string {
    return this.kind === 'name'
      ? keys.typePartition(this.type)
      : keys.searchPartition(this.type, this.prefix);
  }

  private exclusiveStartKey(position: StreamPosition): Record<string, unknown> {
    return {
      [this.index.partitionKey]: this.partition,
      [this.index.sortKey]: position.indexSort,
      [tableDesign.partitionKey]: position.pk,
      [tableDesign.sortKey]: position.sk,
    };
  }

  /** Checks a position read from a cursor belongs to this stream (else DynamoDB answers 400). */
  static check(
    type: ResourceTypeName,
    kind: StreamKind,
    prefix: string,
    position: unknown,
  ): StreamPosition | null | undefined {
    if (position === null || position === undefined) return position;
    const p = position as Partial<StreamPosition>;
    // Key values DynamoDB takes: not empty (the empty search's prefix lets '' through below),
    // within its key sizes (1,024 bytes of sort key; DynamoDB Local does not check them).
    const strings = [p.indexSort, p.pk, p.sk].every(
      (value) =>
        typeof value === 'string' && value !== '' && Buffer.byteLength(value, 'utf8') <= 1_024,
    );
    if (!strings) throw new InvalidCursorError('malformed position');
    const { indexSort, pk, sk } = p as StreamPosition;
    if (keys.decodeId(pk).length > MAX_KEY_VALUE_LENGTH) {
      throw new InvalidCursorError('position outside the search');
    }
    const resource = keys.resource(type, keys.decodeId(pk));
    const ownKey =
      resource.pk === pk &&
      (kind === 'name' ? sk === resource.sk : keys.decodeSearchField(sk) !== undefined);
    if (!ownKey || !indexSort.startsWith(prefix)) {
      throw new InvalidCursorError('position outside the search');
    }
    return { indexSort, pk, sk };
  }

  /** The next entry in key order without taking it; undefined at the end. */
  async peek(): Promise<Entry | undefined> {
    while (this.buffer.length === 0 && !this.exhausted) await this.fetch();
    return this.buffer[0];
  }

  take(): Entry {
    const entry = this.buffer.shift();
    if (!entry) throw new Error('take() without peek()');
    this.taken = entry.position;
    return entry;
  }

  /** Where the next page resumes: `null` when nothing is left. */
  resumeAt(): StreamPosition | null | undefined {
    if (this.exhausted && this.buffer.length === 0) return null;
    return this.taken;
  }

  private async fetch(): Promise<void> {
    const output = await documentClient()
      .send(new QueryCommand(this.params()))
      .catch((error: unknown) => {
        const { name, message } = error as { name?: string; message?: string };
        if (name === 'ValidationException' && /backfill/i.test(message ?? '')) {
          throw new DirectoryNotReadyError({ cause: error });
        }
        throw error;
      });
    for (const item of output.Items ?? []) this.buffer.push(this.entryOf(item));
    this.startKey = output.LastEvaluatedKey;
    if (this.startKey === undefined) this.exhausted = true;
  }

  private params(): QueryCommandInput {
    // The empty search lists the whole byType partition (an empty operand is not a key value).
    const whole = this.prefix === '';
    return {
      TableName: tableName(),
      IndexName: this.index.name,
      KeyConditionExpression: whole ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: {
        '#pk': this.index.partitionKey,
        ...(whole ? {} : { '#sk': this.index.sortKey }),
      },
      ExpressionAttributeValues: {
        ':pk': this.partition,
        ...(whole ? {} : { ':prefix': this.prefix }),
      },
      ...(this.startKey ? { ExclusiveStartKey: this.startKey } : {}),
      Limit: FETCH,
      ReturnConsumedCapacity: 'TOTAL',
    };
  }

  private entryOf(item: Record<string, unknown>): Entry {
    const position = {
      indexSort: item[this.index.sortKey] as string,
      pk: item[tableDesign.partitionKey] as string,
      sk: item[tableDesign.sortKey] as string,
    };
    if (this.kind === 'name') {
      return {
        type: this.type,
        kind: this.kind,
        position,
        field: nameField(this.type),
        record: fromItem(item),
      };
    }
    const field = (keys.decodeSearchField(position.sk) ?? 'externalId') as SearchField;
    return { type: this.type, kind: this.kind, position, field };
  }
}

/** Entries one Query reads: a page's worth, so one round usually fills a page. */
const FETCH = 25;
/**
 * Entries one page examines at most. Past the values that match first, a broad prefix meets the
 * later matches of resources already given (their second or third value); a page stops after
 * this many and says where to go on, so a deep page costs what a shallow one does (it may hold
 * fewer than 25, or none, with a `next`).
 */
export const MAX_EXAMINED_PER_PAGE = 200;
export const DIRECTORY_PAGE_SIZE = 25;

/** DynamoDB orders strings by their UTF-8 bytes (JavaScript by UTF-16 units): merge its way. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The index sort key each searchable value of `record` has (`keys.typeSort` for the name). */
function entryKeys(record: StoredResource) {
  const name = nameField(record.type);
  return searchEntries(record.type, record.data).map((entry) => ({
    ...entry,
    key:
      entry.field === name
        ? keys.typeSort(entry.value, record.id)
        : keys.searchSort(entry.folded, record.id, entry.field),
  }));
}

/**
 * Whether `entry` is the one place the search gives `record`: the resource still holds the value
 * the entry was written for (search items lag a write), the value starts with `folded`, and no
 * other matching value of the resource comes before it.
 */
function accepted(entry: Entry, record: StoredResource, folded: string): boolean {
  // Written before the directory (`npm run migrate-directory` not run yet): its name is its one
  // entry, whatever its other values (they have no search item to be found by).
  const values = record.unindexed
    ? entryKeys(record).filter((value) => value.field === nameField(record.type))
    : entryKeys(record);
  const own = values.find((value) => value.field === entry.field);
  if (own === undefined || !own.folded.startsWith(folded)) return false;
  // A name's sort key may predate the identifier profile (`npm run migrate-names`): not stale.
  if (entry.kind === 'search' && own.key !== entry.position.indexSort) return false;
  const first = values
    .filter((value) => value.folded.startsWith(folded))
    .reduce((best, value) => (compareKeys(value.key, best.key) < 0 ? value : best));
  return first.field === entry.field;
}

function scopeTypes(scope: DirectoryScope): ResourceTypeName[] {
  if (scope === 'users') return ['User'];
  if (scope === 'groups') return ['Group'];
  return ['User', 'Group'];
}

/**
 * One page of the directory: resources of `scope` with a searchable value starting with `query`
 * (compared folded, as unique names are), in the order of that value; every resource in name
 * order when `query` is empty. `after` is the `next` of the page before, for the same query and
 * scope (else `InvalidCursorError`).
 *
 * @example
 * const page = await searchDirectory({ query: 'JANE.DOE@', scope: 'users' });
 * // page.hits[0] → { record: { type: 'User', id: '…', data: { userName: 'jane.doe@contoso.test', … } }, matched: 'userName' }
 */
export async function searchDirectory(options: {
  readonly query: string;
  readonly scope: DirectoryScope;
  readonly after?: DirectoryCursor;
  readonly limit?: number;
  /** Entries examined at most (`MAX_EXAMINED_PER_PAGE`). */
  readonly examineAtMost?: number;
}): Promise<DirectoryPage> {
  const limit = options.limit ?? DIRECTORY_PAGE_SIZE;
  const budget = options.examineAtMost ?? MAX_EXAMINED_PER_PAGE;
  const folded = keys.foldSearch(options.query);
  const prefix = keys.searchPrefix(folded);
  const kinds: StreamKind[] = folded === '' ? ['name'] : ['name', 'search'];
  const streams: Stream[] = [];
  const known = new Set<string>();
  for (const type of scopeTypes(options.scope)) {
    for (const kind of kinds) {
      const id = `${type}:${kind}`;
      known.add(id);
      streams.push(
        new Stream(type, kind, prefix, Stream.check(type, kind, prefix, options.after?.[id])),
      );
    }
  }
  for (const id of Object.keys(options.after ?? {})) {
    if (!known.has(id)) throw new InvalidCursorError(`no stream ${id} in this search`);
  }

  const hits: DirectoryHit[] = [];
  let examined = 0;
  for (;;) {
    const want = Math.min(limit - hits.length, budget - examined);
    if (want <= 0) break;
    // Take the next `want` entries in key order, then judge them with their resources read.
    const round: Entry[] = [];
    while (round.length < want) {
      let best: Stream | undefined;
      let bestEntry: Entry | undefined;
      for (const stream of streams) {
        const entry = await stream.peek();
        if (
          entry &&
          (!bestEntry || compareKeys(entry.position.indexSort, bestEntry.position.indexSort) < 0)
        ) {
          best = stream;
          bestEntry = entry;
        }
      }
      if (!best) break;
      round.push(best.take());
    }
    if (round.length === 0) break;
    examined += round.length;
    // byType's copy of a name's resource lags a write as the search items do: a name entry that
    // would be a hit is judged again on the resource read consistently (deleted: left out).
    const candidates = round.filter(
      (entry) =>
        entry.record === undefined || folded === '' || accepted(entry, entry.record, folded),
    );
    const records = await recordsOf(candidates);
    for (const entry of candidates) {
      const record = records.get(`${entry.type}#${keys.decodeId(entry.position.pk)}`);
      if (!record) continue;
      if (folded === '') hits.push({ record });
      else if (accepted(entry, record, folded)) hits.push({ record, matched: entry.field });
    }
  }
  const next = Object.fromEntries(streams.map((stream) => [stream.id, stream.resumeAt()]));
  const more = Object.values(next).some((position) => position !== null);
  return more ? { hits, next: next as DirectoryCursor } : { hits };
}

/** The resources the entries of a round name: one consistent BatchGetItem per type. */
async function recordsOf(round: readonly Entry[]): Promise<Map<string, StoredResource>> {
  const found = new Map<string, StoredResource>();
  const wanted = new Map<ResourceTypeName, string[]>();
  for (const entry of round) {
    const ids = wanted.get(entry.type) ?? [];
    ids.push(keys.decodeId(entry.position.pk));
    wanted.set(entry.type, ids);
  }
  await Promise.all(
    [...wanted].map(async ([type, ids]) => {
      for (const record of await batchGetResources(type, ids)) {
        found.set(`${type}#${record.id}`, record);
      }
    }),
  );
  return found;
}

export interface DirectoryCounts {
  readonly users: { readonly active: number; readonly deactivated: number };
  readonly groups: number;
}

/** Users deactivated (`active` false): the sum of the deactivated counter's shards. */
export async function countDeactivatedUsers(): Promise<number> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': tableDesign.partitionKey },
      ExpressionAttributeValues: { ':pk': keys.deactivatedPartition },
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  return Math.max(
    0,
    Items.reduce((sum, item) => sum + Number(item.n ?? 0), 0),
  );
}

/**
 * How many users (active, deactivated) and groups GroupTalk holds: three Queries of the counter
 * shards the writes keep, whatever the directory's size.
 */
export async function directoryCounts(): Promise<DirectoryCounts> {
  const [users, deactivated, groups] = await Promise.all([
    countResources('User'),
    countDeactivatedUsers(),
    countResources('Group'),
  ]);
  const inactive = Math.min(users, deactivated);
  return { users: { active: users - inactive, deactivated: inactive }, groups };
}
