import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from '../../../infra/cli/deploy.js';
import { cdkDeployArgs, planCellDeploys, planWaves } from '../../../infra/deploy-plan.js';
import { type PlacedTenant, parseTenantConfig, placeTenant } from '../../../infra/tenants.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const home = { account: '111111111111', region: 'eu-west-1' };
const fleet = {
  ...home,
  accountConcurrency: 1000,
  concurrencyAlarmPercent: 80,
  maxTenantConcurrency: 600,
  deployConcurrency: 4,
};

function tenants(...declarations: Record<string, unknown>[]): PlacedTenant[] {
  return declarations.map((raw) => placeTenant(parseTenantConfig(raw), fleet));
}

describe('deploy waves', () => {
  const eleven = tenants(
    ...Array.from({ length: 10 }, (_, i) => ({ name: `t${String(i).padStart(2, '0')}` })),
    { name: 'zz-canary', canary: true },
  );

  it('deploys the fleet stack, then the canaries one at a time, then batches of the concurrency', () => {
    const waves = planWaves(eleven, { concurrency: 4, home });

    expect(waves.map((w) => [w.label, w.stacks, w.concurrency])).toEqual([
      ['fleet', ['GroupTalkScim-fleet'], 1],
      ['canary zz-canary', ['GroupTalkScim-zz-canary'], 1],
      [
        'batch 1 of 3',
        ['GroupTalkScim-t00', 'GroupTalkScim-t01', 'GroupTalkScim-t02', 'GroupTalkScim-t03'],
        4,
      ],
      [
        'batch 2 of 3',
        ['GroupTalkScim-t04', 'GroupTalkScim-t05', 'GroupTalkScim-t06', 'GroupTalkScim-t07'],
        4,
      ],
      ['batch 3 of 3', ['GroupTalkScim-t08', 'GroupTalkScim-t09'], 4],
    ]);
  });

  it('takes the first tenant as the canary when none is declared', () => {
    const waves = planWaves(tenants({ name: 'b' }, { name: 'a' }), { concurrency: 2, home });

    expect(waves.map((w) => w.label)).toEqual(['fleet', 'canary a', 'batch 1 of 1']);
  });

  it('deploys cell by cell: each account and region its fleet stack, canary and batches', () => {
    const waves = planWaves(
      tenants(
        { name: 'a' },
        { name: 'b', region: 'us-west-2' },
        { name: 'c' },
        { name: 'd', region: 'us-west-2' },
      ),
      { concurrency: 2, home },
    );

    expect(waves.map((w) => [w.label, w.stacks])).toEqual([
      ['cell default: fleet', ['GroupTalkScim-fleet']],
      ['cell default: canary a', ['GroupTalkScim-a']],
      ['cell default: batch 1 of 1', ['GroupTalkScim-c']],
      ['cell 111111111111-us-west-2: fleet', ['GroupTalkScim-fleet-111111111111-us-west-2']],
      ['cell 111111111111-us-west-2: canary b', ['GroupTalkScim-b']],
      ['cell 111111111111-us-west-2: batch 1 of 1', ['GroupTalkScim-d']],
    ]);
  });

  it('groups declared cells with their fleet stack first', () => {
    const cellsFleet = {
      ...fleet,
      cells: [
        { id: 'eu1', account: '111111111111', region: 'eu-west-1', otherApis: 50 },
        { id: 'eu2', account: '222222222222', region: 'eu-west-1', otherApis: 50 },
      ],
    };
    const placed = [
      { name: 'x', cell: 'eu2' },
      { name: 'y', cell: 'eu1' },
      { name: 'z', cell: 'eu2', canary: true },
    ].map((raw) => placeTenant(parseTenantConfig(raw), cellsFleet));

    expect(planCellDeploys(placed, { concurrency: 4, home })).toEqual([
      {
        cell: 'eu2',
        account: '222222222222',
        region: 'eu-west-1',
        fleetStack: 'GroupTalkScim-fleet-222222222222-eu-west-1',
        canaries: ['z'],
        tenants: ['x'],
        batches: [['x']],
      },
      {
        cell: 'eu1',
        account: '111111111111',
        region: 'eu-west-1',
        fleetStack: 'GroupTalkScim-fleet',
        canaries: ['y'],
        tenants: [],
        batches: [],
      },
    ]);
  });

  it('resumes after the stacks a stopped run deployed', () => {
    const done = new Set([
      'GroupTalkScim-fleet',
      'GroupTalkScim-zz-canary',
      'GroupTalkScim-t00',
      'GroupTalkScim-t01',
      'GroupTalkScim-t02',
      'GroupTalkScim-t03',
    ]);
    const waves = planWaves(eleven, { concurrency: 4, home, done });

    expect(waves.map((w) => w.label)).toEqual(['batch 2 of 3', 'batch 3 of 3']);
  });

  it("refuses a concurrency beyond what API Gateway's management API allows", () => {
    expect(() => planWaves(eleven, { concurrency: 11, home })).toThrow(
      '--concurrency must be 1 to 10',
    );
    expect(() => planWaves(eleven, { concurrency: 0, home })).toThrow(
      '--concurrency must be 1 to 10',
    );
  });

  it('runs each wave exclusively against the assembly synthesized once', () => {
    const [fleetWave] = planWaves(eleven, { concurrency: 4, home });

    expect(
      cdkDeployArgs(fleetWave!, {
        assembly: 'cdk.out/fleet-deploy',
        outputsFile: 'o.json',
        extra: ['--profile', 'prod'],
      }),
    ).toEqual([
      'cdk',
      'deploy',
      '--app',
      'cdk.out/fleet-deploy',
      '--exclusively',
      'GroupTalkScim-fleet',
      '--concurrency',
      '1',
      '--outputs-file',
      'o.json',
      '--profile',
      'prod',
    ]);
  });
});

