/**
 * What N tenants use of the account's binding quotas, and what an idle tenant costs a month,
 * read from synthesized templates (`npm run fleet -- plan --tenants N`). Quotas and prices are
 * AWS's published defaults and us-east-1 list prices, cited in README ("A fleet of tenants").
 */

// biome-ignore lint/suspicious/noExplicitAny: template JSON is navigated by shape, as CloudFormation defines it
type Json = any;
export interface Template {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, Json> }>;
}

/** Default quotas per account and region (IAM: per account, all regions). */
export const quotas = {
  iamRoles: { value: 1_000, raise: 5_000, note: 'IAM roles per account (adjustable to 5,000)' },
  stacks: { value: 2_000, note: 'CloudFormation stacks per region (adjustable)' },
  logGroups: { value: 1_000_000, note: 'CloudWatch Logs log groups per region' },
  schedules: { value: 1_000_000, note: 'EventBridge Scheduler schedules per region' },
  rulesPerBus: { value: 300, note: 'EventBridge rules per event bus' },
  insightsAlarms: { value: 200, note: 'Metrics Insights query alarms per region' },
  lambdaCodeStorageBytes: {
    value: 75 * 1024 ** 3,
    note: 'Lambda code storage per region (adjustable)',
  },
  lambdaConcurrency: { value: 1_000, note: 'Lambda concurrent executions per region (adjustable)' },
  httpApis: {
    value: 600,
    note: 'Regional APIs per region: listed for REST APIs; the HTTP API quota page lists none (unverified, see README)',
  },
  customDomains: {
    value: 120,
    raise: 'adjustable',
    note: 'API Gateway custom domains per region (adjustable)',
  },
} as const;

/** us-east-1 list prices (USD), see README for the sources. */
export const prices = {
  alarmMetricMonth: 0.1,
  insightsAlarmMetricMonth: 0.1,
  dashboardMonth: 3.0,
  customMetricMonth: 0.3,
  schedulerPerMillion: 1.0,
  lambdaRequestsPerMillion: 0.2,
  lambdaArmGbSecond: 0.000_013_333_4,
  dynamodbReadsPerMillion: 0.125,
  logsIngestPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  kmsKeyMonth: 1.0,
} as const;

/** What one idle tenant's sweeper does, per run (measured locally: see README). */
export const sweeperRun = {
  /** Billed duration assumed per run (ms): an empty marker query plus cold starts now and then. */
  durationMs: 200,
  readUnits: 1,
  /** The sweep's log line plus Lambda's START/END/REPORT lines. */
  logBytes: 700,
} as const;

const MONTH_MINUTES = 30 * 24 * 60;

export interface Footprint {
  readonly resources: number;
  readonly iamRoles: number;
  readonly logGroups: number;
  readonly schedules: number;
  readonly rules: number;
  readonly standardAlarmMetrics: number;
  readonly insightsAlarms: number;
  readonly dashboards: number;
  readonly functions: number;
  readonly httpApis: number;
  readonly customDomains: number;
  readonly kmsKeys: number;
  readonly scheduleRatesPerMonth: number;
  readonly sweeperMemoryMb: number;
}

function ofType(template: Template, type: string) {
  return Object.values(template.Resources).filter((resource) => resource.Type === type);
}

