import { App, type PolicyViolation } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { FunctionBundles } from '../../infra/bundles.js';
import { featureFlags } from '../../infra/feature-flags.js';
import { FLEET_STACK_NAME } from '../../infra/fleet-names.js';
import { FleetStack, fleetAlarmSpecs, TENANT_VARIABLE } from '../../infra/fleet-stack.js';
import { logQueries } from '../../infra/log-queries.js';
import { ScimStack, scimStackName, tenantFunctionEntries } from '../../infra/scim-stack.js';
import { parseFleetConfig, parseTenantConfig } from '../../infra/tenants.js';

// biome-ignore lint/suspicious/noExplicitAny: template JSON is navigated by shape, as CloudFormation defines it
type Json = any;
type Resource = { Type: string; Properties: Record<string, Json> };

const env = { account: '111111111111', region: 'eu-west-1' };
const fleet = parseFleetConfig({ ...env, alarmEmail: 'fleet-ops@grouptalk.example' });
/** Generated tenants, as `npm run tenant -- add` declares them (a name only), one opting into alarms. */
const names = Array.from({ length: 6 }, (_, i) => `tenant-${i + 1}`);

function synthesizeFleet() {
  const app = new App({ context: { ...featureFlags(), 'aws:cdk:bundling-stacks': [] } });
  const bundles = new FunctionBundles(tenantFunctionEntries, true);
  const fleetStack = new FleetStack(app, FLEET_STACK_NAME, { env, fleet, tenants: names });
  const stacks = names.map((name, index) => {
    const tenant = parseTenantConfig(index === 0 ? { name, alarms: true } : { name }, name);
    const stack = new ScimStack(app, scimStackName(name), { env, tenant, bundles });
    stack.addStackDependency(fleetStack);
    return stack;
  });
  const tenants = stacks.map((stack) => ({
    name: stack.tenant.name,
    resources: Template.fromStack(stack).toJSON().Resources as Record<string, Resource>,
  }));
  const fleetTemplate = Template.fromStack(fleetStack);
  return {
    app,
    tenants,
    fleetTemplate,
    fleetResources: fleetTemplate.toJSON().Resources as Record<string, Resource>,
  };
}

function ofType(resources: Record<string, Resource>, type: string): Resource[] {
  return Object.values(resources).filter((resource) => resource.Type === type);
}

function findings(violation: PolicyViolation): string[] {
  return violation.violatingResources.map(
    (resource) =>
      `${violation.ruleName} on ${resource.constructPath ?? resource.resourceLogicalId}`,
  );
}

