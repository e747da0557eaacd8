/**
 * Deploying a fleet in waves (`npm run deploy`), cell by cell: each cell's fleet stack first,
 * then its canary tenants one at a time, then the rest in batches. Pure planning here; the
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

/** One cell's part of a deploy: its fleet stack first, its canaries, then its other tenants. */
export interface CellDeploy {
  /** The cell id (`infra/fleet.json` `cells`), or `<account>-<region>` without declared cells. */
  readonly cell: string;
  readonly account: string;
  readonly region: string;
  /** The fleet stack's id in the assembly. */
  readonly fleetStack: string;
  /** Tenant names, sorted: the canaries (declared, else the first), then the rest. */
  readonly canaries: readonly string[];
  readonly tenants: readonly string[];
  /** `tenants` in batches of the concurrency. */
  readonly batches: readonly (readonly string[])[];
}

/** `tenants` grouped by cell, cells in the order their first tenant sorts. */
export function planCellDeploys(
  tenants: readonly PlacedTenant[],
  options: { readonly concurrency: number; readonly home: { account: string; region: string } },
): CellDeploy[] {
  const sorted = [...tenants].sort((a, b) => a.name.localeCompare(b.name));
  const byCell = new Map<string, PlacedTenant[]>();
  for (const tenant of sorted) {
    const id = tenant.cell ?? `${tenant.account}-${tenant.region}`;
    byCell.set(id, [...(byCell.get(id) ?? []), tenant]);
  }
  return [...byCell.entries()].map(([cell, members]) => {
    const declared = members.filter((tenant) => tenant.canary);
    const canaries = declared.length > 0 ? declared : members.slice(0, 1);
    const rest = members.filter((tenant) => !canaries.includes(tenant)).map((t) => t.name);
    const batches: string[][] = [];
    for (let start = 0; start < rest.length; start += options.concurrency) {
      batches.push(rest.slice(start, start + options.concurrency));
    }
    return {
      cell,
      account: members[0]!.account,
      region: members[0]!.region,
      fleetStack: fleetStackId(members[0]!, options.home),
      canaries: canaries.map((t) => t.name),
      tenants: rest,
      batches,
    };
  });
}

/**
 * The waves deploying `tenants`, cell by cell: the cell's fleet stack, its canaries (declared
 * `canary: true`, else its first tenant) one at a time, then batches of `concurrency`; a bad
 * deploy stops in the first cell it reaches. Stacks in `done` are left out (a resumed deploy).
 * With one cell the labels are those of a fleet without cells.
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
  const cells = planCellDeploys(tenants, { concurrency, home });
  const waves: Wave[] = [];
  const push = (kind: Wave['kind'], label: string, stacks: string[], waveConcurrency: number) => {
    const left = stacks.filter((stack) => !done.has(stack));
    if (left.length > 0) waves.push({ kind, label, stacks: left, concurrency: waveConcurrency });
  };
  for (const cell of cells) {
    const prefix = cells.length > 1 ? `cell ${cell.cell}: ` : '';
    push('fleet', `${prefix}fleet`, [cell.fleetStack], 1);
    for (const canary of cell.canaries)
      push('canary', `${prefix}canary ${canary}`, [scimStackName(canary)], 1);
    cell.batches.forEach((batch, index) => {
      push(
        'batch',
        `${prefix}batch ${index + 1} of ${cell.batches.length}`,
        batch.map((name) => scimStackName(name)),
        concurrency,
      );
    });
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
