/**
 * `npm run fleet -- plan --tenants N`: synthesizes the fleet stack and one generated tenant (with
 * the integration page, the largest a tenant gets), counts from those templates what
 * N tenants use of each binding quota and prints it next to the quota, with the fixed monthly
 * cost of an idle tenant. `npm run fleet -- query <1-7> [--tenant t]` prints the Logs Insights
 * query for one tenant or every tenant (`SOURCE` by log group prefix: AWS CLI / API only).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { App } from 'aws-cdk-lib';
import { QueryString } from 'aws-cdk-lib/aws-logs';
import { FunctionBundles } from '../bundles.js';
import {
  ACCESS_LOG_PREFIX,
  accessLogGroupName,
  FLEET_STACK_NAME,
  FUNCTION_LOG_PREFIX,
  functionLogGroupName,
} from '../fleet-names.js';
import {
  type CostLine,
  footprint,
  idleTenantCost,
  type PlanInput,
  pricedCounts,
  quotaUsage,
  type Template,
} from '../fleet-plan.js';
import { FleetStack } from '../fleet-stack.js';
import { logQueries } from '../log-queries.js';
import { noProgress, type Progress, terminalProgress } from '../progress.js';
import { ScimStack, scimStackName, tenantFunctionEntries } from '../scim-stack.js';
import { loadFleet, parseTenantConfig } from '../tenants.js';

const HELP = `Usage: npm run fleet -- <command>

Commands:
  plan --tenants <N> [--no-bundles]
        What N tenants use of each binding quota (from the synthesized templates of the
        fleet stack and a generated tenant) and the fixed monthly cost of an idle tenant.
        --no-bundles skips the esbuild run that sizes Lambda code storage.
  query <1-${logQueries.length}> [--tenant <name>]
        The Logs Insights query for one tenant, or every tenant without --tenant, as an
        aws logs start-query command.`;

const SAMPLE_TENANT = 'plan-sample';

/** Synthesizes the fleet and one name-only tenant and measures their footprint. */
export function planInput(
  tenants: number,
  options: { bundles: boolean; progress?: Progress },
): PlanInput {
  const progress = options.progress ?? noProgress;
  progress.step(`synthesizing the fleet stack for ${tenants} tenants and a sample tenant`);
  const fleet = loadFleet();
  const env = { account: fleet.account, region: fleet.region };
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'fleet-plan-')),
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const names = Array.from({ length: tenants }, (_, i) => `tenant-${i + 1}`);
  new FleetStack(app, FLEET_STACK_NAME, { env, fleet, tenants: names });
  new ScimStack(app, scimStackName(SAMPLE_TENANT), {
    env,
    // Every optional function the design has (the integration page): the most a tenant uses.
    tenant: parseTenantConfig({
      name: SAMPLE_TENANT,
      entraTenantId: '00000000-0000-4000-8000-000000000000',
      admin: { clientId: '00000000-0000-4000-8000-000000000001', role: 'appRole:Admin' },
    }),
    bundles: new FunctionBundles(tenantFunctionEntries, true),
  });
  const assembly = app.synth();
  const template = (stack: string) => assembly.getStackByName(stack).template as Template;
  const tenant = footprint(template(scimStackName(SAMPLE_TENANT)));
  if (options.bundles) progress.step('bundling the functions to measure their code size');
  return {
    tenants,
    tenant,
    fleet: footprint(template(FLEET_STACK_NAME)),
    tenantCodeBytes: options.bundles ? codeBytes() : 0,
    // An idle tenant's only Lambda metrics are its sweeper's, which the errors alarm analyzes.
    idleInsightsMetricsPerTenant: tenant.schedules,
  };
}

/** Deflated size of every function package (bundle + source map): what Lambda stores per function. */
function codeBytes(): number {
  const bundles = new FunctionBundles(tenantFunctionEntries);
  let total = 0;
  for (const operation of bundles.operations) {
    const dir = join(bundles.directory, operation);
    for (const file of readdirSync(dir))
      total += deflateRawSync(readFileSync(join(dir, file))).length;
  }
  return total;
}

