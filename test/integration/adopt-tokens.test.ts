/**
 * `npm run token -- adopt`: tokens issued before the credential registry (signed with a key file,
 * listed in the old tool's `issued.jsonl`) are refused until registered; adopting the issue log
 * registers those neither revoked nor expired, with their own ids, and they work again.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/npm-start.js';
import {
  issueTestToken,
  startTestService,
  type TestService,
  testRegistry,
} from '../support/service.js';

let service: TestService;
let dir: string;
beforeAll(async () => {
  service = await startTestService();
  dir = await mkdtemp(join(tmpdir(), 'adopt-'));
});
afterAll(async () => {
  await service.close();
  await rm(dir, { recursive: true, force: true });
});

const readUsers = (token: string) =>
  service.request('GET', '/Users?count=1', undefined, { authorization: `Bearer ${token}` });

function adopt(...args: string[]) {
  return spawnSync('npx', ['tsx', 'infra/cli/token.ts', 'adopt', ...args, '--local'], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOCAL_TABLE_NAME: service.tableName },
    encoding: 'utf8',
  });
}

describe('npm run token -- adopt', () => {
  it('registers the issued tokens neither revoked nor expired, which then read /Users', async () => {
    // Prepare: four tokens of the old tool, none registered.
    const [kept, revoked, expired, unlisted] = await Promise.all(
      [0, 1, 2, 3].map(() => issueTestToken({ register: false })),
    );
    const jti = (token: string | undefined) => decodeJwt(token!).jti as string;
    const record = (token: string | undefined, expiresAt: string | null) => ({
      jti: jti(token),
      kid: 'old-key',
      issuedAt: '2026-01-01T00:00:00.000Z',
      expiresAt,
    });
    const issued = join(dir, 'issued.jsonl');
    await writeFile(
      issued,
      [
        record(kept, null),
        record(revoked, null),
        record(expired, '2026-02-01T00:00:00.000Z'),
        record(kept, null),
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    await writeFile(
      join(dir, 'revoked.jsonl'),
      `${JSON.stringify({ jti: jti(revoked), revokedAt: '2026-03-01T00:00:00.000Z' })}\n`,
    );

    // Act: a dry run first, then the run.
    const dry = adopt('--issued', issued, '--dry-run');
    const run = adopt('--issued', issued);
    const again = adopt('--issued', issued);

    // Assess
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`${jti(kept)}  would register`);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      `${jti(kept)}  registered`,
      `${jti(revoked)}  revoked`,
      `${jti(expired)}  expired`,
    ]);
    expect(again.stdout).toContain(`${jti(kept)}  already registered`);
    const credential = await testRegistry().get(jti(kept));
    expect(credential).toMatchObject({ kind: 'secret-token', keyId: 'old-key' });
    expect(credential?.createdBy).toMatch(/^migration by /);
    expect((await readUsers(kept!)).status).toBe(200);
    for (const token of [revoked, expired, unlisted]) {
      expect((await readUsers(token!)).status).toBe(401);
    }
  }, 60_000);

  it('refuses an issue log that lists no token, registering nothing', async () => {
    const empty = join(dir, 'empty.jsonl');
    await writeFile(empty, '');

    const result = adopt('--issued', empty);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('lists no token');
  });
});
