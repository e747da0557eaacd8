/**
 * `npm run verify`: proves a deployed cell works. Against its canary tenant: a verification
 * credential, an access token, a short Entra cycle in both PATCH dialects, the change events on
 * the cell's verification queue, the requests in the reports, the revocation, the cell's alarms.
 * Against every selected tenant: the API answers and the functions run this build. One line per
 * check; exit code 1 when any check failed, 2 on a usage error.
 *
 * `--local` runs the same checks against `npm start` (see infra/verify/local.ts).
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createCredentialRegistry, MAX_CACHE_MS } from '../../shared/credentials/registry.js';
import { FLEET_STACK_NAME, functionLogGroupName, scimStackName } from '../fleet-names.js';
import { readServiceRecord } from '../local/service-record.js';
import {
  checkTenantInFleet,
  declaredTenants,
  loadFleet,
  loadTenant,
  type PlacedTenant,
  placeTenant,
} from '../tenants.js';
import {
  alarmsInAlarm,
  deployedBuildId,
  expectedFunctions,
  QueueFeedReader,
  stackOutputs,
} from '../verify/aws.js';
import { verifyCanary } from '../verify/canary.js';
import { type LocalService, localCanary } from '../verify/local.js';
import { CheckRun } from '../verify/report.js';
import { awsAggregationFix, TableReportItems } from '../verify/report-items.js';
import { verifyApiAnswers, verifyBuild } from '../verify/tenant-checks.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DEFAULT_ASSEMBLY = 'cdk.out/fleet-deploy';

const HELP = `Usage: npm run verify -- (--all | --tenants a,b,c) [options]
       npm run verify -- --local [--url <Tenant URL> …]

Proves a deployed cell works (docs/operator-guide.md §1). Against the canary
tenant of the cell ("canary": true in infra/tenants/): registers an OAuth client
with your AWS credentials, gets an access token from the token endpoint, plays a
short Entra cycle in both PATCH dialects, waits for its change events on the
cell's verification queue (fleet stack output VerificationQueueUrl), finds its
requests in the provisioning reports (the report items the aggregator writes in
the canary's table, read with your AWS credentials), revokes the client and sees
it refused within the registry's cache window, and checks that no alarm of the
cell (GroupTalkScim-*) is in ALARM. Against every selected tenant, without
touching its data: 401 without a token, the fallback's 404 for an unknown path,
and each function's BUILD_ID equal to the synthesized assembly's.

Options:
  --all | --tenants a,b,c   tenants checked (the canary is always checked unless --no-canary)
  --no-canary               only the per-tenant checks (a deploy batch's smoke check)
  --assembly <dir>          the synthesized fleet (default ${DEFAULT_ASSEMBLY})
  --revocation-window <s>   longest a revocation may take (default ${MAX_CACHE_MS / 1000})
  --feed-timeout <s>        how long to wait for the change events (default 120; --local 15)
  --reports-timeout <s>     how long to wait for the aggregated report items (default 60; --local 5)
  --local                   against npm start: its record (.local/service.json), or
    --url <Tenant URL> --token-endpoint <url> --dynamodb-endpoint <url> --table <name>
    --events-file <file>
  -h, --help                this help

Exit code: 0 every check passed, 1 a check failed (its line says what to do), 2 usage.`;

class UsageError extends Error {}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      all: { type: 'boolean', default: false },
      tenants: { type: 'string' },
      tenant: { type: 'string' },
      'no-canary': { type: 'boolean', default: false },
      assembly: { type: 'string', default: DEFAULT_ASSEMBLY },
      'revocation-window': { type: 'string' },
      'feed-timeout': { type: 'string' },
      'reports-timeout': { type: 'string' },
      local: { type: 'boolean', default: false },
      url: { type: 'string' },
      'token-endpoint': { type: 'string' },
      'dynamodb-endpoint': { type: 'string' },
      table: { type: 'string' },
      'events-file': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
}

type Options = ReturnType<typeof parse>;

function seconds(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`${flag} must be seconds`);
  return value * 1000;
}

async function localService(options: Options): Promise<LocalService> {
  const record = await readServiceRecord();
  const pick = (flag: keyof Options, field: keyof LocalService): string => {
    const value = (options[flag] as string | undefined) ?? record?.[field];
    if (typeof value !== 'string') {
      throw new UsageError(
        `--local needs a running npm start (no .local/service.json) or --${String(flag)}`,
      );
    }
    return value;
  };
  return {
    tenant: record?.tenant ?? 'local',
    tenantUrl: pick('url', 'tenantUrl'),
    tokenEndpoint:
      (options['token-endpoint'] as string | undefined) ??
      record?.tokenEndpoint ??
      new URL('/oauth2/token', pick('url', 'tenantUrl')).href,
    dynamodbEndpoint: pick('dynamodb-endpoint', 'dynamodbEndpoint'),
    tableName: pick('table', 'tableName'),
    eventsFile: pick('events-file', 'eventsFile'),
  };
}

async function verifyLocal(options: Options, run: CheckRun): Promise<void> {
  const service = await localService(options);
  console.log(`Verifying npm start at ${service.tenantUrl} (tenant ${service.tenant})`);
  const { target, close } = localCanary(service, {
    revocationWindowMs: seconds(options['revocation-window'], '--revocation-window', MAX_CACHE_MS),
    feedTimeoutMs: seconds(options['feed-timeout'], '--feed-timeout', 15_000),
    reportsTimeoutMs: seconds(options['reports-timeout'], '--reports-timeout', 5_000),
  });
  try {
    await verifyCanary(target, run);
    await verifyApiAnswers(run, `tenant ${service.tenant}`, service.tenantUrl);
    run.skip(
      `tenant ${service.tenant}: functions run this build`,
      'npm start runs the source itself; in AWS verify compares each BUILD_ID',
    );
  } finally {
    close();
  }
}

/** One cell (account and region) of the selection: its canaries and its tenants. */
interface Cell {
  readonly account: string;
  readonly region: string;
  readonly canaries: readonly PlacedTenant[];
  readonly tenants: readonly PlacedTenant[];
}

