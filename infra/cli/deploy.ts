/**
 * `npm run deploy -- --all | --tenants a,b,c | --tenant a [options] [cdk deploy options…]`:
 * checks the fleet and the tenants' configuration, synthesizes the fleet ONCE (function bundles
 * built once), then rolls out cell by cell (`infra/deploy-gates.ts`): the fleet stack, the canary
 * tenant with rollback triggers on its alarms, `npm run verify` against the canary, then batches
 * of `--concurrency` tenants, each followed by a smoke check. It stops at the first failed step,
 * naming it; `--resume` skips what the last run finished. Anything else goes to `cdk deploy`
 * unchanged (`--profile`, …).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  type CellRollout,
  planRollout,
  rollbackTriggerArgs,
  type Step,
  templateAlarmNames,
} from '../deploy-gates.js';
import { cdkDeployArgs, MAX_DEPLOY_CONCURRENCY } from '../deploy-plan.js';
import { scimStackName } from '../fleet-names.js';
import {
  checkTenantInFleet,
  declaredTenants,
  loadFleet,
  loadTenant,
  type PlacedTenant,
  placeTenant,
} from '../tenants.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ASSEMBLY = 'cdk.out/fleet-deploy';
const DEFAULT_STATE = 'cdk.out/deploy-state.json';
const DEFAULT_CANARY_MONITORING_MINUTES = 10;

const HELP = `Usage: npm run deploy -- (--all | --tenants a,b,c | --tenant a) [options] [cdk deploy options...]

Deploys the fleet stack and the tenants' stacks GroupTalkScim-<name> declared in
infra/tenants/ (see docs/fleet.md), cell by cell (a cell is an
account and region), each gated:
  1. the cell's fleet stack (alarms, dashboard, shared roles, bus, verification queue)
  2. the cell's canary tenant ("canary": true, a tenant GroupTalk owns; added when
     the selection leaves it out), rolled back by CloudFormation if one of its
     alarms fires during the deploy or --canary-monitoring minutes after
  3. GATE: npm run verify against the canary (Entra cycle, token, revocation,
     change feed, reports, alarms)
  4. the other tenants, --concurrency stacks at a time, each batch followed by
     GATE: a smoke check (npm run verify -- --no-canary: API answers, BUILD_ID)
Stops at the first failed step and names it; --resume continues after the steps
that succeeded (a failed gate runs again first).

Options:
  --all                 every declared tenant
  --tenants a,b,c       these tenants (--tenant a for one)
  --concurrency <n>     stacks deployed at once after the canaries, 1-${MAX_DEPLOY_CONCURRENCY}
                        (default: deployConcurrency of infra/fleet.json)
  --resume              skip the stacks the last run (same selection) deployed
  --dry-run             check the configuration and print the gated steps and commands only
  --skip-verify         deploy WITHOUT the gates: no verify of the canary, no smoke checks,
                        no rollback triggers (says so loudly)
  --canary-monitoring <minutes>
                        how long CloudFormation watches the canary's alarms after its
                        deploy, 0-180 (default ${DEFAULT_CANARY_MONITORING_MINUTES})
  --state <file>        where progress is kept (default: ${DEFAULT_STATE})
  -h, --help            this help

Examples:
  npm run deploy -- --all --dry-run
  npm run deploy -- --all --concurrency 5 --profile grouptalk-prod --require-approval never
  npm run deploy -- --tenants acme,contoso --resume`;

class UsageError extends Error {}

export interface Invocation {
  readonly selection: 'all' | readonly string[];
  readonly concurrency?: number;
  readonly resume: boolean;
  readonly dryRun: boolean;
  readonly skipVerify: boolean;
  readonly canaryMonitoringMinutes: number;
  readonly help: boolean;
  readonly state: string;
  /** Passed through to `cdk deploy`. */
  readonly cdkArgs: string[];
}

