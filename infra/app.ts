import { App } from 'aws-cdk-lib';
import { FunctionBundles } from './bundles.js';
import { FLEET_STACK_NAME } from './fleet-names.js';
import { FleetStack } from './fleet-stack.js';
import {
  addSecurityChecks,
  ScimStack,
  scimStackName,
  tenantFunctionEntries,
} from './scim-stack.js';
import {
  checkTenantInFleet,
  declaredTenants,
  fleetCells,
  loadFleet,
  loadTenant,
  type PlacedTenant,
  placeTenant,
} from './tenants.js';

/**
 * The fleet: one fleet stack per account and region that holds tenants, and one stack per tenant.
 * `cdk synth` builds every tenant declared in `infra/tenants/`; `-c tenant=<name>` (or
 * `-c tenants=a,b`) builds only those and their fleet stack. Every stack has an explicit account
 * and region: the tenant's own, or `infra/fleet.json`'s; nothing falls back to the AWS profile.
 */
const app = new App();

const fleet = loadFleet();
const all = declaredTenants();
const selected = selectedTenants(
  app.node.tryGetContext('tenant'),
  app.node.tryGetContext('tenants'),
);
const placed: PlacedTenant[] = all.map((name) => {
  const tenant = loadTenant(name);
  checkTenantInFleet(tenant, fleet);
  return placeTenant(tenant, fleet);
});

// Built once, shared by every tenant stack.
const bundles = FunctionBundles.forApp(app, tenantFunctionEntries);

const places = new Map<string, { account: string; region: string; tenants: PlacedTenant[] }>();
for (const tenant of placed) {
  const key = `${tenant.account}/${tenant.region}`;
  const place = places.get(key) ?? { account: tenant.account, region: tenant.region, tenants: [] };
  place.tenants.push(tenant);
  places.set(key, place);
}
// Every declared cell gets its fleet stack, tenants or not: it is deployed before its first
// tenant (`npm run tenant -- add` asks for that when it opens a cell).
for (const cell of [{ account: fleet.account, region: fleet.region }, ...fleetCells(fleet)]) {
  const key = `${cell.account}/${cell.region}`;
  if (!places.has(key))
    places.set(key, { account: cell.account, region: cell.region, tenants: [] });
}

for (const place of places.values()) {
  const home = place.account === fleet.account && place.region === fleet.region;
  const fleetStack = new FleetStack(
    app,
    home ? FLEET_STACK_NAME : `${FLEET_STACK_NAME}-${place.account}-${place.region}`,
    {
      stackName: FLEET_STACK_NAME,
      env: { account: place.account, region: place.region },
      fleet,
      // The selector offers every tenant of the place, not only those synthesized now.
      tenants: place.tenants.map((tenant) => tenant.name),
      canaries: place.tenants.filter((tenant) => tenant.canary).map((tenant) => tenant.name),
    },
  );
  for (const tenant of place.tenants) {
    if (selected && !selected.includes(tenant.name)) continue;
    const stack = new ScimStack(app, scimStackName(tenant.name), {
      tenant,
      bundles,
      env: { account: tenant.account, region: tenant.region },
    });
    stack.addStackDependency(
      fleetStack,
      'the scheduler role and the alarm topic live in the fleet stack',
    );
  }
}
addSecurityChecks(app);

app.synth();

function selectedTenants(one: unknown, several: unknown): string[] | undefined {
  for (const [flag, value] of [
    ['tenant', one],
    ['tenants', several],
  ] as const) {
    if (value !== undefined && typeof value !== 'string') {
      throw new Error(`-c ${flag}=<names> must be tenant names, got ${JSON.stringify(value)}`);
    }
  }
  const names = [one, several]
    .filter((value): value is string => typeof value === 'string' && value !== '')
    .flatMap((value) => value.split(','));
  if (names.length === 0) return undefined;
  for (const name of names) loadTenant(name); // an unknown name fails, naming the declared ones
  return names;
}
