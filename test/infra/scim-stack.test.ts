import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type PolicyViolation, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { FunctionBundles } from '../../infra/bundles.js';
import { alarmThresholds, bulkServerErrorsFilter } from '../../infra/constructs/monitoring.js';
import { READ_ACTIONS, WRITE_ACTIONS } from '../../infra/constructs/scim-function.js';
import { featureFlags } from '../../infra/feature-flags.js';
import {
  membershipSweep,
  ScimStack,
  scimStackName,
  tenantFunctionEntries,
} from '../../infra/scim-stack.js';
import {
  declaredTenants,
  loadTenant,
  parseTenantConfig,
  type TenantConfig,
} from '../../infra/tenants.js';
import { fallbackRoute, routePath, routes } from '../../shared/routes.js';
import { createTableInput, tableDesign } from '../../shared/store/table-design.js';

// biome-ignore lint/suspicious/noExplicitAny: template JSON is navigated by shape, as CloudFormation defines it
type Json = any;

type Resource = {
  Type: string;
  Properties: Record<string, Json>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

/** CDK context that skips esbuild: the template is what these tests look at, not the bundles. */
const SKIP_BUNDLING = { ...featureFlags(), 'aws:cdk:bundling-stacks': [] };
/** API Gateway ends an integration after 29 s; a function must give up before that. */
const API_GATEWAY_TIMEOUT_SECONDS = 29;

/** Placeholder bundles: these tests read templates; `ScimFunction bundling` builds real ones. */
const bundles = new FunctionBundles(tenantFunctionEntries, true);

function synthesize(tenant: TenantConfig = loadTenant('demo')) {
  const app = new App({ context: SKIP_BUNDLING });
  const stack = new ScimStack(app, scimStackName(tenant.name), {
    tenant,
    bundles,
    env: { account: '111111111111', region: 'eu-west-1' },
  });
  // cdk-nag runs in its own test (a plugin registered here would fail every test at once).
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  return { app, stack, template, resources };
}

function ofType(resources: Record<string, Resource>, type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/**
 * The SCIM functions, told apart from any CDK helper function by their tenant configuration, and
 * from the change feed publisher by its role: the fleet's, not one of the tenant's two
 * (test/infra/change-feed.test.ts checks it).
 */
function scimFunctions(resources: Record<string, Resource>): [string, Resource][] {
  return ofType(resources, 'AWS::Lambda::Function').filter(
    ([, fn]) =>
      fn.Properties.Environment?.Variables?.TENANT !== undefined &&
      fn.Properties.Role['Fn::GetAtt'] !== undefined,
  );
}

/** The logical id of the function behind a route key such as `GET /scim/v2/Users/{id}`. */
function functionOfRoute(resources: Record<string, Resource>, routeKey: string): string {
  const [, route] = ofType(resources, 'AWS::ApiGatewayV2::Route').find(
    ([, r]) => r.Properties.RouteKey === routeKey,
  ) ?? [undefined, undefined];
  if (!route) throw new Error(`no route ${routeKey}`);
  const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
  return resources[integrationId]!.Properties.IntegrationUri['Fn::GetAtt'][0] as string;
}

type Statement = { Action: string | string[]; Resource: Json; Condition?: Json };

function statementsOfFunction(
  resources: Record<string, Resource>,
  functionId: string,
): Statement[] {
  const roleId = resources[functionId]!.Properties.Role['Fn::GetAtt'][0] as string;
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, policy]) =>
      (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId),
    )
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

function actionsOfFunction(resources: Record<string, Resource>, functionId: string): string[] {
  return statementsOfFunction(resources, functionId).flatMap(
    (statement) => [statement.Action].flat() as string[],
  );
}

/**
 * The function's DynamoDB actions on the table as a whole: the statements limited to the credential
 * registry's partition (every role's hourly `lastUsedAt` write, the credential managers' writes)
 * are asserted on their own.
 */
function dynamodbActions(resources: Record<string, Resource>, functionId: string): string[] {
  return [
    ...new Set(
      statementsOfFunction(resources, functionId)
        .filter(
          (statement) =>
            statement.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'] ===
            undefined,
        )
        .flatMap((statement) => [statement.Action].flat() as string[])
        .filter((a) => a.startsWith('dynamodb:')),
    ),
  ].sort();
}

