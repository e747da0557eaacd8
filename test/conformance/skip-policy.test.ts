/**
 * Nothing skips silently in CI: a conformance suite whose material in `../shared` is absent fails
 * under `CI=true` and skips, saying why, otherwise. Shown by running the Postman suite's file in a
 * child vitest with `SCIM_SHARED_DIR` pointing at a folder that does not exist.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const empty = mkdtempSync(join(tmpdir(), 'grouptalk-no-shared-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

/** `vitest run test/conformance/peer.test.ts` with no shared folder, as a fresh clone without it. */
function runPeerSuiteWithoutShared(ci: boolean): { status: number | null; output: string } {
  // The child is a vitest of its own: none of this process's vitest variables.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('VITEST') && name !== 'CI' && name !== 'NODE_OPTIONS',
    ),
  );
  const child = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/conformance/peer.test.ts'],
    {
      cwd: REPO_ROOT,
      env: { ...env, SCIM_SHARED_DIR: join(empty, 'shared'), ...(ci ? { CI: 'true' } : {}) },
      encoding: 'utf8',
      timeout: 240_000,
    },
  );
  return { status: child.status, output: `${child.stdout}${child.stderr}` };
}

describe('conformance suites without ../shared', () => {
  it('fail under CI=true, naming the absent file', () => {
    // Act
    const { status, output } = runPeerSuiteWithoutShared(true);

    // Assess
    expect(status, output).not.toBe(0);
    expect(output).toContain('is absent and CI=true');
  }, 300_000);

  it('skip with a note outside CI', () => {
    // Act
    const { status, output } = runPeerSuiteWithoutShared(false);

    // Assess
    expect(status, output).toBe(0);
    expect(output).toMatch(/skipped/);
  }, 300_000);
});