function cellsOf(selection: readonly PlacedTenant[], all: readonly PlacedTenant[]): Cell[] {
  const cells = new Map<string, Cell>();
  for (const tenant of selection) {
    const key = `${tenant.account}/${tenant.region}`;
    const cell = cells.get(key) ?? {
      account: tenant.account,
      region: tenant.region,
      canaries: all.filter(
        (t) => t.canary && t.account === tenant.account && t.region === tenant.region,
      ),
      tenants: [],
    };
    cells.set(key, { ...cell, tenants: [...cell.tenants, tenant] });
  }
  return [...cells.values()];
}

async function verifyAws(options: Options, run: CheckRun): Promise<void> {
  const names = options.all
    ? declaredTenants()
    : (options.tenants ?? options.tenant ?? '').split(',').filter(Boolean);
  if (names.length === 0) throw new UsageError('--all, --tenants a,b,c or --local is required');
  const fleet = loadFleet();
  const place = (name: string) => {
    const tenant = loadTenant(name);
    checkTenantInFleet(tenant, fleet);
    return placeTenant(tenant, fleet);
  };
  const all = declaredTenants().map(place);
  const selection = names.map(place);
  const revocationWindowMs = seconds(
    options['revocation-window'],
    '--revocation-window',
    MAX_CACHE_MS,
  );
  const feedTimeoutMs = seconds(options['feed-timeout'], '--feed-timeout', 120_000);
  const reportsTimeoutMs = seconds(options['reports-timeout'], '--reports-timeout', 60_000);
  for (const cell of cellsOf(selection, all)) {
    const { region } = cell;
    console.log(`Verifying cell ${cell.account}/${region}`);
    const cloudFormation = new CloudFormationClient({ region });
    const lambda = new LambdaClient({ region });
    if (!options['no-canary']) {
      const [canary] = cell.canaries;
      if (!canary) {
        run.record({
          name: `cell ${cell.account}/${region}: canary`,
          outcome: 'fail',
          detail: 'the cell has no canary tenant',
          fix: 'declare one ("canary": true in infra/tenants/<name>.json, a tenant GroupTalk owns) and deploy it',
        });
      } else {
        await verifyAwsCanary(
          canary,
          { cloudFormation, region, revocationWindowMs, feedTimeoutMs, reportsTimeoutMs },
          run,
        );
      }
    }
    for (const tenant of cell.tenants) {
      const stack = scimStackName(tenant.name);
      const outputs = await run.check(
        `tenant ${tenant.name}: stack outputs`,
        `deploy the tenant (npm run deploy -- --tenant ${tenant.name}) or check the AWS profile and region ${region}`,
        async () => {
          const values = await stackOutputs(cloudFormation, stack);
          if (!values.TenantUrl) throw new Error(`${stack} has no TenantUrl output`);
          return { detail: `${stack} found`, tenantUrl: values.TenantUrl };
        },
      );
      if (!outputs) continue;
      await verifyApiAnswers(run, `tenant ${tenant.name}`, outputs.tenantUrl);
      await verifyBuild(
        run,
        tenant.name,
        expectedFunctions(options.assembly as string, stack),
        deployedBuildId(lambda),
      );
    }
  }
}