export function parse(argv: readonly string[]): Invocation {
  let selection: 'all' | string[] | undefined;
  let concurrency: number | undefined;
  let resume = false;
  let dryRun = false;
  let skipVerify = false;
  let canaryMonitoringMinutes = DEFAULT_CANARY_MONITORING_MINUTES;
  let help = false;
  let state = DEFAULT_STATE;
  const cdkArgs: string[] = [];
  const value = (i: number, flag: string): string => {
    const next = argv[i];
    if (next === undefined || next.startsWith('-')) throw new UsageError(`${flag} needs a value`);
    return next;
  };
  const select = (names: string[]) => {
    if (selection !== undefined) throw new UsageError('choose one of --all, --tenants, --tenant');
    selection = names;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--all') {
      if (selection !== undefined) throw new UsageError('choose one of --all, --tenants, --tenant');
      selection = 'all';
    } else if (arg === '--tenants' || arg === '--tenant') {
      select(value(++i, arg).split(',').filter(Boolean));
    } else if (arg.startsWith('--tenants=') || arg.startsWith('--tenant=')) {
      select(
        arg
          .slice(arg.indexOf('=') + 1)
          .split(',')
          .filter(Boolean),
      );
    } else if (arg === '--concurrency') {
      concurrency = Number(value(++i, arg));
    } else if (arg === '--state') {
      state = value(++i, arg);
    } else if (arg === '--resume') {
      resume = true;
    } else if (arg === '--dry-run') {
      dryRun = true;
    } else if (arg === '--skip-verify') {
      skipVerify = true;
    } else if (arg === '--canary-monitoring') {
      canaryMonitoringMinutes = Number(value(++i, arg));
      if (
        !Number.isInteger(canaryMonitoringMinutes) ||
        canaryMonitoringMinutes < 0 ||
        canaryMonitoringMinutes > 180
      ) {
        throw new UsageError('--canary-monitoring must be 0 to 180 minutes (CloudFormation)');
      }
    } else if (
      arg.startsWith('--rollback-trigger-alarm-arns') ||
      arg === '--monitoring-time-minutes'
    ) {
      throw new UsageError(`${arg} is set by this command on the canary's wave`);
    } else if (arg === '-h' || arg === '--help') {
      help = true;
    } else if (arg === '-c' || arg === '--context' || arg.startsWith('--context=')) {
      // The selection is the one context this command sets; two would deploy a surprise.
      throw new UsageError(`${arg} is not passed on: choose tenants with --tenants`);
    } else if (arg === '--app' || arg === '--exclusively' || arg === '-e') {
      throw new UsageError(`${arg} is set by this command`);
    } else {
      cdkArgs.push(arg);
    }
  }
  if (!help && selection === undefined) {
    throw new UsageError('--all, --tenants a,b,c or --tenant a is required');
  }
  return {
    selection: selection ?? [],
    ...(concurrency === undefined ? {} : { concurrency }),
    resume,
    dryRun,
    skipVerify,
    canaryMonitoringMinutes,
    help,
    state,
    cdkArgs,
  };
}

interface DeployState {
  /** The selection the recorded progress belongs to. */
  readonly selection: string;
  readonly done: string[];
}

function readState(file: string, selection: string): Set<string> {
  if (!existsSync(file)) return new Set();
  const state = JSON.parse(readFileSync(file, 'utf8')) as DeployState;
  return state.selection === selection ? new Set(state.done) : new Set();
}