/** The logical id of the function whose description names `operation`. */
function functionOfOperation(resources: Record<string, Resource>, operation: string): string {
  const [id] =
    scimFunctions(resources).find(([, fn]) =>
      (fn.Properties.Description as string).startsWith(`SCIM ${operation}:`),
    ) ?? [];
  if (!id) throw new Error(`no function for ${operation}`);
  return id;
}

/** `AwsSolutions-APIG4 on GroupTalkScim-demo/Api/…`: readable when the assertion fails. */
function findings(violation: PolicyViolation): string[] {
  return violation.violatingResources.map(
    (resource) =>
      `${violation.ruleName} on ${resource.constructPath ?? resource.resourceLogicalId}`,
  );
}

function routeKey(route: (typeof routes)[number]): string {
  return `${route.method} ${routePath(route)}`;
}

/** The logical id of the tenant's log group whose name ends with `/access` or `/functions`. */
function logGroupIdNamed(resources: Record<string, Resource>, suffix: string): string {
  const [id] =
    ofType(resources, 'AWS::Logs::LogGroup').find(([, group]) =>
      (group.Properties.LogGroupName as string).endsWith(`/${suffix}`),
    ) ?? [];
  if (!id) throw new Error(`no log group */${suffix}`);
  return id;
}

const sortByName = <T extends { AttributeName: string }>(list: T[]) =>
  [...list].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName));

