/**
 * Deploying a fleet in waves (`npm run deploy`): the fleet stack of each account and region
 * first, then the canary tenants one at a time, then the rest in batches. Pure planning here; the
 * CLI runs `cdk deploy` per wave and records progress so an interrupted or failed deploy resumes
 * where it stopped.
 */
import { FLEET_STACK_NAME, scimStackName } from './fleet-names.js';
import type { PlacedTenant } from './tenants.js';

/**
 * API Gateway's management API allows 10 requests a second per account (burst 40), shared by
 * every stack CloudFormation creates or updates at once; a tenant stack makes about 45 calls
 * (API, stage, 21 routes and integrations) over a minute or more. Ten stacks at once stay near
 * that rate; CloudFormation retries the throttled calls of a short burst.
 */
export const MAX_DEPLOY_CONCURRENCY = 10;

export interface Wave {
  readonly label: string;
  /** What the wave deploys: the gates of `deploy-gates.ts` follow the canary and each batch. */
  readonly kind: 'fleet' | 'canary' | 'batch';
  /** The stacks `cdk deploy` deploys together (at most the wave's concurrency at once). */
  readonly stacks: readonly string[];
  readonly concurrency: number;
}

/** The fleet stack's id in the cloud assembly (see `infra/app.ts`). */
export function fleetStackId(
  place: { account: string; region: string },
  home: { account: string; region: string },
): string {
  return place.account === home.account && place.region === home.region
    ? FLEET_STACK_NAME
    : `${FLEET_STACK_NAME}-${place.account}-${place.region}`;
}

/**
 * The waves deploying `tenants`: fleet stacks, canaries (declared `canary: true`, else the first
 * tenant), then batches of `concurrency`. Stacks in `done` are left out (a resumed deploy).
 */
export function planWaves(
  tenants: readonly PlacedTenant[],
  options: {
    readonly concurrency: number;
    readonly home: { account: string; region: string };
    readonly done?: ReadonlySet<string>;
  },
): Wave[] {
  const { concurrency, home } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_DEPLOY_CONCURRENCY) {
    throw new Error(
      `--concurrency must be 1 to ${MAX_DEPLOY_CONCURRENCY} (API Gateway's management API allows 10 requests a second per account)`,
    );
  }
  const done = options.done ?? new Set<string>();
  const sorted = [...tenants].sort((a, b) => a.name.localeCompare(b.name));
  const fleetStacks = [...new Set(sorted.map((tenant) => fleetStackId(tenant, home)))];
  const declaredCanaries = sorted.filter((tenant) => tenant.canary);
  const canaries = declaredCanaries.length > 0 ? declaredCanaries : sorted.slice(0, 1);
  const rest = sorted.filter((tenant) => !canaries.includes(tenant));

  const waves: Wave[] = [];
  const push = (kind: Wave['kind'], label: string, stacks: string[], waveConcurrency: number) => {
    const left = stacks.filter((stack) => !done.has(stack));
    if (left.length > 0) waves.push({ kind, label, stacks: left, concurrency: waveConcurrency });
  };
  push('fleet', 'fleet', fleetStacks, fleetStacks.length);
  for (const canary of canaries) {
    push('canary', `canary ${canary.name}`, [scimStackName(canary.name)], 1);
  }
  for (let start = 0; start < rest.length; start += concurrency) {
    const batch = rest.slice(start, start + concurrency);
    push(
      'batch',
      `batch ${start / concurrency + 1} of ${Math.ceil(rest.length / concurrency)}`,
      batch.map((tenant) => scimStackName(tenant.name)),
      concurrency,
    );
  }
  return waves;
}

/** The `cdk deploy` arguments of one wave, against an assembly synthesized once. */
export function cdkDeployArgs(
  wave: Wave,
  options: {
    readonly assembly: string;
    readonly outputsFile: string;
    readonly extra: readonly string[];
  },
): string[] {
  return [
    'cdk',
    'deploy',
    '--app',
    options.assembly,
    '--exclusively',
    ...wave.stacks,
    '--concurrency',
    String(wave.concurrency),
    '--outputs-file',
    options.outputsFile,
    ...options.extra,
  ];
}
