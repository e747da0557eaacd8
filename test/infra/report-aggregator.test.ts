import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FunctionBundles } from '../../infra/bundles.js';
import {
  FLEET_STACK_NAME,
  functionLogGroupName,
  reportAggregatorRoleName,
} from '../../infra/fleet-names.js';
import { FleetStack } from '../../infra/fleet-stack.js';
import { ScimStack, scimStackName, tenantFunctionEntries } from '../../infra/scim-stack.js';
import { parseFleetConfig, parseTenantConfig } from '../../infra/tenants.js';

// biome-ignore lint/suspicious/noExplicitAny: template JSON is navigated by shape, as CloudFormation defines it
type Json = any;
type Resource = { Type: string; Properties: Record<string, Json>; DependsOn?: string[] };

const env = { account: '111111111111', region: 'eu-west-1' };

function synthesize() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const bundles = new FunctionBundles(tenantFunctionEntries, true);
  const fleet = new FleetStack(app, FLEET_STACK_NAME, {
    env,
    fleet: parseFleetConfig({ ...env }),
    tenants: ['repco'],
  });
  const tenant = new ScimStack(app, scimStackName('repco'), {
    env,
    tenant: parseTenantConfig({ name: 'repco' }, 'repco'),
    bundles,
  });
  const resources = (stack: FleetStack | ScimStack) =>
    Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, Resource>);
  return { fleet: resources(fleet), tenant: resources(tenant) };
}

const ofType = (resources: [string, Resource][], type: string) =>
  resources.filter(([, resource]) => resource.Type === type);

describe('report aggregation infrastructure (synthesized templates)', () => {
  const { fleet, tenant } = synthesize();
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

  it('lets the role write only report items of the tenant tables and its own log lines', () => {
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
        ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
        {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['REPORT#*'] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      ],
      [['logs:CreateLogStream', 'logs:PutLogEvents'], undefined],
    ]);
    expect(JSON.stringify(statements[0].Resource)).toContain(':table/GroupTalkScim-*');
    expect(JSON.stringify(statements)).not.toMatch(/dynamodb:(GetItem|Query|Scan|DeleteItem)/);
  });

  it('expires the report items by TTL', () => {
    const [[, table]] = ofType(tenant, 'AWS::DynamoDB::Table') as [[string, Resource]];
    expect(table.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'ttl',
      Enabled: true,
    });
  });
});
