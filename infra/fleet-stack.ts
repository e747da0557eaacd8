import {
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  DashboardVariable,
  DefaultValue,
  GraphWidget,
  type IMetric,
  LogQueryWidget,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
  Values,
  VariableInputType,
  VariableType,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { QueryDefinition, QueryString } from 'aws-cdk-lib/aws-logs';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { telemetry } from '../shared/config.js';
import {
  ChangeFeedBus,
  changeFeedBehindAlarm,
  changeFeedParkingSoonAlarm,
} from './constructs/change-feed.js';
import {
  API_CLIENT_ERRORS_METRIC,
  API_SERVER_ERRORS_METRIC,
  alarmThresholds,
  alarmTopic,
  apiClientErrors,
  apiServerErrors,
} from './constructs/monitoring.js';
import { wildcardResourceFinding } from './constructs/nag.js';
import { ReportAggregatorRole } from './constructs/report-aggregator.js';
import { functionName } from './constructs/scim-function.js';
import { VerificationQueue } from './constructs/verification-queue.js';
import {
  ADMIN_SESSION_KEY_ALIAS,
  ALARM_NAME_PREFIX,
  ALARM_TOPIC_NAME,
  accessLogGroupName,
  FLEET_DASHBOARD_NAME,
  functionLogGroupName,
  LOG_HASH_KEY_ALIAS,
  schedulerRoleName,
} from './fleet-names.js';
import { HISTORY_PLACEHOLDER, logQueries } from './log-queries.js';
import { membershipSweep } from './scim-stack.js';
import type { FleetConfig } from './tenants.js';

/**
 * Stands for the tenant the dashboard's selector picks: a dashboard pattern variable replaces it
 * everywhere in the dashboard (metric dimensions, function names, log group names). Tenant names
 * have no underscore, so it never matches a real one.
 */
export const TENANT_VARIABLE = '__tenant__';

/** A Metrics Insights query alarm: one alarm whose contributors are the tenants (or functions). */
export interface FleetAlarmSpec {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly query: string;
  readonly period: Duration;
  readonly threshold: number;
  readonly comparison: ComparisonOperator;
  readonly evaluationPeriods: number;
}

const ns = `"${telemetry.metricsNamespace}"`;

/**
 * The fleet's alarms on Metrics Insights queries grouped by tenant (or by table or function,
 * whose names carry the tenant): each breaching tenant is a contributor of the alarm, named in
 * its state reason and notification. A tenant without data points adds nothing to them. Each
 * query matches at most a few metrics per tenant (ApiServerErrors, ApiClientErrors, one
 * publisher's IteratorAge, a table's throttles by operation), so at a full cell it stays within
 * Metrics Insights' 10,000 metrics per query (`npm run fleet -- plan`, test/infra/fleet-plan).
 * Lambda `Errors` by function is not among them: 38 functions a tenant would pass that limit at
 * about 260 tenants; API Gateway's 5xx already counts a request function that crashed.
 */
export const fleetAlarmSpecs: readonly FleetAlarmSpec[] = [
  {
    id: 'ApiServerErrors',
    name: `${ALARM_NAME_PREFIX}fleet-api-5xx`,
    description:
      'A tenant got a 5xx from API Gateway (function error, crash, timeout or throttling, counted from its access log) or a Bulk operation of a tenant failed with an internal error inside a 200 Bulk answer (innerServerErrors, counted from its function log): the contributor is the tenant. Fleet dashboard, select it: "Recent failed requests" and "API Gateway errors".',
    query: `SELECT SUM(${API_SERVER_ERRORS_METRIC}) FROM SCHEMA(${ns}, tenant) GROUP BY tenant ORDER BY SUM() DESC LIMIT 100`,
    period: alarmThresholds.serverErrors.period,
    threshold: alarmThresholds.serverErrors.count,
    comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
  },
  {
    id: 'ClientErrorRate',
    name: `${ALARM_NAME_PREFIX}fleet-api-4xx-rate`,
    description: `A tenant got at least ${alarmThresholds.clientErrors.count} 4xx answers from API Gateway in each of two 15-minute periods (a revoked or expired Secret Token, a mapping Entra sends that the service refuses), counted from its access log: the contributor is the tenant. Fleet dashboard, select it: "Failed requests by scimType".`,
    // Written only on a 4xx: a count, not a share (a share would need a metric on every request).
    query: `SELECT SUM(${API_CLIENT_ERRORS_METRIC}) FROM SCHEMA(${ns}, tenant) GROUP BY tenant ORDER BY SUM() DESC LIMIT 100`,
    period: alarmThresholds.clientErrors.period,
    threshold: alarmThresholds.clientErrors.count,
    comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    // Two periods: a burst of refused requests in one quarter hour is not a trend.
    evaluationPeriods: 2,
  },
  {
    id: 'TableThrottles',
    name: `${ALARM_NAME_PREFIX}fleet-dynamodb-throttles`,
    description:
      "DynamoDB throttled a tenant's table (the SDK retries; sustained throttling answers Entra 429): the contributor is the table, GroupTalkScim-<tenant>-Table…",
    query:
      'SELECT SUM(ThrottledRequests) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) GROUP BY TableName ORDER BY SUM() DESC LIMIT 100',
    period: alarmThresholds.tableThrottles.period,
    threshold: alarmThresholds.tableThrottles.count,
    comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
  },
  changeFeedBehindAlarm,
  changeFeedParkingSoonAlarm,
];

export interface FleetStackProps extends StackProps {
  readonly fleet: FleetConfig;
  /** The tenants deployed to this account and region: the dashboard's selector offers them. */
  readonly tenants: readonly string[];
  /** The cell's canary tenants: with one, the stack holds the verification queue of `npm run verify`. */
  readonly canaries?: readonly string[];
}

/**
 * Once per account and region: what every tenant shares. The alarm topic, the fleet alarms (named
 * by tenant), the account's Lambda concurrency alarm, the dashboard with its tenant selector, the
 * saved Logs Insights queries and the role EventBridge Scheduler runs each tenant's sweeper with.
 * Deployed before the tenants (`npm run deploy` does).
 */
export class FleetStack extends Stack {
  readonly topic: Topic;
  readonly alarms: readonly Alarm[];
  readonly dashboard: Dashboard;
  readonly schedulerRole: Role;
  readonly changeFeed: ChangeFeedBus;
  readonly tokenSigningKey: Key;
  readonly logHashKey: Key;
  readonly adminSessionKey: Key;
  readonly queries: readonly QueryDefinition[];

  constructor(scope: Construct, id: string, props: FleetStackProps) {
    const { fleet, tenants, ...stackProps } = props;
    super(scope, id, {
      description:
        'GroupTalk SCIM fleet: alarms, dashboard, shared roles and the change feed bus of every tenant',
      ...stackProps,
    });

    this.topic = alarmTopic(this, 'AlarmTopic', ALARM_TOPIC_NAME);
    if (fleet.alarmEmail) this.topic.addSubscription(new EmailSubscription(fleet.alarmEmail));
    const action = new SnsAction(this.topic);

    this.schedulerRole = new Role(this, 'SchedulerRole', {
      roleName: schedulerRoleName(this.region),
      description: "EventBridge Scheduler: runs each GroupTalk SCIM tenant's membership sweeper",
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    const sweepers = this.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: functionName('*', membershipSweep.spec.operation),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [sweepers] }),
    );
    Validations.of(this.schedulerRole).acknowledge({
      id: wildcardResourceFinding(this, sweepers),
      reason:
        "One role for every tenant's schedule (a role per tenant would cost a thousand IAM roles): it may invoke the sweeper functions only, gts-<tenant>-sweepMemberships, whatever the tenant.",
    });

    // The fleet's token-signing key: one for every tenant of the account and region ($1 a month
    // in all, not per tenant; tokens are bound to their tenant by audience, claim and registry).
    // Its ARN goes into each tenant's `tokenKmsKeyArns`. Rotation: a new key first in that list,
    // the old one kept until nothing it signed is in use (docs/operator-guide.md §2).
    this.tokenSigningKey = new Key(this, 'TokenSigningKey', {
      description:
        'GroupTalk SCIM: signs the Secret Tokens and OAuth access tokens of every tenant',
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'TokenSigningKeyArn', {
      description: "Put into each tenant's tokenKmsKeyArns (first = signs)",
      value: this.tokenSigningKey.keyArn,
    });

    // The root of every tenant's log hash key (tenants with `logIdentifiers: "hmac"`): each
    // tenant's functions derive theirs with one GenerateMac over their tenant name, so no key is
    // stored anywhere and one KMS key serves the fleet ($1 a month, not per tenant). Reached by
    // its alias. HMAC keys do not rotate; replacing this one would change every hash (lines
    // written before could no longer be found by a value): it is kept when the stack goes.
    this.logHashKey = new Key(this, 'LogHashKey', {
      description:
        "GroupTalk SCIM: derives each tenant's key for hashing identifiers in its log lines",
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      alias: LOG_HASH_KEY_ALIAS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The root of every tenant's integration-page sealing key: the page's functions derive it with
    // one GenerateMac over a message naming the tenant, so no session key is stored in a table
    // every function of the tenant reads. Its own key: the log hash key is open to every function
    // of a hashing tenant, and GenerateMac cannot be limited to a message. Replacing it only signs
    // every administrator out.
    this.adminSessionKey = new Key(this, 'AdminSessionKey', {
      description: "GroupTalk SCIM: derives each tenant's integration-page cookie-sealing key",
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      alias: ADMIN_SESSION_KEY_ALIAS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const alarms = fleetAlarmSpecs.map(
      (spec) =>
        new Alarm(this, spec.id, {
          alarmName: spec.name,
          alarmDescription: spec.description,
          metric: new MathExpression({
            expression: spec.query,
            usingMetrics: {},
            period: spec.period,
            label: spec.id,
          }),
          threshold: spec.threshold,
          comparisonOperator: spec.comparison,
          evaluationPeriods: spec.evaluationPeriods,
          datapointsToAlarm: spec.evaluationPeriods,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
    );
    const concurrencyLimit = Math.floor(
      (fleet.accountConcurrency * fleet.concurrencyAlarmPercent) / 100,
    );
    alarms.push(
      new Alarm(this, 'AccountConcurrency', {
        alarmName: `${ALARM_NAME_PREFIX}fleet-lambda-concurrency`,
        alarmDescription: `The account's Lambda functions ran ${concurrencyLimit} at once (${fleet.concurrencyAlarmPercent}% of the ${fleet.accountConcurrency} of fleet.json's accountConcurrency) before the quota runs out and every tenant is throttled. Dashboard: "Requests by tenant" shows who; raise the quota or lower that tenant's throttling.`,
        metric: new Metric({
          namespace: 'AWS/Lambda',
          metricName: 'ConcurrentExecutions',
          statistic: Stats.MAXIMUM,
          period: Duration.minutes(1),
        }),
        threshold: concurrencyLimit,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'FunctionErrors', {
        alarmName: `${ALARM_NAME_PREFIX}fleet-lambda-errors`,
        alarmDescription:
          'A function of this cell crashed or timed out (AWS/Lambda Errors of the account and region: one metric, whatever the tenants). A request function that failed is also in the API 5xx alarm, which names the tenant; otherwise the sweeper or a publisher: fleet dashboard, select a tenant, "Lambda errors and throttles", or query 2 for every tenant (npm run fleet -- query 2).',
        metric: new Metric({
          namespace: 'AWS/Lambda',
          metricName: 'Errors',
          statistic: Stats.SUM,
          period: alarmThresholds.functionFailures.period,
        }),
        threshold: alarmThresholds.functionFailures.count,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'AccountThrottles', {
        alarmName: `${ALARM_NAME_PREFIX}fleet-lambda-throttles`,
        alarmDescription:
          'Lambda throttled invocations in this account and region (concurrency quota reached). The API 5xx alarm names the tenants that got errors.',
        metric: new Metric({
          namespace: 'AWS/Lambda',
          metricName: 'Throttles',
          statistic: Stats.SUM,
          period: Duration.minutes(5),
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    // The change feed's bus for every tenant, its archive, dead-letter queue and alarms.
    this.changeFeed = new ChangeFeedBus(this, 'ChangeFeed');
    // The role of every tenant's report aggregator (infra/constructs/report-aggregator.ts).
    const reports = new ReportAggregatorRole(this, 'ReportAggregator');
    alarms.push(...this.changeFeed.alarms, reports.alarm);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms = alarms;
    if (props.canaries && props.canaries.length > 0) {
      const verification = new VerificationQueue(this, 'Verification', {
        bus: this.changeFeed.bus,
        canaries: props.canaries,
      });
      new CfnOutput(this, 'VerificationQueueUrl', {
        description: "npm run verify reads the canary tenants' change events here",
        value: verification.queue.queueUrl,
      });
    }

    // Saved once for the fleet: pick one tenant's log group (or several) in Logs Insights; the
    // dashboard runs them for the selected tenant, `npm run fleet -- query` for every tenant.
    this.queries = logQueries.map(
      (query, index) =>
        new QueryDefinition(this, `Query${index + 1}`, {
          queryDefinitionName: `GroupTalkScim/${query.name}`,
          queryString: new QueryString(query.query),
        }),
    );

    this.dashboard = fleetDashboard(this, { fleet, tenants, alarms, concurrencyLimit });

    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic of the alarms: subscribe an on-call address or a chat integration',
      value: this.topic.topicArn,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard of the fleet (select the tenant at the top)',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${FLEET_DASHBOARD_NAME}`,
    });
  }
}

/** A Metrics Insights query as a graph line (or lines, one per group). */
function insights(query: string, label: string, period = Duration.minutes(5)): IMetric {
  return new MathExpression({ expression: query, usingMetrics: {}, label, period });
}

/** A SEARCH over the selected tenant's functions (their names start gts-<tenant>-). */
function tenantFunctionsSearch(metricName: string, statistic: string): IMetric {
  return new MathExpression({
    // Unquoted: a partial match of the name (quoted would be exact).
    expression: `SEARCH('{AWS/Lambda,FunctionName} MetricName="${metricName}" FunctionName=${functionName(TENANT_VARIABLE, '')}', '${statistic}', 300)`,
    usingMetrics: {},
    label: '',
    period: Duration.minutes(5),
  });
}

function fleetDashboard(
  stack: Stack,
  props: {
    fleet: FleetConfig;
    tenants: readonly string[];
    alarms: readonly Alarm[];
    concurrencyLimit: number;
  },
): Dashboard {
  const t = TENANT_VARIABLE;
  const { metrics } = telemetry;
  const dashboard = new Dashboard(stack, 'Dashboard', {
    dashboardName: FLEET_DASHBOARD_NAME,
    defaultInterval: Duration.hours(12),
    variables: [
      new DashboardVariable({
        id: 'tenant',
        label: 'Tenant',
        type: VariableType.PATTERN,
        inputType: VariableInputType.SELECT,
        value: t,
        // A fleet stack without tenants yet (its place declared first) still needs one value.
        values: Values.fromValues(
          ...(props.tenants.length > 0
            ? props.tenants.map((name) => ({ value: name }))
            : [{ value: t, label: 'no tenant declared yet' }]),
        ),
        defaultValue: DefaultValue.FIRST,
        visible: true,
      }),
      new DashboardVariable({
        id: 'resource',
        label: 'History of (id, externalId, userName or displayName)',
        type: VariableType.PATTERN,
        inputType: VariableInputType.INPUT,
        value: HISTORY_PLACEHOLDER,
        defaultValue: DefaultValue.value(HISTORY_PLACEHOLDER),
        visible: true,
      }),
    ],
  });
  dashboard.addWidgets(
    new TextWidget({
      markdown: `# GroupTalk SCIM fleet\nThe upper rows are every tenant; the lower rows are the tenant chosen in the **Tenant** selector above (${props.tenants.length} declared). Alarms notify the SNS topic ${ALARM_TOPIC_NAME}.`,
      width: 24,
      height: 2,
    }),
    new AlarmStatusWidget({
      title: 'Fleet alarms',
      alarms: [...props.alarms],
      width: 24,
      height: 3,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      // AWS's own metric, by API: the id is the first label of the tenant's Tenant URL.
      title: 'Requests by API id (top 10)',
      left: [
        insights(
          'SELECT SUM("Count") FROM SCHEMA("AWS/ApiGateway", ApiId) GROUP BY ApiId ORDER BY SUM() DESC LIMIT 10',
          'requests',
        ),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: 'API 5xx by tenant (top 10)',
      left: [insights(fleetAlarmSpecs[0]!.query.replace('LIMIT 100', 'LIMIT 10'), '5xx')],
      width: 8,
    }),
    new GraphWidget({
      title: '4xx by tenant (top 10)',
      left: [insights(fleetAlarmSpecs[1]!.query.replace('LIMIT 100', 'LIMIT 10'), '4xx')],
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Lambda errors and throttles, whole cell',
      left: [
        new Metric({
          namespace: 'AWS/Lambda',
          metricName: 'Errors',
          statistic: Stats.SUM,
          label: 'errors',
          period: Duration.minutes(5),
        }),
        new Metric({
          namespace: 'AWS/Lambda',
          metricName: 'Throttles',
          statistic: Stats.SUM,
          label: 'throttles',
          period: Duration.minutes(5),
        }),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: 'DynamoDB throttles by table (top 10)',
      left: [insights(fleetAlarmSpecs[2]!.query.replace('LIMIT 100', 'LIMIT 10'), 'throttled')],
      width: 8,
    }),
    new GraphWidget({
      title: 'Account Lambda concurrency',
      left: [
        new Metric({
          namespace: 'AWS/Lambda',
          metricName: 'ConcurrentExecutions',
          statistic: Stats.MAXIMUM,
          label: 'concurrent executions',
          period: Duration.minutes(1),
        }),
      ],
      leftAnnotations: [{ value: props.concurrencyLimit, label: 'alarm' }],
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Highest latency by operation, all tenants (ms)',
      left: [
        insights(
          `SELECT MAX(${metrics.latency}) FROM SCHEMA(${ns}, operation, service) GROUP BY operation ORDER BY MAX() DESC LIMIT 10`,
          'max latency',
        ),
      ],
      width: 12,
    }),
    new GraphWidget({
      title: 'Requests by operation, all tenants',
      left: [
        insights(
          `SELECT COUNT(${metrics.latency}) FROM SCHEMA(${ns}, operation, service) GROUP BY operation ORDER BY COUNT() DESC LIMIT 25`,
          'requests',
        ),
      ],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new TextWidget({
      markdown: `## Tenant ${t}\nFunctions gts-${t}-*, logs ${functionLogGroupName(t)} and ${accessLogGroupName(t)}.`,
      width: 24,
      height: 1,
    }),
    new GraphWidget({
      title: `Invocations by function, 4xx and 5xx (${t})`,
      left: [
        tenantFunctionsSearch('Invocations', 'Sum'),
        apiClientErrors(t).with({ label: '4xx' }),
        apiServerErrors(t).with({ label: '5xx (API Gateway and Bulk operations)' }),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: `Function duration p99 by function (${t}, ms)`,
      left: [tenantFunctionsSearch('Duration', 'p99')],
      width: 8,
    }),
    new GraphWidget({
      title: `Lambda errors and throttles (${t})`,
      left: [tenantFunctionsSearch('Errors', 'Sum'), tenantFunctionsSearch('Throttles', 'Sum')],
      width: 8,
    }),
  );
  for (const query of logQueries) {
    dashboard.addWidgets(
      new LogQueryWidget({
        title: `${query.name} (${t})`,
        logGroupNames: [query.accessLog ? accessLogGroupName(t) : functionLogGroupName(t)],
        queryString: new QueryString(query.query).toString(),
        width: 24,
        height: 6,
      }),
    );
  }
  return dashboard;
}