describe('npm run deploy arguments', () => {
  it('takes --all, --tenants or --tenant, and passes other options to cdk deploy', () => {
    expect(parse(['--all', '--profile', 'prod'])).toMatchObject({
      selection: 'all',
      cdkArgs: ['--profile', 'prod'],
    });
    expect(parse(['--tenants', 'a,b', '--concurrency', '3', '--resume'])).toMatchObject({
      selection: ['a', 'b'],
      concurrency: 3,
      resume: true,
    });
    expect(parse(['--tenant=a']).selection).toEqual(['a']);
  });

  it('requires a selection, and refuses context values or assembly options that would change it', () => {
    expect(() => parse(['--dry-run'])).toThrow('--all, --tenants a,b,c or --tenant a is required');
    expect(() => parse(['--all', '--tenants', 'a'])).toThrow('choose one of');
    expect(() => parse(['--all', '-c', 'tenant=acme'])).toThrow('is not passed on');
    expect(() => parse(['--all', '--app', 'x'])).toThrow('is set by this command');
  });
});

describe('npm run deploy -- --dry-run', () => {
  it('checks every tenant and prints the synth once and the waves', () => {
    // Act: the one subprocess of this file (the command as an operator runs it).
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'infra/cli/deploy.ts', '--all', '--dry-run', '--profile', 'prod'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );

    // Assess
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('2 tenant(s) valid; 3 wave(s).');
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('npx cdk synth --quiet -o cdk.out/fleet-deploy -c tenants=acme,demo');
    expect(lines[1]).toBe('wave 1 (fleet): GroupTalkScim-fleet');
    expect(lines[3]).toBe('wave 2 (canary demo): GroupTalkScim-demo');
    expect(lines[5]).toBe('wave 3 (batch 1 of 1): GroupTalkScim-acme');
    expect(lines[6]).toContain(
      '--exclusively GroupTalkScim-acme --concurrency 4 --outputs-file cdk.out/outputs-wave-3.json --profile prod',
    );
  }, 60_000);
});
