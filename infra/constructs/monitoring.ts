import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  LogQueryWidget,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type ILogGroup, QueryDefinition, QueryString } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { telemetry } from '../../shared/config.js';
import { type LogQuery, logQueries } from '../log-queries.js';
import type { TenantConfig } from '../tenants.js';
import type { ScimFunction } from './scim-function.js';

/** The alarm thresholds; the operator guide explains each alarm and what to do about it. */
export const alarmThresholds = {
  /** Any 5xx answer in 5 minutes: a bug or an outage Entra will retry and may quarantine on. */
  serverErrors: { count: 1, period: Duration.minutes(5) },
  /** 4xx answers above this share of requests over 15 minutes (revoked token, broken mapping). */
  clientErrorRate: { percent: 20, minRequests: 20, period: Duration.minutes(15) },
  /** Any crashed, timed-out or throttled invocation of one function in 5 minutes. */
  functionFailures: { count: 1, period: Duration.minutes(5) },
  /** Any DynamoDB request throttled in 5 minutes (the SDK retries; sustained throttling is 429s). */
  tableThrottles: { count: 1, period: Duration.minutes(5) },
} as const;

/** Logs Insights queries (saved, or on a dashboard) read at most this many log groups. */
const MAX_QUERY_LOG_GROUPS = 50;

/** The table operations the store uses (see `shared/store`): all of them can be throttled. */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.BATCH_GET_ITEM,
  Operation.QUERY,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.BATCH_WRITE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
];

export interface MonitoredFunction {
  readonly operation: string;
  readonly scimFunction: ScimFunction;
  /** Whether it goes through the SCIM handler chain and so emits the per-operation metrics. */
  readonly emitsRequestMetrics: boolean;
}

export interface MonitoringProps {
  readonly tenant: TenantConfig;
  readonly api: HttpApi;
  readonly table: Table;
  readonly accessLogs: ILogGroup;
  readonly functions: readonly MonitoredFunction[];
}

