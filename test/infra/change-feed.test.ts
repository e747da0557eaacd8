import { describe, expect, it } from 'vitest';
import { changeFeedPublisher, changeFeedRetention } from '../../infra/constructs/change-feed.js';
import {
  EVENT_ARCHIVE_NAME,
  EVENT_BUS_NAME,
  EVENT_DLQ_NAME,
  eventPublisherRoleName,
} from '../../infra/fleet-names.js';
import {
  env,
  type Json,
  ofType,
  type Resource,
  synthesizeFleetAndTenant,
} from '../support/fleet-and-tenant.js';

describe('change feed infrastructure (synthesized templates)', () => {
  const { fleet, tenant } = synthesizeFleetAndTenant('feedco');

  it("streams the tenant table's changes with both images", () => {
    const [[, table]] = ofType(tenant, 'AWS::DynamoDB::Table') as [[string, Resource]];
    expect(table.Properties.StreamSpecification).toEqual({
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
  });

  it('runs the publisher on the stream: batches, bisection, retries by record age, partial failures, the fleet DLQ', () => {
    // Prepare
    const [[tableId]] = ofType(tenant, 'AWS::DynamoDB::Table') as [[string, Resource]];
    const [[, mapping]] = ofType(tenant, 'AWS::Lambda::EventSourceMapping') as [[string, Resource]];
    const [publisherId, publisher] = ofType(tenant, 'AWS::Lambda::Function').find(
      ([, fn]) => fn.Properties.FunctionName === 'gts-feedco-publishEvents',
    )!;

    // Assess
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      FunctionName: { Ref: publisherId },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: changeFeedPublisher.batchSize,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: true,
      // Retried until the records are 12 hours old (not a count that throttling spends in
      // minutes), within the stream's 24 hours, so an operator can still re-read a parked batch.
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: 12 * 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: 1,
    });
    expect(mapping.Properties.MaximumRecordAgeInSeconds).toBeLessThanOrEqual(
      changeFeedRetention.streamRetention.toSeconds() / 2,
    );
    expect(publisher.Properties.Timeout).toBe(60);
    expect(JSON.stringify(mapping.Properties.DestinationConfig.OnFailure.Destination)).toContain(
      `:${EVENT_DLQ_NAME}`,
    );
    expect(publisher.Properties.Environment.Variables).toMatchObject({
      TENANT: 'feedco',
      EVENT_BUS_NAME,
      TABLE_NAME: { Ref: tableId },
    });
    expect(JSON.stringify(publisher.Properties.Environment.Variables.TENANT_URL)).toContain(
      '/scim/v2',
    );
    expect(JSON.stringify(publisher.Properties.Role)).toContain(
      `role/${eventPublisherRoleName(env.region)}`,
    );
  });

  it('keeps the tenant at two roles and no bus, queue or rule of its own', () => {
    expect(ofType(tenant, 'AWS::IAM::Role')).toHaveLength(2);
    expect(ofType(tenant, 'AWS::Events::EventBus')).toEqual([]);
    expect(ofType(tenant, 'AWS::Events::Rule')).toEqual([]);
    expect(ofType(tenant, 'AWS::SQS::Queue')).toEqual([]);
  });

  it('puts one bus in the fleet stack, archived for replays', () => {
    const [[busId, bus]] = ofType(fleet, 'AWS::Events::EventBus') as [[string, Resource]];
    const [[, archive]] = ofType(fleet, 'AWS::Events::Archive') as [[string, Resource]];
    expect(bus.Properties.Name).toBe(EVENT_BUS_NAME);
    expect(archive.Properties).toMatchObject({
      ArchiveName: EVENT_ARCHIVE_NAME,
      SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
      EventPattern: { source: ['grouptalk.scim'] },
      RetentionDays: 30,
    });
  });

  it('parks failed batches in an encrypted DLQ whose first message alarms the fleet topic', () => {
    const [[queueId, queue]] = ofType(fleet, 'AWS::SQS::Queue') as [[string, Resource]];
    const [[topicId]] = ofType(fleet, 'AWS::SNS::Topic') as [[string, Resource]];
    expect(queue.Properties).toMatchObject({
      QueueName: EVENT_DLQ_NAME,
      SqsManagedSseEnabled: true,
    });
    const alarms = ofType(fleet, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const parked = alarms.find(
      (alarm) => alarm.AlarmName === 'GroupTalkScim-fleet-events-dead-letters',
    );
    expect(parked).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      AlarmActions: [{ Ref: topicId }],
    });
    expect(JSON.stringify(parked?.Dimensions)).toContain(queueId);
  });

  it("alarms on the publishers' IteratorAge at 5 minutes and at 6 hours, well before records are parked at 12", () => {
    // Prepare
    const [[topicId]] = ofType(fleet, 'AWS::SNS::Topic') as [[string, Resource]];
    const alarms = ofType(fleet, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const named = (name: string) => alarms.find((alarm) => alarm.AlarmName === name);
    const parkedAtMs = changeFeedRetention.maxRecordAge.toMilliseconds();

    // Assess
    for (const [name, threshold] of [
      ['GroupTalkScim-fleet-events-behind', 5 * 60_000],
      ['GroupTalkScim-fleet-events-parking-soon', 6 * 3_600_000],
    ] as const) {
      const alarm = named(name);
      expect(alarm?.Metrics[0].Expression, name).toContain('MAX(IteratorAge)');
      expect(alarm?.Metrics[0].Expression, name).toContain('SCHEMA("AWS/Lambda", FunctionName)');
      expect(alarm, name).toMatchObject({
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: topicId }],
      });
      expect(alarm?.Threshold, name).toBeLessThanOrEqual(parkedAtMs / 2);
    }
  });

  it("gives the fleet's publisher role PutEvents on the bus for the feed's source only", () => {
    const [[busId]] = ofType(fleet, 'AWS::Events::EventBus') as [[string, Resource]];
    const [roleId] = ofType(fleet, 'AWS::IAM::Role').find(
      ([, role]) => role.Properties.RoleName === eventPublisherRoleName(env.region),
    )!;
    const statements = ofType(fleet, 'AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties.Roles).includes(roleId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Json[]);
    const putEvents = statements.filter((s) => [s.Action].flat().includes('events:PutEvents'));
    expect(putEvents).toEqual([
      expect.objectContaining({
        Resource: { 'Fn::GetAtt': [busId, 'Arn'] },
        Condition: {
          'ForAllValues:StringEquals': { 'events:source': ['grouptalk.scim'] },
          Null: { 'events:source': 'false' },
        },
      }),
    ]);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((action) => /Put(Item)?$|Delete|Update|Write/.test(action))).toEqual([]);
  });
});
