/**
 * The capacity model of the fleet (`npm run fleet -- plan --tenants N`): every quota a tenant or
 * a cell's fleet stack consumes, with its source, whether it can be raised and whether AWS's
 * documentation is ambiguous about it; each cell's capacity from the binding one; the span of
 * every Metrics Insights query at a full cell; and what a tenant costs a month in three
 * profiles, line by line. Counts come from synthesized templates; quotas and prices are AWS's
 * published defaults and us-east-1 list prices, each with the page it was read from.
 */

// biome-ignore lint/suspicious/noExplicitAny: template JSON is navigated by shape, as CloudFormation defines it
type Json = any;
export interface Template {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, Json> }>;
}

const src = {
  apigwRest:
    'https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html',
  apigwHttp: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html',
  apigwAccount: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html',
  iam: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html',
  cfn: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html',
  ddb: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html',
  ddbDesign:
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-table-design.html',
  logs: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html',
  logsInsights:
    'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatchLogs-Insights-Query-History.html',
  scheduler: 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html',
  eventbridge: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html',
  miLimits:
    'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html',
  miAlarms: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html',
  lambda: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
  kms: 'https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html',
  cwPricing: 'https://aws.amazon.com/cloudwatch/pricing/',
  apigwPricing: 'https://aws.amazon.com/api-gateway/pricing/',
  lambdaPricing: 'https://aws.amazon.com/lambda/pricing/',
  ddbPricing: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  ebPricing: 'https://aws.amazon.com/eventbridge/pricing/',
  kmsPricing: 'https://aws.amazon.com/kms/pricing/',
} as const;

/** What a quota counts, so the plan knows where a tenant's and the fleet's use come from. */
export type QuotaMeasure =
  | 'httpApis'
  | 'iamRoles'
  | 'stacks'
  | 'tables'
  | 'logGroups'
  | 'schedules'
  | 'busRules'
  | 'insightsAlarms'
  | 'queryMetrics'
  | 'querySeries'
  | 'codeBytes'
  | 'customDomains';

export interface Quota {
  readonly name: string;
  readonly value: number;
  readonly measure: QuotaMeasure;
  /** `false`: a hard limit, it binds a cell; a number: the documented raise; `true`: adjustable. */
  readonly raise: boolean | number;
  /** Set where AWS's own pages disagree or are silent about whether it applies. */
  readonly ambiguous?: string;
  readonly source: string;
}

/** Every count quota a tenant or a cell's fleet stack consumes, per account and region. */
export const quotas: readonly Quota[] = [
  {
    name: 'Regional APIs per region (HTTP APIs)',
    value: 600,
    measure: 'httpApis',
    raise: false,
    ambiguous:
      'listed "600, not adjustable" in the REST API table; the HTTP API table lists no API count but its best practice says to delete unused APIs "to reduce the number of APIs per Region": planned as binding',
    source: `${src.apigwRest} ; ${src.apigwHttp}`,
  },
  {
    name: 'Metrics Insights metrics per query',
    value: 10_000,
    measure: 'queryMetrics',
    raise: false,
    source: `${src.miLimits} ; ${src.miAlarms} (PARTIAL_DATA beyond)`,
  },
  {
    name: 'Metrics Insights series per query',
    value: 500,
    measure: 'querySeries',
    raise: false,
    source: src.miLimits,
  },
  {
    name: 'Metrics Insights alarms per region',
    value: 200,
    measure: 'insightsAlarms',
    raise: true,
    source: src.miAlarms,
  },
  {
    name: 'EventBridge rules per event bus',
    value: 300,
    measure: 'busRules',
    raise: true,
    source: src.eventbridge,
  },
  {
    name: 'IAM roles per account (all regions)',
    value: 1_000,
    measure: 'iamRoles',
    raise: 5_000,
    source: src.iam,
  },
  {
    name: 'CloudFormation stacks per region',
    value: 2_000,
    measure: 'stacks',
    raise: true,
    source: src.cfn,
  },
  {
    name: 'DynamoDB tables per region',
    value: 2_500,
    measure: 'tables',
    raise: 10_000,
    source: `${src.ddb} ; ${src.ddbDesign} (not above 10,000)`,
  },
  {
    name: 'CloudWatch Logs log groups per region',
    value: 1_000_000,
    measure: 'logGroups',
    raise: true,
    source: src.logs,
  },
  {
    name: 'EventBridge Scheduler schedules per region',
    value: 1_000_000,
    measure: 'schedules',
    raise: true,
    source: src.scheduler,
  },
  {
    name: 'Lambda code storage per region (MB)',
    value: 75 * 1024,
    measure: 'codeBytes',
    raise: true,
    source: src.lambda,
  },
  {
    name: 'API Gateway custom domains (if every tenant had one)',
    value: 120,
    measure: 'customDomains',
    raise: true,
    source: src.apigwHttp,
  },
];

