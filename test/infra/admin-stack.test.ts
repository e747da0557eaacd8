import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type PolicyViolation } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { FunctionBundles } from '../../infra/bundles.js';
import { featureFlags } from '../../infra/feature-flags.js';
import { ScimStack, scimStackName, tenantFunctionEntries } from '../../infra/scim-stack.js';
import {
  loadTenant,
  parseTenantConfig,
  TENANTS_DIR,
  TenantConfigError,
} from '../../infra/tenants.js';
import { adminRoutes, routePath, SESSIONLESS_OPERATIONS } from '../../shared/routes.js';

// biome-ignore lint/suspicious/noExplicitAny: template JSON is navigated by shape, as CloudFormation defines it
type Json = any;

const bundles = new FunctionBundles(tenantFunctionEntries, true);
const DIRECTORY = '5f0a8c36-1d2b-4c3e-8f4a-0b1c2d3e4f5a';
const CLIENT = '0e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b';
const demo = JSON.parse(readFileSync(join(TENANTS_DIR, 'demo.json'), 'utf8')) as Json;

function synthesize(raw: Json) {
  const tenant = parseTenantConfig(raw, raw.name);
  const app = new App({ context: { ...featureFlags(), 'aws:cdk:bundling-stacks': [] } });
  const stack = new ScimStack(app, scimStackName(tenant.name), {
    tenant,
    bundles,
    env: { account: '111111111111', region: 'eu-west-1' },
  });
  const template = Template.fromStack(stack);
  return { app, template, resources: template.toJSON().Resources as Record<string, Json> };
}