describe('a fleet of six generated tenants', () => {
  const { app, tenants, fleetResources, fleetTemplate } = synthesizeFleet();

  it('gives each tenant two IAM roles, no EventBridge rule, one schedule and far fewer than 500 resources', () => {
    for (const { name, resources } of tenants) {
      expect(ofType(resources, 'AWS::IAM::Role'), name).toHaveLength(2);
      expect(ofType(resources, 'AWS::Events::Rule'), name).toHaveLength(0);
      expect(ofType(resources, 'AWS::Scheduler::Schedule'), name).toHaveLength(1);
      expect(Object.keys(resources).length, name).toBeLessThan(150);
    }
  });

  it('names each tenant its two log groups, the access log under /aws/vendedlogs/', () => {
    for (const { name, resources } of tenants) {
      expect(
        ofType(resources, 'AWS::Logs::LogGroup')
          .map((g) => g.Properties.LogGroupName)
          .sort(),
      ).toEqual([
        `/aws/vendedlogs/grouptalk-scim/${name}/access`,
        `/grouptalk-scim/${name}/functions`,
      ]);
    }
  });

  it('gives tenants no dashboard, and alarms only to the tenant that opted in', () => {
    for (const { name, resources } of tenants) {
      expect(ofType(resources, 'AWS::CloudWatch::Dashboard'), name).toHaveLength(0);
      const alarms = ofType(resources, 'AWS::CloudWatch::Alarm').map((a) => a.Properties.AlarmName);
      expect(alarms, name).toEqual(
        name === 'tenant-1'
          ? ['GroupTalkScim-tenant-1-api-5xx', 'GroupTalkScim-tenant-1-api-4xx-rate']
          : [],
      );
    }
    // The opted-in tenant's alarms go to the fleet topic, by name.
    const optedIn = ofType(tenants[0]!.resources, 'AWS::CloudWatch::Alarm')[0]!;
    expect(JSON.stringify(optedIn.Properties.AlarmActions)).toContain(':GroupTalkScim-alarms');
  });

  it('shares every function bundle between tenants', () => {
    const codes = tenants.map(({ resources }) =>
      ofType(resources, 'AWS::Lambda::Function')
        .map((fn) => JSON.stringify(fn.Properties.Code))
        .sort(),
    );
    for (const code of codes) expect(code).toEqual(codes[0]);
  });

  it('alarms once for the fleet on Metrics Insights queries grouped by tenant, function or table', () => {
    const alarms = ofType(fleetResources, 'AWS::CloudWatch::Alarm').map((a) => a.Properties);
    const insights = alarms.filter((a) => a.Metrics?.[0]?.Expression?.startsWith('SELECT'));

    expect(insights.map((a) => a.AlarmName).sort()).toEqual(
      fleetAlarmSpecs.map((s) => s.name).sort(),
    );
    const byName = (name: string) =>
      insights.find((a) => a.AlarmName === name)!.Metrics[0].Expression;
    expect(byName('GroupTalkScim-fleet-api-5xx')).toBe(
      'SELECT SUM(ApiServerErrors) FROM SCHEMA("GroupTalkScim", tenant) GROUP BY tenant ORDER BY SUM() DESC LIMIT 100',
    );
    expect(byName('GroupTalkScim-fleet-api-4xx-rate')).toBe(
      'SELECT SUM(ApiClientErrors) FROM SCHEMA("GroupTalkScim", tenant) GROUP BY tenant ORDER BY SUM() DESC LIMIT 100',
    );
    expect(byName('GroupTalkScim-fleet-dynamodb-throttles')).toContain('GROUP BY TableName');
    // No query over every function of every tenant (38 a tenant: 10,000 metrics at ~260 tenants).
    for (const alarm of insights) expect(alarm.Metrics[0].Expression).not.toMatch(/SUM\(Errors\)/);
    // Lambda errors: one AWS metric for the account and region, whatever the tenants.
    expect(alarms.find((a) => a.AlarmName === 'GroupTalkScim-fleet-lambda-errors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Statistic: 'Sum',
    });
    expect(
      alarms.find((a) => a.AlarmName === 'GroupTalkScim-fleet-lambda-errors')!.Dimensions,
    ).toBeUndefined();
    for (const alarm of insights) {
      // The tenant is the contributor: the description says where its name is.
      expect(alarm.AlarmDescription).toMatch(/contributor is the (tenant|function|table)/);
      expect(alarm.Metrics).toHaveLength(1);
    }
  });

  it('alarms before the account runs out of Lambda concurrency, and on any throttle', () => {
    const alarms = ofType(fleetResources, 'AWS::CloudWatch::Alarm').map((a) => a.Properties);

    expect(
      alarms.find((a) => a.AlarmName === 'GroupTalkScim-fleet-lambda-concurrency'),
    ).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'ConcurrentExecutions',
      Statistic: 'Maximum',
      Threshold: 800,
    });
    expect(
      alarms.find((a) => a.AlarmName === 'GroupTalkScim-fleet-lambda-throttles'),
    ).toMatchObject({
      MetricName: 'Throttles',
    });
  });

  it('sends every fleet alarm to the fleet topic, e-mailed to the fleet address', () => {
    const [topicId] = Object.entries(fleetResources).find(([, r]) => r.Type === 'AWS::SNS::Topic')!;
    for (const alarm of ofType(fleetResources, 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
    fleetTemplate.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'GroupTalkScim-alarms' });
    fleetTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'fleet-ops@grouptalk.example',
    });
  });

  it('has one dashboard with a tenant selector offering every tenant, and the 7 queries for the selected one', () => {
    const [dashboard] = ofType(fleetResources, 'AWS::CloudWatch::Dashboard');
    const body = JSON.parse(
      (dashboard!.Properties.DashboardBody['Fn::Join'][1] as Json[])
        .map((part) => (typeof part === 'string' ? part : 'TOKEN'))
        .join(''),
    );

    expect(dashboard!.Properties.DashboardName).toBe('GroupTalkScim-fleet');
    const selector = body.variables.find((v: Json) => v.id === 'tenant');
    expect(selector).toMatchObject({
      type: 'pattern',
      pattern: TENANT_VARIABLE,
      inputType: 'select',
    });
    expect(selector.values.map((v: Json) => v.value)).toEqual(names);
    const logWidgets = body.widgets.filter((w: Json) => w.type === 'log');
    expect(logWidgets).toHaveLength(logQueries.length);
    for (const widget of logWidgets) {
      expect(widget.properties.query).toMatch(
        new RegExp(
          `^SOURCE '(/grouptalk-scim/${TENANT_VARIABLE}/functions|/aws/vendedlogs/grouptalk-scim/${TENANT_VARIABLE}/access)'`,
        ),
      );
    }
  });

  it('saves the 7 Logs Insights queries once for the fleet', () => {
    expect(
      ofType(fleetResources, 'AWS::Logs::QueryDefinition').map((q) => q.Properties.Name),
    ).toEqual(logQueries.map((query) => `GroupTalkScim/${query.name}`));
  });

  it('lets EventBridge Scheduler invoke only the sweepers, with one role for the whole fleet', () => {
    const [role] = ofType(fleetResources, 'AWS::IAM::Role');
    const [policy] = ofType(fleetResources, 'AWS::IAM::Policy');

    expect(role!.Properties.RoleName).toBe('GroupTalkScim-scheduler-eu-west-1');
    expect(policy!.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        // A literal partition: the stack's region is known (enablePartitionLiterals, cdk.json).
        Resource: 'arn:aws:lambda:eu-west-1:111111111111:function:gts-*-sweepMemberships',
      }),
    ]);
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding in any stack', () => {
    expect(new AwsSolutionsChecks(app).validateScope(app).violations.flatMap(findings)).toEqual([]);
  });
});

