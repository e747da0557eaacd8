/**
 * Health at a glance and the members' timelines, from CloudWatch Logs subscription deliveries
 * aggregated into DynamoDB Local (as the aggregator function receives them), read back as the
 * report does at chosen moments: four provisioning cycles of Entra, three days to ten minutes old.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as aggregate } from '../../functions/reports/aggregate.js';
import { buildReport } from '../../shared/admin/reports/report.js';
import { TableReportSource } from '../../shared/admin/reports/table-source.js';
import { resourceTimeline } from '../../shared/admin/reports/timeline.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import { keys } from '../../shared/store/keys.js';
import { logDelivery } from '../support/log-delivery.js';

const T = Date.parse('2026-12-07T12:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(T - minutes * 60_000);
let sequence = 0;

/** A SCIM request's log event, `minutes` before T. */
function line(minutes: number, fields: Record<string, unknown>) {
  sequence += 1;
  const timestamp = T - minutes * 60_000;
  return {
    id: `ev${String(sequence).padStart(4, '0')}`,
    timestamp,
    message: JSON.stringify({
      level: 'INFO',
      message: 'request',
      timestamp: new Date(timestamp).toISOString(),
      kind: 'scim',
      method: 'GET',
      // Entra's: every request of its cycles carries its credential (a refused one included).
      callerKind: 'entra-token',
      ...fields,
    }),
  };
}

const delivery = (logEvents: readonly ReturnType<typeof line>[]) => logDelivery(logEvents);

const ok = (minutes: number, operation = 'getUser', status = 200) =>
  line(minutes, { operation, status, resourceType: 'User', resourceId: `u${minutes}` });
const conflict = (minutes: number) =>
  line(minutes, {
    operation: 'createUser',
    method: 'POST',
    status: 409,
    scimType: 'uniqueness',
    errorDetail: `userName "dup${minutes}@contoso.test" is already taken`,
    resourceType: 'User',
    userName: `dup${minutes}@contoso.test`,
  });

// Cycle 1, three days ago: two of three creates refused.
const cycle1 = [conflict(4320), conflict(4319), ok(4318, 'createUser', 201)];
// Cycle 2, two hours ago: one refusal in six requests (9 minutes between two of them).
const cycle2 = [ok(125), ok(124), ok(123), conflict(122), ok(121), ok(112, 'patchUser', 204)];
// Cycle 3, an hour ago (40 minutes after cycle 2): all fine.
const cycle3 = [ok(72), ok(71), ok(70, 'patchUser', 204)];
// Cycle 4, ten minutes ago: the credential refused.
const cycle4 = [ok(11), line(10, { operation: 'listUsers', status: 401 })];

// An admin's Test Connection two days ago, between cycles 1 and 2.
const testConnection = line(3000, {
  operation: 'listUsers',
  status: 200,
  resourceType: 'User',
  filterAttribute: 'userName',
  filterValue: '6f1e2d3c-4b5a-4978-8e7f-1a2b3c4d5e6f',
  totalResults: 0,
  probe: true,
});

// A group write adding two members and removing one, with the group's name.
const membership = line(30, {
  operation: 'patchGroup',
  method: 'PATCH',
  status: 204,
  resourceType: 'Group',
  resourceId: 'g-sales',
  displayName: 'Sales',
  membersAdded: 2,
  membersRemoved: 1,
  addedMemberIds: ['u-ann', 'u-bob'],
  removedMemberIds: ['u-cy'],
});

beforeAll(async () => {
  await aggregate(delivery([...cycle1, testConnection, ...cycle2]));
  await aggregate(delivery([...cycle3, membership, ...cycle4]));
});

const report = (days: number, minutesBeforeT: number) =>
  buildReport(new TableReportSource(), days, minutesAgo(minutesBeforeT));

