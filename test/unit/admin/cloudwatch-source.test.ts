import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CloudWatchReportSource,
  insightsString,
  ReportQueryError,
} from '../../../shared/admin/reports/cloudwatch-source.js';

const logs = mockClient(CloudWatchLogsClient);
const range = {
  from: new Date('2026-11-01T00:00:00.000Z'),
  to: new Date('2026-11-29T00:00:00.000Z'),
};
const row = (fields: Record<string, string>) =>
  Object.entries(fields).map(([field, value]) => ({ field, value }));
const source = () =>
  new CloudWatchReportSource({
    client: new CloudWatchLogsClient({ region: 'eu-west-1' }),
    logGroupNames: ['/aws/lambda/a', '/aws/lambda/b'],
    pollMs: 0,
  });

describe('CloudWatchReportSource (Logs Insights at its seam)', () => {
  beforeEach(() => logs.reset());

  it('starts a query over the SCIM log groups for the range and polls until it completes', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q1' });
    logs
      .on(GetQueryResultsCommand)
      .resolvesOnce({ status: 'Running' })
      .resolvesOnce({
        status: 'Complete',
        results: [
          row({
            status: '409',
            scimType: 'uniqueness',
            count: '3',
            detail: 'taken',
            last: '2026-11-28 09:00:00.000',
          }),
          row({ status: '401', count: '1', detail: 'bad', last: '2026-11-28 10:00:00.000' }),
        ],
      });
    const failures = await source().failures(range);
    expect(failures).toEqual([
      {
        status: 409,
        scimType: 'uniqueness',
        count: 3,
        errorDetail: 'taken',
        last: '2026-11-28T09:00:00.000Z',
      },
      { status: 401, scimType: '', count: 1, errorDetail: 'bad', last: '2026-11-28T10:00:00.000Z' },
    ]);
    const start = logs.commandCalls(StartQueryCommand)[0]?.args[0].input;
    expect(start).toMatchObject({
      logGroupNames: ['/aws/lambda/a', '/aws/lambda/b'],
      startTime: 1_793_491_200,
      endTime: 1_795_910_400,
    });
    expect(start?.queryString).toContain('filter status >= 400');
    expect(start?.queryString).toContain('by status, scimType');
    expect(logs.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
  });

  it('merges request and failure counts per day', async () => {
    logs.on(StartQueryCommand).resolvesOnce({ queryId: 'all' }).resolvesOnce({ queryId: 'failed' });
    logs.on(GetQueryResultsCommand, { queryId: 'all' }).resolves({
      status: 'Complete',
      results: [
        row({ start: '2026-11-27 00:00:00.000', requests: '10' }),
        row({ start: '2026-11-28 00:00:00.000', requests: '4' }),
      ],
    });
    logs.on(GetQueryResultsCommand, { queryId: 'failed' }).resolves({
      status: 'Complete',
      results: [row({ start: '2026-11-28 00:00:00.000', failures: '2' })],
    });
    expect(await source().activity(range, 86_400_000)).toEqual([
      { start: '2026-11-27T00:00:00.000Z', requests: 10, failures: 0 },
      { start: '2026-11-28T00:00:00.000Z', requests: 4, failures: 2 },
    ]);
    const queries = logs
      .commandCalls(StartQueryCommand)
      .map((call) => call.args[0].input.queryString);
    expect(queries.every((query) => query?.includes('bin(1d)'))).toBe(true);
  });

  it('follows a userName to the id its requests name, with the term quoted safely', async () => {
    logs.on(StartQueryCommand).resolvesOnce({ queryId: 'named' }).resolvesOnce({ queryId: 'byId' });
    logs.on(GetQueryResultsCommand, { queryId: 'named' }).resolves({
      status: 'Complete',
      results: [
        row({
          '@timestamp': '2026-11-28 09:00:01.000',
          operation: 'createUser',
          status: '201',
          resourceId: 'u1',
          userName: "o'brien",
        }),
      ],
    });
    logs.on(GetQueryResultsCommand, { queryId: 'byId' }).resolves({
      status: 'Complete',
      results: [
        row({
          '@timestamp': '2026-11-28 09:00:01.000',
          operation: 'createUser',
          status: '201',
          resourceId: 'u1',
        }),
        row({
          '@timestamp': '2026-11-28 09:00:02.000',
          operation: 'patchUser',
          status: '400',
          scimType: 'invalidValue',
          resourceId: 'u1',
          probe: 'true',
        }),
      ],
    });
    const history = await source().history(range, ["o'brien", 'hmac:00ff'], 100);
    expect(history.map((r) => [r.operation, r.status, r.scimType])).toEqual([
      ['createUser', 201, undefined],
      ['patchUser', 400, 'invalidValue'],
    ]);
    expect(history[1]?.probe).toBe(true);
    const second = logs.commandCalls(StartQueryCommand)[1]?.args[0].input.queryString ?? '';
    expect(second).toContain("userName = 'o\\'brien'");
    expect(second).toContain("resourceId = 'u1'");
    expect(second).toContain("filterValue = 'hmac:00ff'");
  });

  it('fails when the query fails or does not finish in time', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Failed' });
    await expect(source().recent(range, 10)).rejects.toThrow(ReportQueryError);
    logs.on(GetQueryResultsCommand).resolves({ status: 'Running' });
    const slow = new CloudWatchReportSource({
      client: new CloudWatchLogsClient({ region: 'eu-west-1' }),
      logGroupNames: ['/aws/lambda/a'],
      pollMs: 1,
      timeoutMs: 20,
    });
    await expect(slow.recent(range, 10)).rejects.toThrow(/timed out/);
  });

  it('quotes strings for Logs Insights', () => {
    expect(insightsString("a'b\\c")).toBe("'a\\'b\\\\c'");
  });
});