/**
 * Rates and concurrency that are shared per account and region but hold no resource count: the
 * plan prints them with what a cell's tenants need of them.
 */
export const rateQuotas = [
  {
    name: 'Lambda concurrent executions',
    value: '1,000 (adjustable)',
    need: "each tenant's throttling bounds its share (burstLimit + rateLimit × 10 s), see README",
    source: src.lambda,
  },
  {
    name: 'API Gateway throttle per account and region',
    value: '10,000 requests/s (adjustable)',
    need: 'a connected idle tenant sends 2 requests per 40 minutes',
    source: src.apigwAccount,
  },
  {
    name: 'CloudWatch Logs Insights concurrent queries per account',
    value: '100, dashboards included',
    need: 'report pages (issue 19 item 4) queue their queries behind this',
    source: src.logsInsights,
  },
  {
    name: 'EventBridge PutEvents per region',
    value: 'us-east-1 10,000/s, us-east-2 2,400/s (per region, adjustable)',
    need: 'about 1 call/s per tenant in an initial cycle (10 events a call)',
    source: src.eventbridge,
  },
  {
    name: 'KMS cryptographic operations (ECC) per account and region',
    value: 'per-key-type shared rate, adjustable (the ECC figure was not read in this session)',
    need: 'one kms:Sign per token request: a connected tenant asks once per 40 minutes',
    source: src.kms,
  },
] as const;

/**
 * What one tenant adds at most to the hard quotas, declared so `npm run tenant -- add` can place
 * a tenant without synthesizing; `test/infra/fleet-plan.test.ts` checks the synthesized
 * templates against these.
 */
export const PLANNED_TENANT = { httpApis: 1, queryMetrics: 10 } as const;

/** us-east-1 list prices (USD) with the page each was read from. */
export const prices = {
  alarmMetricMonth: { usd: 0.1, source: src.cwPricing },
  insightsAlarmMetricMonth: { usd: 0.1, source: src.cwPricing },
  dashboardMonth: { usd: 3.0, source: src.cwPricing },
  customMetricMonth: { usd: 0.3, source: src.cwPricing },
  logsIngestPerGb: { usd: 0.5, source: src.cwPricing },
  logsStoragePerGbMonth: { usd: 0.03, source: src.cwPricing },
  httpApiPerMillion: { usd: 1.0, source: src.apigwPricing },
  schedulerPerMillion: { usd: 1.0, source: src.ebPricing },
  putEventsPerMillion: { usd: 1.0, source: src.ebPricing },
  lambdaRequestsPerMillion: { usd: 0.2, source: src.lambdaPricing },
  lambdaArmGbSecond: { usd: 0.000_013_333_4, source: src.lambdaPricing },
  dynamodbReadsPerMillion: { usd: 0.125, source: src.ddbPricing },
  dynamodbWritesPerMillion: { usd: 0.625, source: src.ddbPricing },
  dynamodbStorageGbMonth: { usd: 0.25, source: src.ddbPricing },
  dynamodbPitrGbMonth: { usd: 0.2, source: src.ddbPricing },
  kmsKeyMonth: { usd: 1.0, source: src.kmsPricing },
  /** Asymmetric (Sign) requests; the highest per-request KMS price, taken as an upper bound. */
  kmsAsymmetricPer10k: { usd: 0.15, source: src.kmsPricing },
} as const;
type PriceName = keyof typeof prices;

const MONTH_MINUTES = 30 * 24 * 60;
/** Entra's provisioning cycle: every 40 minutes (entra-scim-facts §3.4, S-DEV). */
export const CYCLE_MINUTES = 40;
export const CYCLES_PER_MONTH = MONTH_MINUTES / CYCLE_MINUTES;

export interface Footprint {
  readonly resources: number;
  readonly iamRoles: number;
  readonly logGroups: number;
  readonly schedules: number;
  readonly rules: number;
  readonly tables: number;
  readonly standardAlarmMetrics: number;
  readonly insightsAlarms: number;
  readonly dashboards: number;
  readonly functions: number;
  readonly streamFunctions: number;
  readonly httpApis: number;
  readonly customDomains: number;
  readonly kmsKeys: number;
  readonly scheduleRatesPerMonth: number;
  readonly sweeperMemoryMb: number;
  readonly requestMemoryMb: number;
  /** Distinct DynamoDB data-plane actions the tenant's roles may call (metric `Operation`s). */
  readonly tableOperations: number;
  /** Custom metrics its metric filters write: `name|dimension,…`. */
  readonly filterMetrics: readonly string[];
}

function ofType(template: Template, type: string) {
  return Object.values(template.Resources).filter((resource) => resource.Type === type);
}

