/**
 * The change feed on AWS (issue 15; `shared/events` maps and publishes). In the fleet stack: one
 * EventBridge bus for every tenant, its archive, and the dead-letter queue of failed stream
 * batches with alarms. In each tenant stack: the table's stream and the publisher function on it.
 */
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENTBRIDGE_SOURCE } from '../../shared/events/envelope.js';
import {
  ALARM_NAME_PREFIX,
  EVENT_ARCHIVE_NAME,
  EVENT_BUS_NAME,
  EVENT_DLQ_NAME,
  eventPublisherRoleName,
  FUNCTION_LOG_PREFIX,
  scimStackName,
} from '../fleet-names.js';
import type { ScimStack } from '../scim-stack.js';
import { wildcardResourceFinding } from './nag.js';
import type { FunctionSpec } from './scim-function.js';

/**
 * How the publisher's event source mapping gives up on a batch (see `addChangeFeedPublisher`).
 *
 * By the records' age, not by a count: a throttled batch is retried for as long as its records
 * are younger than `maxRecordAge` (`retryAttempts` -1 is "infinite": "Lambda retries failed records
 * until the record expires", AWS Lambda API reference, CreateEventSourceMapping,
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html). A DynamoDB
 * stream keeps records "for up to 24 hours" (DynamoDB developer guide, "Change data capture for
 * DynamoDB Streams", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html),
 * so parking at 12 hours leaves an operator 12 hours to re-read a parked batch (docs/operator-guide.md
 * §6). Each partial failure (`ReportBatchItemFailures`) counts as a retry, so a count of
 * ten used to park a batch within minutes of sustained throttling.
 */
export const changeFeedRetention = {
  /** What the stream keeps (DynamoDB Streams, fixed). */
  streamRetention: Duration.hours(24),
  /** -1: retried until the record is older than `maxRecordAge`. */
  retryAttempts: -1,
  /** A batch whose records are older than this is parked in the dead-letter queue. */
  maxRecordAge: Duration.hours(12),
} as const;

/**
 * The fleet alarm (a Metrics Insights query, one of `fleetAlarmSpecs`) on publishers falling
 * behind their streams: only stream-triggered functions report IteratorAge, so the contributors
 * are the tenants' publishers.
 */
export const changeFeedBehindAlarm = {
  id: 'ChangeFeedBehind',
  name: `${ALARM_NAME_PREFIX}fleet-events-behind`,
  description:
    'A tenant\'s change feed publisher is more than 5 minutes behind its table\'s stream (EventBridge throttling, a permanent refusal such as access denied, or failing batches): the contributor is the function, gts-<tenant>-publishEvents. Records older than 12 hours are parked in the dead-letter queue. docs/operator-guide.md §6, "Change feed: dead letters and replays".',
  query:
    'SELECT MAX(IteratorAge) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY MAX() DESC LIMIT 100',
  period: Duration.minutes(5),
  threshold: Duration.minutes(5).toMilliseconds(),
  comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
  evaluationPeriods: 1,
} as const;

/**
 * The second IteratorAge alarm: a publisher half-way to `maxRecordAge`, whose oldest records will
 * be parked in the dead-letter queue within hours unless the cause is fixed.
 */
export const changeFeedParkingSoonAlarm = {
  ...changeFeedBehindAlarm,
  id: 'ChangeFeedParkingSoon',
  name: `${ALARM_NAME_PREFIX}fleet-events-parking-soon`,
  description:
    'A tenant\'s change feed publisher is more than 6 hours behind its table\'s stream: at 12 hours its oldest records are parked in the dead-letter queue, and the stream drops them at 24. The contributor is the function, gts-<tenant>-publishEvents. docs/operator-guide.md §6, "Change feed: dead letters and replays".',
  threshold: changeFeedRetention.maxRecordAge.toMilliseconds() / 2,
} as const;

/** The publisher on each tenant table's stream. */
export const changeFeedPublisher = {
  spec: {
    operation: 'publishEvents',
    entry: 'functions/events/publish.ts',
    // Runs with the fleet's publisher role (see `ChangeFeedBus`), not a tenant role: no function
    // behind the API may publish, and tenants keep their two roles.
    table: 'read',
  } satisfies FunctionSpec,
  /** The publisher backs off on throttling within it, keeping 5 s to answer (`PUBLISH_BACKOFF`). */
  timeout: Duration.minutes(1),
  /** Records per invocation: a group's member changes in it become one event per 1,000. */
  batchSize: 1_000,
  /** Waits up to this long to fill a batch: bounds member events to about one a second per group. */
  batchingWindow: Duration.seconds(1),
  /** Retried until its records are this old (see `changeFeedRetention`), then parked. */
  retryAttempts: changeFeedRetention.retryAttempts,
  maxRecordAge: changeFeedRetention.maxRecordAge,
  /** How long the archive keeps events for replays. */
  archiveRetention: Duration.days(30),
} as const;