/** Counts what a synthesized template holds of each quota-bound resource. */
export function footprint(template: Template): Footprint {
  const alarms = ofType(template, 'AWS::CloudWatch::Alarm');
  const insights = alarms.filter((alarm) =>
    (alarm.Properties?.Metrics as Json[] | undefined)?.some((m) =>
      String(m.Expression ?? '').startsWith('SELECT'),
    ),
  );
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
  const sweeper = ofType(template, 'AWS::Lambda::Function').find((fn) =>
    String(fn.Properties?.FunctionName ?? '').endsWith('-sweepMemberships'),
  );
  return {
    resources: Object.keys(template.Resources).length,
    iamRoles: ofType(template, 'AWS::IAM::Role').length,
    logGroups: ofType(template, 'AWS::Logs::LogGroup').length,
    schedules: schedules.length,
    rules: ofType(template, 'AWS::Events::Rule').length,
    standardAlarmMetrics,
    insightsAlarms: insights.length,
    dashboards: ofType(template, 'AWS::CloudWatch::Dashboard').length,
    functions: ofType(template, 'AWS::Lambda::Function').length,
    httpApis: ofType(template, 'AWS::ApiGatewayV2::Api').length,
    customDomains: ofType(template, 'AWS::ApiGatewayV2::DomainName').length,
    kmsKeys: ofType(template, 'AWS::KMS::Key').length,
    scheduleRatesPerMonth,
    sweeperMemoryMb: Number(sweeper?.Properties?.MemorySize ?? 0),
  };
}

export interface PlanInput {
  readonly tenants: number;
  readonly tenant: Footprint;
  readonly fleet: Footprint;
  /** Zipped size of every function package of one tenant (bytes). */
  readonly tenantCodeBytes: number;
  /** Lambda metrics an idle tenant feeds the fleet's Metrics Insights alarms (its sweeper's). */
  readonly idleInsightsMetricsPerTenant: number;
}

export interface CostLine {
  readonly item: string;
  readonly arithmetic: string;
  readonly usd: number;
}

/** The fixed monthly cost of one idle tenant, the fleet's share included. */
export function idleTenantCost(input: PlanInput): CostLine[] {
  const { tenant, fleet, tenants } = input;
  const runs = tenant.scheduleRatesPerMonth;
  const gbSeconds = runs * (sweeperRun.durationMs / 1000) * (tenant.sweeperMemoryMb / 1024);
  const logGb = (runs * sweeperRun.logBytes) / 1024 ** 3;
  // The fleet's KMS keys (token signing, log hash and admin-session key derivation): one each per
  // fleet.
  const fleetFixed =
    fleet.dashboards * prices.dashboardMonth +
    fleet.standardAlarmMetrics * prices.alarmMetricMonth +
    fleet.kmsKeys * prices.kmsKeyMonth;
  const lines: CostLine[] = [
    {
      item: 'tenant alarms',
      arithmetic: `${tenant.standardAlarmMetrics} alarm metrics × $${prices.alarmMetricMonth}`,
      usd: tenant.standardAlarmMetrics * prices.alarmMetricMonth,
    },
    {
      item: 'fleet Metrics Insights alarms',
      arithmetic: `${input.idleInsightsMetricsPerTenant} metric analyzed (sweeper Errors) × $${prices.insightsAlarmMetricMonth}`,
      usd: input.idleInsightsMetricsPerTenant * prices.insightsAlarmMetricMonth,
    },
    {
      item: 'tenant dashboards',
      arithmetic: `${tenant.dashboards} × $${prices.dashboardMonth}`,
      usd: tenant.dashboards * prices.dashboardMonth,
    },
    {
      item: 'custom metrics',
      arithmetic: '0 while idle (EMF and the 5xx filters emit only with requests)',
      usd: 0,
    },
    {
      item: 'schedule runs',
      arithmetic: `${runs} runs × $${prices.schedulerPerMillion}/M`,
      usd: (runs * prices.schedulerPerMillion) / 1e6,
    },
    {
      item: 'sweeper invocations',
      arithmetic: `${runs} × $${prices.lambdaRequestsPerMillion}/M`,
      usd: (runs * prices.lambdaRequestsPerMillion) / 1e6,
    },
    {
      item: 'sweeper duration',
      arithmetic: `${runs} × ${sweeperRun.durationMs} ms × ${tenant.sweeperMemoryMb} MB = ${gbSeconds.toFixed(0)} GB-s × $${prices.lambdaArmGbSecond}`,
      usd: gbSeconds * prices.lambdaArmGbSecond,
    },
    {
      item: 'sweeper table reads',
      arithmetic: `${runs} × ${sweeperRun.readUnits} RRU × $${prices.dynamodbReadsPerMillion}/M`,
      usd: (runs * sweeperRun.readUnits * prices.dynamodbReadsPerMillion) / 1e6,
    },
    {
      item: 'sweeper logs',
      arithmetic: `${runs} × ${sweeperRun.logBytes} B = ${(logGb * 1024).toFixed(1)} MB × ($${prices.logsIngestPerGb} + $${prices.logsStoragePerGbMonth})/GB`,
      usd: logGb * (prices.logsIngestPerGb + prices.logsStoragePerGbMonth),
    },
    {
      item: 'KMS keys',
      arithmetic: `${tenant.kmsKeys} × $${prices.kmsKeyMonth}`,
      usd: tenant.kmsKeys * prices.kmsKeyMonth,
    },
    {
      item: 'table storage, PITR',
      arithmetic: 'an empty table: $0',
      usd: 0,
    },
    {
      item: 'fleet share',
      arithmetic: `(${fleet.dashboards} dashboard × $${prices.dashboardMonth} + ${fleet.standardAlarmMetrics} alarm metrics × $${prices.alarmMetricMonth} + ${fleet.kmsKeys} KMS keys × $${prices.kmsKeyMonth}) / ${tenants}`,
      usd: fleetFixed / tenants,
    },
  ];
  return lines;
}

