/**
 * The deep-history source under `npm start` (Logs Insights' stand-in): the JSON-lines file the local server appends each
 * request's record to (`.local/logs/requests.jsonl`). The file only grows, so each call reads what
 * was appended since the last one and keeps the records in memory.
 */
import { open, stat } from 'node:fs/promises';
import { isScimRequestLine } from '../../http/request-records.js';
import {
  type ActivityBucket,
  type FailureGroup,
  namesTerm,
  type ReportRange,
  type ReportSource,
  type RequestRecord,
} from './source.js';

interface Loaded {
  readonly time: number;
  readonly record: RequestRecord;
}

export class FileReportSource implements ReportSource {
  private records: Loaded[] = [];
  private offset = 0;
  private reading: Promise<void> | undefined;

  constructor(private readonly file: string) {}

  /** Reads what was appended since the last call (everything again if the file was replaced). */
  private async load(): Promise<void> {
    this.reading ??= this.readNew().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readNew(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.file)).size;
    } catch {
      this.records = [];
      this.offset = 0;
      return; // No request yet.
    }
    if (size < this.offset) {
      this.records = [];
      this.offset = 0;
    }
    if (size === this.offset) return;
    const handle = await open(this.file, 'r');
    try {
      const buffer = Buffer.alloc(size - this.offset);
      await handle.read(buffer, 0, buffer.length, this.offset);
      // Up to the last complete line: a line being appended is read next time.
      const end = buffer.lastIndexOf(0x0a);
      if (end < 0) return;
      for (const line of buffer.toString('utf8', 0, end).split('\n')) {
        const record = parseRecord(line);
        if (record) this.records.push({ time: Date.parse(record.timestamp), record });
      }
      this.offset += end + 1;
    } finally {
      await handle.close();
    }
  }

  private async within(range: ReportRange): Promise<Loaded[]> {
    await this.load();
    const from = range.from.getTime();
    const to = range.to.getTime();
    return this.records.filter(({ time }) => time >= from && time <= to);
  }

  async activity(range: ReportRange, bucketMs: number): Promise<ActivityBucket[]> {
    const buckets = new Map<number, { requests: number; failures: number }>();
    for (const { time, record } of await this.within(range)) {
      const start = time - (time % bucketMs);
      const bucket = buckets.get(start) ?? { requests: 0, failures: 0 };
      bucket.requests += 1;
      if (record.status >= 400) bucket.failures += 1;
      buckets.set(start, bucket);
    }
    return [...buckets]
      .sort(([a], [b]) => a - b)
      .map(([start, counts]) => ({ start: new Date(start).toISOString(), ...counts }));
  }

  async failures(range: ReportRange): Promise<FailureGroup[]> {
    const groups = new Map<string, FailureGroup & { time: number }>();
    for (const { time, record } of await this.within(range)) {
      if (record.status < 400) continue;
      const key = `${record.status} ${record.scimType ?? ''}`;
      const group = groups.get(key);
      const latest = !group || time >= group.time;
      groups.set(key, {
        status: record.status,
        scimType: record.scimType ?? '',
        count: (group?.count ?? 0) + 1,
        time: latest ? time : (group?.time ?? time),
        last: latest ? record.timestamp : (group?.last ?? record.timestamp),
        errorDetail: latest ? (record.errorDetail ?? '') : (group?.errorDetail ?? ''),
      });
    }
    return [...groups.values()]
      .sort((a, b) => b.count - a.count || b.time - a.time)
      .map(({ time: _time, ...group }) => group);
  }

  async probes(range: ReportRange, limit: number): Promise<RequestRecord[]> {
    return newest(
      (await this.within(range)).filter(({ record }) => record.probe),
      limit,
    );
  }

  async recent(range: ReportRange, limit: number): Promise<RequestRecord[]> {
    return newest(await this.within(range), limit);
  }

  async history(
    range: ReportRange,
    terms: readonly string[],
    limit: number,
  ): Promise<RequestRecord[]> {
    const records = await this.within(range);
    const wanted = new Set(terms);
    // The lookup by userName names no id; the requests it leads to name only the id.
    const ids = new Set(
      records
        .filter(({ record }) => namesTerm(record, wanted) && record.resourceId)
        .map(({ record }) => record.resourceId as string),
    );
    return records
      .flatMap(({ record }): RequestRecord[] => {
        if (
          namesTerm(record, wanted) ||
          (record.resourceId !== undefined && ids.has(record.resourceId))
        ) {
          return [record];
        }
        // A group write naming a member searched for: the member's entry, as the aggregator
        // writes it into the member's history.
        const membership = memberChange(record, wanted);
        return membership ? [membership] : [];
      })
      .slice(0, limit);
  }
}

function memberChange(
  record: RequestRecord,
  wanted: ReadonlySet<string>,
): RequestRecord | undefined {
  if (record.status >= 400 || record.resourceType !== 'Group' || !record.resourceId) return;
  const named = (list: readonly string[] | undefined) => list?.some((id) => wanted.has(id));
  const membership = named(record.addedMemberIds)
    ? 'added'
    : named(record.removedMemberIds)
      ? 'removed'
      : undefined;
  if (!membership) return;
  return {
    timestamp: record.timestamp,
    operation: record.operation,
    status: record.status,
    resourceType: 'User',
    membership,
    groupId: record.resourceId,
    ...(record.displayName ? { groupName: record.displayName } : {}),
  };
}

function newest(records: readonly Loaded[], limit: number): RequestRecord[] {
  return records
    .slice(-limit)
    .reverse()
    .map(({ record }) => record);
}

/**
 * A SCIM request's record from one line; undefined for anything else (a page or token request's
 * line, a partial or foreign line).
 */
export function parseRecord(line: string): RequestRecord | undefined {
  if (line.length === 0) return undefined;
  try {
    const value = JSON.parse(line) as Partial<RequestRecord> & Record<string, unknown>;
    // The file holds every line the log group would (page and token requests too): SCIM only.
    return typeof value.timestamp === 'string' &&
      typeof value.operation === 'string' &&
      typeof value.status === 'number' &&
      isScimRequestLine(value)
      ? (value as RequestRecord)
      : undefined;
  } catch {
    return undefined;
  }
}
