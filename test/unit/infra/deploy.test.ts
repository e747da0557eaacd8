import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from '../../../infra/cli/deploy.js';
import {
  planRollout,
  rollbackTriggerArgs,
  type Step,
  templateAlarmNames,
} from '../../../infra/deploy-gates.js';
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

/** A step as the dry run names it. */
function named(step: Step): string {
  return step.kind === 'deploy'
    ? `deploy ${step.wave.label}${step.rollbackTriggers ? ' (triggers)' : ''}`
    : `${step.label}: ${step.args.join(' ')}`;
}

describe('gated rollout (per cell)', () => {
  const declared = tenants(
    { name: 'a' },
    { name: 'b' },
    { name: 'c' },
    { name: 'canary-eu', canary: true },
    { name: 'd', region: 'us-west-2' },
    { name: 'canary-us', region: 'us-west-2', canary: true },
  );

  it('deploys each cell as fleet, canary with rollback triggers, verify, then batches each with a smoke check', () => {
    const cells = planRollout(declared, { allTenants: declared, concurrency: 2, home });

    expect(cells.map((cell) => [cell.cell, cell.canary, cell.steps.map(named)])).toEqual([
      [
        'default',
        'canary-eu',
        [
          'deploy fleet',
          'deploy canary canary-eu (triggers)',
          'verify canary canary-eu: --tenants canary-eu',
          'deploy batch 1 of 2',
          'smoke batch 1 of 2: --no-canary --tenants a,b',
          'deploy batch 2 of 2',
          'smoke batch 2 of 2: --no-canary --tenants c',
        ],
      ],
      [
        '111111111111-us-west-2',
        'canary-us',
        [
          'deploy fleet',
          'deploy canary canary-us (triggers)',
          'verify canary canary-us: --tenants canary-us',
          'deploy batch 1 of 1',
          'smoke batch 1 of 1: --no-canary --tenants d',
        ],
      ],
    ]);
  });

  it("deploys and verifies the cell's canary first when the selection leaves it out", () => {
    const [cell] = planRollout(tenants({ name: 'b' }), {
      allTenants: declared,
      concurrency: 2,
      home,
    });

    expect(cell!.steps.map(named)).toEqual([
      'deploy fleet',
      'deploy canary canary-eu (triggers)',
      'verify canary canary-eu: --tenants canary-eu',
      'deploy batch 1 of 1',
      'smoke batch 1 of 1: --no-canary --tenants b',
    ]);
  });

  it('resumes with the gate that failed when its stacks were deployed', () => {
    const done = new Set(['GroupTalkScim-fleet', 'GroupTalkScim-canary-eu']);

    const [cell] = planRollout(declared.slice(0, 4), {
      allTenants: declared,
      concurrency: 3,
      home,
      done,
    });

    expect(cell!.steps.map(named)).toEqual([
      'verify canary canary-eu: --tenants canary-eu',
      'deploy batch 1 of 1',
      'smoke batch 1 of 1: --no-canary --tenants a,b,c',
    ]);
  });

  it('refuses a cell without a declared canary: verify never plays Entra against a customer', () => {
    const customers = tenants({ name: 'a' }, { name: 'b' });

    expect(() => planRollout(customers, { allTenants: customers, concurrency: 2, home })).toThrow(
      /cell default has no canary tenant/,
    );
  });

  it('with --skip-verify, deploys the waves without gates or rollback triggers', () => {
    const customers = tenants({ name: 'a' }, { name: 'b' });

    const [cell] = planRollout(customers, {
      allTenants: customers,
      concurrency: 2,
      home,
      skipVerify: true,
    });

    expect(cell!.steps.map(named)).toEqual([
      'deploy fleet',
      'deploy canary a',
      'deploy batch 1 of 1',
    ]);
  });

  it("rolls the canary back on its template's alarms, at most 5, watched for the monitoring time", () => {
    const names = templateAlarmNames({
      Resources: {
        A: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { AlarmName: 'GroupTalkScim-demo-api-5xx' },
        },
        B: { Type: 'AWS::SNS::Topic', Properties: {} },
      },
    });
    const arns = Array.from({ length: 6 }, (_, i) => `arn:aws:cloudwatch:eu-west-1:1:alarm:a${i}`);

    expect(names).toEqual(['GroupTalkScim-demo-api-5xx']);
    expect(rollbackTriggerArgs(arns, 10)).toEqual([
      ...arns.slice(0, 5).flatMap((arn) => ['--rollback-trigger-alarm-arns', arn]),
      '--monitoring-time-minutes',
      '10',
    ]);
    expect(rollbackTriggerArgs([], 10)).toEqual([]);
  });
});

describe('npm run deploy arguments', () => {
  it('takes --skip-verify and --canary-monitoring, and keeps the rollback triggers its own', () => {
    expect(parse(['--all', '--skip-verify', '--canary-monitoring', '30'])).toMatchObject({
      skipVerify: true,
      canaryMonitoringMinutes: 30,
    });
    expect(() => parse(['--all', '--canary-monitoring', '181'])).toThrow('0 to 180');
    expect(() => parse(['--all', '--rollback-trigger-alarm-arns', 'x'])).toThrow(
      "set by this command on the canary's wave",
    );
  });

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
    expect(result.stderr).toContain('2 tenant(s) valid; 1 cell(s), 5 step(s).');
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('npx cdk synth --quiet -o cdk.out/fleet-deploy -c tenants=acme,demo');
    expect(lines.filter((line) => !line.startsWith('    '))).toEqual([
      'npx cdk synth --quiet -o cdk.out/fleet-deploy -c tenants=acme,demo',
      'cell eu1 (canary demo)',
      '  step 1 deploy fleet: GroupTalkScim-fleet',
      "  step 2 deploy canary demo: GroupTalkScim-demo (rolled back if the canary's alarms fire)",
      '  step 3 GATE verify canary demo',
      '  step 4 deploy batch 1 of 1: GroupTalkScim-acme',
      '  step 5 GATE smoke batch 1 of 1',
    ]);
    expect(lines[5]).toContain(
      '--exclusively GroupTalkScim-demo --concurrency 1 --outputs-file cdk.out/outputs-step-2.json --profile prod --rollback-trigger-alarm-arns',
    );
    expect(lines[7]).toBe('    npm run verify -- --tenants demo --assembly cdk.out/fleet-deploy');
    expect(lines[9]).toContain(
      '--exclusively GroupTalkScim-acme --concurrency 4 --outputs-file cdk.out/outputs-step-4.json --profile prod',
    );
    expect(lines[11]).toBe(
      '    npm run verify -- --no-canary --tenants acme --assembly cdk.out/fleet-deploy',
    );
  }, 60_000);
});
