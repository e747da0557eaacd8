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
import { telemetry } from '../../shared/config.js';
import { FunctionBundles } from '../bundles.js';
import { featureFlags } from '../feature-flags.js';
import {
  ACCESS_LOG_PREFIX,
  accessLogGroupName,
  FLEET_STACK_NAME,
  FUNCTION_LOG_PREFIX,
  functionLogGroupName,
} from '../fleet-names.js';
import {
  type CellInput,
  footprint,
  insightsQueries,
  type PlanInput,
  PROFILES,
  planCells,
  profileCost,
  querySpan,
  rateQuotas,
  type Template,
  total,
} from '../fleet-plan.js';
import { FleetStack } from '../fleet-stack.js';
import { logQueries } from '../log-queries.js';
import { noProgress, type Progress, terminalProgress } from '../progress.js';
import { ScimStack, scimStackName, tenantFunctionEntries } from '../scim-stack.js';
import { fleetCells, loadFleet, parseTenantConfig } from '../tenants.js';

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

/**
 * Synthesizes a full cell's fleet stack and one generated tenant (with the integration page, the
 * largest a tenant gets) and measures their footprint and every Metrics Insights query's span.
 */
export function planInput(
  tenants: number,
  options: { bundles: boolean; progress?: Progress },
): PlanInput {
  const progress = options.progress ?? noProgress;
  progress.step(`synthesizing a cell's fleet stack and a sample tenant`);
  const fleet = loadFleet();
  const env = { account: fleet.account, region: fleet.region };
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'fleet-plan-')),
    context: { ...featureFlags(), 'aws:cdk:bundling-stacks': [] },
  });
  const names = Array.from({ length: Math.min(tenants, 50) }, (_, i) => `tenant-${i + 1}`);
  new FleetStack(app, FLEET_STACK_NAME, { env, fleet, tenants: names });
  new ScimStack(app, scimStackName(SAMPLE_TENANT), {
    env,
    // Every optional function the design has (the integration page): the most a tenant uses.
    tenant: parseTenantConfig({
      name: SAMPLE_TENANT,
      entraTenantId: '00000000-0000-4000-8000-000000000000',
      entraAppId: '00000000-0000-4000-8000-000000000002',
      admin: { clientId: '00000000-0000-4000-8000-000000000001', role: 'appRole:Admin' },
      alarms: true,
      tokenKmsKeyArns: [
        'arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-4000-8000-000000000002',
      ],
    }),
    bundles: new FunctionBundles(tenantFunctionEntries, true),
  });
  const assembly = app.synth();
  const template = (stack: string) => assembly.getStackByName(stack).template as Template;
  const tenantTemplate = template(scimStackName(SAMPLE_TENANT));
  // The sample opts into its own alarms (the most a tenant has); a tenant's default has none.
  const tenant = { ...footprint(tenantTemplate), standardAlarmMetrics: 0 };
  const fleetTemplate = template(FLEET_STACK_NAME);
  const spans = [...insightsQueries(fleetTemplate), ...insightsQueries(tenantTemplate)].map((q) =>
    querySpan(q, tenant, telemetry.metricsNamespace),
  );
  const cells: CellInput[] = fleetCells(fleet);
  if (options.bundles) progress.step('bundling the functions to measure their code size');
  return {
    tenants,
    tenant,
    fleet: footprint(fleetTemplate),
    tenantCodeBytes: options.bundles ? codeBytes() : 0,
    spans,
    cells,
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

function table(rows: string[][], right: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

export function formatPlan(input: PlanInput): string[] {
  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  const cells = planCells(input);
  const lines: string[] = [
    `${n(input.tenants)} tenants need ${cells.length} cell(s) (one AWS account and region each, with its own fleet stack).`,
    `One generated tenant stack: ${input.tenant.resources} resources; fleet stack: ${input.fleet.resources}.`,
    '',
  ];
  lines.push(
    ...table(
      [
        ['cell', 'account/region', 'tenants', 'capacity', 'binding limit'],
        ...cells.map((c) => [
          c.cell.id,
          c.declared ? `${c.cell.account}/${c.cell.region}` : 'a new account or region',
          n(c.tenants),
          n(c.capacity.capacity),
          c.capacity.bindingNote,
        ]),
      ],
      new Set([2, 3]),
    ),
  );
  const full = cells[0]!;
  lines.push('', `Quotas of the fullest cell (${full.cell.id}, ${n(full.tenants)} tenants):`);
  lines.push(
    ...table(
      [
        ['quota', 'per tenant', 'used', 'quota', 'raisable', 'status'],
        ...full.quotas.map((q) => [
          q.quota.name + (q.quota.ambiguous ? ' *' : ''),
          q.perTenant % 1 === 0 ? String(q.perTenant) : q.perTenant.toFixed(1),
          n(q.used),
          n(q.quota.value),
          q.quota.raise === false
            ? 'no'
            : typeof q.quota.raise === 'number'
              ? `to ${n(q.quota.raise)}`
              : 'yes',
          q.status,
        ]),
      ],
      new Set([1, 2, 3]),
    ),
  );
  for (const q of full.quotas.filter((q) => q.quota.ambiguous))
    lines.push(`  * ${q.quota.name}: ${q.quota.ambiguous}`);
  lines.push('', 'Sources:');
  for (const q of full.quotas) lines.push(`  ${q.quota.name}: ${q.quota.source}`);
  lines.push('', 'Shared rates (no count; what the tenants need of them):');
  for (const r of rateQuotas) lines.push(`  ${r.name}: ${r.value}; ${r.need} (${r.source})`);
  lines.push(
    '',
    `Metrics Insights queries at a full cell (${n(full.capacity.capacity)} tenants; limits 10,000 metrics, 500 series):`,
  );
  for (const span of input.spans) {
    lines.push(
      `  ${n(span.metricsAt(full.capacity.capacity)).padStart(6)} metrics ${String(span.seriesAt(full.capacity.capacity)).padStart(4)} series  ${span.where}: ${span.query}`,
    );
  }
  lines.push(
    '',
    'Monthly cost per tenant and profile (us-east-1 list prices; cell share at full capacity):',
  );
  for (const profile of PROFILES) {
    const costs = profileCost(input, profile, full.capacity.capacity);
    lines.push(`  ${profile}: $${total(costs).toFixed(2)}`);
    const width = Math.max(...costs.map((c) => c.item.length));
    for (const cost of costs) {
      const usd = cost.usd > 0 && cost.usd < 0.01 ? cost.usd.toFixed(4) : cost.usd.toFixed(2);
      lines.push(
        `    ${cost.item.padEnd(width)}  $${usd.padStart(7)}  ${cost.arithmetic}  [${cost.source}]`,
      );
    }
  }
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
