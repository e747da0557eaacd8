/**
 * One cell's fleet stack and one plain tenant stack, synthesized with `cdk.json`'s feature flags
 * (as `cdk synth` does) and no bundling, their resources as `[logical id, resource]` pairs: the
 * templates the change-feed and report-aggregator tests read.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FunctionBundles } from '../../infra/bundles.js';
import { featureFlags } from '../../infra/feature-flags.js';
import { FLEET_STACK_NAME } from '../../infra/fleet-names.js';
import { FleetStack } from '../../infra/fleet-stack.js';
import { ScimStack, scimStackName, tenantFunctionEntries } from '../../infra/scim-stack.js';
import { parseFleetConfig, parseTenantConfig } from '../../infra/tenants.js';

// biome-ignore lint/suspicious/noExplicitAny: template JSON is navigated by shape, as CloudFormation defines it
export type Json = any;
export type Resource = { Type: string; Properties: Record<string, Json>; DependsOn?: string[] };

export const env = { account: '111111111111', region: 'eu-west-1' };

export function synthesizeFleetAndTenant(tenantName: string): {
  fleet: [string, Resource][];
  tenant: [string, Resource][];
} {
  const app = new App({ context: { ...featureFlags(), 'aws:cdk:bundling-stacks': [] } });
  const bundles = new FunctionBundles(tenantFunctionEntries, true);
  const fleet = new FleetStack(app, FLEET_STACK_NAME, {
    env,
    fleet: parseFleetConfig({ ...env }),
    tenants: [tenantName],
  });
  const tenant = new ScimStack(app, scimStackName(tenantName), {
    env,
    tenant: parseTenantConfig({ name: tenantName }, tenantName),
    bundles,
  });
  const resources = (stack: FleetStack | ScimStack) =>
    Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, Resource>);
  return { fleet: resources(fleet), tenant: resources(tenant) };
}

export const ofType = (resources: [string, Resource][], type: string) =>
  resources.filter(([, resource]) => resource.Type === type);
