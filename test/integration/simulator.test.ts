import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeServiceRecord } from '../../infra/local/service-record.js';
import { Recorder, ScimClient } from '../../infra/simulator/client.js';
import { simulate } from '../../infra/simulator/cycle.js';
import { buildDataset, expectedState } from '../../infra/simulator/dataset.js';
import { DIALECTS, GROUPTALK_USER } from '../../infra/simulator/entra-requests.js';
import { silentProgress } from '../../infra/simulator/progress.js';
import { formatSummary, operationFigures } from '../../infra/simulator/summary.js';
import { verifyState } from '../../infra/simulator/verify.js';
import { startTestService, type TestService } from '../support/service.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const execFileAsync = promisify(execFile);

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

const small = { users: 20, groups: 3, memberships: 30, concurrency: 4, seed: 7, memberBatch: 7 };

function statusesOf(recorder: Recorder) {
  return Object.fromEntries(
    operationFigures(recorder).map((figures) => [figures.operation, figures.statuses]),
  );
}

/** Requests of an operation, after checking they all succeeded (PATCH may answer 200 or 204). */
function countOf(statuses: Record<string, number> | undefined): number {
  expect(Object.keys(statuses ?? {}).every((status) => status === '200' || status === '204')).toBe(
    true,
  );
  return Object.values(statuses ?? {}).reduce((sum, count) => sum + count, 0);
}