function writeState(file: string, selection: string, done: ReadonlySet<string>): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ selection, done: [...done] }, null, 2)}\n`);
}

function run(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const SKIP_VERIFY_WARNING = `
!!! --skip-verify: this rollout is NOT gated. No npm run verify against the canary
!!! (Entra cycle, token, revocation, change feed, reports, alarms), no smoke check
!!! after each batch, no rollback triggers on the canary. A broken build reaches
!!! every selected customer tenant. Run npm run verify -- --all afterwards.
`;

/** The line and command of each step, as the dry run prints them and the rollout runs them. */
interface PlannedStep {
  readonly step: Step;
  readonly title: string;
  readonly command: readonly string[];
}

function describeSteps(
  rollouts: readonly CellRollout[],
  commandOf: (step: Step, index: number) => string[],
): { cell: CellRollout; steps: PlannedStep[] }[] {
  let index = 0;
  return rollouts.map((cell) => ({
    cell,
    steps: cell.steps.map((step) => {
      index += 1;
      const title =
        step.kind === 'deploy'
          ? `deploy ${step.wave.label}: ${step.wave.stacks.join(', ')}${step.rollbackTriggers ? " (rolled back if the canary's alarms fire)" : ''}`
          : `GATE ${step.label}`;
      return { step, title, command: commandOf(step, index) };
    }),
  }));
}

function printRollout(planned: ReturnType<typeof describeSteps>): void {
  let index = 0;
  for (const { cell, steps } of planned) {
    console.log(`cell ${cell.cell}${cell.canary ? ` (canary ${cell.canary})` : ''}`);
    for (const { title, command } of steps) {
      index += 1;
      console.log(`  step ${index} ${title}`);
      console.log(`    ${command.join(' ')}`);
    }
  }
}

/** A gate's `npm run verify` run; its FAIL lines are kept to name the failed checks. */
function runVerify(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number; failed: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/cli/verify.ts', ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const failed: string[] = [];
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^FAIL {2}([^:]+(?::[^:]+)?):/.exec(line);
        if (match) failed.push(match[1]!);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ status: code ?? (signal ? 1 : 0), failed }));
  });
}

/** The canary's alarms that exist now: a trigger naming a missing alarm fails the whole deploy. */
async function existingAlarmArns(
  names: readonly string[],
  place: { account: string; region: string },
): Promise<string[]> {
  if (names.length === 0) return [];
  const client = new CloudWatchClient({ region: place.region });
  const { MetricAlarms } = await client.send(new DescribeAlarmsCommand({ AlarmNames: [...names] }));
  return (MetricAlarms ?? []).flatMap((alarm) => (alarm.AlarmArn ? [alarm.AlarmArn] : []));
}

function canaryAlarmNames(stack: string): string[] {
  const file = join(REPO_ROOT, ASSEMBLY, `${stack}.template.json`);
  return existsSync(file) ? templateAlarmNames(JSON.parse(readFileSync(file, 'utf8'))) : [];
}

async function main(argv: readonly string[]): Promise<number> {
  const invocation = parse(argv);
  if (invocation.help) {
    console.log(HELP);
    return 0;
  }
  const fleet = loadFleet();
  const names = invocation.selection === 'all' ? declaredTenants() : invocation.selection;
  const place = (name: string): PlacedTenant => {
    const tenant = loadTenant(name);
    checkTenantInFleet(tenant, fleet);
    return placeTenant(tenant, fleet);
  };
  // Fails with every problem of a configuration, or the declared tenants when one is unknown.
  const tenants: PlacedTenant[] = names.map(place);
  const allTenants = declaredTenants().map(place);
  const selectionKey = [...names].sort().join(',');
  const done = invocation.resume ? readState(invocation.state, selectionKey) : new Set<string>();
  const rollouts = planRollout(tenants, {
    allTenants,
    concurrency: invocation.concurrency ?? fleet.deployConcurrency,
    home: fleet,
    done,
    skipVerify: invocation.skipVerify,
  });
  // The canaries the gates add are synthesized with the selection.
  const deployed = [
    ...new Set(rollouts.flatMap((cell) => [...names, ...(cell.canary ? [cell.canary] : [])])),
  ].sort();
  const stepCount = rollouts.reduce((sum, cell) => sum + cell.steps.length, 0);
  console.error(
    `${tenants.length} tenant(s) valid; ${rollouts.length} cell(s), ${stepCount} step(s)${done.size > 0 ? `, ${done.size} already done` : ''}.`,
  );
  if (invocation.skipVerify) console.error(SKIP_VERIFY_WARNING);
  const verifyArgs = ['--assembly', ASSEMBLY];
  const planned = describeSteps(rollouts, (step, index) =>
    step.kind === 'deploy'
      ? [
          'npx',
          ...cdkDeployArgs(step.wave, {
            assembly: ASSEMBLY,
            outputsFile: `cdk.out/outputs-step-${index}.json`,
            extra: invocation.cdkArgs,
          }),
          ...(step.rollbackTriggers
            ? [
                '--rollback-trigger-alarm-arns',
                `<the canary's alarms that exist>`,
                '--monitoring-time-minutes',
                String(invocation.canaryMonitoringMinutes),
              ]
            : []),
        ]
      : ['npm', 'run', 'verify', '--', ...step.args, ...verifyArgs],
  );
  const synth = ['cdk', 'synth', '--quiet', '-o', ASSEMBLY, '-c', `tenants=${deployed.join(',')}`];
  if (invocation.dryRun) {
    console.log(`npx ${synth.join(' ')}`);
    printRollout(planned);
    return 0;
  }
  if (stepCount === 0) return 0;
  // One synth for every wave: the bundles are built once.
  const synthStatus = await run('npx', synth);
  if (synthStatus !== 0) return synthStatus;
  const profile = invocation.cdkArgs[invocation.cdkArgs.indexOf('--profile') + 1];
  const verifyEnv = {
    ...process.env,
    ...(invocation.cdkArgs.includes('--profile') && profile ? { AWS_PROFILE: profile } : {}),
  };
  let index = 0;
  for (const { cell, steps } of planned) {
    for (const { step, title, command } of steps) {
      index += 1;
      console.error(`\nstep ${index} of ${stepCount}, cell ${cell.cell}: ${title}`);
      if (step.kind === 'verify') {
        const { status, failed } = await runVerify([...step.args, ...verifyArgs], verifyEnv);
        if (status !== 0) {
          console.error(
            `\n${step.label} FAILED${failed.length > 0 ? ` (${failed.join('; ')})` : ''}: the rollout stopped before the next batch. Each FAIL line above says what to do; fix the cause, then run the same command with --resume.`,
          );
          return status;
        }
        done.add(step.key);
        writeState(invocation.state, selectionKey, done);
        continue;
      }
      let args = command.slice(1);
      if (step.rollbackTriggers) {
        const stack = step.wave.stacks[0]!;
        const tenant = allTenants.find((t) => scimStackName(t.name) === stack)!;
        const arns = await existingAlarmArns(canaryAlarmNames(stack), tenant);
        if (arns.length === 0) {
          console.error(
            `!!! ${stack} deploys WITHOUT rollback triggers: none of its alarms exists yet (its first deploy, or "alarms" missing from infra/tenants/${tenant.name}.json).`,
          );
        }
        args = [
          ...command.slice(1, -4),
          ...rollbackTriggerArgs(arns, invocation.canaryMonitoringMinutes),
        ];
      }
      const status = await run('npx', args);
      if (status !== 0) {
        console.error(
          `\nstep ${index} (deploy ${step.wave.label}) failed: stopped. Fix the cause, then run the same command with --resume.`,
        );
        return status;
      }
      for (const stack of step.wave.stacks) done.add(stack);
      writeState(invocation.state, selectionKey, done);
      printTenantUrls(join(REPO_ROOT, `cdk.out/outputs-step-${index}.json`));
    }
  }
  console.error(`\nDeployed ${relative(REPO_ROOT, invocation.state)}: ${done.size} step(s) done.`);
  return 0;
}

function printTenantUrls(outputsFile: string): void {
  if (!existsSync(outputsFile)) return;
  const outputs = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<
    string,
    Record<string, string>
  >;
  for (const [stack, values] of Object.entries(outputs)) {
    if (values.TenantUrl) console.log(`${stack}: Tenant URL ${values.TenantUrl}`);
  }
}

// Only when run as the command (the tests import `parse`).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2))
    .then((status) => {
      process.exitCode = status;
    })
    .catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      console.error(
        error instanceof UsageError
          ? `deploy: ${message}\nRun "npm run deploy -- --help" for usage.`
          : `deploy: ${message}`,
      );
      process.exitCode = 1;
    });
}
