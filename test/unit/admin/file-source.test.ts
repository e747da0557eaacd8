import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileReportSource } from '../../../shared/admin/reports/file-source.js';
import { buildReport } from '../../../shared/admin/reports/report.js';

const NOW = new Date('2026-11-29T12:00:00.000Z');
const range = { from: new Date('2026-11-01T00:00:00.000Z'), to: NOW };
const line = (fields: Record<string, unknown>) =>
  `${JSON.stringify({ kind: 'scim', ...fields })}\n`;

describe('FileReportSource (the records npm start writes)', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-source-'));
    file = join(dir, 'requests.jsonl');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads lines appended after an earlier read, not a line still being written', async () => {
    const source = new FileReportSource(file);
    expect(await source.recent(range, 10)).toEqual([]);
    await writeFile(
      file,
      line({ timestamp: '2026-11-28T10:00:00.000Z', operation: 'getUser', status: 200 }),
    );
    await appendFile(file, '{"kind":"scim","timestamp":"2026-11-28T10:00:01.000Z","operat');
    expect((await source.recent(range, 10)).map((r) => r.operation)).toEqual(['getUser']);
    await appendFile(file, 'ion":"patchUser","status":404}\nnot json\n');
    expect((await source.recent(range, 10)).map((r) => r.operation)).toEqual([
      'patchUser',
      'getUser',
    ]);
  });

  it('groups failures by status and scimType with the latest detail, and buckets activity', async () => {
    await writeFile(
      file,
      [
        line({
          timestamp: '2026-11-27T09:00:00.000Z',
          operation: 'createUser',
          status: 409,
          scimType: 'uniqueness',
          errorDetail: 'old',
        }),
        line({
          timestamp: '2026-11-28T09:00:00.000Z',
          operation: 'createUser',
          status: 409,
          scimType: 'uniqueness',
          errorDetail: 'new',
        }),
        line({
          timestamp: '2026-11-28T09:30:00.000Z',
          operation: 'listUsers',
          status: 400,
          scimType: 'invalidFilter',
          errorDetail: 'at 7',
        }),
        line({
          timestamp: '2026-11-28T10:00:00.000Z',
          operation: 'getUser',
          status: 401,
          errorDetail: 'bad token',
        }),
        line({ timestamp: '2026-11-28T11:00:00.000Z', operation: 'getUser', status: 200 }),
        line({ timestamp: '2026-10-01T11:00:00.000Z', operation: 'getUser', status: 500 }),
      ].join(''),
    );
    const report = await buildReport(new FileReportSource(file), 30, NOW);
    expect(report.failures.map((f) => [f.status, f.scimType, f.count, f.errorDetail])).toEqual([
      [409, 'uniqueness', 2, 'new'],
      [401, '', 1, 'bad token'],
      [400, 'invalidFilter', 1, 'at 7'],
    ]);
    expect(report.failures[0]?.advice).toMatch(/already exists/);
    expect(report.failures[1]?.advice).toMatch(/Secret Token/);
    expect(report.activity).toHaveLength(31);
    expect(report.activity.find((b) => b.start === '2026-11-28T00:00:00.000Z')).toEqual({
      start: '2026-11-28T00:00:00.000Z',
      requests: 4,
      failures: 3,
    });
    expect(report.activity.reduce((n, b) => n + b.requests, 0)).toBe(5);
  });

  it('finds a user by userName and the requests that name only its id', async () => {
    await writeFile(
      file,
      [
        line({
          timestamp: '2026-11-28T09:00:00.000Z',
          operation: 'listUsers',
          status: 200,
          filterAttribute: 'userName',
          filterValue: 'alice@contoso.test',
          totalResults: 0,
        }),
        line({
          timestamp: '2026-11-28T09:00:01.000Z',
          operation: 'createUser',
          status: 201,
          userName: 'alice@contoso.test',
          resourceId: 'u1',
        }),
        line({
          timestamp: '2026-11-28T09:00:02.000Z',
          operation: 'patchUser',
          status: 200,
          resourceId: 'u1',
        }),
        line({
          timestamp: '2026-11-28T09:00:03.000Z',
          operation: 'patchUser',
          status: 200,
          resourceId: 'u2',
        }),
        line({
          timestamp: '2026-11-28T09:00:04.000Z',
          operation: 'listUsers',
          status: 200,
          filterAttribute: 'userName',
          filterValue: 'ec2c-…',
          probe: true,
        }),
      ].join(''),
    );
    const source = new FileReportSource(file);
    const history = await source.history(range, ['alice@contoso.test'], 100);
    expect(history.map((r) => r.operation)).toEqual(['listUsers', 'createUser', 'patchUser']);
    expect((await source.probes(range, 10)).map((r) => r.timestamp)).toEqual([
      '2026-11-28T09:00:04.000Z',
    ]);
  });

  it("gives a member's entries of its groups' writes in a history by its id", async () => {
    await writeFile(
      file,
      line({
        timestamp: '2026-11-28T10:00:00.000Z',
        operation: 'patchGroup',
        status: 204,
        resourceType: 'Group',
        resourceId: 'g1',
        displayName: 'Sales',
        membersAdded: 2,
        membersRemoved: 0,
        addedMemberIds: ['u1', 'u2'],
      }) +
        line({
          timestamp: '2026-11-28T11:00:00.000Z',
          operation: 'patchGroup',
          status: 204,
          resourceType: 'Group',
          resourceId: 'g1',
          displayName: 'Sales',
          membersAdded: 0,
          membersRemoved: 1,
          removedMemberIds: ['u1'],
        }),
    );
    const history = await new FileReportSource(file).history(range, ['u1'], 100);
    expect(history).toEqual([
      expect.objectContaining({ membership: 'added', groupId: 'g1', groupName: 'Sales' }),
      expect.objectContaining({ membership: 'removed', groupId: 'g1' }),
    ]);
  });
});