describe('GroupTalkScim stack for tenant demo', () => {
  const { app, template, resources } = synthesize();

  it('has one Lambda function per route of the route table, plus the fallback and the sweeper', () => {
    // Prepare / Act
    const functions = scimFunctions(resources);

    // Assess
    expect(functions).toHaveLength(routes.length + 2);
    functionOfOperation(resources, fallbackRoute.operation);
    functionOfOperation(resources, membershipSweep.spec.operation);
  });

  it('routes each route key to the function of its operation', () => {
    for (const route of routes) {
      // Act
      const functionId = functionOfRoute(resources, routeKey(route));

      // Assess
      expect(resources[functionId]!.Properties.Description).toContain(`SCIM ${route.operation}:`);
    }
    expect(ofType(resources, 'AWS::ApiGatewayV2::Route')).toHaveLength(routes.length + 1);
  });

  it('sends every request no route matches ($default) to the fallback function', () => {
    // Act
    const functionId = functionOfRoute(resources, '$default');

    // Assess
    expect(functionId).toBe(functionOfOperation(resources, fallbackRoute.operation));
    // The read role: the fallback never writes.
    expect(dynamodbActions(resources, functionId)).toEqual([...READ_ACTIONS].sort());
  });

  it('serves GET /scim/v2/Users/{id} with a payload format 2.0 Lambda proxy integration', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /scim/v2/Users/{id}',
    });
    for (const [, integration] of ofType(resources, 'AWS::ApiGatewayV2::Integration')) {
      expect(integration.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
      });
    }
  });

  it('builds the table with the keys and indexes of table-design.ts', () => {
    // Prepare
    const expected = createTableInput('unused');
    const [[, table]] = ofType(resources, 'AWS::DynamoDB::Table') as [[string, Resource]];

    // Assess
    expect(table.Properties.KeySchema).toEqual(expected.KeySchema);
    expect(sortByName(table.Properties.AttributeDefinitions)).toEqual(
      sortByName(expected.AttributeDefinitions),
    );
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    const indexes = (table.Properties.GlobalSecondaryIndexes as Json[]).map(
      ({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection }),
    );
    expect(indexes).toEqual(expected.GlobalSecondaryIndexes);
    // Used client assertions expire on their own (shared/store/assertions.ts).
    expect(table.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: tableDesign.timeToLiveAttribute,
      Enabled: true,
    });
  });

  it('keeps the table: point-in-time recovery, deletion protection, retain and AWS-managed encryption', () => {
    const [[, table]] = ofType(resources, 'AWS::DynamoDB::Table') as [[string, Resource]];

    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
    });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
  });

  it("lets the read role write only lastUsedAt, and only in the credential registry's partition", () => {
    const functionId = functionOfRoute(resources, '$default');
    const limited = statementsOfFunction(resources, functionId).filter((statement) =>
      JSON.stringify(statement).includes('dynamodb:LeadingKeys'),
    );

    expect(limited).toHaveLength(1);
    expect(limited[0]).toMatchObject({
      Action: 'dynamodb:UpdateItem',
      Condition: {
        'ForAllValues:StringEquals': {
          'dynamodb:LeadingKeys': ['CREDENTIALS'],
          'dynamodb:Attributes': ['pk', 'sk', 'lastUsedAt'],
        },
      },
    });
  });

  it('grants reading routes GetItem, BatchGetItem and Query only: no write, no Scan', () => {
    for (const route of routes.filter((r) => r.table === 'read')) {
      // Act
      const actions = dynamodbActions(resources, functionOfRoute(resources, routeKey(route)));

      // Assess
      expect(actions, route.operation).toEqual([...READ_ACTIONS].sort());
    }
  });

  it('grants writing routes the reads plus the writes their transactions need, and no Scan', () => {
    for (const route of routes.filter((r) => r.table === 'write')) {
      const actions = dynamodbActions(resources, functionOfRoute(resources, routeKey(route)));

      expect(actions, route.operation).toEqual([...READ_ACTIONS, ...WRITE_ACTIONS].sort());
    }
    expect(dynamodbActions(resources, functionOfOperation(resources, 'sweepMemberships'))).toEqual(
      [...READ_ACTIONS, ...WRITE_ACTIONS].sort(),
    );
  });

  it('runs discovery routes, which never touch the table, with the read role: no write action', () => {
    const discovery = routes.filter((r) => r.table === 'none');
    expect(discovery.map((r) => r.operation)).toContain('getServiceProviderConfig');

    for (const route of discovery) {
      expect(
        dynamodbActions(resources, functionOfRoute(resources, routeKey(route))),
        route.operation,
      ).toEqual([...READ_ACTIONS].sort());
    }
  });

  it('has two IAM roles, one per access level, shared by all its functions', () => {
    const roles = ofType(resources, 'AWS::IAM::Role').map(([id]) => id);
    const used = new Set(
      scimFunctions(resources).map(([, fn]) => fn.Properties.Role['Fn::GetAtt'][0] as string),
    );

    expect(roles).toHaveLength(2);
    expect([...used].sort()).toEqual([...roles].sort());
  });

  it('names the table and each index in the grants: no wildcard resource, index ARNs for Query only', () => {
    const [[tableId]] = ofType(resources, 'AWS::DynamoDB::Table') as [[string, Resource]];
    const indexNames = createTableInput('unused').GlobalSecondaryIndexes.map((i) => i.IndexName);

    for (const [id] of scimFunctions(resources)) {
      for (const statement of statementsOfFunction(resources, id)) {
        const actions = [statement.Action].flat();
        if (!actions.some((action) => action.startsWith('dynamodb:'))) continue;
        const targets = [statement.Resource].flat() as Json[];
        const onIndexes = targets.some((target) => target['Fn::Join'] !== undefined);
        if (onIndexes) {
          expect(actions).toEqual(['dynamodb:Query']);
          expect(
            targets.map((target) => target['Fn::Join'][1][1]).sort(),
            JSON.stringify(targets),
          ).toEqual(indexNames.map((name) => `/index/${name}`).sort());
        } else {
          expect(targets).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
        }
      }
    }
  });

  it('gives functions no AWS-managed policy and no wildcard action', () => {
    for (const [, role] of ofType(resources, 'AWS::IAM::Role')) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const [id] of scimFunctions(resources)) {
      expect(actionsOfFunction(resources, id).filter((a) => a.includes('*'))).toEqual([]);
    }
  });

  it('runs every function on the newest Node.js runtime, arm64, 512 MB', () => {
    for (const [, fn] of scimFunctions(resources)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Handler: 'index.handler',
      });
    }
  });

  it('ends every function behind API Gateway (10 s) before its 29 s integration timeout', () => {
    const behindApi = ofType(resources, 'AWS::ApiGatewayV2::Route').map(([, route]) =>
      functionOfRoute(resources, route.Properties.RouteKey),
    );

    expect(behindApi).toHaveLength(routes.length + 1);
    for (const functionId of behindApi) {
      const timeout = resources[functionId]!.Properties.Timeout as number;
      expect(timeout, functionId).toBe(10);
      expect(timeout).toBeLessThan(API_GATEWAY_TIMEOUT_SECONDS);
    }
  });

  it('runs the membership sweep every 5 minutes with a one-minute timeout, from an EventBridge Scheduler schedule', () => {
    const sweeper = functionOfOperation(resources, 'sweepMemberships');
    const [[, schedule]] = ofType(resources, 'AWS::Scheduler::Schedule') as [[string, Resource]];

    expect(resources[sweeper]!.Properties.Timeout).toBe(60);
    expect(schedule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(schedule.Properties.Target.Arn).toEqual({ 'Fn::GetAtt': [sweeper, 'Arn'] });
    expect(JSON.stringify(schedule.Properties.Target.RoleArn)).toContain(
      ':role/GroupTalkScim-scheduler-eu-west-1',
    );
    // No EventBridge rule: the default bus holds 300.
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  it('configures every function for the tenant: table, tenant, token keys, KMS keys, log level, source maps', () => {
    const demo = loadTenant('demo');
    for (const [, fn] of scimFunctions(resources)) {
      const variables = fn.Properties.Environment.Variables;
      expect(variables).toMatchObject({
        TENANT: 'demo',
        TOKEN_PUBLIC_KEYS: JSON.stringify(demo.tokenPublicKeys),
        TOKEN_KMS_KEY_IDS: demo.tokenKmsKeyArns.join(','),
        LOG_LEVEL: demo.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      });
      expect(variables.TABLE_NAME).toEqual({
        Ref: ofType(resources, 'AWS::DynamoDB::Table')[0]![0],
      });
      expect(variables.ENTRA_TENANT_ID).toBeUndefined();
      expect(variables.POWERTOOLS_METRICS_DISABLED).toBeUndefined();
      expect(variables.LOG_IDENTIFIERS).toBe('clear');
      expect(variables.LOG_HASH_KMS_KEY_ID).toBeUndefined();
      expect(variables.LOG_HASH_KEY).toBeUndefined();
    }
    // Writing identifiers as sent needs no key: no role may derive one.
    expect(JSON.stringify(ofType(resources, 'AWS::IAM::Policy'))).not.toContain('kms:GenerateMac');
  });

  it('writes every function to the tenant log group, and access logs under /aws/vendedlogs/, kept 30 days', () => {
    const logGroups = ofType(resources, 'AWS::Logs::LogGroup');
    const functionLogGroups = new Set(
      scimFunctions(resources).map(([, fn]) => fn.Properties.LoggingConfig.LogGroup.Ref as string),
    );

    expect(functionLogGroups.size).toBe(1);
    expect(logGroups.map(([, g]) => g.Properties.LogGroupName).sort()).toEqual([
      '/aws/vendedlogs/grouptalk-scim/demo/access',
      '/grouptalk-scim/demo/functions',
    ]);
    for (const [id, logGroup] of logGroups) {
      expect(logGroup.Properties.RetentionInDays, id).toBe(30);
      expect(logGroup.DeletionPolicy, id).toBe('Retain');
    }
  });

  it('names every function gts-<tenant>-<operation>, within Lambda 64 characters', () => {
    for (const [, fn] of scimFunctions(resources)) {
      expect(fn.Properties.FunctionName).toMatch(/^gts-demo-[A-Za-z]+$/);
      expect(fn.Properties.FunctionName.length).toBeLessThanOrEqual(64);
    }
  });

  it('throttles the default stage at the tenant rates and writes JSON access logs', () => {
    const [[, stage]] = ofType(resources, 'AWS::ApiGatewayV2::Stage') as [[string, Resource]];

    expect(stage.Properties.StageName).toBe('$default');
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
    expect(stage.Properties.DefaultRouteSettings.ThrottlingRateLimit).toBeGreaterThanOrEqual(25);
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      routeKey: '$context.routeKey',
      integrationRequestId: '$context.integration.requestId',
      tenant: 'demo',
    });
    expect(
      resources[stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0]]?.Type,
    ).toBe('AWS::Logs::LogGroup');
  });

  it('lets requests without a User-Agent through: no WAF, no authorizer, no header condition', () => {
    // Entra sends no User-Agent; a WAF rule such as AWSManagedRulesCommonRuleSet's
    // NoUserAgent_HEADER would block every provisioning request.
    expect(
      Object.values(resources).filter((resource) => resource.Type.startsWith('AWS::WAF')),
    ).toEqual([]);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    for (const [, route] of ofType(resources, 'AWS::ApiGatewayV2::Route')) {
      expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
      expect(route.Properties.RequestParameters).toBeUndefined();
    }
  });

  it('outputs the Tenant URL of the API ending in /scim/v2', () => {
    const outputs = template.toJSON().Outputs;
    const tenantUrl = outputs.TenantUrl.Value['Fn::Join'][1] as unknown[];

    expect(tenantUrl[0]).toBe('https://');
    expect(tenantUrl.at(-1)).toBe('/scim/v2');
  });

  it('gives every function the Tenant URL as TENANT_URL, the same value as the TenantUrl output', () => {
    const outputs = template.toJSON().Outputs;
    for (const [, fn] of scimFunctions(resources)) {
      expect(fn.Properties.Environment.Variables.TENANT_URL).toEqual(outputs.TenantUrl.Value);
    }
  });

  it('counts its API 5xx and 4xx answers by tenant from the access log (written only on errors), and has no alarm or dashboard of its own beyond the alarms it opts into', () => {
    const filters = ofType(resources, 'AWS::Logs::MetricFilter');
    const access = filters
      .filter(([, f]) => f.Properties.LogGroupName.Ref === logGroupIdNamed(resources, 'access'))
      .map(([, f]) => f.Properties);

    expect(filters).toHaveLength(3);
    expect(access.map((f) => [f.FilterPattern, f.MetricTransformations])).toEqual([
      [
        '{ $.status = "5*" }',
        [
          expect.objectContaining({
            MetricNamespace: 'GroupTalkScim',
            MetricName: 'ApiServerErrors',
            MetricValue: '1',
            Dimensions: [{ Key: 'tenant', Value: '$.tenant' }],
          }),
        ],
      ],
      [
        '{ $.status = "4*" }',
        [
          expect.objectContaining({
            MetricNamespace: 'GroupTalkScim',
            MetricName: 'ApiClientErrors',
            MetricValue: '1',
            Dimensions: [{ Key: 'tenant', Value: '$.tenant' }],
          }),
        ],
      ],
    ]);
    // demo, the canary, opts into its two alarms: its deploy's rollback triggers (docs/operator-guide.md §1).
    template.resourceCountIs('AWS::CloudWatch::Alarm', loadTenant('demo').alarms ? 2 : 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  it('counts Bulk operations that failed internally into the same 5xx metric, from its function log', () => {
    // A Bulk answer is a 200: API Gateway's access log never sees these (the integration test
    // test/integration/logging.test.ts runs this pattern against the service's real Bulk line).
    const [[, filter]] = ofType(resources, 'AWS::Logs::MetricFilter').filter(
      ([, f]) => f.Properties.LogGroupName.Ref === logGroupIdNamed(resources, 'functions'),
    ) as [[string, Resource]];

    expect(filter.Properties.FilterPattern).toBe(
      '{ ($.innerServerErrors > 0) && ($.status < 500) }',
    );
    expect(filter.Properties.FilterPattern).toBe(bulkServerErrorsFilter.pattern.logPatternString);
    expect(filter.Properties.MetricTransformations).toEqual([
      {
        MetricNamespace: 'GroupTalkScim',
        MetricName: 'ApiServerErrors',
        MetricValue: '$.innerServerErrors',
        Dimensions: [{ Key: 'tenant', Value: '$.tenant' }],
      },
    ]);
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    // Act
    const report = new AwsSolutionsChecks(app).validateScope(app);

    // Assess
    expect(report.violations.flatMap(findings)).toEqual([]);
  });
});

describe('GroupTalkScim stack for a tenant with Entra tokens and a custom domain', () => {
  const tenant = parseTenantConfig({
    ...JSON.parse(readFileSync(new URL('../../infra/tenants/demo.json', import.meta.url), 'utf8')),
    name: 'contoso',
    entraTenantId: '3F2C9A4E-8B1D-4C6E-9F0A-7D5B2E1C8A93',
    entraAppId: '00000014-0000-0000-c000-000000000000',
    entraObjectId: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
    logRetentionDays: 90,
    throttling: { rateLimit: 50, burstLimit: 100 },
    customDomain: {
      domainName: 'scim.contoso.example',
      certificateArn:
        'arn:aws:acm:eu-west-1:111111111111:certificate/0b7c0f7e-8d3a-4c55-a1f4-9c2e4b6d8f10',
    },
    alarms: { email: 'scim-ops@contoso.example' },
  });
  const { app, template, resources } = synthesize(tenant);

  it('gives every function the custom domain Tenant URL as TENANT_URL', () => {
    for (const [, fn] of scimFunctions(resources)) {
      expect(fn.Properties.Environment.Variables.TENANT_URL).toBe(
        `https://${tenant.customDomain!.domainName}/scim/v2`,
      );
    }
  });

  it('passes the Entra tenant id and the pinned appid and oid to every function', () => {
    for (const [, fn] of scimFunctions(resources)) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        ENTRA_TENANT_ID: '3f2c9a4e-8b1d-4c6e-9f0a-7d5b2e1c8a93',
        ENTRA_APP_ID: '00000014-0000-0000-c000-000000000000',
        ENTRA_OBJECT_ID: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
      });
      expect(fn.Properties.Environment.Variables.REVOKED_TOKEN_IDS).toBeUndefined();
    }
  });

  it('lets only the token endpoint sign, with the first KMS key, and every role read the public keys', () => {
    const [signing] = tenant.tokenKmsKeyArns;
    const tokenFunctions = scimFunctions(resources).filter(
      ([, fn]) => fn.Properties.Environment.Variables.TOKEN_SIGNING_KMS_KEY_ID !== undefined,
    );
    const policies = JSON.stringify(ofType(resources, 'AWS::IAM::Policy'));

    expect(tokenFunctions).toHaveLength(1);
    expect(tokenFunctions[0]![1].Properties.Environment.Variables.TOKEN_SIGNING_KMS_KEY_ID).toBe(
      signing,
    );
    expect(policies.match(/"kms:Sign"/g)).toHaveLength(1);
    // The write role is shared: only the token-minting functions' calls may sign.
    const sign = ofType(resources, 'AWS::IAM::Policy')
      .flatMap(
        ([, policy]) =>
          policy.Properties.PolicyDocument.Statement as {
            Action: unknown;
            Resource: unknown;
            Condition: { ArnEquals: Record<string, unknown> };
          }[],
      )
      .find((statement) => statement.Action === 'kms:Sign')!;
    expect(sign.Resource).toBe(signing);
    expect(JSON.stringify(sign.Condition.ArnEquals['lambda:SourceFunctionArn'])).toMatch(
      /function:gts-[a-z0-9-]+-issueAccessToken".*function:gts-[a-z0-9-]+-generateSecretToken"/,
    );
    const tokenFunctionName = tokenFunctions[0]![1].Properties.FunctionName as string;
    expect(JSON.stringify(sign.Condition)).toContain(`:function:${tokenFunctionName}`);
    expect(policies.match(/"kms:GetPublicKey"/g)).toHaveLength(2);
    expect(policies).toContain('"dynamodb:LeadingKeys":["CREDENTIALS"]');
  });

  it('applies the tenant log retention and throttling', () => {
    for (const [, logGroup] of ofType(resources, 'AWS::Logs::LogGroup')) {
      expect(logGroup.Properties.RetentionInDays).toBe(90);
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('has alarms of its own (opted in): API 5xx and 4xx share, e-mailed to the configured address', () => {
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const [[topicId]] = ofType(resources, 'AWS::SNS::Topic') as [[string, Resource]];

    expect(alarms.map((a) => a.AlarmName).sort()).toEqual([
      'GroupTalkScim-contoso-api-4xx-rate',
      'GroupTalkScim-contoso-api-5xx',
    ]);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(alarms.find((a) => a.AlarmName.endsWith('5xx'))).toMatchObject({
      Namespace: 'GroupTalkScim',
      MetricName: 'ApiServerErrors',
      Dimensions: [{ Name: 'tenant', Value: 'contoso' }],
      Threshold: alarmThresholds.serverErrors.count,
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'scim-ops@contoso.example',
    });
  });

  it('maps the API to the custom domain and keeps the execute-api URL until told to retire it (step 1)', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'scim.contoso.example',
    });
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: false });
    const outputs = template.toJSON().Outputs;
    expect(outputs.TenantUrl.Value).toBe('https://scim.contoso.example/scim/v2');
    expect(JSON.stringify(outputs.PreviousTenantUrl.Value)).toContain('execute-api');
  });

  it('switches the execute-api endpoint off once the domain change is confirmed (step 2)', () => {
    const confirmed = parseTenantConfig({
      name: 'contoso',
      customDomain: { ...tenant.customDomain, executeApiEndpoint: 'retire' },
    });
    const { template: step2 } = synthesize(confirmed);

    step2.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    expect(step2.toJSON().Outputs.PreviousTenantUrl).toBeUndefined();
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    expect(new AwsSolutionsChecks(app).validateScope(app).violations.flatMap(findings)).toEqual([]);
  });
});

