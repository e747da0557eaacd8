import { App } from 'aws-cdk-lib';
import { addSecurityChecks, ScimStack, scimStackName } from './scim-stack.js';
import { declaredTenants, loadTenant } from './tenants.js';

/**
 * One stack per tenant: `cdk synth -c tenant=<name>` builds that tenant's stack, plain
 * `cdk synth` builds every tenant declared in `infra/tenants/`.
 */
const app = new App();

const selected = app.node.tryGetContext('tenant') as unknown;
if (selected !== undefined && typeof selected !== 'string') {
  throw new Error(`-c tenant=<name> must be a tenant name, got ${JSON.stringify(selected)}`);
}
const tenants = selected ? [selected] : declaredTenants();

// Without CDK_DEFAULT_* (no AWS credentials, e.g. an offline synth) the stacks are
// environment-agnostic and `cdk deploy` resolves account and region from the profile.
const env = {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
};

for (const name of tenants) {
  new ScimStack(app, scimStackName(name), { tenant: loadTenant(name), env });
}
addSecurityChecks(app);

app.synth();