function insightsExpressions(alarm: { Properties?: Record<string, Json> }): string[] {
  return ((alarm.Properties?.Metrics as Json[] | undefined) ?? [])
    .map((m) => String(m.Expression ?? ''))
    .filter((e) => e.startsWith('SELECT'));
}

/** Counts what a synthesized template holds of each quota-bound resource. */
export function footprint(template: Template): Footprint {
  const alarms = ofType(template, 'AWS::CloudWatch::Alarm');
  const insights = alarms.filter((alarm) => insightsExpressions(alarm).length > 0);
  const standardAlarmMetrics = alarms
    .filter((alarm) => !insights.includes(alarm))
    .reduce(
      (sum, alarm) =>
        sum +
        ((alarm.Properties?.Metrics as Json[] | undefined)?.filter((m) => m.MetricStat).length ??
          1),
      0,
    );
  const schedules = ofType(template, 'AWS::Scheduler::Schedule');
  const scheduleRatesPerMonth = schedules.reduce((sum, schedule) => {
    const match = /^rate\((\d+) minutes?\)$/.exec(schedule.Properties?.ScheduleExpression ?? '');
    return sum + (match ? MONTH_MINUTES / Number(match[1]) : 0);
  }, 0);
  const functions = ofType(template, 'AWS::Lambda::Function');
  const named = (suffix: string) =>
    functions.find((fn) => String(fn.Properties?.FunctionName ?? '').endsWith(suffix));
  const actions = new Set<string>();
  for (const policy of ofType(template, 'AWS::IAM::Policy')) {
    for (const statement of policy.Properties?.PolicyDocument?.Statement ?? []) {
      for (const action of [statement.Action].flat()) {
        if (
          typeof action === 'string' &&
          /^dynamodb:(?!Describe|List|GetRecords|GetShard)/.test(action)
        )
          actions.add(action);
      }
    }
  }
  const filterMetrics = new Set<string>();
  for (const filter of ofType(template, 'AWS::Logs::MetricFilter')) {
    for (const t of filter.Properties?.MetricTransformations ?? []) {
      const dims = ((t.Dimensions as Json[] | undefined) ?? []).map((d) => d.Key).sort();
      filterMetrics.add(`${t.MetricName}|${dims.join(',')}`);
    }
  }
  return {
    resources: Object.keys(template.Resources).length,
    iamRoles: ofType(template, 'AWS::IAM::Role').length,
    logGroups: ofType(template, 'AWS::Logs::LogGroup').length,
    schedules: schedules.length,
    rules: ofType(template, 'AWS::Events::Rule').length,
    tables: ofType(template, 'AWS::DynamoDB::Table').length,
    standardAlarmMetrics,
    insightsAlarms: insights.length,
    dashboards: ofType(template, 'AWS::CloudWatch::Dashboard').length,
    functions: functions.length,
    streamFunctions: ofType(template, 'AWS::Lambda::EventSourceMapping').length,
    httpApis: ofType(template, 'AWS::ApiGatewayV2::Api').length,
    customDomains: ofType(template, 'AWS::ApiGatewayV2::DomainName').length,
    kmsKeys: ofType(template, 'AWS::KMS::Key').length,
    scheduleRatesPerMonth,
    sweeperMemoryMb: Number(named('-sweepMemberships')?.Properties?.MemorySize ?? 0),
    requestMemoryMb: Number(named('-listUsers')?.Properties?.MemorySize ?? 0),
    tableOperations: actions.size,
    filterMetrics: [...filterMetrics].sort(),
  };
}

/** Every Metrics Insights query of a template: its alarms' and its dashboards' widgets'. */
export function insightsQueries(template: Template): { where: string; query: string }[] {
  const found: { where: string; query: string }[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      for (const query of insightsExpressions(resource))
        found.push({ where: `alarm ${resource.Properties?.AlarmName ?? id}`, query });
    }
    if (resource.Type === 'AWS::CloudWatch::Dashboard') {
      const raw = resource.Properties?.DashboardBody;
      // Fn::Join of strings and tokens (region, alarm ARNs): tokens become a placeholder.
      const body =
        typeof raw === 'string'
          ? raw
          : (raw['Fn::Join'][1] as Json[]).map((p) => (typeof p === 'string' ? p : 'X')).join('');
      const visit = (node: Json) => {
        if (Array.isArray(node)) node.forEach(visit);
        else if (node && typeof node === 'object') {
          if (typeof node.expression === 'string' && node.expression.startsWith('SELECT'))
            found.push({
              where: `dashboard ${resource.Properties?.DashboardName ?? id}`,
              query: node.expression,
            });
          Object.values(node).forEach(visit);
        }
      };
      visit(JSON.parse(body));
    }
  }
  return found;
}

