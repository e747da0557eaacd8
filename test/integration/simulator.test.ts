import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('exits 1 from the command line when the service refuses the token, and 0 when all is well', async () => {
    // Asynchronous: the service answers from this very process.
    const run = (token: string) =>
      execFileAsync(
        process.execPath,
        [
          '--import',
          'tsx',
          'infra/cli/simulate.ts',
          '--url',
          service.url,
          '--token',
          token,
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
        { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
      ).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code?: number; stdout?: string }) => ({ code: error.code, stdout: error.stdout }),
      );

    const refused = await run('not-a-token');
    const accepted = await run(service.token);

    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('lookupUser');
    expect(refused.stdout).toContain('401');
    expect(refused.stdout).toContain('VERIFICATION FAILED');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('Verified: 3 users, 1 groups, 2 memberships as expected.');
  });
});
