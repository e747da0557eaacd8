/**
 * `npm run verify -- --local` against `npm start`, as an operator runs it: green against a healthy
 * service, and failing with the check's own message and fix when the change feed cannot write its
 * file or the service refuses the verification credential. The reports check's failure (no
 * aggregated items) is shown in `verify-reports.test.ts`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../infra/local/dynamodb-local.js';
import { REPO_ROOT, type RunningNpmStart, startNpmStart } from '../support/npm-start.js';

const scratch = mkdtempSync(join(tmpdir(), 'verify-local-'));

interface Verified {
  readonly status: number | null;
  readonly lines: string[];
}

/** Runs the command as `npm run verify -- --local …` would, with what npm start printed. */
function verifyLocal(printed: ReadonlyMap<string, string>, extra: Record<string, string>) {
  const flags: Record<string, string> = {
    '--url': printed.get('Tenant URL')!,
    '--token-endpoint': printed.get('Token endpoint')!,
    '--dynamodb-endpoint': process.env.DYNAMODB_ENDPOINT!,
    '--events-file': printed.get('Events')!,
    '--revocation-window': '2',
    ...extra,
  };
  return new Promise<Verified>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'infra/cli/verify.ts', '--local', ...Object.entries(flags).flat()],
      { cwd: REPO_ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (status) => resolve({ status, lines: output.split('\n') }));
  });
}

function line(result: Verified, check: string): string {
  return result.lines.find((text) => text.includes(`  ${check}:`)) ?? `(no line for ${check})`;
}

/** npm start on a table of its own, the registry's cache window shortened to 2 s. */
async function startService(tableName: string, eventsFile: string): Promise<RunningNpmStart> {
  return startNpmStart(
    { LOCAL_TABLE_NAME: tableName, EVENTS_FILE: eventsFile, CREDENTIAL_CACHE_SECONDS: '2' },
    ['Tenant URL', 'Token endpoint', 'Events'],
  );
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm run verify -- --local against a healthy npm start', () => {
  const tableName = `verify-local-${randomUUID()}`;
  let service: RunningNpmStart | undefined;
  let healthy: Verified;

  beforeAll(async () => {
    service = await startService(tableName, join(scratch, 'events.jsonl'));
    healthy = await verifyLocal(service.printed, { '--table': tableName });
  }, 180_000);
  afterAll(() => service?.stop());

  it('passes every check and exits 0', () => {
    expect(healthy.lines.filter((text) => text.startsWith('FAIL'))).toEqual([]);
    expect(healthy.status).toBe(0);
  });

  it.each([
    'canary local: verification credential',
    'canary local: token endpoint',
    'canary local: Entra cycle, default dialect (create, update, disable, group, members)',
    'canary local: Entra cycle, aadOptscim062020 dialect (create, update, disable, group, members)',
    'canary local: change feed, provisioning events',
    'canary local: Entra cycle, default dialect (delete)',
    'canary local: Entra cycle, aadOptscim062020 dialect (delete)',
    'canary local: change feed, delete events',
    'canary local: provisioning reports',
    'canary local: revocation',
    'canary local: API answers',
    'tenant local: API answers',
  ])('prints a PASS line for %s', (check) => {
    expect(line(healthy, check)).toMatch(/^PASS {2}/);
  });

  it("finds the cycle's requests in the report items npm start aggregated, as the page reads them", () => {
    expect(line(healthy, 'canary local: provisioning reports')).toMatch(
      /^PASS {2}canary local: provisioning reports: \d+ request\(s\) of this run in the users' histories \(the aggregated report items\)$/,
    );
  });

  it('sees the revoked credential refused within the cache window', () => {
    const seconds = Number(
      /refused ([\d.]+) s after revocation/.exec(line(healthy, 'canary local: revocation'))?.[1],
    );
    expect(seconds).toBeLessThanOrEqual(2 + 10);
  });

  it('says which checks it cannot make locally', () => {
    expect(line(healthy, 'cell alarms')).toMatch(/^SKIP {2}cell alarms: no CloudWatch alarms here/);
  });

  it('fails the token check, naming the refusal and what to do, when the service refuses the credential', async () => {
    // A registry other than the service's: the client verify registers is unknown to the service.
    const elsewhere = `verify-elsewhere-${randomUUID()}`;
    await ensureTable(process.env.DYNAMODB_ENDPOINT!, elsewhere, { stream: false });

    const refused = await verifyLocal(service!.printed, { '--table': elsewhere });

    expect(refused.status).toBe(1);
    expect(line(refused, 'canary local: token endpoint')).toMatch(
      /^FAIL {2}canary local: token endpoint: the token endpoint answered 401 invalid_client to the verification client\. Fix: .*TABLE_NAME/,
    );
    expect(line(refused, 'canary local: change feed')).toMatch(/^SKIP/);
    expect(refused.lines.at(-2)).toMatch(
      /^verify: 1 of \d+ check\(s\) FAILED: canary local: token endpoint$/,
    );
  }, 120_000);
});

describe('npm run verify -- --local against a stopped change feed', () => {
  it('fails the change feed check with what to do', async () => {
    // The feed's file cannot be created: its folder is a file.
    const blocker = join(scratch, 'not-a-folder');
    writeFileSync(blocker, '');
    const tableName = `verify-stopped-${randomUUID()}`;
    const service = await startService(tableName, join(blocker, 'events.jsonl'));
    try {
      const result = await verifyLocal(service.printed, {
        '--table': tableName,
        '--feed-timeout': '3',
      });

      expect(result.status).toBe(1);
      expect(line(result, 'canary local: change feed, provisioning events')).toMatch(
        /^FAIL {2}canary local: change feed, provisioning events: 14 change event\(s\) did not arrive within 3 s .*; 0 of this run arrived\)\. Fix: the local feed wrote nothing to .*events\.jsonl: look for "feed" errors/,
      );
      // The rest of the cycle still ran, and the credential was revoked.
      expect(line(result, 'canary local: revocation')).toMatch(/^PASS/);
    } finally {
      await service.stop();
    }
  }, 180_000);
});