async function verifyAwsCanary(
  canary: PlacedTenant,
  clients: {
    cloudFormation: CloudFormationClient;
    region: string;
    revocationWindowMs: number;
    feedTimeoutMs: number;
    reportsTimeoutMs: number;
  },
  run: CheckRun,
): Promise<void> {
  const { cloudFormation, region } = clients;
  const found = await run.check(
    `canary ${canary.name}: stack outputs`,
    `deploy the fleet stack and the canary first (npm run deploy -- --tenant ${canary.name})`,
    async () => {
      const tenant = await stackOutputs(cloudFormation, scimStackName(canary.name));
      const fleetOutputs = await stackOutputs(cloudFormation, FLEET_STACK_NAME);
      if (!tenant.TenantUrl || !tenant.TableName) {
        throw new Error(`${scimStackName(canary.name)} has no TenantUrl or TableName output`);
      }
      if (!fleetOutputs.VerificationQueueUrl) {
        throw new Error(
          `${FLEET_STACK_NAME} has no VerificationQueueUrl output: deploy the fleet stack of this build (it adds the queue for the cell's canaries)`,
        );
      }
      return {
        detail: `Tenant URL ${tenant.TenantUrl}`,
        tenantUrl: tenant.TenantUrl,
        tableName: tenant.TableName,
        queueUrl: fleetOutputs.VerificationQueueUrl,
      };
    },
  );
  if (!found) return;
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  try {
    await verifyCanary(
      {
        tenant: canary.name,
        tenantUrl: found.tenantUrl,
        tokenEndpoint:
          canary.tokenKmsKeyArns.length > 0
            ? new URL('/oauth2/token', found.tenantUrl).href
            : undefined,
        registry: createCredentialRegistry({ documents, tableName: found.tableName }),
        revocationWindowMs: clients.revocationWindowMs,
        feed: new QueueFeedReader(new SQSClient({ region }), found.queueUrl),
        feedTimeoutMs: clients.feedTimeoutMs,
        reports: new TableReportItems(
          documents,
          found.tableName,
          awsAggregationFix(canary.name, functionLogGroupName(canary.name), region),
        ),
        // A log line reaches the subscribed aggregator within seconds (CloudWatch Logs delivers
        // subscriptions in near real time); a minute covers a cold start and a retry.
        reportsTimeoutMs: clients.reportsTimeoutMs,
        alarmsInAlarm: () => alarmsInAlarm(new CloudWatchClient({ region })),
        operator: `npm run verify (${process.env.USER ?? 'operator'})`,
      },
      run,
    );
  } finally {
    documents.destroy();
  }
}

async function main(argv: string[]): Promise<number> {
  const options = parse(argv);
  if (options.help) {
    console.log(HELP);
    return 0;
  }
  const run = new CheckRun();
  if (options.local) await verifyLocal(options, run);
  else await verifyAws(options, run);
  const failed = run.failed;
  const skipped = run.results.filter((result) => result.outcome === 'skip').length;
  console.log(
    failed.length === 0
      ? `verify: all ${run.results.length - skipped} check(s) passed${skipped ? `, ${skipped} skipped` : ''}`
      : `verify: ${failed.length} of ${run.results.length} check(s) FAILED: ${failed.map((result) => result.name).join('; ')}`,
  );
  return failed.length === 0 ? 0 : 1;
}

main(process.argv.slice(2))
  .then((status) => {
    process.exitCode = status;
  })
  .catch((error: unknown) => {
    const usage =
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
    console.error(
      `verify: ${(error as Error).message}${usage ? '\nRun "npm run verify -- --help" for usage.' : ''}`,
    );
    process.exitCode = usage ? 2 : 1;
  });