describe('GroupTalkScim stack for a tenant that logs identifiers hashed', () => {
  const tenant = parseTenantConfig({ name: 'hashed', logIdentifiers: 'hmac' });
  const { app, resources } = synthesize(tenant);
  const template = JSON.stringify(resources);

  it("tells every function to hash with a key derived from the fleet's KMS key, by its alias", () => {
    for (const [, fn] of scimFunctions(resources)) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        LOG_IDENTIFIERS: 'hmac',
        LOG_HASH_KMS_KEY_ID: 'alias/GroupTalkScim-log-identifiers',
      });
    }
    // No key in the template: not as a variable, not as a value.
    expect(template).not.toContain('LOG_HASH_KEY"');
  });

  it('lets both tenant roles derive the key: GenerateMac, HMAC_SHA_256, on the aliased key only', () => {
    const roles = ofType(resources, 'AWS::IAM::Role').map(([id]) => id);
    const generateMac = ofType(resources, 'AWS::IAM::Policy').flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as (Statement & { Condition?: Json })[])
        .filter((statement) => [statement.Action].flat().includes('kms:GenerateMac'))
        .map((statement) => ({
          roles: (policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref),
          statement,
        })),
    );

    expect(roles).toHaveLength(2);
    expect(generateMac.flatMap((grant) => grant.roles).sort()).toEqual([...roles].sort());
    for (const { statement } of generateMac) {
      expect(statement).toEqual({
        Action: 'kms:GenerateMac',
        Effect: 'Allow',
        Resource: 'arn:aws:kms:eu-west-1:111111111111:key/*',
        Condition: {
          'ForAnyValue:StringEquals': {
            'kms:ResourceAliases': 'alias/GroupTalkScim-log-identifiers',
          },
          StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' },
        },
      });
    }
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations.flatMap(findings)).toEqual([]);
  });
});

