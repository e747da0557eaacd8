/**
 * The reports where the period holds more than a page reads: a busy resource's timeline and
 * history keep its newest events and say they were cut; health judges Entra's cycle by the
 * requests that carried a credential; the failures of an edge hour past the read cap. Log events
 * delivered to the aggregator as CloudWatch Logs would, into DynamoDB Local, read back as the page does.
 */
import { describe, expect, it } from 'vitest';
import { handler as aggregate } from '../../functions/reports/aggregate.js';
import { buildReport } from '../../shared/admin/reports/report.js';
import { TableReportSource } from '../../shared/admin/reports/table-source.js';
import { resourceTimeline } from '../../shared/admin/reports/timeline.js';
import { logDelivery } from '../support/log-delivery.js';

const T = Date.parse('2026-12-07T12:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(T - minutes * 60_000);
let sequence = 0;

/** A SCIM request's log event, `minutes` before T. */
function line(minutes: number, fields: Record<string, unknown>) {
  sequence += 1;
  const timestamp = T - minutes * 60_000;
  return {
    id: `ev${String(sequence).padStart(5, '0')}`,
    timestamp,
    message: JSON.stringify({
      level: 'INFO',
      message: 'request',
      timestamp: new Date(timestamp).toISOString(),
      kind: 'scim',
      method: 'GET',
      ...fields,
    }),
  };
}

const delivery = (logEvents: readonly ReturnType<typeof line>[]) => logDelivery(logEvents);

describe("a busy resource's timeline and history", () => {
  // A group's initial sync: 40 member writes three days ago, then two writes in the last hour.
  const group = 'g-busy';
  const write = (minutes: number, operation = 'patchGroup') =>
    line(minutes, {
      operation,
      method: 'PATCH',
      status: 204,
      callerKind: 'service-token',
      resourceType: 'Group',
      resourceId: group,
      membersAdded: 1,
    });
  const sync = Array.from({ length: 40 }, (_, index) => write(4320 - index / 10));
  const latest = [write(50), write(20)];
  const range = { from: minutesAgo(30 * 1440), to: minutesAgo(0) };

  it('keeps the newest events when the period holds more than the limit, and says it was cut', async () => {
    await aggregate(delivery(sync));
    await aggregate(delivery(latest));
    const timeline = await resourceTimeline('Group', group, range, 10, async (name) => [name]);
    expect(timeline.items).toHaveLength(10);
    expect(timeline.items.slice(0, 2).map((item) => item.at)).toEqual([
      minutesAgo(20).toISOString(),
      minutesAgo(50).toISOString(),
    ]);
    expect(timeline.truncated).toBe(true);
    const all = await resourceTimeline('Group', group, range, 100, async (name) => [name]);
    expect(all.items).toHaveLength(42);
    expect(all.truncated).toBe(false);
  });

  it('gives the newest events of a history search, oldest first', async () => {
    const records = await new TableReportSource().history(range, [group], 5);
    expect(records.map((record) => record.timestamp)).toEqual([
      ...sync.slice(-3).map((event) => new Date(event.timestamp).toISOString()),
      minutesAgo(50).toISOString(),
      minutesAgo(20).toISOString(),
    ]);
  });
});

describe('health when requests without a credential are the newest', () => {
  // Entra's cycle 40 to 30 minutes before T2, all fine; then a scanner's tokenless GETs.
  const T2 = T + 10 * 86_400_000;
  const at = (minutes: number) => minutes - (T2 - T) / 60_000;
  const entra = (minutes: number, status = 200) =>
    line(at(minutes), {
      operation: 'getUser',
      status,
      callerKind: 'entra-token',
      resourceType: 'User',
      resourceId: `u${minutes}`,
    });
  const stranger = (minutes: number) => line(at(minutes), { operation: 'listUsers', status: 401 });
  const report = (now: number) =>
    buildReport(new TableReportSource(), 1, new Date(T2 - now * 60_000));

  it("judges Entra's cycle by the requests with a caller, and counts the others apart", async () => {
    await aggregate(delivery([entra(40), entra(35), entra(30), stranger(5), stranger(1)]));
    const { health } = await report(0);
    expect(health).toMatchObject({
      state: 'healthy',
      lastCall: { at: new Date(T2 - 30 * 60_000).toISOString(), outcome: 'succeeded' },
      lastCycle: { requests: 3, failures: 0 },
      unauthenticated: { requests: 2, last: new Date(T2 - 60_000).toISOString() },
    });
    expect(health.summary).toBe("Entra's latest provisioning cycle had no failures (3 requests).");
    expect(health.unauthenticated?.summary).toContain(
      'GroupTalk refused 2 requests without a valid credential in the last 24 hours',
    );
  });

  it("is failing when Entra's own credential was refused: its 401 names the caller", async () => {
    await aggregate(delivery([entra(20, 401)]));
    const { health } = await report(0);
    expect(health).toMatchObject({
      state: 'failing',
      lastCall: { at: new Date(T2 - 20 * 60_000).toISOString(), outcome: 'failed' },
      unauthenticated: { requests: 2 },
    });
  });
});

describe('the failures of an edge hour past the read cap', () => {
  // A 24-hour period ending at 12:00 - 30 min: it starts at 11:30, inside the hour 11:00.
  const now = T + 20 * 86_400_000 - 30 * 60_000;
  const start = now - 86_400_000;
  const failure = (at: number) =>
    line((T - at) / 60_000, {
      operation: 'createUser',
      method: 'POST',
      status: 409,
      scimType: 'uniqueness',
      errorDetail: 'userName is already taken',
      callerKind: 'entra-token',
    });
  const range = { from: new Date(start), to: new Date(now) };

  it('counts the whole edge hour, marked approximate, when its failures reach the cap', async () => {
    // One failure 20 minutes before the period, four inside it, all in its first hour.
    const minute = 60_000;
    await aggregate(
      delivery([
        failure(start - 20 * minute),
        ...[5, 10, 15, 20].map((m) => failure(start + m * minute)),
      ]),
    );
    // Under the cap: exact to the period.
    expect(await new TableReportSource().failures(range)).toEqual([
      expect.not.objectContaining({ approximate: true }),
    ]);
    expect((await new TableReportSource().failures(range))[0]).toMatchObject({
      status: 409,
      count: 4,
    });
    // At the cap (3 here, 5,000 in service): the hour's count, never 3.
    expect(await new TableReportSource(3).failures(range)).toEqual([
      {
        status: 409,
        scimType: 'uniqueness',
        count: 5,
        last: new Date(start + 20 * minute).toISOString(),
        errorDetail: 'userName is already taken',
        approximate: true,
      },
    ]);
  });
});