function byType(resources: Record<string, Json>, type: string): [string, Json][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

function routeKeys(resources: Record<string, Json>): string[] {
  return byType(resources, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
}

describe('the integration page in the tenant stack', () => {
  const withPage = {
    ...demo,
    admin: { clientId: CLIENT, entraTenantId: DIRECTORY, role: 'appRole:GroupTalk.Admin' },
  };
  const { app, resources } = synthesize(withPage);

  it('routes every admin route to a function with the page settings', () => {
    const keys = routeKeys(resources);
    for (const route of adminRoutes) expect(keys).toContain(`${route.method} ${routePath(route)}`);
    const pageFunctions = byType(resources, 'AWS::Lambda::Function').filter(
      ([, fn]) => fn.Properties.Environment?.Variables?.ADMIN_CLIENT_ID !== undefined,
    );
    expect(pageFunctions).toHaveLength(adminRoutes.length);
    const variables = pageFunctions[0]?.[1].Properties.Environment.Variables;
    expect(variables).toMatchObject({
      ADMIN_CLIENT_ID: CLIENT,
      ADMIN_ENTRA_TENANT_ID: DIRECTORY,
      ADMIN_ROLE: 'appRole:GroupTalk.Admin',
      ADMIN_SESSION_MINUTES: '60',
      TENANT_DISPLAY_NAME: 'demo',
    });
    // The reports read the tenant's function log group: the one all its functions write.
    expect(JSON.stringify(variables.REQUEST_LOG_GROUPS)).toContain('FunctionLogs');
    // No secret in the template: the sealing key is derived from the fleet's KMS key.
    expect(variables.ADMIN_SESSION_KEY).toBeUndefined();
    expect(variables.ADMIN_SESSION_KMS_KEY_ID).toBe('alias/GroupTalkScim-admin-sessions');
  });

  it('names the session key only to the page functions, and lets only them derive it', () => {
    // Prepare: a tenant that also hashes its log identifiers (its own GenerateMac grant).
    const { resources: both } = synthesize({ ...withPage, logIdentifiers: 'hmac' });
    const functions = byType(both, 'AWS::Lambda::Function').map(([, fn]) => ({
      name: fn.Properties.FunctionName as string,
      role: fn.Properties.Role['Fn::GetAtt']?.[0] as string | undefined,
      variables: fn.Properties.Environment?.Variables ?? {},
    }));
    const pageNames = adminRoutes.map((route) => `gts-demo-${route.operation}`);
    // The page's static files open no cookie: their function may not derive the key.
    const derivers = adminRoutes
      .filter((route) => !SESSIONLESS_OPERATIONS.has(route.operation))
      .map((route) => `gts-demo-${route.operation}`);
    const grants = byType(both, 'AWS::IAM::Policy').flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as Json[])
        .filter((s) => JSON.stringify(s.Condition ?? {}).includes('GroupTalkScim-admin-sessions'))
        .map((statement) => ({ role: policy.Properties.Roles[0].Ref as string, statement })),
    );
    const callersOf = (statement: Json) =>
      [...JSON.stringify(statement.Condition.ArnEquals).matchAll(/:function:(gts-[\w-]+)/g)].map(
        (match) => match[1],
      );

    // Assess: the variable on the page's functions only.
    const named = functions.filter((fn) => fn.variables.ADMIN_SESSION_KMS_KEY_ID !== undefined);
    expect(named.map((fn) => fn.name).sort()).toEqual([...pageNames].sort());
    expect(functions.length).toBeGreaterThan(named.length);
    // One grant per shared role, GenerateMac only, with the alias and algorithm conditions…
    expect(grants.length).toBeGreaterThan(0);
    for (const { statement } of grants) {
      expect(statement).toMatchObject({
        Effect: 'Allow',
        Action: 'kms:GenerateMac',
        Condition: {
          'ForAnyValue:StringEquals': {
            'kms:ResourceAliases': 'alias/GroupTalkScim-admin-sessions',
          },
          StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' },
        },
      });
    }
    // …from exactly the page's functions that hold the role and open cookies.
    for (const { role, statement } of grants) {
      const holders = functions.filter((fn) => fn.role === role && derivers.includes(fn.name));
      expect(callersOf(statement).sort()).toEqual(holders.map((fn) => fn.name).sort());
    }
    expect(grants.flatMap(({ statement }) => callersOf(statement)).sort()).toEqual(
      [...derivers].sort(),
    );
    expect(derivers).not.toContain('gts-demo-adminAsset');
    // The log hash grant, which every function of the tenant has, names the other key only.
    const logGrants = byType(both, 'AWS::IAM::Policy').flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as Json[]).filter(
        (s) =>
          [s.Action].flat().includes('kms:GenerateMac') && !grants.some((g) => g.statement === s),
      ),
    );
    expect(logGrants.length).toBeGreaterThan(0);
    for (const statement of logGrants) {
      expect(statement.Condition['ForAnyValue:StringEquals']).toEqual({
        'kms:ResourceAliases': 'alias/GroupTalkScim-log-identifiers',
      });
    }
  });

  it('gives Generate Secret Token and the Entra callback the signing key the token endpoint signs with, and no other page function', () => {
    const functions = byType(resources, 'AWS::Lambda::Function').map(
      ([, fn]) => fn.Properties.Environment?.Variables ?? {},
    );
    const signers = functions.filter((variables) => variables.TOKEN_SIGNING_KMS_KEY_ID);
    const [signing] = demo.tokenKmsKeyArns;

    expect(signing).toBeDefined();
    // The token endpoint, the page's Generate Secret Token and its Entra callback (Connect
    // registers the Secret Token it puts in Entra): the same key.
    expect(signers).toHaveLength(3);
    for (const variables of signers) expect(variables.TOKEN_SIGNING_KMS_KEY_ID).toBe(signing);
    expect(signers.filter((variables) => variables.ADMIN_CLIENT_ID !== undefined)).toHaveLength(2);
  });

  it('gives the Entra callback, which runs the connect steps, 28 s (under API Gateway’s 30 s) and every other function its default', () => {
    const timeouts = byType(resources, 'AWS::Lambda::Function').map(([, fn]) => ({
      description: String(fn.Properties.Description ?? ''),
      timeout: fn.Properties.Timeout,
    }));
    const callback = timeouts.filter((fn) => fn.description.includes('entraCallback'));
    expect(callback).toHaveLength(1);
    expect(callback[0]?.timeout).toBe(28);
    const page = timeouts.filter(
      (fn) =>
        fn.description.startsWith('Integration page') && !fn.description.includes('entraCallback'),
    );
    expect(page.length).toBeGreaterThan(10);
    for (const fn of page) expect(fn.timeout).toBe(10);
  });

  it('lets the reports start Logs Insights queries on the function log group only', () => {
    const statements = byType(resources, 'AWS::IAM::Policy').flatMap(
      ([, policy]) => policy.Properties.PolicyDocument.Statement as Json[],
    );
    const start = statements.filter((s) => [s.Action].flat().includes('logs:StartQuery'));
    expect(start).toHaveLength(1);
    const targets = [start[0].Resource].flat();
    expect(targets).not.toContain('*');
    expect(JSON.stringify(targets)).toContain('FunctionLogs');
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding, with identifiers logged hashed or not', () => {
    const hashing = synthesize({ ...withPage, logIdentifiers: 'hmac' }).app;
    for (const scope of [app, hashing]) {
      const findings = new AwsSolutionsChecks(scope)
        .validateScope(scope)
        .violations.flatMap((violation: PolicyViolation) =>
          violation.violatingResources.map((r) => `${violation.ruleName} on ${r.constructPath}`),
        );
      expect(findings).toEqual([]);
    }
  });

  it('is absent from a tenant without page settings', () => {
    const plain = synthesize(demo);
    expect(routeKeys(plain.resources).some((key) => key.includes('/admin'))).toBe(false);
    // Nor the session key's variable or grant.
    expect(JSON.stringify(plain.resources)).not.toContain('GroupTalkScim-admin-sessions');
    expect(loadTenant('demo').admin).toBeUndefined();
  });

  it('refuses page settings without a directory or with a role it cannot read', () => {
    expect(() =>
      parseTenantConfig({ ...demo, admin: { clientId: CLIENT, role: 'appRole:X' } }, 'demo'),
    ).toThrow(TenantConfigError);
    expect(() =>
      parseTenantConfig(
        { ...demo, admin: { clientId: CLIENT, entraTenantId: DIRECTORY, role: 'Admin' } },
        'demo',
      ),
    ).toThrow(/appRole:<app role value>/);
    expect(() =>
      parseTenantConfig(
        { ...demo, entraTenantId: DIRECTORY, admin: { clientId: 'x', role: 'appRole:A' } },
        'demo',
      ),
    ).toThrow(/Application \(client\) ID/);
  });
});