describe("the fleet's HMAC keys", () => {
  const { fleetResources } = synthesizeFleet();
  const hmacKeys = Object.entries(fleetResources).filter(
    ([, resource]) =>
      resource.Type === 'AWS::KMS::Key' && resource.Properties.KeySpec === 'HMAC_256',
  ) as [string, Resource & { DeletionPolicy?: string }][];
  const aliases = ofType(fleetResources, 'AWS::KMS::Alias');
  const keyOf = (alias: string) => {
    const target = aliases.find((a) => a.Properties.AliasName === alias)?.Properties.TargetKeyId;
    return hmacKeys.find(
      ([id]) => JSON.stringify(target) === JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }),
    );
  };

  it('are two KMS HMAC_256 keys for GenerateMac, kept, each behind the alias tenant functions name', () => {
    expect(hmacKeys).toHaveLength(2);
    expect(aliases.map((alias) => alias.Properties.AliasName).sort()).toEqual([
      'alias/GroupTalkScim-admin-sessions',
      'alias/GroupTalkScim-log-identifiers',
    ]);
    for (const alias of [
      'alias/GroupTalkScim-log-identifiers',
      'alias/GroupTalkScim-admin-sessions',
    ]) {
      const [, key] = keyOf(alias) ?? [];
      expect(key?.Properties.KeyUsage).toBe('GENERATE_VERIFY_MAC');
      // HMAC keys cannot rotate; replacing the log key would change every tenant's hashes.
      expect(key?.Properties.EnableKeyRotation).toBeUndefined();
      expect(key?.DeletionPolicy).toBe('Retain');
    }
    // The page's sealing keys come from a key of their own, not the log hash key.
    expect(keyOf('alias/GroupTalkScim-admin-sessions')?.[0]).not.toBe(
      keyOf('alias/GroupTalkScim-log-identifiers')?.[0],
    );
    // For the fleet, never one per tenant: the token-signing key and these two.
    expect(ofType(fleetResources, 'AWS::KMS::Key')).toHaveLength(3);
  });
});

describe('a fleet stack without tenants yet', () => {
  it('synthesizes, its selector saying no tenant is declared', () => {
    const app = new App({ context: featureFlags() });
    const stack = new FleetStack(app, FLEET_STACK_NAME, { env, fleet, tenants: [] });

    const [dashboard] = ofType(
      Template.fromStack(stack).toJSON().Resources as Record<string, Resource>,
      'AWS::CloudWatch::Dashboard',
    );

    expect(JSON.stringify(dashboard!.Properties.DashboardBody)).toContain('no tenant declared yet');
  });
});