/** Fleet side: the bus, its archive, the dead-letter queue and the feed's alarms. */
export class ChangeFeedBus extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;
  readonly deadLetters: Queue;
  readonly alarms: readonly Alarm[];
  /** The role every tenant's publisher runs with. */
  readonly publisherRole: Role;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: EVENT_BUS_NAME,
      description: 'GroupTalk SCIM change feed of every tenant (rules select detail.tenant)',
    });
    this.archive = new Archive(this, 'Archive', {
      sourceEventBus: this.bus,
      archiveName: EVENT_ARCHIVE_NAME,
      description: 'Every change feed event, for replays after a consumer outage',
      eventPattern: { source: [EVENTBRIDGE_SOURCE] },
      retention: changeFeedPublisher.archiveRetention,
    });
    this.deadLetters = new Queue(this, 'DeadLetters', {
      queueName: EVENT_DLQ_NAME,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue: it holds the stream positions of batches the publishers gave up on, for an operator to replay.',
    });

    const parked = new Alarm(this, 'DeadLettersAlarm', {
      alarmName: `${ALARM_NAME_PREFIX}fleet-events-dead-letters`,
      alarmDescription: `A tenant's change feed publisher gave up on a batch of stream records: its position is in the SQS queue ${EVENT_DLQ_NAME} (the message names the table, hence the tenant). docs/operator-guide.md §6, "Change feed: dead letters and replays": re-read those records within 24 hours.`,
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [parked];

    const stack = Stack.of(this);
    const arn = (service: string, resource: string, resourceName?: string) =>
      stack.formatArn({
        service,
        resource,
        ...(resourceName === undefined
          ? { arnFormat: ArnFormat.NO_RESOURCE_NAME }
          : { resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
      });
    const tables = `${scimStackName('*')}`;
    this.publisherRole = new Role(this, 'PublisherRole', {
      roleName: eventPublisherRoleName(stack.region),
      description:
        "Every GroupTalk SCIM tenant's change feed publisher (its table's stream to the bus)",
      assumedBy: new ServicePrincipal('lambda.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    const tableStreams = arn('dynamodb', 'table', `${tables}/stream/*`);
    const tenantTables = arn('dynamodb', 'table', tables);
    const functionLogs = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${FUNCTION_LOG_PREFIX}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const statements = [
      new PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [tableStreams],
      }),
      // ListStreams has no resource-level permission; the event source mapping calls it.
      new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }),
      // The group reads of `publishRecords` (existence and version of groups with member changes).
      new PolicyStatement({
        actions: ['dynamodb:BatchGetItem'],
        resources: [tenantTables],
      }),
      // `events:source` is multivalued (one value per entry of the PutEvents call): AWS's example
      // policy uses `ForAllValues:StringEquals` (EventBridge User Guide, "Example policy: Send
      // events to a custom bus in a different account", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-example-policy-cross-account-custom-bus-source.html).
      // `ForAllValues` also holds when the key is absent (IAM User Guide, "Single-valued vs.
      // multivalued context keys", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html),
      // hence the `Null` guard.
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: {
          'ForAllValues:StringEquals': { 'events:source': [EVENTBRIDGE_SOURCE] },
          Null: { 'events:source': 'false' },
        },
      }),
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetters.queueArn],
      }),
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [functionLogs],
      }),
    ];
    for (const statement of statements) this.publisherRole.addToPrincipalPolicy(statement);
    const reason =
      "One role for every tenant's publisher (a role per tenant would cost a thousand IAM roles): stream reads and BatchGetItem on the tenants' tables only (GroupTalkScim-<tenant>-…), dynamodb:ListStreams (no resource-level permission), the tenants' function log groups only.";
    for (const resource of [tableStreams, '*', tenantTables, functionLogs]) {
      Validations.of(this.publisherRole).acknowledge({
        id: wildcardResourceFinding(this, resource),
        reason,
      });
    }
  }
}

/**
 * Tenant side: the publisher function on the table's stream (`tableDesign.streamViewType`), with
 * the fleet's publisher role, bisection, retries bounded by record age (`changeFeedRetention`),
 * partial batch responses and the fleet's dead-letter queue; it puts events on the fleet's bus.
 * Fleet resources are found by name.
 */
export function addChangeFeedPublisher(stack: ScimStack): void {
  const role = Role.fromRoleArn(
    stack,
    'ChangeFeedPublisherRole',
    stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: eventPublisherRoleName(stack.region),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }),
    { mutable: false },
  );
  const publisher = stack.addFunction(changeFeedPublisher.spec, {
    description: `Change feed: the table's stream to the ${EVENT_BUS_NAME} event bus`,
    timeout: changeFeedPublisher.timeout,
    environment: { EVENT_BUS_NAME },
    role,
  });
  // The low-level mapping: the L2 one would grant the (immutable, fleet-owned) role itself.
  new CfnEventSourceMapping(stack, 'ChangeFeedSource', {
    functionName: publisher.function.functionName,
    eventSourceArn: stack.table.tableStreamArn!,
    startingPosition: 'TRIM_HORIZON',
    batchSize: changeFeedPublisher.batchSize,
    maximumBatchingWindowInSeconds: changeFeedPublisher.batchingWindow.toSeconds(),
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: changeFeedPublisher.retryAttempts,
    maximumRecordAgeInSeconds: changeFeedPublisher.maxRecordAge.toSeconds(),
    functionResponseTypes: ['ReportBatchItemFailures'],
    // One batch at a time per shard: a shard's records are published in their order.
    parallelizationFactor: 1,
    destinationConfig: {
      onFailure: {
        destination: stack.formatArn({
          service: 'sqs',
          resource: EVENT_DLQ_NAME,
          arnFormat: ArnFormat.NO_RESOURCE_NAME,
        }),
      },
    },
  });
}