/**
 * What an operator watches a tenant's stack with: alarms to one SNS topic (optionally e-mailed),
 * a dashboard of the same metrics and saved Logs Insights queries over every function log.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: readonly Alarm[];
  readonly dashboard: Dashboard;
  readonly queries: readonly QueryDefinition[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { tenant, api, table, functions } = props;
    const prefix = `GroupTalkScim-${tenant.name}`;
    const stack = Stack.of(this);

    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `GroupTalk SCIM alarms (tenant ${tenant.name})`,
      enforceSSL: true,
    });
    // The SSL policy replaces SNS's default topic policy, so CloudWatch needs its own grant.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${prefix}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and metric values, no customer data. CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key per tenant is not worth its cost for this content.',
    });
    if (tenant.alarmEmail) {
      this.topic.addSubscription(new EmailSubscription(tenant.alarmEmail));
    }
    const action = new SnsAction(this.topic);

    const apiRequests = api.metricCount({
      period: alarmThresholds.clientErrorRate.period,
      statistic: Stats.SUM,
    });
    const alarms: Alarm[] = [
      new Alarm(this, 'ApiServerErrors', {
        alarmName: `${prefix}-api-5xx`,
        alarmDescription: `API Gateway answered 5xx to ${tenant.name}'s Entra. Run the "Recent failed requests" and "API Gateway errors" queries.`,
        metric: api.metricServerError({
          period: alarmThresholds.serverErrors.period,
          statistic: Stats.SUM,
        }),
        threshold: alarmThresholds.serverErrors.count,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'ApiClientErrorRate', {
        alarmName: `${prefix}-api-4xx-rate`,
        alarmDescription: `More than ${alarmThresholds.clientErrorRate.percent}% of ${tenant.name}'s requests got a 4xx over 15 minutes (a revoked or expired Secret Token, a mapping Entra sends that the service refuses). Run the "Failed requests by scimType" query.`,
        metric: new MathExpression({
          expression: `IF(requests >= ${alarmThresholds.clientErrorRate.minRequests}, 100 * FILL(clientErrors, 0) / requests, 0)`,
          usingMetrics: {
            requests: apiRequests,
            clientErrors: api.metricClientError({
              period: alarmThresholds.clientErrorRate.period,
              statistic: Stats.SUM,
            }),
          },
          label: '4xx share of requests (%)',
          period: alarmThresholds.clientErrorRate.period,
        }),
        threshold: alarmThresholds.clientErrorRate.percent,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'TableThrottles', {
        alarmName: `${prefix}-dynamodb-throttles`,
        alarmDescription: `DynamoDB throttled requests of ${tenant.name}'s table (the SDK retries them; sustained throttling answers Entra 429).`,
        metric: tableThrottles(table, alarmThresholds.tableThrottles.period),
        threshold: alarmThresholds.tableThrottles.count,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
    for (const { operation, scimFunction } of functions) {
      alarms.push(
        new Alarm(this, `${pascal(operation)}Failures`, {
          alarmName: `${prefix}-lambda-${operation}`,
          alarmDescription: `The ${operation} function of ${tenant.name} crashed, timed out or was throttled (Lambda Errors + Throttles). Its log group: ${scimFunction.logGroup.logGroupName}.`,
          metric: functionFailures(scimFunction, alarmThresholds.functionFailures.period),
          threshold: alarmThresholds.functionFailures.count,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms = alarms;

    const functionLogs = functions.map(({ scimFunction }) => scimFunction.logGroup);
    if (functionLogs.length > MAX_QUERY_LOG_GROUPS) {
      throw new Error(
        `${functionLogs.length} function log groups: a Logs Insights query takes at most ${MAX_QUERY_LOG_GROUPS}`,
      );
    }
    this.queries = logQueries.map(
      (query, index) =>
        new QueryDefinition(this, `Query${index + 1}`, {
          queryDefinitionName: `${prefix}/${query.name}`,
          queryString: new QueryString(query.query),
          logGroups: query.accessLog ? [props.accessLogs] : functionLogs,
        }),
    );

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      defaultInterval: Duration.hours(12),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# GroupTalk SCIM: tenant ${tenant.name}\nAlarms notify the SNS topic ${this.topic.topicName}. Saved queries: CloudWatch Logs Insights → Queries → ${prefix}.`,
        width: 24,
        height: 2,
      }),
      new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests and errors',
        left: [
          api.metricCount({ statistic: Stats.SUM, label: 'requests' }),
          api.metricClientError({ statistic: Stats.SUM, label: '4xx' }),
          api.metricServerError({ statistic: Stats.SUM, label: '5xx' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'API latency (ms)',
        left: [
          api.metricLatency({ statistic: Stats.percentile(50), label: 'p50' }),
          api.metricLatency({ statistic: Stats.percentile(99), label: 'p99' }),
          api.metricIntegrationLatency({ statistic: Stats.percentile(99), label: 'function p99' }),
        ],
        width: 12,
      }),
    );
    const emitting = functions.filter((f) => f.emitsRequestMetrics).map((f) => f.operation);
    this.dashboard.addWidgets(
      operationGraph(
        'Requests by operation',
        emitting,
        tenant,
        telemetry.metrics.latency,
        'SampleCount',
      ),
      operationGraph(
        '4xx by operation',
        emitting,
        tenant,
        telemetry.metrics.clientErrors,
        Stats.SUM,
      ),
      operationGraph(
        '5xx by operation',
        emitting,
        tenant,
        telemetry.metrics.serverErrors,
        Stats.SUM,
      ),
      operationGraph(
        'p99 latency by operation (ms)',
        emitting,
        tenant,
        telemetry.metrics.latency,
        Stats.percentile(99),
      ),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Lambda errors by function',
        left: functions.map(({ operation, scimFunction }) =>
          scimFunction.function.metricErrors({ statistic: Stats.SUM, label: operation }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'Lambda throttles by function',
        left: functions.map(({ operation, scimFunction }) =>
          scimFunction.function.metricThrottles({ statistic: Stats.SUM, label: operation }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'DynamoDB throttles and consumed capacity',
        left: [tableThrottles(table, Duration.minutes(5))],
        right: [
          table.metricConsumedReadCapacityUnits({ statistic: Stats.SUM, label: 'read units' }),
          table.metricConsumedWriteCapacityUnits({ statistic: Stats.SUM, label: 'write units' }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new LogQueryWidget({
        title: 'Recent failed requests',
        logGroupNames: functionLogs.map((logGroup) => logGroup.logGroupName),
        queryString: new QueryString(
          (logQueries.find((q) => q.name.includes('Recent failed')) as LogQuery).query,
        ).toString(),
        width: 24,
        height: 8,
      }),
    );
  }
}

/** Errors plus throttles of one function (either alone may have no data points). */
function functionFailures(scimFunction: ScimFunction, period: Duration): IMetric {
  return new MathExpression({
    expression: 'SUM([errors, throttles])',
    usingMetrics: {
      errors: scimFunction.function.metricErrors({ statistic: Stats.SUM, period }),
      throttles: scimFunction.function.metricThrottles({ statistic: Stats.SUM, period }),
    },
    label: 'errors + throttles',
    period,
  });
}

/** Throttled requests over every operation the store uses (only throttled ones have data). */
function tableThrottles(table: Table, period: Duration): IMetric {
  const usingMetrics: Record<string, IMetric> = {};
  for (const operation of TABLE_OPERATIONS) {
    usingMetrics[operation.toLowerCase()] = table.metric('ThrottledRequests', {
      dimensionsMap: { TableName: table.tableName, Operation: operation },
      statistic: Stats.SUM,
      period,
    });
  }
  return new MathExpression({
    expression: `SUM([${Object.keys(usingMetrics).join(', ')}])`,
    usingMetrics,
    label: 'throttled requests',
    period,
  });
}

function operationGraph(
  title: string,
  operations: readonly string[],
  tenant: TenantConfig,
  metricName: string,
  statistic: string,
): GraphWidget {
  return new GraphWidget({
    title,
    left: operations.map(
      (operation) =>
        new Metric({
          namespace: telemetry.metricsNamespace,
          metricName,
          dimensionsMap: { service: telemetry.serviceName, tenant: tenant.name, operation },
          statistic,
          label: operation,
          period: Duration.minutes(5),
        }),
    ),
    width: 6,
  });
}

function pascal(operation: string): string {
  return operation.charAt(0).toUpperCase() + operation.slice(1);
}
