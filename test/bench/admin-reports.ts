/**
 * The integration page's report latency: a month of request records of a 10,000-user directory
 * (an initial Entra cycle, then an incremental cycle every 40 minutes, Test Connection probes and
 * a share of failures), written as `npm start` writes them, then the whole provisioning report and
 * a user's history read through the local report source, cold (a new source: the file parsed
 * whole) and warm (only what was appended since). The target: an answer within 3 s.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileReportSource } from '../../shared/admin/reports/file-source.js';
import { buildReport, reportRange } from '../../shared/admin/reports/report.js';

export const REPORT_TARGET_MS = 3_000;

export interface AdminReportsOptions {
  readonly workDir: string;
  readonly users: number;
  readonly days?: number;
  /** Users changed per incremental cycle, as a share of the directory. */
  readonly churn?: number;
  readonly runs?: number;
}

export interface AdminReportsResult {
  readonly users: number;
  readonly days: number;
  readonly records: number;
  readonly fileMiB: number;
  /** Whole report from a fresh source (file parsed whole), per run. */
  readonly coldMs: readonly number[];
  /** Whole report after one more request was appended. */
  readonly warmMs: readonly number[];
  /** History of one user by userName, fresh source. */
  readonly historyColdMs: readonly number[];
  readonly targetMs: number;
  readonly met: boolean;
}

const CYCLE_MS = 40 * 60_000;

/** Writes the month of records and measures the reports over it. */
export async function measureAdminReports(
  options: AdminReportsOptions,
): Promise<AdminReportsResult> {
  const days = options.days ?? 30;
  const runs = options.runs ?? 3;
  await mkdir(options.workDir, { recursive: true });
  const dir = await mkdtemp(join(options.workDir, 'admin-reports-'));
  const file = join(dir, 'requests.jsonl');
  try {
    const now = new Date();
    const records = await writeMonth(file, options.users, days, options.churn ?? 0.005, now);
    const fileMiB = (await stat(file)).size / 1024 ** 2;
    const coldMs: number[] = [];
    const warmMs: number[] = [];
    const historyColdMs: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const source = new FileReportSource(file);
      coldMs.push(await timed(() => buildReport(source, days, now)));
      await appendOne(file, now);
      warmMs.push(await timed(() => buildReport(source, days, now)));
      const fresh = new FileReportSource(file);
      historyColdMs.push(
        await timed(() => fresh.history(reportRange(days, now), [userName(run * 7 + 3)], 500)),
      );
    }
    const worst = Math.max(...coldMs, ...warmMs, ...historyColdMs);
    return {
      users: options.users,
      days,
      records,
      fileMiB: Math.round(fileMiB * 10) / 10,
      coldMs,
      warmMs,
      historyColdMs,
      targetMs: REPORT_TARGET_MS,
      met: worst <= REPORT_TARGET_MS,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return Math.round((performance.now() - started) * 10) / 10;
}

export const userName = (n: number) => `user${n}@contoso.example`;
const userId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Deterministic (no randomness): the same month on every run. */
export async function writeMonth(
  file: string,
  users: number,
  days: number,
  churn: number,
  now: Date,
) {
  const out = createWriteStream(file);
  let count = 0;
  const write = async (time: number, fields: Record<string, unknown>) => {
    count += 1;
    const line = `${JSON.stringify({ kind: 'scim', timestamp: new Date(time).toISOString(), tenant: 'bench', service: 'grouptalk-scim', requestId: `r${count}`, durationMs: 12.3, dynamodbCalls: 2, callerKind: 'service-token', callerTokenId: 'bench-token', ...fields })}\n`;
    if (!out.write(line)) await once(out, 'drain');
  };
  const start = now.getTime() - days * 86_400_000 + 60_000;
  let time = start;
  // The initial cycle: a lookup and a create per user; 1 in 200 creates refused (a duplicate).
  for (let n = 0; n < users; n += 1) {
    time += 50;
    await write(time, {
      operation: 'listUsers',
      method: 'GET',
      status: 200,
      resourceType: 'User',
      filterAttribute: 'userName',
      filterValue: userName(n),
      totalResults: 0,
    });
    const refused = n % 200 === 199;
    await write(time + 20, {
      operation: 'createUser',
      method: 'POST',
      status: refused ? 409 : 201,
      resourceType: 'User',
      userName: userName(n),
      externalId: `ext-${n}`,
      ...(refused
        ? {
            scimType: 'uniqueness',
            errorDetail: `A User with userName "${userName(n)}" already exists (id ${userId(n + 1)}).`,
          }
        : { resourceId: userId(n) }),
    });
  }
  // Incremental cycles: each changes `churn` of the users (a GET then a PATCH), a few fail.
  const changed = Math.max(1, Math.round(users * churn));
  let cursor = 0;
  for (let cycle = start + CYCLE_MS; cycle < now.getTime() - 60_000; cycle += CYCLE_MS) {
    for (let i = 0; i < changed; i += 1) {
      const n = cursor++ % users;
      const at = cycle + i * 40;
      await write(at, {
        operation: 'getUser',
        method: 'GET',
        status: 200,
        resourceType: 'User',
        resourceId: userId(n),
      });
      const failed = cursor % 97 === 0;
      await write(at + 15, {
        operation: 'patchUser',
        method: 'PATCH',
        status: failed ? 400 : 200,
        resourceType: 'User',
        resourceId: userId(n),
        ...(failed
          ? {
              scimType: 'invalidValue',
              errorDetail: 'phoneNumbers[type eq "mobile"].value must be a string',
            }
          : {}),
      });
    }
    // A Test Connection about once a day.
    if ((cycle - start) % (36 * CYCLE_MS) === 0) {
      await write(cycle + 5, {
        operation: 'listUsers',
        method: 'GET',
        status: 200,
        resourceType: 'User',
        filterAttribute: 'userName',
        filterValue: 'f3b9d1e2-0c4a-4b7e-9a51-5d6c7e8f9a0b',
        totalResults: 0,
        probe: true,
      });
    }
  }
  out.end();
  await once(out, 'finish');
  return count;
}

async function appendOne(file: string, now: Date): Promise<void> {
  const out = createWriteStream(file, { flags: 'a' });
  out.end(
    `${JSON.stringify({ kind: 'scim', timestamp: now.toISOString(), operation: 'getUser', status: 200, resourceId: userId(1) })}\n`,
  );
  await once(out, 'finish');
}

const figures = (values: readonly number[]) =>
  values.map((value) => value.toLocaleString('en-US', { maximumFractionDigits: 0 })).join(', ');

/** The Markdown section of the bench report. */
export function renderAdminReports(result: AdminReportsResult): string {
  return `
## Integration page reports (local source)

A month (${result.days} days) of request records of a ${result.users.toLocaleString('en-US')}-user directory: ${result.records.toLocaleString('en-US')} records, ${result.fileMiB} MiB of JSON lines. Target: each report within ${result.targetMs.toLocaleString('en-US')} ms (${result.met ? 'met' : 'NOT met'}).

| report | ms per run |
|---|---|
| whole provisioning report, fresh source (file parsed whole) | ${figures(result.coldMs)} |
| whole provisioning report, after one more request | ${figures(result.warmMs)} |
| history of one user by userName, fresh source | ${figures(result.historyColdMs)} |

In AWS the same reports are Logs Insights queries (not measured here).
`;
}
