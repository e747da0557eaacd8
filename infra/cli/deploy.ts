/**
 * `npm run deploy -- --all | --tenants a,b,c | --tenant a [options] [cdk deploy options…]`:
 * checks the fleet and the tenants' configuration, synthesizes the fleet ONCE (function bundles
 * built once), then deploys in waves: the fleet stack, the canary tenants one at a time, then
 * batches of `--concurrency` tenants. It stops at the first failed wave; `--resume` skips what
 * the last run finished. Anything else goes to `cdk deploy` unchanged (`--profile`, …).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cdkDeployArgs, MAX_DEPLOY_CONCURRENCY, planWaves, type Wave } from '../deploy-plan.js';
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

const HELP = `Usage: npm run deploy -- (--all | --tenants a,b,c | --tenant a) [options] [cdk deploy options...]

Deploys the fleet stack and the tenants' stacks GroupTalkScim-<name> declared in
infra/tenants/ (see "A fleet of tenants" in README.md), in waves:
  1. the fleet stack of each account and region (alarms, dashboard, shared roles)
  2. the canary tenants ("canary": true; else the first tenant), one at a time
  3. the other tenants, --concurrency stacks at a time
Stops at the first failed wave; --resume continues after the waves that succeeded.

Options:
  --all                 every declared tenant
  --tenants a,b,c       these tenants (--tenant a for one)
  --concurrency <n>     stacks deployed at once after the canaries, 1-${MAX_DEPLOY_CONCURRENCY}
                        (default: deployConcurrency of infra/fleet.json)
  --resume              skip the stacks the last run (same selection) deployed
  --dry-run             check the configuration and print the waves and commands only
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

function printWaves(waves: readonly Wave[], commands: readonly string[][]): void {
  waves.forEach((wave, index) => {
    console.log(`wave ${index + 1} (${wave.label}): ${wave.stacks.join(', ')}`);
    console.log(`  npx ${commands[index]!.join(' ')}`);
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const invocation = parse(argv);
  if (invocation.help) {
    console.log(HELP);
    return 0;
  }
  const fleet = loadFleet();
  const names = invocation.selection === 'all' ? declaredTenants() : invocation.selection;
  // Fails with every problem of a configuration, or the declared tenants when one is unknown.
  const tenants: PlacedTenant[] = names.map((name) => {
    const tenant = loadTenant(name);
    checkTenantInFleet(tenant, fleet);
    return placeTenant(tenant, fleet);
  });
  const selectionKey = [...names].sort().join(',');
  const done = invocation.resume ? readState(invocation.state, selectionKey) : new Set<string>();
  const waves = planWaves(tenants, {
    concurrency: invocation.concurrency ?? fleet.deployConcurrency,
    home: fleet,
    done,
  });
  console.error(
    `${tenants.length} tenant(s) valid; ${waves.length} wave(s)${done.size > 0 ? `, ${done.size} stack(s) already deployed` : ''}.`,
  );
  const commands = waves.map((wave, index) =>
    cdkDeployArgs(wave, {
      assembly: ASSEMBLY,
      outputsFile: `cdk.out/outputs-wave-${index + 1}.json`,
      extra: invocation.cdkArgs,
    }),
  );
  const synth = ['cdk', 'synth', '--quiet', '-o', ASSEMBLY, '-c', `tenants=${selectionKey}`];
  if (invocation.dryRun) {
    console.log(`npx ${synth.join(' ')}`);
    printWaves(waves, commands);
    return 0;
  }
  if (waves.length === 0) return 0;
  // One synth for every wave: the bundles are built once.
  const synthStatus = await run('npx', synth);
  if (synthStatus !== 0) return synthStatus;
  for (const [index, wave] of waves.entries()) {
    console.error(
      `\nwave ${index + 1} of ${waves.length} (${wave.label}): ${wave.stacks.join(', ')}`,
    );
    const status = await run('npx', commands[index]!);
    if (status !== 0) {
      console.error(
        `\nwave ${index + 1} failed: stopped. Fix the cause, then run the same command with --resume.`,
      );
      return status;
    }
    for (const stack of wave.stacks) done.add(stack);
    writeState(invocation.state, selectionKey, done);
    printTenantUrls(join(REPO_ROOT, `cdk.out/outputs-wave-${index + 1}.json`));
  }
  console.error(`\nDeployed ${relative(REPO_ROOT, invocation.state)}: ${done.size} stack(s).`);
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
