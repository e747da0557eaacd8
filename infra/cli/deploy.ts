/**
 * `npm run deploy -- --tenant <name> [cdk deploy options…]`: checks the tenant's configuration,
 * then runs `cdk deploy -c tenant=<name> GroupTalkScim-<name>` and prints what to hand to the
 * customer's Entra administrator. Anything after the tenant goes to `cdk deploy` unchanged
 * (`--profile`, `--require-approval never`, …).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scimStackName } from '../scim-stack.js';
import { loadTenant, type TenantConfig } from '../tenants.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const HELP = `Usage: npm run deploy -- --tenant <name> [--dry-run] [cdk deploy options...]

Deploys the stack GroupTalkScim-<name> of the tenant declared in
infra/tenants/<name>.json (see the operator guide in README.md). The configuration is
checked first; AWS credentials come from your environment or --profile.

Options:
  --tenant <name>  the tenant to deploy (required)
  --dry-run        check the configuration and print the cdk command only
  -h, --help       this help

Examples:
  npm run deploy -- --tenant acme
  npm run deploy -- --tenant acme --profile grouptalk-prod --require-approval never`;

class UsageError extends Error {}

interface Invocation {
  readonly tenant: string;
  readonly dryRun: boolean;
  readonly help: boolean;
  /** Passed through to `cdk deploy`. */
  readonly cdkArgs: string[];
}

function parse(argv: readonly string[]): Invocation {
  let tenant: string | undefined;
  let dryRun = false;
  let help = false;
  const cdkArgs: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--tenant') {
      tenant = argv[++i];
      if (tenant === undefined || tenant.startsWith('-')) {
        throw new UsageError('--tenant needs a tenant name');
      }
    } else if (arg.startsWith('--tenant=')) {
      tenant = arg.slice('--tenant='.length);
    } else if (arg === '--dry-run') {
      dryRun = true;
    } else if (arg === '-h' || arg === '--help') {
      help = true;
    } else if (arg === '-c' || arg === '--context' || arg.startsWith('--context=')) {
      // The tenant is the one context this command sets; two would deploy a surprise.
      throw new UsageError(`${arg} is not passed on: the tenant is the only context value`);
    } else {
      cdkArgs.push(arg);
    }
  }
  if (help) return { tenant: '', dryRun, help, cdkArgs };
  if (!tenant) throw new UsageError('--tenant <name> is required');
  return { tenant, dryRun, help, cdkArgs };
}

/** Where `cdk deploy` writes the stack outputs, unless the caller chose a file. */
function outputsFile(tenant: string): string {
  return join(REPO_ROOT, 'cdk.out', `outputs-${tenant}.json`);
}

function cdkCommand(invocation: Invocation): string[] {
  const { tenant, cdkArgs } = invocation;
  const ownOutputs = cdkArgs.some((arg) => arg === '-O' || arg.startsWith('--outputs-file'));
  return [
    'cdk',
    'deploy',
    '-c',
    `tenant=${tenant}`,
    scimStackName(tenant),
    ...(ownOutputs ? [] : ['--outputs-file', relative(REPO_ROOT, outputsFile(tenant))]),
    ...cdkArgs,
  ];
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

function nextSteps(tenant: TenantConfig): void {
  const file = outputsFile(tenant.name);
  if (!existsSync(file)) return;
  const outputs = (
    JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>
  )[scimStackName(tenant.name)];
  if (!outputs) return;
  console.log(`
Tenant URL (Entra "Tenant URL"): ${outputs.TenantUrl}
${outputs.CustomDomainTarget ? `DNS: CNAME ${tenant.customDomain?.domainName} → ${outputs.CustomDomainTarget}\n` : ''}
Next: issue the Secret Token with
  npm run token -- issue --tenant ${tenant.name}`);
}

async function main(argv: readonly string[]): Promise<number> {
  const invocation = parse(argv);
  if (invocation.help) {
    console.log(HELP);
    return 0;
  }
  // Fails with every problem of the configuration (or the declared tenants when unknown).
  const tenant = loadTenant(invocation.tenant);
  const args = cdkCommand(invocation);
  console.error(`Tenant ${tenant.name}: configuration valid.`);
  if (invocation.dryRun) {
    console.log(`npx ${args.join(' ')}`);
    return 0;
  }
  const status = await run('npx', args);
  if (status === 0) nextSteps(tenant);
  return status;
}

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