describe('health at a glance', () => {
  it('is idle when Entra did not call in the period', async () => {
    const { health } = await report(1, 4320 + 60 * 25);
    expect(health).toEqual({
      state: 'idle',
      summary:
        'Entra has not called GroupTalk in the last 24 hours; if provisioning is on in Microsoft Entra ID, check its status there.',
      lastCall: null,
      lastCycle: null,
    });
  });

  it('says so when the latest calls were a Test Connection only', async () => {
    const { health, probes } = await report(1, 2990);
    expect(health).toMatchObject({
      state: 'healthy',
      lastCall: { title: 'Test Connection: looked up a user', outcome: 'succeeded' },
      lastCycle: { requests: 1, failures: 0 },
    });
    expect(health.summary).toContain('Test Connection succeeded');
    expect(probes.map((probe) => probe.title)).toEqual(['Test Connection: looked up a user']);
  });

  it('is failing when most of the latest cycle failed', async () => {
    const { health } = await report(1, 4300);
    expect(health).toMatchObject({
      state: 'failing',
      lastCall: { at: minutesAgo(4318).toISOString(), title: 'Created user', outcome: 'succeeded' },
      lastCycle: {
        from: minutesAgo(4320).toISOString(),
        to: minutesAgo(4318).toISOString(),
        requests: 3,
        failures: 2,
      },
    });
    expect(health.summary).toBe(
      "2 of 3 requests failed in Entra's latest provisioning cycle: GroupTalk already holds a user or group with that name.",
    );
  });

  it('needs attention when some of the latest cycle failed, and finds the cycle across a 9-minute gap', async () => {
    const { health } = await report(1, 100);
    expect(health).toMatchObject({
      state: 'attention',
      lastCall: { title: 'Updated user', outcome: 'succeeded' },
      lastCycle: {
        from: minutesAgo(125).toISOString(),
        to: minutesAgo(112).toISOString(),
        requests: 6,
        failures: 1,
      },
    });
  });

  it('is healthy when the latest cycle had no failures; the period decides which earlier failures it mentions', async () => {
    const day = await report(1, 50);
    expect(day.health).toMatchObject({
      state: 'healthy',
      lastCycle: { from: minutesAgo(72).toISOString(), requests: 3, failures: 0 },
    });
    expect(day.health.summary).toBe(
      "Entra's latest provisioning cycle had no failures (3 requests); 1 earlier request in the last 24 hours failed.",
    );
    const week = await report(7, 50);
    expect(week.health.summary).toContain('3 earlier requests in the last 7 days failed.');
  });

  it('applies the period to the failures too, each in plain words with the exact detail', async () => {
    const day = await report(1, 50);
    expect(day.failures).toEqual([
      {
        status: 409,
        scimType: 'uniqueness',
        count: 1,
        last: minutesAgo(122).toISOString(),
        errorDetail: 'userName "dup122@contoso.test" is already taken',
        title: 'GroupTalk already holds a user or group with that name.',
        advice: expect.stringContaining('already exists'),
      },
    ]);
    const week = await report(7, 50);
    expect(week.failures).toMatchObject([{ status: 409, count: 3 }]);
  });

  it('is failing when the credential was refused, whatever else succeeded', async () => {
    const { health, recent } = await report(1, 0);
    expect(health).toMatchObject({
      state: 'failing',
      lastCall: {
        at: minutesAgo(10).toISOString(),
        title: 'Could not list users',
        outcome: 'failed',
      },
      lastCycle: { requests: 2, failures: 1 },
    });
    expect(health.summary).toBe(
      "1 of 2 requests failed in Entra's latest provisioning cycle: GroupTalk refused the credential Entra used.",
    );
    expect(recent.map((record) => record.title).slice(0, 3)).toEqual([
      'Could not list users',
      'Read user',
      'Added 2 members, removed 1',
    ]);
  });
});

describe("a group write in its members' timelines", () => {
  it("writes each member's item once when the batch is delivered twice", async () => {
    await aggregate(delivery([membership]));
    for (const [member, title] of [
      ['u-ann', 'Added to group "Sales"'],
      ['u-bob', 'Added to group "Sales"'],
      ['u-cy', 'Removed from group "Sales"'],
    ] as const) {
      const { Items = [] } = await documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.reportHistoryPartition(member) },
        }),
      );
      expect(Items).toHaveLength(1);
      const timeline = await resourceTimeline(
        'User',
        member,
        { from: minutesAgo(60), to: minutesAgo(0) },
        100,
        async (name) => [name],
      );
      expect(timeline.items).toEqual([
        {
          at: minutesAgo(30).toISOString(),
          title,
          outcome: 'succeeded',
          status: 204,
          operation: 'patchGroup',
          group: { id: 'g-sales', displayName: 'Sales' },
        },
      ]);
    }
  });

  it("keeps the member ids off the group's own items (its history, the latest requests)", async () => {
    const { Items = [] } = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.reportHistoryPartition('g-sales') },
      }),
    );
    expect(Items).toHaveLength(1);
    expect(Items[0]).toMatchObject({ membersAdded: 2, membersRemoved: 1 });
    expect(Items[0]).not.toHaveProperty('addedMemberIds');
    const { recent } = await report(1, 0);
    const write = recent.find((record) => record.operation === 'patchGroup');
    expect(write).toMatchObject({ membersAdded: 2, membersRemoved: 1 });
    expect(write).not.toHaveProperty('removedMemberIds');
  });
});
