/**
 * `npm run tenant -- add <name> [--canary] [--account <id> --region <region>]` declares a tenant
 * (`infra/tenants/<name>.json`, defaults for everything else); `npm run tenant -- list` shows the
 * declared tenants with where they deploy and their settings.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  declaredTenants,
  loadFleet,
  loadTenant,
  parseTenantConfig,
  placeTenant,
  TENANTS_DIR,
  tenantConcurrencyBound,
} from '../tenants.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const HELP = `Usage: npm run tenant -- <command>

Commands:
  add <name> [--canary] [--account <12 digits>] [--region <region>]
        Declares a tenant in infra/tenants/<name>.json. The name alone is a valid
        declaration: the tenant deploys to the account and region of
        infra/fleet.json unless it names its own. Deploy with
        npm run deploy -- --tenants <name>.
  list  Lists the declared tenants: account and region (inherited ones marked *),
        canary, throttling and the concurrency it bounds, own alarms, custom domain.

Options:
  --tenants-dir <dir>  where tenant configurations are (default: infra/tenants)
  -h, --help           this help`;

class UsageError extends Error {}

/** Writes the declaration of a new tenant; returns its path. Fails on a bad or taken name. */
export function addTenant(
  name: string,
  options: { canary?: boolean; account?: string; region?: string; dir?: string } = {},
): string {
  const dir = options.dir ?? TENANTS_DIR;
  const declaration = {
    name,
    ...(options.account ? { account: options.account } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.canary ? { canary: true } : {}),
  };
  // Every problem at once, before anything is written.
  parseTenantConfig(declaration);
  const file = join(dir, `${name}.json`);
  if (existsSync(file)) throw new UsageError(`tenant "${name}" is already declared in ${file}`);
  writeFileSync(file, `${JSON.stringify(declaration, null, 2)}\n`, { flag: 'wx' });
  return file;
}

/** The table `list` prints: one line per declared tenant. */
export function listTenants(dir: string = TENANTS_DIR, fleetFile?: string): string[] {
  const fleet = loadFleet(fleetFile);
  const rows = declaredTenants(dir).map((name) => {
    const tenant = loadTenant(name, dir);
    const placed = placeTenant(tenant, fleet);
    const { rateLimit, burstLimit } = tenant.throttling;
    return [
      name,
      `${placed.account}${tenant.account ? '' : '*'}`,
      `${placed.region}${tenant.region ? '' : '*'}`,
      tenant.canary ? 'yes' : '',
      `${rateLimit}/s burst ${burstLimit} (≤${tenantConcurrencyBound(tenant.throttling)} concurrent)`,
      tenant.alarms ? (tenant.alarms.email ?? 'fleet topic') : '',
      tenant.customDomain
        ? `${tenant.customDomain.domainName} (execute-api: ${tenant.customDomain.executeApiEndpoint})`
        : '',
    ];
  });
  const header = [
    'tenant',
    'account',
    'region',
    'canary',
    'throttling',
    'own alarms',
    'custom domain',
  ];
  const table = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  return [
    ...table.map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    ),
    `${rows.length} tenant(s); * inherited from infra/fleet.json`,
  ];
}

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      canary: { type: 'boolean' },
      account: { type: 'string' },
      region: { type: 'string' },
      'tenants-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, name, ...extra] = positionals;
  if (values.help || command === undefined) {
    console.log(HELP);
    return values.help ? 0 : 1;
  }
  const dir = values['tenants-dir'] ?? TENANTS_DIR;
  if (command === 'add') {
    if (!name || extra.length > 0) throw new UsageError('add takes one tenant name');
    const file = addTenant(name, {
      ...(values.canary ? { canary: true } : {}),
      ...(values.account ? { account: values.account } : {}),
      ...(values.region ? { region: values.region } : {}),
      dir,
    });
    console.log(`Declared tenant ${name} in ${relative(REPO_ROOT, file)}.`);
    console.log(`Deploy it with: npm run deploy -- --tenants ${name}`);
    return 0;
  }
  if (command === 'list') {
    for (const line of listTenants(dir)) console.log(line);
    return 0;
  }
  throw new UsageError(`unknown command "${command}"`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`tenant: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
