import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type PolicyViolation } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ScimStack, scimStackName } from '../../infra/scim-stack.js';
import {
  declaredTenants,
  loadTenant,
  parseTenantConfig,
  type TenantConfig,
} from '../../infra/tenants.js';
import { routes, SCIM_BASE_PATH } from '../../shared/routes.js';
import { createTableInput } from '../../shared/store/table-design.js';

// biome-ignore lint/suspicious/noExplicitAny: template JSON is navigated by shape, as CloudFormation defines it
type Json = any;

type Resource = {
  Type: string;
  Properties: Record<string, Json>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

/** CDK context that skips esbuild: the template is what these tests look at, not the bundles. */
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const WRITE_ACTIONS =
  /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|PartiQL(Insert|Update|Delete)|\*)$/;

function synthesize(tenant: TenantConfig = loadTenant('demo')) {
  const app = new App({ context: SKIP_BUNDLING });
  const stack = new ScimStack(app, scimStackName(tenant.name), {
    tenant,
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

/** The SCIM functions, told apart from any CDK helper function by their tenant configuration. */
function scimFunctions(resources: Record<string, Resource>): [string, Resource][] {
  return ofType(resources, 'AWS::Lambda::Function').filter(
    ([, fn]) => fn.Properties.Environment?.Variables?.TENANT !== undefined,
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

function actionsOfFunction(resources: Record<string, Resource>, functionId: string): string[] {
  const roleId = resources[functionId]!.Properties.Role['Fn::GetAtt'][0] as string;
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, policy]) =>
      (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId),
    )
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as { Action: unknown }[])
    .flatMap((statement) => [statement.Action].flat() as string[]);
}

/** `AwsSolutions-APIG4 on GroupTalkScim-demo/Api/…`: readable when the assertion fails. */
function findings(violation: PolicyViolation): string[] {
  return violation.violatingResources.map(
    (resource) =>
      `${violation.ruleName} on ${resource.constructPath ?? resource.resourceLogicalId}`,
  );
}

function routeKey(route: (typeof routes)[number]): string {
  return `${route.method} ${SCIM_BASE_PATH}${route.path}`;
}

const sortByName = <T extends { AttributeName: string }>(list: T[]) =>
  [...list].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName));