function usd(value: number): string {
  return `$${value.toFixed(value < 0.01 && value > 0 ? 4 : 2)}`;
}

export function formatPlan(input: PlanInput): string[] {
  const lines: string[] = [];
  const pad = (cells: string[], widths: number[]) =>
    cells
      .map((cell, i) => (i === 0 || i === 5 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  lines.push(
    `Fleet of ${input.tenants} tenants (one generated tenant stack: ${input.tenant.resources} resources; fleet stack: ${input.fleet.resources})`,
  );
  lines.push('');
  const quotaRows = quotaUsage(input).map((q) => [
    q.quota,
    q.perTenant,
    q.used.toLocaleString('en-US'),
    q.limit.toLocaleString('en-US'),
    `${((100 * q.used) / q.limit).toFixed(1)}%`,
    q.used <= q.limit
      ? 'ok'
      : typeof q.raise === 'number' && q.used <= q.raise
        ? `raise to ${q.raise.toLocaleString('en-US')} (documented)`
        : q.raise === 'adjustable'
          ? 'raise (adjustable)'
          : 'OVER (see README)',
  ]);
  const header = ['quota', 'per tenant', 'used', 'default quota', 'share', 'status'];
  const widths = header.map((_, c) => Math.max(...[header, ...quotaRows].map((r) => r[c]!.length)));
  lines.push(pad(header, widths), ...quotaRows.map((row) => pad(row, widths)));
  lines.push('');
  lines.push('Priced, no count quota:');
  for (const [item, tenants, fleet] of pricedCounts(input)) {
    lines.push(
      `  ${item}: ${tenants.toLocaleString('en-US')} for the tenants + ${fleet} for the fleet`,
    );
  }
  lines.push('');
  lines.push('Fixed monthly cost of an idle tenant (us-east-1 list prices):');
  const costs: CostLine[] = idleTenantCost(input);
  const itemWidth = Math.max(...costs.map((c) => c.item.length));
  for (const cost of costs) {
    lines.push(
      `  ${cost.item.padEnd(itemWidth)}  ${usd(cost.usd).padStart(8)}  ${cost.arithmetic}`,
    );
  }
  const total = costs.reduce((sum, cost) => sum + cost.usd, 0);
  lines.push(
    `  ${'total'.padEnd(itemWidth)}  ${usd(total).padStart(8)}  per tenant per month (${total < 1 ? 'under' : 'OVER'} $1.00)`,
  );
  return lines;
}

export function queryCommand(number: number, tenant?: string): string {
  const query = logQueries[number - 1];
  if (!query) throw new Error(`query must be 1 to ${logQueries.length}`);
  const text = new QueryString(query.query).toString();
  const source = tenant
    ? `SOURCE '${query.accessLog ? accessLogGroupName(tenant) : functionLogGroupName(tenant)}'`
    : `SOURCE logGroups(namePrefix: ['${query.accessLog ? ACCESS_LOG_PREFIX : FUNCTION_LOG_PREFIX}'])`;
  const full = `${source} | ${text}`;
  return `aws logs start-query --start-time $(date -d '-3 hours' +%s) --end-time $(date +%s) --query-string ${JSON.stringify(full)}`;
}

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenants: { type: 'string' },
      tenant: { type: 'string' },
      'no-bundles': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    console.log(HELP);
    return values.help ? 0 : 1;
  }
  if (command === 'plan') {
    const tenants = Number(values.tenants ?? '1000');
    if (!Number.isInteger(tenants) || tenants < 1)
      throw new Error('--tenants takes a positive integer');
    const progress = terminalProgress({ label: 'fleet plan' });
    const input = planInput(tenants, { bundles: !values['no-bundles'], progress });
    progress.stop();
    for (const line of formatPlan(input)) console.log(line);
    return 0;
  }
  if (command === 'query') {
    console.log(queryCommand(Number(arg), values.tenant));
    return 0;
  }
  throw new Error(`unknown command "${command}"`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`fleet: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
