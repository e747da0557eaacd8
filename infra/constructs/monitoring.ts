import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterPattern } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { telemetry } from '../../shared/config.js';
import { ALARM_NAME_PREFIX, ALARM_TOPIC_NAME } from '../fleet-names.js';
import type { TenantConfig } from '../tenants.js';

/** The alarm thresholds; the operator guide explains each alarm and what to do about it. */
export const alarmThresholds = {
  /** Any 5xx answer in 5 minutes: a bug or an outage Entra will retry and may quarantine on. */
  serverErrors: { count: 1, period: Duration.minutes(5) },
  /** 4xx answers above this share of requests over 15 minutes (revoked token, broken mapping). */
  clientErrorRate: { percent: 20, minRequests: 20, period: Duration.minutes(15) },
  /**
   * The fleet's 4xx alarm counts a tenant's 4xx answers (its metric is written only on a 4xx, so
   * no rate): this many in each of two 15-minute periods. Entra's cycle sends 2 requests when
   * nothing changed, so a revoked token reaches it within an initial or busy cycle.
   */
  clientErrors: { count: 20, period: Duration.minutes(15) },
  /** Any crashed or timed-out invocation of a function in 5 minutes. */
  functionFailures: { count: 1, period: Duration.minutes(5) },
  /** Any DynamoDB request throttled in 5 minutes (the SDK retries; sustained throttling is 429s). */
  tableThrottles: { count: 1, period: Duration.minutes(5) },
} as const;

/**
 * The custom metric of a tenant's 5xx (dimension `tenant`): a filter on its access log counts the
 * 5xx API Gateway answered, a filter on its function log the Bulk operations that failed with an
 * internal error inside a Bulk answer that was not itself a 5xx (see `bulkServerErrorsFilter`).
 */
export const API_SERVER_ERRORS_METRIC = 'ApiServerErrors';

/**
 * What the function-log filter reads of a Bulk request line (`shared/http/middleware/request-log.ts`):
 * `innerServerErrors` (a number, present only when > 0) of an answer below 500, whose own 5xx
 * the access-log filter counts already; the count is the metric's value, `tenant` its dimension.
 */
export const bulkServerErrorsFilter = {
  pattern: FilterPattern.all(
    FilterPattern.numberValue('$.innerServerErrors', '>', 0),
    FilterPattern.numberValue('$.status', '<', 500),
  ),
  metricValue: '$.innerServerErrors',
  dimensions: { tenant: '$.tenant' },
} as const;

/**
 * The custom metric of a tenant's 4xx answers (dimension `tenant`), from a filter on its access
 * log: written only when API Gateway answers a 4xx, so a tenant Entra calls without errors (the
 * token request and lookup of each cycle) has no custom metric. AWS's own `4xx` by `ApiId` counts
 * the same for free but cannot name the tenant in a fleet alarm.
 */
export const API_CLIENT_ERRORS_METRIC = 'ApiClientErrors';

/** AWS's free HTTP API metric (`4xx`, `5xx`, `Count`, `Latency`) of one API, by `ApiId`. */
export function httpApiMetric(
  apiId: string,
  metricName: '4xx' | '5xx' | 'Count' | 'Latency',
  statistic: string,
  period: Duration = Duration.minutes(5),
): Metric {
  return new Metric({
    namespace: 'AWS/ApiGateway',
    metricName,
    dimensionsMap: { ApiId: apiId },
    statistic,
    period,
  });
}

/** API Gateway 4xx answers of a tenant, from its access log (see `ScimStack`). */
export function apiClientErrors(tenant: string, period: Duration = Duration.minutes(5)): Metric {
  return new Metric({
    namespace: telemetry.metricsNamespace,
    metricName: API_CLIENT_ERRORS_METRIC,
    dimensionsMap: { tenant },
    statistic: Stats.SUM,
    period,
  });
}

/** API Gateway 5xx answers of a tenant, from its access log (see `ScimStack`). */
export function apiServerErrors(tenant: string, period: Duration = Duration.minutes(5)): Metric {
  return new Metric({
    namespace: telemetry.metricsNamespace,
    metricName: API_SERVER_ERRORS_METRIC,
    dimensionsMap: { tenant },
    statistic: Stats.SUM,
    period,
  });
}

