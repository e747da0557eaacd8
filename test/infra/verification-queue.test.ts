/**
 * The cell's verification queue in the fleet stack (read by `npm run verify`), and the build id
 * every function carries so verify can tell it runs this build.
 */
import { App, type PolicyViolation } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { FunctionBundles } from '../../infra/bundles.js';
import { featureFlags } from '../../infra/feature-flags.js';
import { FLEET_STACK_NAME } from '../../infra/fleet-names.js';
import { FleetStack } from '../../infra/fleet-stack.js';
import { ScimStack, scimStackName, tenantFunctionEntries } from '../../infra/scim-stack.js';
import { parseFleetConfig, parseTenantConfig } from '../../infra/tenants.js';
import { expectedFunctions } from '../../infra/verify/aws.js';

// biome-ignore lint/suspicious/noExplicitAny: template JSON is navigated by shape
type Json = any;

const env = { account: '111111111111', region: 'eu-west-1' };
const fleet = parseFleetConfig(env);

let lastApp: App | undefined;

function fleetTemplate(canaries?: string[]): Json {
  const app = new App({ context: { ...featureFlags(), 'aws:cdk:bundling-stacks': [] } });
  lastApp = app;
  const stack = new FleetStack(app, FLEET_STACK_NAME, {
    env,
    fleet,
    tenants: ['demo', 'acme'],
    ...(canaries ? { canaries } : {}),
  });
  return Template.fromStack(stack).toJSON();
}

const ofType = (template: Json, type: string): [string, Json][] =>
  Object.entries(template.Resources).filter(([, resource]) => (resource as Json).Type === type) as [
    string,
    Json,
  ][];

describe('the verification queue of a cell with a canary', () => {
  const template = fleetTemplate(['demo']);
  const app = lastApp!;

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    const findings = (violation: PolicyViolation) =>
      violation.violatingResources.map(
        (resource) =>
          `${violation.ruleName} on ${resource.constructPath ?? resource.resourceLogicalId}`,
      );

    expect(new AwsSolutionsChecks(app).validateScope(app).violations.flatMap(findings)).toEqual([]);
  });

  it('receives only the canary tenants’ change events from the bus', () => {
    const [[, rule]] = ofType(template, 'AWS::Events::Rule').filter(([id]) =>
      id.startsWith('Verification'),
    ) as [[string, Json]];

    expect(rule.Properties.EventPattern).toEqual({
      source: ['grouptalk.scim'],
      detail: { tenant: ['demo'] },
    });
    expect(rule.Properties.EventBusName).toBeDefined();
    expect(rule.Properties.Targets).toHaveLength(1);
  });

  it('lets only that rule send to the queue, encrypted, over TLS, kept an hour', () => {
    const [[queueId, queue]] = ofType(template, 'AWS::SQS::Queue').filter(
      ([, q]) => q.Properties.QueueName === 'GroupTalkScim-verify',
    ) as [[string, Json]];
    const [[, policy]] = ofType(template, 'AWS::SQS::QueuePolicy').filter(([, p]) =>
      JSON.stringify(p.Properties.Queues).includes(queueId),
    ) as [[string, Json]];
    const statements = policy.Properties.PolicyDocument.Statement as Json[];
    const send = statements.filter((s) => s.Effect === 'Allow');

    expect(queue.Properties).toMatchObject({
      MessageRetentionPeriod: 3600,
      SqsManagedSseEnabled: true,
    });
    expect(send).toEqual([
      expect.objectContaining({
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': expect.anything() } },
      }),
    ]);
    expect(
      statements.some(
        (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'),
      ),
    ).toBe(true);
    expect(template.Outputs.VerificationQueueUrl).toBeDefined();
  });

  it('is absent from a cell without a canary', () => {
    const without = fleetTemplate();

    expect(
      ofType(without, 'AWS::SQS::Queue').filter(
        ([, q]) => q.Properties.QueueName === 'GroupTalkScim-verify',
      ),
    ).toEqual([]);
    expect(without.Outputs.VerificationQueueUrl).toBeUndefined();
  });
});

describe('BUILD_ID of each function', () => {
  it("is the hash of its bundle's code, the same for every tenant, and what verify reads back", () => {
    const app = new App({ context: { ...featureFlags(), 'aws:cdk:bundling-stacks': [] } });
    const bundles = new FunctionBundles(tenantFunctionEntries, true);
    const stacks = ['demo', 'acme'].map(
      (name) =>
        new ScimStack(app, scimStackName(name), {
          env,
          tenant: parseTenantConfig({ name }, name),
          bundles,
        }),
    );
    const assembly = app.synth();

    const [demo, acme] = stacks.map((stack) =>
      expectedFunctions(assembly.directory, stack.stackName),
    );

    expect(demo!.length).toBeGreaterThan(20);
    for (const fn of demo!) {
      const operation = fn.functionName.replace(/^gts-demo-/, '');
      expect(fn.buildId).toBe(bundles.buildId(operation));
      expect(fn.buildId).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(acme!.map((fn) => fn.buildId)).toEqual(demo!.map((fn) => fn.buildId));
    // Two bundles with different code have different ids.
    expect(new Set(demo!.map((fn) => fn.buildId)).size).toBe(demo!.length);
  });
});
