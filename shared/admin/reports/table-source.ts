/**
 * The reports' source everywhere (AWS and `npm start`): the report items the aggregator keeps in
 * the tenant's own table (`shared/store/reports.ts`). A report is a Query of at most 720 hourly
 * items (30 days) and three short Queries of the newest items, whatever the directory's size and
 * however many admins of other tenants read theirs at the same time: no Logs Insights query.
 */
import {
  type ReportEvent,
  type ReportHour,
  readLatestReportHistory,
  readReportHours,
  readReportList,
  readReportNames,
  readRequestOutcomes,
  reportHour,
} from '../../store/reports.js';
import type {
  ActivityBucket,
  FailureGroup,
  OutcomeCount,
  ReportRange,
  ReportSource,
  RequestRecord,
} from './source.js';

/**
 * Failure items read per edge hour of a period: an hour of Entra's requests failing one after the
 * other is a few thousand (Entra does not send faster than GroupTalk answers). An edge hour that
 * reaches it is counted from its hourly item instead (already read), the whole hour, marked
 * `approximate`: never silently short, and no further read. So a report's failures cost at most
 * the hourly items (721 for 30 days, read once for the activity and the outcomes too) and
 * 2 × 5,000 failure items. A Query is charged by the total size it reads in 4 KB units, half for
 * an eventually consistent read as here (AWS, DynamoDB Developer Guide, "DynamoDB read and write
 * operations"): at about 1 KB a failure item (an estimate, not measured), 10 MB or some 1,250
 * read units at most, in 1 MB pages.
 */
export const EDGE_FAILURES = 5_000;

export class TableReportSource implements ReportSource {
  /** @param edgeFailures failure items read per edge hour (smaller in tests) */
  constructor(private readonly edgeFailures = EDGE_FAILURES) {}

  /** The hours of one range, read once for the activity, the failures and the outcomes. */
  private readonly hours = new WeakMap<ReportRange, Promise<ReportHour[]>>();

  private hoursOf(range: ReportRange): Promise<ReportHour[]> {
    let read = this.hours.get(range);
    if (!read) {
      read = readReportHours(
        reportHour(range.from.toISOString()),
        reportHour(range.to.toISOString()),
      );
      this.hours.set(range, read);
    }
    return read;
  }

  async activity(range: ReportRange, bucketMs: number): Promise<ActivityBucket[]> {
    const buckets = new Map<number, { requests: number; failures: number }>();
    for (const hour of await this.hoursOf(range)) {
      const time = Date.parse(`${hour.hour}:00:00.000Z`);
      const start = time - (time % bucketMs);
      const bucket = buckets.get(start) ?? { requests: 0, failures: 0 };
      bucket.requests += hour.requests;
      bucket.failures += hour.failures;
      buckets.set(start, bucket);
    }
    return [...buckets]
      .sort(([a], [b]) => a - b)
      .map(([start, counts]) => ({ start: new Date(start).toISOString(), ...counts }));
  }

