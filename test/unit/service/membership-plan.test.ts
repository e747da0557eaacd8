import { describe, expect, it } from 'vitest';
import { planMembership, resolveMembership } from '../../../shared/service/membership-plan.js';

const ids = (...values: string[]) => values.map((value) => ({ value }));

describe('planMembership', () => {
  it('folds adds and removes into one add set and one remove set, the later change winning', () => {
    // Prepare / Act
    const plan = planMembership([
      { op: 'add', members: ids('a', 'b') },
      { op: 'remove', members: ids('a', 'c') },
      { op: 'add', members: ids('c') },
    ]);

    // Assess
    expect(plan).toEqual({ cleared: false, add: ['b', 'c'], remove: ['a'] });
  });

  it('starts from an empty group after a remove of all members', () => {
    const plan = planMembership([
      { op: 'remove', members: ids('x') },
      { op: 'removeAll' },
      { op: 'add', members: ids('a', 'b') },
      { op: 'remove', members: ids('b', 'z') },
    ]);

    expect(plan).toEqual({ cleared: true, add: ['a'], remove: [] });
  });

  it('makes a replace the new member list', () => {
    const plan = planMembership([
      { op: 'add', members: ids('old') },
      { op: 'replace', members: ids('a', 'b') },
    ]);

    expect(plan).toEqual({ cleared: true, add: ['a', 'b'], remove: [] });
  });

  it('plans nothing for an empty remove list', () => {
    expect(planMembership([{ op: 'remove', members: [] }])).toEqual({
      cleared: false,
      add: [],
      remove: [],
    });
  });
});

describe('resolveMembership', () => {
  it('applies an uncleared plan as it is, without the current members', () => {
    expect(resolveMembership({ cleared: false, add: ['a'], remove: ['b'] })).toEqual({
      add: ['a'],
      remove: ['b'],
    });
  });

  it('writes only the difference when the plan replaces the members', () => {
    const writes = resolveMembership({ cleared: true, add: ['a', 'b'], remove: [] }, ['b', 'c']);

    expect(writes).toEqual({ add: ['a'], remove: ['c'] });
  });
});
