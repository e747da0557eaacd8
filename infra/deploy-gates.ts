/**
 * The gated rollout of `npm run deploy`, cell by cell: the cell's fleet stack, its canary tenant
 * (a tenant GroupTalk owns, `"canary": true`) with CloudFormation rollback triggers on the
 * canary's alarms, `npm run verify` against the canary (the gate), then the customer tenants in
 * batches, each followed by a smoke check (`npm run verify -- --no-canary`). Pure planning: the
 * CLI runs the steps and records the finished ones for `--resume`.
 */
import { planWaves, type Wave } from './deploy-plan.js';
import type { PlacedTenant } from './tenants.js';

/**
 * The cell a tenant belongs to: its declared cell (`infra/fleet.json` `cells`), else its account
 * and region, as `planCellDeploys` groups them.
 */
export function cellOf(tenant: Pick<PlacedTenant, 'account' | 'region' | 'cell'>): string {
  return tenant.cell ?? `${tenant.account}-${tenant.region}`;
}

export type Step =
  | {
      readonly kind: 'deploy';
      /** The state key: the wave's stacks are recorded one by one. */
      readonly wave: Wave;
      /** The canary's wave: rolled back by CloudFormation when one of its alarms fires. */
      readonly rollbackTriggers: boolean;
    }
  | {
      readonly kind: 'verify';
      /** Recorded in the deploy state once passed. */
      readonly key: string;
      readonly label: string;
      /** `npm run verify` arguments. */
      readonly args: readonly string[];
    };

export interface CellRollout {
  readonly cell: string;
  /** The cell's declared canary; undefined only with `skipVerify`. */
  readonly canary: string | undefined;
  readonly steps: readonly Step[];
}

/** A cell whose rollout cannot be gated: the message says what to declare. */
export class UngatedCellError extends Error {
  override name = 'UngatedCellError';
}

/**
 * The rollout of `tenants` per cell. With gates, each cell needs a declared canary (added to the
 * cell's waves when the selection leaves it out: `allTenants` are every declared tenant). Steps in
 * `done` (stacks and gate keys) are left out, so a resumed rollout re-runs a failed gate first.
 */
export function planRollout(
  tenants: readonly PlacedTenant[],
  options: {
    readonly allTenants: readonly PlacedTenant[];
    readonly concurrency: number;
    readonly home: { account: string; region: string };
    readonly done?: ReadonlySet<string>;
    readonly skipVerify?: boolean;
  },
): CellRollout[] {
  const done = options.done ?? new Set<string>();
  const cells = new Map<string, PlacedTenant[]>();
  for (const tenant of tenants) {
    cells.set(cellOf(tenant), [...(cells.get(cellOf(tenant)) ?? []), tenant]);
  }
  return [...cells].map(([cell, selected]) => {
    const declared = options.allTenants.filter((t) => t.canary && cellOf(t) === cell);
    if (declared.length === 0 && !options.skipVerify) {
      throw new UngatedCellError(
        `cell ${cell} has no canary tenant: declare one that GroupTalk owns ("canary": true in infra/tenants/<name>.json); verify never plays Entra against a customer's tenant. --skip-verify deploys without the gate.`,
      );
    }
    const members = options.skipVerify
      ? selected
      : [
          ...selected,
          ...declared.filter((canary) => !selected.some((tenant) => tenant.name === canary.name)),
        ];
    const canaries = members.filter((tenant) => tenant.canary).map((tenant) => tenant.name);
    const waves = planWaves(members, { concurrency: options.concurrency, home: options.home });
    const steps: Step[] = [];
    for (const wave of waves) {
      const left = wave.stacks.filter((stack) => !done.has(stack));
      if (left.length > 0) {
        steps.push({
          kind: 'deploy',
          wave: { ...wave, stacks: left },
          rollbackTriggers: wave.kind === 'canary' && !options.skipVerify,
        });
      }
      if (options.skipVerify) continue;
      if (wave.kind === 'canary' && wave.label === `canary ${canaries.at(-1)}`) {
        const key = `verify ${cell}`;
        if (!done.has(key)) {
          steps.push({
            kind: 'verify',
            key,
            label: `verify canary ${canaries.join(', ')}`,
            args: ['--tenants', canaries.join(',')],
          });
        }
      }
      if (wave.kind === 'batch') {
        const key = `smoke ${cell} ${wave.label}: ${wave.stacks.join(',')}`;
        if (!done.has(key)) {
          steps.push({
            kind: 'verify',
            key,
            label: `smoke ${wave.label}`,
            args: ['--no-canary', '--tenants', tenantsOf(wave).join(',')],
          });
        }
      }
    }
    return { cell, canary: canaries[0], steps };
  });
}

/** The tenant names of a wave's stacks (`GroupTalkScim-<name>`). */
export function tenantsOf(wave: Wave): string[] {
  return wave.stacks.map((stack) => stack.replace(/^GroupTalkScim-/, ''));
}

/** CloudFormation takes at most 5 rollback triggers per stack (the CDK CLI checks the same). */
export const MAX_ROLLBACK_TRIGGERS = 5;

/** The CloudWatch alarm names of a synthesized stack template (their names are literal). */
export function templateAlarmNames(template: {
  Resources?: Record<string, { Type?: string; Properties?: { AlarmName?: unknown } }>;
}): string[] {
  return Object.values(template.Resources ?? {}).flatMap((resource) =>
    resource.Type === 'AWS::CloudWatch::Alarm' && typeof resource.Properties?.AlarmName === 'string'
      ? [resource.Properties.AlarmName]
      : [],
  );
}

/** `cdk deploy` options of the canary's wave: the alarms that roll it back, and how long after. */
export function rollbackTriggerArgs(
  alarmArns: readonly string[],
  monitoringMinutes: number,
): string[] {
  if (alarmArns.length === 0) return [];
  return [
    ...alarmArns
      .slice(0, MAX_ROLLBACK_TRIGGERS)
      .flatMap((arn) => ['--rollback-trigger-alarm-arns', arn]),
    '--monitoring-time-minutes',
    String(monitoringMinutes),
  ];
}
