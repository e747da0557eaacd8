/**
 * What a PATCH's member operations amount to: the membership writes that carry them out. Pure:
 * the store only writes the sets this computes.
 */
import type { MemberChange } from '../scim/patch.js';

/**
 * The net effect of a PATCH's ordered member changes. Without `cleared`, `add` and `remove` are
 * applied to the current members as they are (no need to read them); with `cleared` (a
 * `replace` or a `remove` of all members came first), the group ends with exactly `add`.
 */
export interface MembershipPlan {
  readonly cleared: boolean;
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

/**
 * Folds ordered member changes into one add set and one remove set: a later change to the same
 * member wins, `removeAll` and `replace` start from an empty group.
 *
 * @example
 * planMembership([{ op: 'add', members: [{ value: 'a' }, { value: 'b' }] },
 *                 { op: 'remove', members: [{ value: 'a' }] }])
 * // → { cleared: false, add: ['b'], remove: ['a'] }
 */
export function planMembership(changes: readonly MemberChange[]): MembershipPlan {
  let cleared = false;
  const add = new Set<string>();
  const remove = new Set<string>();
  for (const change of changes) {
    if (change.op === 'removeAll' || change.op === 'replace') {
      cleared = true;
      add.clear();
      remove.clear();
      if (change.op === 'removeAll') continue;
    }
    for (const { value } of change.members) {
      if (change.op === 'remove') {
        add.delete(value);
        if (!cleared) remove.add(value);
      } else {
        remove.delete(value);
        add.add(value);
      }
    }
  }
  return { cleared, add: [...add], remove: [...remove] };
}

/**
 * The membership writes that carry out `plan` on a group whose members are `current` (only read
 * when the plan is `cleared`): ids to add and ids to remove, none of them a no-op.
 */
export function resolveMembership(
  plan: MembershipPlan,
  current: readonly string[] = [],
): { add: string[]; remove: string[] } {
  if (!plan.cleared) return { add: [...plan.add], remove: [...plan.remove] };
  const existing = new Set(current);
  const kept = new Set(plan.add);
  return {
    add: plan.add.filter((id) => !existing.has(id)),
    remove: current.filter((id) => !kept.has(id)),
  };
}
