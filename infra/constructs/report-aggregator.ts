/**
 * The reports' aggregation on AWS (issue 19, item 4; `shared/store/reports.ts` keeps the items).
 * In the fleet stack: the role every tenant's aggregator runs with. In each tenant stack: the
 * aggregator function and the subscription filter that feeds it the SCIM request lines of the
 * tenant's function log group, off the SCIM request path.
 *
 * CloudWatch Logs allows two subscription filters per log group (PutSubscriptionFilter, AWS
 * CloudWatch Logs API reference: "Each log group can have up to two subscription filters
 * associated with it"); this is the only one on the function log group, the other stays free.
 */

import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { FilterPattern, SubscriptionFilter } from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SCIM_LINE_FILTER_PATTERN } from '../../shared/http/request-records.js';
import { REPORT_KEY_PREFIX } from '../../shared/store/table-design.js';
import {
  ALARM_NAME_PREFIX,
  FUNCTION_LOG_PREFIX,
  REPORT_FAILURES_QUEUE_NAME,
  reportAggregatorRoleName,
  scimStackName,
} from '../fleet-names.js';
import type { ScimStack } from '../scim-stack.js';
import { wildcardResourceFinding } from './nag.js';
import type { FunctionSpec } from './scim-function.js';

/** The aggregator of each tenant. */
export const reportAggregator = {
  spec: {
    operation: 'aggregateReports',
    entry: 'functions/reports/aggregate.ts',
    // Runs with the fleet's aggregator role (see `ReportAggregatorRole`), not a tenant role.
    table: 'write',
  } satisfies FunctionSpec,
  timeout: Duration.minutes(1),
  memorySize: 256,
  /**
   * CloudWatch Logs invokes it asynchronously: Lambda retries a failed batch twice (its default)
   * and then, rather than dropping it, sends it to the fleet's report-failures queue (an
   * on-failure destination). A batch is safe to replay: each log event is counted once
   * (`shared/store/reports.ts`).
   */
  retryAttempts: 2,
  maxEventAge: Duration.hours(6),
} as const;

function reportFailuresQueueArn(stack: Stack): string {
  return stack.formatArn({ service: 'sqs', resource: REPORT_FAILURES_QUEUE_NAME });
}

/**
 * What the aggregator may do, and nothing more: PutItem and UpdateItem (the transaction of a
 * request item and its hour's counts: IAM checks each action of a TransactWriteItems as these)
 * and BatchWriteItem (the other report items), on the tenants' tables, only on items whose
 * partition key starts with `REPORT#` (`dynamodb:LeadingKeys`); writing its own log line.
 */
export function reportAggregatorStatements(stack: Stack): PolicyStatement[] {
  return [
    new PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
      resources: [
        stack.formatArn({
          service: 'dynamodb',
          resource: 'table',
          resourceName: scimStackName('*'),
        }),
      ],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${REPORT_KEY_PREFIX}*`] },
        // `ForAllValues` also holds for a request without the key: refuse it (as the tenant roles do).
        Null: { 'dynamodb:LeadingKeys': 'false' },
      },
    }),
    new PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: `${FUNCTION_LOG_PREFIX}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
    // Lambda sends a batch it gave up on to the on-failure destination with the function's role.
    new PolicyStatement({
      actions: ['sqs:SendMessage'],
      resources: [reportFailuresQueueArn(stack)],
    }),
  ];
}

/**
 * Fleet side: the role of every tenant's aggregator (a role per tenant would cost a role each),
 * the queue of the batches they gave up on, and its alarm.
 */
export class ReportAggregatorRole extends Construct {
  readonly role: Role;
  readonly failures: Queue;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.failures = new Queue(this, 'Failures', {
      queueName: REPORT_FAILURES_QUEUE_NAME,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.failures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the end of the line: the report aggregators' on-failure destination, holding the log batches they gave up on for an operator to replay.",
    });
    this.alarm = new Alarm(this, 'FailuresAlarm', {
      alarmName: `${ALARM_NAME_PREFIX}fleet-report-failures`,
      alarmDescription: `A tenant's report aggregator gave up on a batch of SCIM request lines (its integration page's reports miss those requests until it is replayed): the batch is in the SQS queue ${REPORT_FAILURES_QUEUE_NAME}, each message naming the function, hence the tenant. docs/operator-guide.md §4: replay it (each request is counted once, so a replay never counts twice).`,
      metric: this.failures.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.role = new Role(this, 'Role', {
      roleName: reportAggregatorRoleName(stack.region),
      description:
        "Every GroupTalk SCIM tenant's report aggregator (SCIM request lines to the report items of its table)",
      assumedBy: new ServicePrincipal('lambda.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    for (const statement of reportAggregatorStatements(stack)) {
      this.role.addToPrincipalPolicy(statement);
    }
    const reason =
      "One role for every tenant's aggregator (a role per tenant would cost a thousand IAM roles): writes only to items whose partition key starts with REPORT# (dynamodb:LeadingKeys) of the tenants' tables (GroupTalkScim-<tenant>-…), logs only to the tenants' function log groups.";
    // The findings name the very ARNs of the statements (`wildcardResourceFinding`), whatever form
    // the partition takes in the template.
    for (const statement of reportAggregatorStatements(stack)) {
      for (const resource of statement.resources) {
        Validations.of(this.role).acknowledge({
          id: wildcardResourceFinding(this, resource),
          reason,
        });
      }
    }
  }
}

/**
 * Tenant side: the aggregator function (the fleet's role, found by name) and the subscription
 * filter on the tenant's function log group that delivers it the SCIM request lines only
 * (`{ $.kind = "scim" }`): the page's and the token endpoint's lines never invoke it, and its own
 * line has no `kind`, so it never feeds itself.
 */
export function addReportAggregator(stack: ScimStack): SubscriptionFilter {
  const role = Role.fromRoleArn(
    stack,
    'ReportAggregatorRole',
    stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: reportAggregatorRoleName(stack.region),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }),
    { mutable: false },
  );
  const aggregator = stack.addFunction(reportAggregator.spec, {
    description: "Reports: the SCIM request lines of the tenant's log group to its report items",
    timeout: reportAggregator.timeout,
    memorySize: reportAggregator.memorySize,
    role,
  });
  // The fleet's role already may send to the queue (`reportAggregatorStatements`); the imported
  // role is immutable, so the destination adds no policy of its own.
  aggregator.function.configureAsyncInvoke({
    retryAttempts: reportAggregator.retryAttempts,
    maxEventAge: reportAggregator.maxEventAge,
    onFailure: new SqsDestination(
      Queue.fromQueueArn(stack, 'ReportFailures', reportFailuresQueueArn(stack)),
    ),
  });
  return new SubscriptionFilter(stack, 'ReportSubscription', {
    logGroup: stack.functionLogs,
    destination: new LambdaDestination(aggregator.function),
    filterPattern: FilterPattern.literal(SCIM_LINE_FILTER_PATTERN),
    filterName: 'grouptalk-scim-reports',
  });
}