describe('FunctionBundles', () => {
  it('bundles each function once into one minified ESM file with its source map', () => {
    // Prepare: a real esbuild run, for the smallest function only.
    const built = new FunctionBundles([fallbackRoute]);

    // Act
    const dir = join(built.directory, fallbackRoute.operation);

    // Assess
    expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    // Minified: only template literals keep their line breaks.
    expect(code.length / code.split('\n').length).toBeGreaterThan(1_000);
    expect(code).toContain('//# sourceMappingURL=index.mjs.map');
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    // Built once: asking again reuses the directory.
    expect(built.directory).toBe(built.directory);
  }, 60_000);

  it('gives two tenant stacks the same asset for one operation', () => {
    const app = new App({ context: SKIP_BUNDLING });
    const [one, two] = ['one', 'two'].map(
      (name) =>
        new ScimStack(app, scimStackName(name), {
          tenant: parseTenantConfig({ name }),
          bundles,
          env: { account: '111111111111', region: 'eu-west-1' },
        }),
    );
    const codeOf = (stack: Stack) => {
      const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
      return resources[functionOfOperation(resources, 'getUser')]!.Properties.Code;
    };

    expect(codeOf(one!)).toEqual(codeOf(two!));
  });

  it('refuses one operation with two entries', () => {
    expect(
      () =>
        new FunctionBundles([
          { operation: 'x', entry: 'a.ts' },
          { operation: 'x', entry: 'b.ts' },
        ]),
    ).toThrow('operation x has two entries');
  });
});

describe('infra/app.ts', () => {
  it('synthesizes the fleet stack and a stack for every declared tenant with cdk-nag passing', () => {
    // Prepare
    const outdir = mkdtempSync(join(tmpdir(), 'scim-synth-'));

    // Act: app.synth() throws when cdk-nag reports an unacknowledged finding.
    execFileSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify(SKIP_BUNDLING),
      },
      stdio: 'pipe',
    });

    // Assess
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    const stacks = Object.entries(
      manifest.artifacts as Record<string, { type: string; environment: string }>,
    ).filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack');
    expect(stacks.map(([id]) => id).sort()).toEqual(
      ['GroupTalkScim-fleet', ...declaredTenants().map(scimStackName)].sort(),
    );
    // Every stack names its account and region: none is environment-agnostic.
    for (const [id, artifact] of stacks) {
      expect(artifact.environment, id).toBe('aws://111111111111/eu-west-1');
    }
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
  }, 120_000); // a separate Node.js process loading aws-cdk-lib: seconds, more on a busy machine
});