/**
 * An SNS topic CloudWatch alarms may publish to: TLS only, and a grant for CloudWatch (the SSL
 * policy replaces SNS's default topic policy) limited to the fleet's alarm names.
 */
export function alarmTopic(scope: Construct, id: string, topicName?: string): Topic {
  const stack = Stack.of(scope);
  const topic = new Topic(scope, id, {
    ...(topicName ? { topicName } : {}),
    displayName: 'GroupTalk SCIM alarms',
    enforceSSL: true,
  });
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'AllowCloudWatchAlarms',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: `${ALARM_NAME_PREFIX}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
  Validations.of(topic).acknowledge({
    id: 'AwsSolutions-SNS2',
    reason:
      'Alarm notifications carry alarm names and metric values, no customer data. CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key costs $1 a month, which the fleet cost target does not allow per tenant.',
  });
  return topic;
}

/** The fleet's alarm topic, by name (the fleet stack creates it and is deployed first). */
export function fleetAlarmTopic(scope: Construct, id: string): ITopic {
  const stack = Stack.of(scope);
  return Topic.fromTopicArn(
    scope,
    id,
    stack.formatArn({
      service: 'sns',
      resource: ALARM_TOPIC_NAME,
      arnFormat: ArnFormat.NO_RESOURCE_NAME,
    }),
  );
}

export interface TenantAlarmsProps {
  readonly tenant: TenantConfig;
  readonly api: HttpApi;
  /** With an address: a topic of the tenant's own with this subscription; else the fleet's topic. */
  readonly email?: string;
}

/**
 * Alarms of one tenant, for a tenant that opts in (`"alarms": true` or `{"email": …}`): the
 * fleet alarms already name a breaching tenant; these let a tenant's own on-call hear of it. Three
 * alarm metrics ($0.30 a month, see README), two of them AWS's own metrics of the tenant's API.
 */
export class TenantAlarms extends Construct {
  readonly alarms: readonly Alarm[];
  readonly topic: ITopic;

  constructor(scope: Construct, id: string, props: TenantAlarmsProps) {
    super(scope, id);
    const { tenant } = props;
    const prefix = `${ALARM_NAME_PREFIX}${tenant.name}`;
    if (props.email) {
      const topic = alarmTopic(this, 'Topic');
      topic.addSubscription(new EmailSubscription(props.email));
      this.topic = topic;
    } else {
      this.topic = fleetAlarmTopic(this, 'FleetTopic');
    }
    const { clientErrorRate, serverErrors } = alarmThresholds;
    this.alarms = [
      new Alarm(this, 'ApiServerErrors', {
        alarmName: `${prefix}-api-5xx`,
        alarmDescription: `API Gateway answered 5xx to ${tenant.name}'s Entra. Fleet dashboard, tenant ${tenant.name}: "Recent failed requests" and "API Gateway errors".`,
        metric: apiServerErrors(tenant.name, serverErrors.period),
        threshold: serverErrors.count,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'ClientErrorRate', {
        alarmName: `${prefix}-api-4xx-rate`,
        alarmDescription: `More than ${clientErrorRate.percent}% of ${tenant.name}'s requests got a 4xx over 15 minutes (a revoked or expired Secret Token, a mapping Entra sends that the service refuses). Fleet dashboard, tenant ${tenant.name}: "Failed requests by scimType".`,
        // AWS's own metrics of the tenant's API (free): 4xx is 0 or 1 per request, Count counts them.
        metric: new MathExpression({
          expression: `IF(requests >= ${clientErrorRate.minRequests}, 100 * FILL(clientErrors, 0) / requests, 0)`,
          usingMetrics: {
            requests: httpApiMetric(props.api.apiId, 'Count', Stats.SUM, clientErrorRate.period),
            clientErrors: httpApiMetric(props.api.apiId, '4xx', Stats.SUM, clientErrorRate.period),
          },
          label: '4xx share of requests (%)',
          period: clientErrorRate.period,
        }),
        threshold: clientErrorRate.percent,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
    const action = new SnsAction(this.topic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}
