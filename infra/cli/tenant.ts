/**
 * `npm run tenant -- add <name> [--canary] [--cell <id>]` declares a tenant in a cell with room
 * (`infra/tenants/<name>.json`, defaults for everything else); `npm run tenant -- list` shows the
 * declared tenants with where they deploy and their settings.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { plannedCellCapacity } from '../fleet-plan.js';
import {
  cellOf,
  declaredTenants,
  fleetCells,
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
  add <name> [--canary] [--cell <id>]
        Declares a tenant in infra/tenants/<name>.json, in the first cell of
        infra/fleet.json "cells" with room (or --cell), or refuses naming the
        binding limit and how to declare the next cell. Deploy with
        npm run deploy -- --tenants <name>.
  list  Lists the declared tenants: account and region (inherited ones marked *),
        canary, throttling and the concurrency it bounds, own alarms, custom domain.

Options:
  --tenants-dir <dir>  where tenant configurations are (default: infra/tenants)
  -h, --help           this help`;

class UsageError extends Error {}

/**
 * The cell a new tenant goes to: the one asked for if it has room, else the first declared cell
 * with room (tenants counted from the declarations). Refuses, naming the binding limit and how to
 * declare the next cell, when none has room.
 */
export function chooseCell(dir: string, fleetFile?: string, wanted?: string): string {
  const fleet = loadFleet(fleetFile);
  const cells = fleetCells(fleet);
  const count = new Map<string, number>();
  for (const name of declaredTenants(dir)) {
    const id = cellOf(loadTenant(name, dir), fleet).id;
    count.set(id, (count.get(id) ?? 0) + 1);
  }
  const candidates = wanted ? cells.filter((c) => c.id === wanted) : cells;
  if (wanted && candidates.length === 0) {
    throw new UsageError(
      `cell "${wanted}" is not declared in infra/fleet.json (cells: ${cells.map((c) => c.id).join(', ')})`,
    );
  }
  for (const cell of candidates) {
    if ((count.get(cell.id) ?? 0) < plannedCellCapacity(cell).capacity) return cell.id;
  }
  const last = candidates.at(-1)!;
  const { capacity, bindingNote } = plannedCellCapacity(last);
  throw new UsageError(
    `${wanted ? `cell "${wanted}" is` : 'every declared cell is'} full: ${candidates.map((c) => `${c.id} holds ${count.get(c.id) ?? 0} of ${plannedCellCapacity(c).capacity}`).join(', ')} (binding: ${bindingNote}; ${capacity} tenants). Declare the next cell in infra/fleet.json "cells" — another account, or another region of this one — e.g. {"id": "${nextId(
      last.id,
      cells.map((c) => c.id),
    )}", "account": "<12 digits>", "region": "${last.region}"}, deploy its fleet stack (npm run deploy), and add the tenant again.`,
  );
}

function nextId(id: string, taken: readonly string[]): string {
  const match = /^(.*?)(\d+)$/.exec(id);
  const stem = match ? match[1]! : `${id}-`;
  for (let i = match ? Number(match[2]) + 1 : 2; ; i++) {
    if (!taken.includes(`${stem}${i}`)) return `${stem}${i}`;
  }
}

/**
 * Writes the declaration of a new tenant in a cell with room; returns its path. Fails on a bad
 * or taken name, or when no declared cell has room.
 */
export function addTenant(
  name: string,
  options: {
    canary?: boolean;
    account?: string;
    region?: string;
    cell?: string;
    dir?: string;
    fleetFile?: string;
  } = {},
): string {
  const dir = options.dir ?? TENANTS_DIR;
  // Every problem of the name at once, before a cell is chosen or anything is written.
  parseTenantConfig({
    name,
    ...(options.account ? { account: options.account } : {}),
    ...(options.region ? { region: options.region } : {}),
  });
  const file = join(dir, `${name}.json`);
  if (existsSync(file)) throw new UsageError(`tenant "${name}" is already declared in ${file}`);
  // An explicit account and region (a fleet without declared cells) keep the old placement.
  const explicit = options.account || options.region;
  const cell =
    explicit && !options.cell ? undefined : chooseCell(dir, options.fleetFile, options.cell);
  const declaration = {
    name,
    ...(cell ? { cell } : {}),
    ...(options.account ? { account: options.account } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.canary ? { canary: true } : {}),
  };
  parseTenantConfig(declaration);
  writeFileSync(file, `${JSON.stringify(declaration, null, 2)}\n`, { flag: 'wx' });
  return file;
}

/** The table `list` prints: one line per declared tenant. */
export function listTenants(dir: string = TENANTS_DIR, fleetFile?: string): string[] {
  const fleet = loadFleet(fleetFile);
  const rows = declaredTenants(dir).map((name) => {
    const tenant = loadTenant(name, dir);
    const placed = placeTenant(tenant, fleet);
    const { rateLimit, burstLimit } = placed.throttling;
    return [
      name,
      `${placed.account}${tenant.account ? '' : '*'}`,
      `${placed.region}${tenant.region ? '' : '*'}`,
      tenant.canary ? 'yes' : '',
      `${rateLimit}/s burst ${burstLimit} (≤${tenantConcurrencyBound(placed.throttling)} concurrent)`,
      tenant.alarms ? (tenant.alarms.email ?? 'fleet topic') : '',
      tenant.customDomain
        ? `${tenant.customDomain.domainName} (execute-api: ${tenant.customDomain.executeApiEndpoint})`
        : '',
      placed.cell ?? '',
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
    'cell',
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
      cell: { type: 'string' },
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
      ...(values.cell ? { cell: values.cell } : {}),
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