export interface QuerySpan {
  readonly where: string;
  readonly query: string;
  /** Metrics the query matches per tenant, and for the cell whatever the tenants. */
  readonly perTenant: number;
  readonly fixed: number;
  /** The series it returns at most (its GROUP BY's groups, capped by LIMIT, at most 500). */
  readonly seriesAt: (tenants: number) => number;
  readonly metricsAt: (tenants: number) => number;
}

const QUERY =
  /^SELECT \w+\(("?)([^")]+)\1\) FROM SCHEMA\("?([^",)]+)"?((?:, *[\w]+)*)\)(?: WHERE .*?)?(?: GROUP BY ([\w, ]+?))?(?: ORDER BY \w+\(\) (?:DESC|ASC))?(?: LIMIT (\d+))?$/;

/**
 * How many metrics a Metrics Insights query matches, from what a tenant's template creates:
 * a query without SCHEMA or of a namespace the service does not write to is refused, so a new
 * query must be taught here before it ships.
 */
export function querySpan(
  entry: { where: string; query: string },
  tenant: Footprint,
  customNamespace: string,
): QuerySpan {
  const match = QUERY.exec(entry.query);
  if (!match)
    throw new Error(`cannot size the Metrics Insights query of ${entry.where}: ${entry.query}`);
  const [, , metric, namespace, dimList, groupBy, limit] = match;
  const dims = (dimList ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
    .sort()
    .join(',');
  let perTenant: number;
  let fixed = 0;
  if (namespace === customNamespace && dims === 'operation,service') {
    // EMF metrics by operation: one per operation for the whole cell, whatever the tenants.
    fixed = tenant.functions;
    perTenant = 0;
  } else if (namespace === customNamespace) {
    perTenant = tenant.filterMetrics.filter((m) => m === `${metric}|${dims}`).length;
  } else if (namespace === 'AWS/Lambda' && dims === 'FunctionName') {
    perTenant = metric === 'IteratorAge' ? tenant.streamFunctions : tenant.functions;
  } else if (namespace === 'AWS/ApiGateway' && dims === 'ApiId') {
    perTenant = tenant.httpApis;
  } else if (namespace === 'AWS/DynamoDB' && dims === 'Operation,TableName') {
    perTenant = tenant.tables * tenant.tableOperations;
  } else if (namespace === 'AWS/DynamoDB' && dims === 'TableName') {
    perTenant = tenant.tables;
  } else {
    throw new Error(`no metric count for ${namespace} by ${dims} (${entry.where})`);
  }
  const cap = Math.min(Number(limit ?? 500), 500);
  const metricsAt = (tenants: number) => perTenant * tenants + fixed;
  return {
    where: entry.where,
    query: entry.query,
    perTenant,
    fixed,
    metricsAt,
    seriesAt: (tenants: number) => (groupBy ? Math.min(metricsAt(tenants), cap) : 1),
  };
}

export interface CellInput {
  readonly id: string;
  readonly account?: string;
  readonly region?: string;
  /** APIs of the account and region that are not tenants'. */
  readonly otherApis: number;
}

export interface PlanInput {
  readonly tenants: number;
  readonly tenant: Footprint;
  readonly fleet: Footprint;
  /** Zipped size of every function package of one tenant (bytes). */
  readonly tenantCodeBytes: number;
  readonly spans: readonly QuerySpan[];
  /** The declared cells, filled in order; more are planned like the last when N needs them. */
  readonly cells: readonly CellInput[];
}

interface Use {
  readonly perTenant: number;
  readonly fleet: number;
  /** Taken off the quota for what the account holds besides this service. */
  readonly reserved: number;
}

function useOf(quota: Quota, input: PlanInput, cell: CellInput): Use {
  const { tenant, fleet } = input;
  const widest = input.spans.reduce((a, b) => (b.perTenant > a.perTenant ? b : a), input.spans[0]!);
  switch (quota.measure) {
    case 'httpApis':
      return { perTenant: tenant.httpApis, fleet: fleet.httpApis, reserved: cell.otherApis };
    case 'queryMetrics':
      return { perTenant: widest.perTenant, fleet: widest.fixed, reserved: 0 };
    case 'querySeries':
      // GROUP BY … LIMIT: a query returns at most its LIMIT whatever the tenants.
      return {
        perTenant: 0,
        fleet: Math.max(...input.spans.map((s) => s.seriesAt(1e6))),
        reserved: 0,
      };
    case 'insightsAlarms':
      return { perTenant: tenant.insightsAlarms, fleet: fleet.insightsAlarms, reserved: 0 };
    case 'busRules':
      // Consumers add one rule each, selecting tenants in the pattern: none per tenant.
      return { perTenant: 0, fleet: fleet.rules, reserved: 0 };
    case 'iamRoles':
      return { perTenant: tenant.iamRoles, fleet: fleet.iamRoles, reserved: 0 };
    case 'stacks':
      return { perTenant: 1, fleet: 1, reserved: 0 };
    case 'tables':
      return { perTenant: tenant.tables, fleet: fleet.tables, reserved: 0 };
    case 'logGroups':
      return { perTenant: tenant.logGroups, fleet: fleet.logGroups, reserved: 0 };
    case 'schedules':
      return { perTenant: tenant.schedules, fleet: fleet.schedules, reserved: 0 };
    case 'codeBytes':
      return { perTenant: input.tenantCodeBytes / 1024 ** 2, fleet: 0, reserved: 0 };
    case 'customDomains':
      return { perTenant: 1, fleet: 0, reserved: 0 };
  }
}

/** The most tenants a quota lets a cell hold (Infinity when tenants use none of it). */
function room(quota: Quota, use: Use, value = quota.value): number {
  if (use.perTenant === 0) return use.fleet + use.reserved <= value ? Infinity : 0;
  return Math.max(0, Math.floor((value - use.fleet - use.reserved) / use.perTenant));
}

export interface CellCapacity {
  readonly capacity: number;
  readonly binding: Quota;
  readonly bindingNote: string;
}

/** A cell's capacity: the fewest tenants any hard (not raisable) quota allows. */
export function cellCapacity(input: PlanInput, cell: CellInput): CellCapacity {
  let best: CellCapacity | undefined;
  for (const quota of quotas.filter((q) => q.raise === false)) {
    const use = useOf(quota, input, cell);
    const capacity = room(quota, use);
    if (!best || capacity < best.capacity) {
      const reserved = use.reserved ? ` − ${use.reserved} other APIs` : '';
      const fleet = use.fleet ? ` − ${use.fleet} of the fleet` : '';
      best = {
        capacity,
        binding: quota,
        bindingNote: `${quota.name}: (${quota.value.toLocaleString('en-US')}${reserved}${fleet}) / ${use.perTenant} per tenant`,
      };
    }
  }
  return best!;
}

/** `cellCapacity` without a synthesis, from `PLANNED_TENANT` (for `npm run tenant -- add`). */
export function plannedCellCapacity(cell: { otherApis: number }): CellCapacity {
  const none = {} as Footprint;
  const planned: PlanInput = {
    tenants: 0,
    tenant: { ...none, httpApis: PLANNED_TENANT.httpApis } as Footprint,
    fleet: { ...none, httpApis: 0 } as Footprint,
    tenantCodeBytes: 0,
    spans: [
      {
        where: 'planned',
        query: '',
        perTenant: PLANNED_TENANT.queryMetrics,
        fixed: 0,
        metricsAt: (n) => n * PLANNED_TENANT.queryMetrics,
        seriesAt: () => 100,
      },
    ],
    cells: [],
  };
  return cellCapacity(planned, { id: 'planned', otherApis: cell.otherApis });
}

export interface QuotaLine {
  readonly quota: Quota;
  readonly perTenant: number;
  readonly used: number;
  /** `ok`, or the raise this cell needs (`raise to 5,000 (documented)`, `raise (adjustable)`). */
  readonly status: string;
}

export interface PlannedCell {
  readonly cell: CellInput;
  readonly declared: boolean;
  readonly tenants: number;
  readonly capacity: CellCapacity;
  readonly quotas: readonly QuotaLine[];
}

/** N tenants in cells: the declared ones filled in order, then more like the last. */
export function planCells(input: PlanInput): PlannedCell[] {
  const planned: PlannedCell[] = [];
  let left = input.tenants;
  for (let i = 0; left > 0 || i === 0; i++) {
    const declared = i < input.cells.length;
    const template = input.cells[Math.min(i, input.cells.length - 1)]!;
    const cell: CellInput = declared
      ? template
      : { id: `cell-${i + 1} (to declare)`, otherApis: template.otherApis };
    const capacity = cellCapacity(input, cell);
    if (capacity.capacity < 1)
      throw new Error(`cell ${cell.id} holds no tenant: ${capacity.bindingNote}`);
    const tenants = Math.min(left, capacity.capacity);
    left -= tenants;
    planned.push({
      cell,
      declared,
      tenants,
      capacity,
      quotas: quotas.map((quota) => {
        const use = useOf(quota, input, cell);
        const used = Math.round(use.perTenant * tenants + use.fleet + use.reserved);
        const status =
          used <= quota.value
            ? 'ok'
            : typeof quota.raise === 'number' && used <= quota.raise
              ? `raise to ${quota.raise.toLocaleString('en-US')} (documented)`
              : quota.raise === true
                ? 'raise (adjustable)'
                : 'OVER';
        return { quota, perTenant: use.perTenant, used, status };
      }),
    });
  }
  return planned;
}

export interface CostLine {
  readonly item: string;
  readonly arithmetic: string;
  readonly usd: number;
  readonly source: string;
}

/** One request as the plan prices it: measured locally where stated in README, else assumed. */
export interface RequestProfile {
  readonly label: string;
  readonly durationMs: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly kmsSigns: number;
  /** Function log (request line, START/END/REPORT) plus the access-log line. */
  readonly logBytes: number;
}

export const requestProfiles = {
  token: {
    label: 'token request',
    durationMs: 150,
    readUnits: 2,
    writeUnits: 1,
    kmsSigns: 1,
    logBytes: 1_600,
  },
  lookup: {
    label: 'Test-Connection-like lookup',
    durationMs: 60,
    readUnits: 3,
    writeUnits: 0,
    kmsSigns: 0,
    logBytes: 1_600,
  },
  create: {
    label: 'user create (GET filter + POST)',
    durationMs: 120,
    readUnits: 4,
    writeUnits: 10,
    kmsSigns: 0,
    logBytes: 3_200,
  },
  change: {
    label: 'user change (GET filter + PATCH)',
    durationMs: 120,
    readUnits: 4,
    writeUnits: 4,
    kmsSigns: 0,
    logBytes: 3_200,
  },
} as const satisfies Record<string, RequestProfile>;

/**
 * What the report aggregator (`functions/reports/aggregate.ts`) costs per SCIM request it counts:
 * the request item and its hour's update in one transaction (transactional writes cost twice),
 * one history item per identifier named and a probe or failure item (about six write units; see
 * `shared/store/reports.ts`), and per invocation its own START/END/REPORT log lines. A delivery
 * of the subscription filter carries the lines of a moment: one per idle cycle, many requests per
 * delivery in a busy cycle (assumed ten).
 */
export const aggregatorRun = {
  durationMs: 100,
  writeUnitsPerRequest: 6,
  logBytes: 500,
  requestsPerDelivery: { idle: 1, busy: 10 },
} as const;

/** The aggregator's cost for `requests` SCIM requests delivered `perDelivery` at a time. */
function aggregationLines(
  what: string,
  requests: number,
  perDelivery: number,
  memoryMb: number,
): CostLine[] {
  const runs = Math.ceil(requests / perDelivery);
  const gbs = (runs * aggregatorRun.durationMs * memoryMb) / 1000 / 1024;
  const writes = requests * aggregatorRun.writeUnitsPerRequest;
  const logGb = (runs * aggregatorRun.logBytes) / 1024 ** 3;
  return [
    line(
      `${what}: report aggregator Lambda`,
      `${runs.toLocaleString('en-US')} × $${p('lambdaRequestsPerMillion')}/M + ${gbs.toFixed(1)} GB-s × $${p('lambdaArmGbSecond')}`,
      (runs * p('lambdaRequestsPerMillion')) / 1e6 + gbs * p('lambdaArmGbSecond'),
      'lambdaRequestsPerMillion',
      'lambdaArmGbSecond',
    ),
    line(
      `${what}: report items`,
      `${requests.toLocaleString('en-US')} requests × ${aggregatorRun.writeUnitsPerRequest} WRU × $${p('dynamodbWritesPerMillion')}/M`,
      (writes * p('dynamodbWritesPerMillion')) / 1e6,
      'dynamodbWritesPerMillion',
    ),
    line(
      `${what}: report aggregator logs`,
      `${runs.toLocaleString('en-US')} × ${aggregatorRun.logBytes} B × ($${p('logsIngestPerGb')} + $${p('logsStoragePerGbMonth')})/GB`,
      logGb * (p('logsIngestPerGb') + p('logsStoragePerGbMonth')),
      'logsIngestPerGb',
      'logsStoragePerGbMonth',
    ),
  ];
}

/** What the sweeper does per run, idle (measured locally: see README). */
export const sweeperRun = { durationMs: 200, readUnits: 1, logBytes: 700 } as const;

function line(item: string, arithmetic: string, usd: number, ...priceNames: PriceName[]): CostLine {
  return {
    item,
    arithmetic,
    usd,
    source: [...new Set(priceNames.map((p) => prices[p].source))].join(' ; '),
  };
}
const p = (name: PriceName) => prices[name].usd;

/** What `count` requests of one profile cost: API, Lambda, DynamoDB, KMS, logs. */
function requestLines(
  what: string,
  count: number,
  r: RequestProfile,
  memoryMb: number,
  requestsEach = 1,
): CostLine[] {
  const requests = count * requestsEach;
  const gbs = (requests * r.durationMs * memoryMb) / 1000 / 1024;
  const logGb = (count * r.logBytes) / 1024 ** 3;
  const lines = [
    line(
      `${what}: API Gateway`,
      `${requests.toLocaleString('en-US')} requests × $${p('httpApiPerMillion')}/M`,
      (requests * p('httpApiPerMillion')) / 1e6,
      'httpApiPerMillion',
    ),
    line(
      `${what}: Lambda`,
      `${requests.toLocaleString('en-US')} × $${p('lambdaRequestsPerMillion')}/M + ${requests.toLocaleString('en-US')} × ${r.durationMs} ms × ${memoryMb} MB = ${gbs.toFixed(1)} GB-s × $${p('lambdaArmGbSecond')}`,
      (requests * p('lambdaRequestsPerMillion')) / 1e6 + gbs * p('lambdaArmGbSecond'),
      'lambdaRequestsPerMillion',
      'lambdaArmGbSecond',
    ),
    line(
      `${what}: DynamoDB`,
      `${count.toLocaleString('en-US')} × (${r.readUnits} RRU × $${p('dynamodbReadsPerMillion')}/M + ${r.writeUnits} WRU × $${p('dynamodbWritesPerMillion')}/M)`,
      (count *
        (r.readUnits * p('dynamodbReadsPerMillion') +
          r.writeUnits * p('dynamodbWritesPerMillion'))) /
        1e6,
      'dynamodbReadsPerMillion',
      'dynamodbWritesPerMillion',
    ),
    line(
      `${what}: logs`,
      `${count.toLocaleString('en-US')} × ${r.logBytes} B = ${(logGb * 1024).toFixed(2)} MB × ($${p('logsIngestPerGb')} + $${p('logsStoragePerGbMonth')})/GB`,
      logGb * (p('logsIngestPerGb') + p('logsStoragePerGbMonth')),
      'logsIngestPerGb',
      'logsStoragePerGbMonth',
    ),
  ];
  if (r.kmsSigns > 0) {
    lines.push(
      line(
        `${what}: KMS Sign`,
        `${(count * r.kmsSigns).toLocaleString('en-US')} × $${p('kmsAsymmetricPer10k')}/10k`,
        (count * r.kmsSigns * p('kmsAsymmetricPer10k')) / 1e4,
        'kmsAsymmetricPer10k',
      ),
    );
  }
  return lines;
}

export type Profile = 'never connected' | 'connected and idle' | 'active';
export const PROFILES: readonly Profile[] = ['never connected', 'connected and idle', 'active'];

/** An active tenant: a 10,000-user initial cycle, then 1% of its users changed a day. */
export const activeProfile = {
  users: 10_000,
  changedPerDay: 0.01,
  userBytes: 2_048,
  eventBytes: 2_048,
} as const;

/**
 * A tenant's month in one profile, line by line, with the cell's fixed cost shared by the
 * tenants of a full cell (`tenantsInCell`).
 */
export function profileCost(input: PlanInput, profile: Profile, tenantsInCell: number): CostLine[] {
  const { tenant, fleet } = input;
  const runs = tenant.scheduleRatesPerMonth;
  const sweepGbs = runs * (sweeperRun.durationMs / 1000) * (tenant.sweeperMemoryMb / 1024);
  const sweepLogGb = (runs * sweeperRun.logBytes) / 1024 ** 3;
  // The EMF metrics by operation (3 each) are the cell's, whatever its tenants.
  const emfMetrics = 3 * tenant.functions;
  const cellFixed =
    fleet.dashboards * p('dashboardMonth') +
    fleet.standardAlarmMetrics * p('alarmMetricMonth') +
    fleet.kmsKeys * p('kmsKeyMonth') +
    emfMetrics * p('customMetricMonth');
  const lines: CostLine[] = [
    line(
      'tenant alarms, dashboards, KMS keys',
      `${tenant.standardAlarmMetrics} alarm metrics, ${tenant.dashboards} dashboards, ${tenant.kmsKeys} keys`,
      tenant.standardAlarmMetrics * p('alarmMetricMonth') +
        tenant.dashboards * p('dashboardMonth') +
        tenant.kmsKeys * p('kmsKeyMonth'),
      'alarmMetricMonth',
      'dashboardMonth',
      'kmsKeyMonth',
    ),
    line(
      'sweeper schedule runs',
      `${runs} runs × $${p('schedulerPerMillion')}/M`,
      (runs * p('schedulerPerMillion')) / 1e6,
      'schedulerPerMillion',
    ),
    line(
      'sweeper Lambda',
      `${runs} × $${p('lambdaRequestsPerMillion')}/M + ${runs} × ${sweeperRun.durationMs} ms × ${tenant.sweeperMemoryMb} MB = ${sweepGbs.toFixed(0)} GB-s × $${p('lambdaArmGbSecond')}`,
      (runs * p('lambdaRequestsPerMillion')) / 1e6 + sweepGbs * p('lambdaArmGbSecond'),
      'lambdaRequestsPerMillion',
      'lambdaArmGbSecond',
    ),
    line(
      'sweeper table reads',
      `${runs} × ${sweeperRun.readUnits} RRU × $${p('dynamodbReadsPerMillion')}/M`,
      (runs * sweeperRun.readUnits * p('dynamodbReadsPerMillion')) / 1e6,
      'dynamodbReadsPerMillion',
    ),
    line(
      'sweeper logs',
      `${runs} × ${sweeperRun.logBytes} B = ${(sweepLogGb * 1024).toFixed(1)} MB × ($${p('logsIngestPerGb')} + $${p('logsStoragePerGbMonth')})/GB`,
      sweepLogGb * (p('logsIngestPerGb') + p('logsStoragePerGbMonth')),
      'logsIngestPerGb',
      'logsStoragePerGbMonth',
    ),
    line(
      'custom metrics of the tenant',
      '0: no metric has a tenant dimension on the token or lookup path; the 5xx/4xx filters write only on errors',
      0,
      'customMetricMonth',
    ),
    line(
      'Metrics Insights alarm metrics',
      '0 while it has no error and no change-feed batch',
      0,
      'insightsAlarmMetricMonth',
    ),
    line(
      'cell share',
      `(${fleet.dashboards} dashboard × $${p('dashboardMonth')} + ${fleet.standardAlarmMetrics} alarm metrics × $${p('alarmMetricMonth')} + ${fleet.kmsKeys} KMS keys × $${p('kmsKeyMonth')} + ${emfMetrics} EMF metrics by operation × $${p('customMetricMonth')}) / ${tenantsInCell} tenants`,
      cellFixed / tenantsInCell,
      'dashboardMonth',
      'alarmMetricMonth',
      'kmsKeyMonth',
      'customMetricMonth',
    ),
  ];
  if (profile === 'never connected') return lines;
  const mem = tenant.requestMemoryMb;
  lines.push(
    ...requestLines(
      `${CYCLES_PER_MONTH} cycles, token`,
      CYCLES_PER_MONTH,
      requestProfiles.token,
      mem,
    ),
    ...requestLines(
      `${CYCLES_PER_MONTH} cycles, lookup`,
      CYCLES_PER_MONTH,
      requestProfiles.lookup,
      mem,
    ),
    // The token request is not a SCIM line: only the lookup reaches the aggregator.
    ...aggregationLines(
      `${CYCLES_PER_MONTH} cycles`,
      CYCLES_PER_MONTH,
      aggregatorRun.requestsPerDelivery.idle,
      mem,
    ),
  );
  if (profile === 'connected and idle') return lines;
  const { users, changedPerDay, userBytes, eventBytes } = activeProfile;
  const changes = Math.round(users * changedPerDay * 30);
  const events = users + changes;
  const storageGb = (users * userBytes) / 1024 ** 3;
  const eventGb = (events * eventBytes) / 1024 ** 3;
  lines.push(
    ...requestLines(
      `initial cycle, ${users.toLocaleString('en-US')} users`,
      users,
      requestProfiles.create,
      mem,
      2,
    ),
    ...requestLines(
      `${changes.toLocaleString('en-US')} changes (1%/day)`,
      changes,
      requestProfiles.change,
      mem,
      2,
    ),
    ...aggregationLines(
      'initial cycle and changes',
      2 * (users + changes),
      aggregatorRun.requestsPerDelivery.busy,
      mem,
    ),
    line(
      'change feed events',
      `${events.toLocaleString('en-US')} PutEvents entries × $${p('putEventsPerMillion')}/M (+ archive, ${(eventGb * 1024).toFixed(0)} MB)`,
      (events * p('putEventsPerMillion')) / 1e6 + eventGb * 0.1,
      'putEventsPerMillion',
    ),
    line(
      'table storage and PITR',
      `${(storageGb * 1024).toFixed(0)} MB × ($${p('dynamodbStorageGbMonth')} + $${p('dynamodbPitrGbMonth')})/GB-month`,
      storageGb * (p('dynamodbStorageGbMonth') + p('dynamodbPitrGbMonth')),
      'dynamodbStorageGbMonth',
      'dynamodbPitrGbMonth',
    ),
    line(
      'Metrics Insights alarm metrics (active)',
      `1 metric (its publisher's IteratorAge) × $${p('insightsAlarmMetricMonth')}`,
      p('insightsAlarmMetricMonth'),
      'insightsAlarmMetricMonth',
    ),
  );
  return lines;
}

export function total(lines: readonly CostLine[]): number {
  return lines.reduce((sum, l) => sum + l.usd, 0);
}