  /**
   * The failures of exactly the period: the hourly counts of the hours wholly inside it, and the
   * failure items themselves for the hour it starts in and the hour it ends in (a Query each, of
   * that part of the hour only), so that a failure a minute before the period is not counted.
   */
  async failures(range: ReportRange): Promise<FailureGroup[]> {
    const from = range.from.toISOString();
    const to = range.to.toISOString();
    const firstHour = reportHour(from);
    const lastHour = reportHour(to);
    const groups = new Map<
      string,
      {
        status: number;
        scimType: string;
        count: number;
        last: string;
        errorDetail: string;
        approximate?: true;
      }
    >();
    const add = (
      status: number,
      scimType: string,
      count: number,
      at?: string,
      detail?: string,
      approximate = false,
    ) => {
      const key = `${status}|${scimType}`;
      const group = groups.get(key) ?? { status, scimType, count: 0, last: '', errorDetail: '' };
      group.count += count;
      if (approximate) group.approximate = true;
      if (at !== undefined && at >= group.last) {
        group.last = at;
        group.errorDetail = detail ?? '';
      }
      groups.set(key, group);
    };
    const hours = await this.hoursOf(range);
    const countHour = (hour: ReportHour, approximate: boolean) => {
      for (const outcome of hour.outcomes) {
        if (outcome.status < 400) continue;
        const latest = hour.latest.get(`${outcome.status}|${outcome.scimType}`);
        add(
          outcome.status,
          outcome.scimType,
          outcome.count,
          latest?.at,
          latest?.detail,
          approximate,
        );
      }
    };
    for (const hour of hours) {
      if (hour.hour !== firstHour && hour.hour !== lastHour) countHour(hour, false);
    }
    const edges: [hour: string, start: string, end: string][] =
      firstHour === lastHour
        ? [[firstHour, from, to]]
        : [
            [firstHour, from, `${firstHour}:59:59.999Z`],
            [lastHour, `${lastHour}:00:00.000Z`, to],
          ];
    for (const [hourKey, start, end] of edges) {
      const records = await readReportList('failures', start, end, this.edgeFailures);
      if (records.length >= this.edgeFailures) {
        // More may be left: the whole hour's counts, a little over rather than silently under.
        const hour = hours.find((item) => item.hour === hourKey);
        if (hour) {
          countHour(hour, true);
          continue;
        }
      }
      for (const record of records) {
        add(record.status, record.scimType ?? '', 1, record.timestamp, record.errorDetail);
      }
    }
    return [...groups.values()].sort((a, b) => b.count - a.count || b.last.localeCompare(a.last));
  }

  async outcomes(range: ReportRange): Promise<OutcomeCount[]> {
    const counts = new Map<string, OutcomeCount>();
    for (const hour of await this.hoursOf(range)) {
      for (const outcome of hour.outcomes) {
        const key = `${outcome.operation}|${outcome.status}|${outcome.scimType}`;
        const count = counts.get(key)?.count ?? 0;
        counts.set(key, { ...outcome, count: count + outcome.count });
      }
    }
    return [...counts.values()].sort(
      (a, b) => a.operation.localeCompare(b.operation) || a.status - b.status,
    );
  }

  async requestOutcomes(range: ReportRange, limit: number) {
    return readRequestOutcomes(range.from.toISOString(), range.to.toISOString(), limit);
  }

  async probes(range: ReportRange, limit: number): Promise<RequestRecord[]> {
    return readReportList('probes', range.from.toISOString(), range.to.toISOString(), limit);
  }

  async recent(range: ReportRange, limit: number): Promise<RequestRecord[]> {
    return readReportList('requests', range.from.toISOString(), range.to.toISOString(), limit);
  }

  async history(
    range: ReportRange,
    terms: readonly string[],
    limit: number,
  ): Promise<RequestRecord[]> {
    const from = range.from.toISOString();
    const to = range.to.toISOString();
    const found = new Map<string, ReportEvent>();
    const add = (events: readonly ReportEvent[]) => {
      for (const event of events) found.set(event.id, event);
    };
    const named = await Promise.all(
      terms.map(async (term) => {
        const [events, names] = await Promise.all([
          readLatestReportHistory(term, from, to, limit),
          readReportNames(term),
        ]);
        add(events);
        return [...names.map((name) => name.id), ...events.map((event) => event.record.resourceId)];
      }),
    );
    // The lookup by userName names no id; the requests it leads to name only the id.
    const ids = [
      ...new Set(named.flat().filter((id): id is string => !!id && !terms.includes(id))),
    ].slice(0, 20);
    const byId = await Promise.all(ids.map((id) => readLatestReportHistory(id, from, to, limit)));
    for (const events of byId) add(events);
    // And what names those resources carry led to (a refused create names only the userName).
    const names = [
      ...new Set(
        [...found.values()]
          .filter(({ record }) => record.resourceId !== undefined)
          .flatMap(({ record }) => [record.userName, record.externalId, record.displayName])
          .filter((name): name is string => !!name && !terms.includes(name)),
      ),
    ].slice(0, 20);
    for (const events of await Promise.all(
      names.map((name) => readLatestReportHistory(name, from, to, limit)),
    )) {
      add(events);
    }
    // Each partition was read from its newest end: the newest `limit` of all, oldest first.
    return [...found.values()]
      .sort(
        (a, b) => b.record.timestamp.localeCompare(a.record.timestamp) || b.id.localeCompare(a.id),
      )
      .slice(0, limit)
      .reverse()
      .map((event) => event.record);
  }
}
