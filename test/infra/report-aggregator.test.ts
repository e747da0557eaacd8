import { describe, expect, it } from 'vitest';
import {
  functionLogGroupName,
  REPORT_FAILURES_QUEUE_NAME,
  reportAggregatorRoleName,
} from '../../infra/fleet-names.js';
import {
  env,
  type Json,
  ofType,
  type Resource,
  synthesizeFleetAndTenant,
} from '../support/fleet-and-tenant.js';

describe('report aggregation infrastructure (synthesized templates)', () => {
  const { fleet, tenant } = synthesizeFleetAndTenant('repco');
  const [aggregatorId, aggregator] = ofType(tenant, 'AWS::Lambda::Function').find(
    ([, fn]) => fn.Properties.FunctionName === 'gts-repco-aggregateReports',
  )!;

  it("subscribes the aggregator to the function log group's SCIM request lines only, with the only filter there", () => {
    const filters = ofType(tenant, 'AWS::Logs::SubscriptionFilter');
    // CloudWatch Logs allows two per log group: this one leaves one free.
    expect(filters).toHaveLength(1);
    const [[, filter]] = filters as [[string, Resource]];
    expect(filter.Properties.FilterPattern).toBe('{ $.kind = "scim" }');
    expect(filter.Properties.DestinationArn).toEqual({ 'Fn::GetAtt': [aggregatorId, 'Arn'] });
    const [[logsId]] = ofType(tenant, 'AWS::Logs::LogGroup').filter(
      ([, group]) => group.Properties.LogGroupName === functionLogGroupName('repco'),
    ) as [[string, Resource]];
    expect(filter.Properties.LogGroupName).toEqual({ Ref: logsId });
    // Only CloudWatch Logs may invoke it, only from that log group.
    const permissions = ofType(tenant, 'AWS::Lambda::Permission').filter(
      ([, permission]) =>
        JSON.stringify(permission.Properties.FunctionName) ===
        JSON.stringify({ 'Fn::GetAtt': [aggregatorId, 'Arn'] }),
    );
    expect(permissions.map(([, p]) => [p.Properties.Principal, p.Properties.SourceArn])).toEqual([
      ['logs.amazonaws.com', { 'Fn::GetAtt': [logsId, 'Arn'] }],
    ]);
  });

  it("runs with the fleet's aggregator role, not one of the tenant's two roles", () => {
    expect(JSON.stringify(aggregator.Properties.Role)).toContain(
      `:role/${reportAggregatorRoleName(env.region)}`,
    );
    expect(ofType(tenant, 'AWS::IAM::Role')).toHaveLength(2);
  });

  it('lets the role write only report items of the tenant tables, its own log lines and the failures queue', () => {
    const [[roleId]] = ofType(fleet, 'AWS::IAM::Role').filter(
      ([, role]) => role.Properties.RoleName === reportAggregatorRoleName(env.region),
    ) as [[string, Resource]];
    const statements = ofType(fleet, 'AWS::IAM::Policy')
      .filter(
        ([, policy]) =>
          JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
      )
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Json[]);
    expect(statements.map((statement) => [statement.Action, statement.Condition])).toEqual([
      [
        ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['REPORT#*'] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      ],
      [['logs:CreateLogStream', 'logs:PutLogEvents'], undefined],
      ['sqs:SendMessage', undefined],
    ]);
    expect(JSON.stringify(statements[0].Resource)).toContain(':table/GroupTalkScim-*');
    expect(JSON.stringify(statements[2].Resource)).toContain(`:${REPORT_FAILURES_QUEUE_NAME}`);
    expect(JSON.stringify(statements)).not.toMatch(/dynamodb:(GetItem|Query|Scan|DeleteItem)/);
  });

  it('parks a batch it gave up on (after two retries, or six hours) in the fleet queue, which alarms', () => {
    const configs = ofType(tenant, 'AWS::Lambda::EventInvokeConfig').filter(
      ([, config]) =>
        JSON.stringify(config.Properties.FunctionName) === JSON.stringify({ Ref: aggregatorId }),
    );
    expect(configs).toHaveLength(1);
    const [[, config]] = configs as [[string, Resource]];
    expect(config.Properties.MaximumRetryAttempts).toBe(2);
    expect(config.Properties.MaximumEventAgeInSeconds).toBe(6 * 3600);
    expect(JSON.stringify(config.Properties.DestinationConfig.OnFailure.Destination)).toContain(
      `:${REPORT_FAILURES_QUEUE_NAME}`,
    );
    const queues = ofType(fleet, 'AWS::SQS::Queue').filter(
      ([, queue]) => queue.Properties.QueueName === REPORT_FAILURES_QUEUE_NAME,
    );
    expect(queues).toHaveLength(1);
    const [[queueId]] = queues as [[string, Resource]];
    const alarms = ofType(fleet, 'AWS::CloudWatch::Alarm').filter(([, alarm]) =>
      JSON.stringify(alarm.Properties.Dimensions ?? []).includes(queueId),
    );
    expect(alarms.map(([, alarm]) => alarm.Properties.AlarmName)).toEqual([
      'GroupTalkScim-fleet-report-failures',
    ]);
    expect(alarms[0]?.[1].Properties.AlarmActions).toHaveLength(1);
  });

  it('expires the report items by TTL', () => {
    const [[, table]] = ofType(tenant, 'AWS::DynamoDB::Table') as [[string, Resource]];
    expect(table.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'ttl',
      Enabled: true,
    });
  });
});