describe('GroupTalkScim stack for tenant demo', () => {
  const { app, template, resources } = synthesize();

  it('has exactly one Lambda function per route of the route table', () => {
    // Prepare / Act
    const functions = scimFunctions(resources);

    // Assess
    expect(functions).toHaveLength(routes.length);
  });

  it('routes each route key to the function of its operation', () => {
    for (const route of routes) {
      // Act
      const functionId = functionOfRoute(resources, routeKey(route));

      // Assess
      expect(resources[functionId]!.Properties.Description).toContain(`SCIM ${route.operation}:`);
    }
    expect(ofType(resources, 'AWS::ApiGatewayV2::Route')).toHaveLength(routes.length);
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

  it('grants read-only routes no write action on the table', () => {
    for (const route of routes.filter((r) => !r.writes)) {
      // Act
      const actions = actionsOfFunction(resources, functionOfRoute(resources, routeKey(route)));

      // Assess
      expect(actions, route.operation).toContain('dynamodb:GetItem');
      expect(
        actions.filter((action) => WRITE_ACTIONS.test(action)),
        route.operation,
      ).toEqual([]);
    }
  });

  it('grants writing routes the write actions their transactions need', () => {
    for (const route of routes.filter((r) => r.writes)) {
      const actions = actionsOfFunction(resources, functionOfRoute(resources, routeKey(route)));

      expect(actions, route.operation).toEqual(
        expect.arrayContaining([
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:ConditionCheckItem',
        ]),
      );
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

  it('runs every function on the newest Node.js runtime, arm64, 512 MB, 10 s timeout', () => {
    for (const [, fn] of scimFunctions(resources)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Timeout: 10,
        Handler: 'index.handler',
      });
    }
  });

  it('configures every function for the tenant: table, tenant, token keys, revocations, log level', () => {
    const demo = loadTenant('demo');
    for (const [, fn] of scimFunctions(resources)) {
      const variables = fn.Properties.Environment.Variables;
      expect(variables).toMatchObject({
        TENANT: 'demo',
        TOKEN_PUBLIC_KEYS: JSON.stringify(demo.tokenPublicKeys),
        REVOKED_TOKEN_IDS: demo.revokedTokenIds.join(','),
        LOG_LEVEL: demo.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      });
      expect(variables.TABLE_NAME).toEqual({
        Ref: ofType(resources, 'AWS::DynamoDB::Table')[0]![0],
      });
      expect(variables.ENTRA_TENANT_ID).toBeUndefined();
    }
  });

  it('writes each function to its own log group kept for the tenant retention (30 days)', () => {
    const logGroups = ofType(resources, 'AWS::Logs::LogGroup');
    const functionLogGroups = new Set(
      scimFunctions(resources).map(([, fn]) => fn.Properties.LoggingConfig.LogGroup.Ref as string),
    );

    expect(functionLogGroups.size).toBe(routes.length);
    for (const [id, logGroup] of logGroups) {
      expect(logGroup.Properties.RetentionInDays, id).toBe(30);
    }
  });

  it('throttles the default stage at the tenant rates and writes JSON access logs', () => {
    const [[, stage]] = ofType(resources, 'AWS::ApiGatewayV2::Stage') as [[string, Resource]];

    expect(stage.Properties.StageName).toBe('$default');
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 100,
      ThrottlingBurstLimit: 200,
    });
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(
      resources[stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0]]?.Type,
    ).toBe('AWS::Logs::LogGroup');
  });

  it('outputs the Tenant URL of the API ending in /scim/v2', () => {
    const output = template.toJSON().Outputs.TenantUrl.Value['Fn::Join'][1] as unknown[];

    expect(output[0]).toBe('https://');
    expect(output.at(-1)).toBe('/scim/v2');
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
    revokedTokenIds: ['jti-1', 'jti-2'],
    logRetentionDays: 90,
    throttling: { rateLimit: 50, burstLimit: 100 },
    customDomain: {
      domainName: 'scim.contoso.example',
      certificateArn:
        'arn:aws:acm:eu-west-1:111111111111:certificate/0b7c0f7e-8d3a-4c55-a1f4-9c2e4b6d8f10',
    },
  });
  const { app, template, resources } = synthesize(tenant);

  it('passes the Entra tenant id and the revoked token ids to every function', () => {
    for (const [, fn] of scimFunctions(resources)) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        ENTRA_TENANT_ID: '3f2c9a4e-8b1d-4c6e-9f0a-7d5b2e1c8a93',
        REVOKED_TOKEN_IDS: 'jti-1,jti-2',
      });
    }
  });

  it('applies the tenant log retention and throttling', () => {
    for (const [, logGroup] of ofType(resources, 'AWS::Logs::LogGroup')) {
      expect(logGroup.Properties.RetentionInDays).toBe(90);
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('maps the API to the custom domain, disables the execute-api endpoint and outputs that URL', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'scim.contoso.example',
    });
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    expect(template.toJSON().Outputs.TenantUrl.Value).toBe('https://scim.contoso.example/scim/v2');
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    expect(new AwsSolutionsChecks(app).validateScope(app).violations.flatMap(findings)).toEqual([]);
  });
});

describe('infra/app.ts', () => {
  it('synthesizes a stack for every declared tenant with cdk-nag passing', () => {
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
    const stacks = Object.entries(manifest.artifacts as Record<string, { type: string }>)
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
      .map(([id]) => id);
    expect(stacks.sort()).toEqual(declaredTenants().map(scimStackName));
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
  }, 60_000); // a separate Node.js process loading aws-cdk-lib: seconds, more on a busy machine
});