describe('Entra provisioning simulator (infra/simulator)', () => {
  for (const dialect of DIALECTS) {
    it(`provisions 20 users, 3 groups and 30 memberships, then the incremental changes, in the ${dialect} dialect`, async () => {
      const recorder = new Recorder();

      const result = await simulate({
        ...small,
        url: service.url,
        token: service.token,
        dialect,
        incremental: true,
        prefix: `it-${dialect}`,
        recorder,
      });

      expect(recorder.errorSamples).toEqual([]);
      expect(result.verification).toMatchObject({
        ok: true,
        mismatches: 0,
        usersChecked: 20,
        groupsChecked: 3,
      });
      expect(result.ok).toBe(true);
      const statuses = statusesOf(recorder);
      expect(statuses.createUser).toEqual({ 201: 20 });
      expect(statuses.createGroup).toEqual({ 201: 3 });
      expect(countOf(statuses.patchUser)).toBe(2);
      expect(countOf(statuses.disableUser)).toBe(2);
      expect(countOf(statuses.restoreUser)).toBe(1);
      expect(statuses.deleteUser).toEqual({ 204: 1 });
      expect(statuses.deleteGroup).toEqual({ 204: 1 });
      expect(Object.keys(statuses.removeMembers ?? {})).toEqual(['204']);
      expect(Object.keys(statuses.addMembers ?? {})).toEqual(['204']);
      expect(result.initial.requests).toBeGreaterThanOrEqual(20 + 20 + 3 + 3);
      const summary = formatSummary(result, recorder);
      expect(summary).toContain('Initial cycle:');
      expect(summary).toContain('Verified: 20 users, 3 groups');
    });
  }

  it('matches the objects of an earlier run with the same seed and leaves them unchanged', async () => {
    const options = {
      ...small,
      url: service.url,
      token: service.token,
      dialect: 'default' as const,
      incremental: false,
      prefix: 'it-rerun',
    };
    await simulate({ ...options, recorder: new Recorder() });
    const recorder = new Recorder();

    const again = await simulate({ ...options, recorder });

    expect(again.ok).toBe(true);
    const statuses = statusesOf(recorder);
    expect(statuses.createUser).toBeUndefined();
    expect(statuses.createGroup).toBeUndefined();
    expect(statuses.patchUser).toBeUndefined();
    expect(statuses.lookupUser).toEqual({ 200: 20 });
    // Entra cannot see members it excluded, so it adds them again; adding a member twice is a no-op.
    expect(Object.keys(statuses.addMembers ?? {})).toEqual(['204']);
  });

  it('reports what differs when the service no longer holds what the cycle wrote', async () => {
    const options = {
      ...small,
      url: service.url,
      token: service.token,
      dialect: 'aadOptscim062020' as const,
      incremental: false,
      prefix: 'it-drift',
      recorder: new Recorder(),
    };
    const result = await simulate(options);
    const dataset = buildDataset(options);
    const outsider = dataset.users.findIndex(
      (_, user) => !dataset.memberships.some((m) => m.group === 0 && m.user === user),
    );
    const changed = await service.request('PATCH', `/Users/${result.ids.users[3]}`, {
      Operations: [{ op: 'replace', path: `${GROUPTALK_USER}:label1`, value: 'changed' }],
    });
    const added = await service.request('PATCH', `/Groups/${result.ids.groups[0]}`, {
      Operations: [{ op: 'add', path: 'members', value: [{ value: result.ids.users[outsider] }] }],
    });
    expect([changed.status, added.status].every((status) => status < 300)).toBe(true);
    const client = new ScimClient({ ...options, recorder: new Recorder() });

    const verification = await verifyState(
      client,
      expectedState(dataset),
      result.ids,
      4,
      silentProgress,
    );

    expect(verification.ok).toBe(false);
    expect(verification.samples).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^user 3: .*label1 is "changed"/),
        expect.stringMatching(/^group 0: 1 unexpected members/),
      ]),
    );
  });

  /** The command line, as a developer runs it; the token only ever in the environment. */
  const runCli = (args: readonly string[], env: Readonly<Record<string, string | undefined>>) => {
    const { SCIM_TOKEN: _token, SCIM_URL: _url, ...inherited } = process.env;
    // Asynchronous: the service answers from this very process.
    return execFileAsync(
      process.execPath,
      [
        '--import',
        'tsx',
        'infra/cli/simulate.ts',
        ...args,
        '--users',
        '3',
        '--groups',
        '1',
        '--memberships',
        '2',
        '--prefix',
        'it-cli',
        '--quiet',
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: { ...inherited, ...env } },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code,
        stdout: error.stdout,
        stderr: error.stderr,
      }),
    );
  };

  it('exits 1 from the command line when the service refuses the token, and 0 when all is well', async () => {
    const refused = await runCli(['--url', service.url], { SCIM_TOKEN: 'not-a-token' });
    const accepted = await runCli(['--url', service.url], { SCIM_TOKEN: service.token });

    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('lookupUser');
    expect(refused.stdout).toContain('401');
    expect(refused.stdout).toContain('VERIFICATION FAILED');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('Verified: 3 users, 1 groups, 2 memberships as expected.');
  });

  it('with --local, takes the Tenant URL and Secret Token of the running npm start from .local/', async () => {
    // Prepare: the record npm start writes, naming this (running) process and the token's file.
    const folder = await mkdtemp(join(tmpdir(), 'simulate-local-'));
    const secretTokenFile = join(folder, 'keys', 'local.secret-token.txt');
    await mkdir(dirname(secretTokenFile), { recursive: true });
    await writeFile(secretTokenFile, `${service.token}\n`, { mode: 0o600 });
    await writeServiceRecord(
      {
        tenant: 'local',
        tenantUrl: service.url,
        tokenEndpoint: new URL('/oauth2/token', service.url).href,
        adminUrl: new URL('/admin', service.url).href,
        dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT ?? '',
        tableName: service.tableName,
        eventsFile: join(folder, 'events.jsonl'),
        requestLogFile: join(folder, 'logs', 'requests.jsonl'),
        logFile: join(folder, 'logs', 'service.jsonl'),
        secretTokenFile,
        signingKeyFile: join(folder, 'keys', 'local.private.jwk.json'),
        logIdentifiers: 'clear',
        pid: process.pid,
        startedAt: new Date().toISOString(),
      },
      join(folder, 'service.json'),
    );

    try {
      // Act
      const local = await runCli(['--local'], { SCIM_LOCAL_DIR: folder });
      const none = await runCli(['--local'], { SCIM_LOCAL_DIR: join(folder, 'nothing') });

      // Assess
      expect(local.stderr).not.toContain(service.token);
      expect(local.code).toBe(0);
      expect(local.stdout).toContain('Verified: 3 users, 1 groups, 2 memberships as expected.');
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('found no running npm start');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('still takes --token, warning that it lands in the shell history', async () => {
    const run = await runCli(['--url', service.url, '--token', service.token], {});

    expect(run.code).toBe(0);
    expect(run.stderr).toContain('--token leaves the token in your shell history');
  });
});