export interface QuotaLine {
  readonly quota: string;
  readonly perTenant: string;
  readonly used: number;
  readonly limit: number;
  /** The documented raise where the default is not enough. */
  readonly raise?: number | string;
  readonly note: string;
}

/** Each binding quota: what N tenants and the fleet stack use next to the default. */
export function quotaUsage(input: PlanInput): QuotaLine[] {
  const { tenants: n, tenant, fleet } = input;
  const line = (
    quota: string,
    perTenant: number,
    fleetUse: number,
    limit: { value: number; raise?: number | string; note: string },
  ): QuotaLine => ({
    quota,
    perTenant: String(perTenant),
    used: perTenant * n + fleetUse,
    limit: limit.value,
    ...(limit.raise === undefined ? {} : { raise: limit.raise }),
    note: limit.note,
  });
  return [
    line('IAM roles', tenant.iamRoles, fleet.iamRoles, quotas.iamRoles),
    line('CloudFormation stacks', 1, 1, quotas.stacks),
    line('log groups', tenant.logGroups, fleet.logGroups, quotas.logGroups),
    line('Scheduler schedules', tenant.schedules, fleet.schedules, quotas.schedules),
    line('EventBridge rules (default bus)', tenant.rules, fleet.rules, quotas.rulesPerBus),
    line(
      'Metrics Insights alarms',
      tenant.insightsAlarms,
      fleet.insightsAlarms,
      quotas.insightsAlarms,
    ),
    {
      quota: 'Lambda code storage (MB)',
      perTenant: (input.tenantCodeBytes / 1024 ** 2).toFixed(1),
      used: Math.round((input.tenantCodeBytes * n) / 1024 ** 2),
      limit: quotas.lambdaCodeStorageBytes.value / 1024 ** 2,
      note: quotas.lambdaCodeStorageBytes.note,
    },
    line('HTTP APIs', tenant.httpApis, fleet.httpApis, quotas.httpApis),
    line('custom domains (if every tenant had one)', 1, 0, quotas.customDomains),
  ];
}

/** Counts that have no quota but a price, per tenant and for the fleet. */
export function pricedCounts(input: PlanInput): [string, number, number][] {
  const { tenants: n, tenant, fleet } = input;
  return [
    ['standard alarm metrics', tenant.standardAlarmMetrics * n, fleet.standardAlarmMetrics],
    ['dashboards', tenant.dashboards * n, fleet.dashboards],
    ['Lambda functions', tenant.functions * n, fleet.functions],
    ['KMS keys', tenant.kmsKeys * n, fleet.kmsKeys],
    // EMF [service,tenant] × 3 + ApiServerErrors, only while the tenant has traffic.
    ['custom metrics of active tenants (at most)', 4 * n, 3 * 25],
  ];
}
