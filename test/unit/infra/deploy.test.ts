import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `npm run deploy -- <args>`, without npm. */
function deploy(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/cli/deploy.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run deploy', () => {
  it('checks the tenant and runs cdk deploy for its stack only, passing other options on', () => {
    // Act
    const result = deploy('--tenant', 'demo', '--dry-run', '--profile', 'prod');

    // Assess
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('Tenant demo: configuration valid.');
    expect(result.stdout.trim()).toBe(
      'npx cdk deploy -c tenant=demo GroupTalkScim-demo --outputs-file cdk.out/outputs-demo.json --profile prod',
    );
  }, 30_000);

  it('refuses an undeclared tenant, naming the declared ones', () => {
    const result = deploy('--tenant', 'nobody', '--dry-run');

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Unknown tenant "nobody"');
    expect(result.stderr).toContain('declared: acme, demo');
  }, 30_000);

  it('requires a tenant, and refuses context values that would change it', () => {
    expect(deploy('--dry-run').stderr).toContain('--tenant <name> is required');
    expect(deploy('--tenant', 'demo', '-c', 'tenant=acme').status).toBe(1);
  }, 30_000);
});
