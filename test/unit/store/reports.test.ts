import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeLogsEvent,
  parseLine,
  reportEventOf,
  reportEventsOfLogs,
} from '../../../shared/admin/reports/aggregate.js';
import {
  eventItems,
  hourUpdateParams,
  type ReportRecord,
  reportHour,
  requestItemParams,
} from '../../../shared/store/reports.js';

const record = (fields: Partial<ReportRecord>): ReportRecord => ({
  timestamp: '2026-12-07T05:59:59.999Z',
  operation: 'getUser',
  status: 200,
  ...fields,
});

describe('report items (pure builders)', () => {
  it('puts a request item only if its log event was not counted before', () => {
    const params = requestItemParams('t', { id: 'e1', record: record({}) });
    expect(params.Item).toMatchObject({
      pk: 'REPORT#REQUESTS',
      sk: '2026-12-07T05:59:59.999Z#e1',
      eventId: 'e1',
      operation: 'getUser',
    });
    expect(params.Item.ttl).toBe(
      Date.parse('2026-12-07T05:59:59.999Z') / 1000 + 31 * 86_400 - 0.999,
    );
    expect(params.ConditionExpression).toBe('attribute_not_exists(#pk)');
  });

  it("adds an hour's requests, failures and outcomes, and keeps each failure outcome's latest detail", () => {
    const params = hourUpdateParams('t', reportHour('2026-12-07T05:10:00.000Z'), [
      record({
        operation: 'createUser',
        status: 409,
        scimType: 'uniqueness',
        errorDetail: 'old',
        timestamp: '2026-12-07T05:01:00.000Z',
      }),
      record({
        operation: 'createUser',
        status: 409,
        scimType: 'uniqueness',
        errorDetail: 'new',
        timestamp: '2026-12-07T05:02:00.000Z',
      }),
      record({}),
    ]);
    expect(params.Key).toEqual({ pk: 'REPORT#HOURS', sk: '2026-12-07T05' });
    const value = (name: string) => {
      const alias = Object.entries(params.ExpressionAttributeNames).find(
        ([, n]) => n === name,
      )?.[0];
      return params.ExpressionAttributeValues[`:${alias?.slice(1)}`];
    };
    expect(value('requests')).toBe(3);
    expect(value('failures')).toBe(2);
    expect(value('n|createUser|409|uniqueness')).toBe(2);
    expect(value('n|getUser|200|')).toBe(1);
    expect(value('detail|409|uniqueness')).toBe('new');
    expect(value('last|409|uniqueness')).toBe('2026-12-07T05:02:00.000Z');
    // Names and values never enter the expression itself.
    expect(params.UpdateExpression).not.toContain('createUser');
  });

  it('files a request under each identifier it names, a probe and a failure under their lists, and points names to the resource', () => {
    const items = eventItems({
      id: 'e9',
      record: record({
        operation: 'createUser',
        status: 201,
        resourceType: 'User',
        resourceId: 'u1',
        userName: 'bjensen',
        externalId: 'x1',
      }),
    });
    expect(items.map((item) => `${item.pk} ${item.sk}`)).toEqual([
      'REPORT#HISTORY#u1 2026-12-07T05:59:59.999Z#e9',
      'REPORT#HISTORY#x1 2026-12-07T05:59:59.999Z#e9',
      'REPORT#HISTORY#bjensen 2026-12-07T05:59:59.999Z#e9',
      'REPORT#NAME#bjensen User#u1',
      'REPORT#NAME#x1 User#u1',
    ]);
    const probe = eventItems({
      id: 'p',
      record: record({ operation: 'listUsers', probe: true, filterValue: 'g' }),
    });
    expect(probe.map((item) => item.pk)).toEqual(['REPORT#PROBES', 'REPORT#HISTORY#g']);
    const failure = eventItems({ id: 'f', record: record({ status: 404, resourceId: 'gone' }) });
    expect(failure.map((item) => item.pk)).toEqual(['REPORT#FAILURES', 'REPORT#HISTORY#gone']);
  });
});

describe('the aggregator input (log lines)', () => {
  it("takes SCIM request lines and leaves the page's, the token endpoint's and other lines", () => {
    const at = Date.parse('2026-12-07T05:00:00.000Z');
    expect(
      reportEventOf({ kind: 'scim', operation: 'getUser', status: 200 }, 'e', at)?.record,
    ).toEqual({
      timestamp: '2026-12-07T05:00:00.000Z',
      operation: 'getUser',
      status: 200,
    });
    for (const line of [
      {
        kind: 'admin',
        operation: 'getProvisioningReport',
        status: 401,
        path: '/admin/api/reports',
      },
      { kind: 'token', operation: 'issueAccessToken', status: 401, path: '/oauth2/token' },
      { kind: 'other', operation: 'routeNotFound', status: 404, path: '/favicon.ico' },
      { operation: 'aggregateReports', events: 3 },
      { operation: 'getProvisioningReport', status: 200, path: '/admin/api/reports' },
    ]) {
      expect(reportEventOf(line, 'e', at)).toBeUndefined();
    }
    // A line written before lines had a kind: told by its path.
    expect(
      reportEventOf({ operation: 'getUser', status: 200, path: '/scim/v2/Users/u1' }, 'e', at),
    ).toBeDefined();
  });

  it('decodes a subscription delivery and reads JSON after a runtime prefix', () => {
    const data = {
      messageType: 'DATA_MESSAGE',
      owner: '1',
      logGroup: 'g',
      logStream: 's',
      subscriptionFilters: ['f'],
      logEvents: [
        {
          id: '1',
          timestamp: 0,
          message:
            '2026-12-07T05:00:00Z\tabc\tINFO\t{"kind":"scim","operation":"getUser","status":200}',
        },
        { id: '2', timestamp: 0, message: 'not json' },
      ],
    };
    const event = { awslogs: { data: gzipSync(JSON.stringify(data)).toString('base64') } };
    expect(reportEventsOfLogs(decodeLogsEvent(event)).map((e) => e.id)).toEqual(['1']);
    expect(reportEventsOfLogs({ ...data, messageType: 'CONTROL_MESSAGE' })).toEqual([]);
    expect(parseLine('[1,2]')).toBeUndefined();
  });
});
