/**
 * The directory the simulator provisions: users, groups and memberships derived from a seed, the
 * changes of an incremental cycle, and the end state both should leave in the service.
 */
import { hash32, seededRandom, stableUuid } from './random.js';

/** The user attributes the simulator manages (the GroupTalk attribute set). */
export interface UserState {
  readonly userName: string;
  readonly externalId: string;
  readonly displayName: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly email: string;
  readonly mobile: string;
  readonly costCenter: string;
  readonly organization: string;
  readonly label1?: string;
  readonly label2?: string;
  readonly label3?: string;
  readonly label4?: string;
  readonly label5?: string;
  readonly active: boolean;
}

export interface GroupState {
  readonly displayName: string;
  readonly externalId: string;
  readonly description: string;
}

/** Indexes into `Dataset.groups` and `Dataset.users`. */
export interface Membership {
  readonly group: number;
  readonly user: number;
}

export interface Dataset {
  /** Part of every name, so runs with different prefixes never meet in one tenant. */
  readonly prefix: string;
  readonly users: readonly UserState[];
  readonly groups: readonly GroupState[];
  readonly memberships: readonly Membership[];
}

export interface DatasetOptions {
  readonly seed: number;
  readonly users: number;
  readonly groups: number;
  readonly memberships: number;
  /** Default `sim<seed>`. */
  readonly prefix?: string;
}

const GIVEN = ['Ada', 'Björn', 'Chen', 'Dana', 'Emil', 'Fatima', 'Grace', 'Hiro', 'Ines', 'Jonas'];
const FAMILY = ['Lovelace', 'Lind', 'Wei', 'Scully', 'Berg', 'Khan', 'Hopper', 'Sato', 'Roth'];
const ORGANIZATIONS = ['North', 'South', 'Harbour', 'Airport', 'Depot'];
const ROLES = ['driver', 'dispatcher', 'guard', 'technician', 'supervisor'];
const SHIFTS = ['day', 'night', 'weekend'];
const TEAMS = ['Dispatch', 'Security', 'Maintenance', 'Logistics', 'Cleaning', 'Field'];

const pad = (n: number, width = 6) => String(n).padStart(width, '0');

/** Builds the dataset; the same options give the same dataset. */
export function buildDataset(options: DatasetOptions): Dataset {
  const { seed, users: userCount, groups: groupCount } = options;
  const prefix = options.prefix ?? `sim${seed}`;
  if (!/^[A-Za-z0-9-]+$/.test(prefix)) {
    throw new Error(`prefix must be letters, digits and dashes, got "${prefix}"`);
  }
  const random = seededRandom(`${seed}:${prefix}`);
  const domain = `${prefix.toLowerCase()}.example.test`;
  // Three digits from the prefix keep phone numbers apart between prefixes.
  const area = String(hash32(prefix) % 1000).padStart(3, '0');

  const users: UserState[] = Array.from({ length: userCount }, (_, i) => {
    const givenName = random.pick(GIVEN);
    const familyName = random.pick(FAMILY);
    const local = `${givenName}.${familyName}.${pad(i)}`;
    return {
      userName: `${local.toLowerCase()}@${domain}`,
      externalId: stableUuid(`${prefix}:user:${i}`),
      displayName: `${givenName} ${familyName}`,
      givenName,
      familyName,
      // Mixed case on purpose: e-mail lookups are case-insensitive.
      email: `${local}@${domain}`,
      mobile: `+1 555 ${area} ${pad(i, 7)}`,
      costCenter: `CC${1000 + random.int(9000)}`,
      organization: random.pick(ORGANIZATIONS),
      label1: random.pick(ROLES),
      label2: random.pick(SHIFTS),
      active: true,
    };
  });

  const groups: GroupState[] = Array.from({ length: groupCount }, (_, j) => ({
    displayName: `${prefix} ${random.pick(TEAMS)} ${pad(j, 4)}`,
    externalId: stableUuid(`${prefix}:group:${j}`),
    description: `Talk group ${j} of ${prefix}`,
  }));

  return { prefix, users, groups, memberships: chooseMemberships(options, random) };
}

function chooseMemberships(
  options: DatasetOptions,
  random: ReturnType<typeof seededRandom>,
): Membership[] {
  const { users, groups, memberships } = options;
  const possible = users * groups;
  if (memberships > possible) {
    throw new Error(
      `${memberships} memberships do not fit ${groups} groups × ${users} users (${possible})`,
    );
  }
  if (memberships === 0) return [];
  if (memberships > possible / 2) {
    return random
      .sample(possible, memberships)
      .map((k) => ({ group: Math.floor(k / users), user: k % users }));
  }
  const chosen = new Set<number>();
  const result: Membership[] = [];
  while (result.length < memberships) {
    // Skewed towards low group numbers: a few large groups and many small ones, as in a directory.
    const group = Math.floor(groups * random.next() ** 1.5);
    const user = random.int(users);
    const key = group * users + user;
    if (chosen.has(key)) continue;
    chosen.add(key);
    result.push({ group, user });
  }
  return result;
}

/**
 * What changes between the initial cycle and the next ones. Round 1 is an incremental cycle
 * (attribute changes, disables, group changes, member adds and removes, group deletes); round 2 a
 * later one (restores of some disabled users, hard deletes of the others: Entra's soft delete
 * followed by a permanent delete).
 */
export interface IncrementalPlan {
  readonly userUpdates: readonly { readonly user: number; readonly changes: Partial<UserState> }[];
  readonly disables: readonly number[];
  readonly groupUpdates: readonly {
    readonly group: number;
    readonly changes: Partial<GroupState>;
  }[];
  readonly memberAdds: readonly Membership[];
  readonly memberRemoves: readonly Membership[];
  readonly groupDeletes: readonly number[];
  readonly restores: readonly number[];
  readonly userDeletes: readonly number[];
}

const share = (total: number, fraction: number, minimum: number) =>
  Math.min(total, Math.max(minimum, Math.round(total * fraction)));

/** The incremental changes for a dataset; the same seed gives the same plan. */
export function planIncremental(dataset: Dataset, seed: number): IncrementalPlan {
  const random = seededRandom(`${seed}:${dataset.prefix}:incremental`);
  const userCount = dataset.users.length;
  const order = random.shuffle(Array.from({ length: userCount }, (_, i) => i));
  const updateCount = share(userCount, 0.1, 2);
  const disableCount = share(userCount - updateCount, 0.05, 2);
  const updated = order.slice(0, updateCount);
  const disabled = order.slice(updateCount, updateCount + disableCount);
  const restores = disabled.slice(0, Math.ceil(disabled.length / 2));
  const userDeletes = disabled.slice(restores.length);

  const userUpdates = updated.map((user, k) => ({
    user,
    changes: userChanges(dataset, user, k, random),
  }));

  const groupCount = dataset.groups.length;
  const groupOrder = random.shuffle(Array.from({ length: groupCount }, (_, j) => j));
  const groupUpdateCount = share(groupCount, 0.1, 1);
  const groupDeleteCount = groupCount >= 3 ? share(groupCount - groupUpdateCount, 0.05, 1) : 0;
  const groupUpdates = groupOrder.slice(0, groupUpdateCount).map((group, k) => ({
    group,
    changes:
      k % 2 === 0
        ? {
            displayName: `${dataset.groups[group]?.displayName} renamed`,
            description: `Renamed talk group ${group}`,
          }
        : { description: `Talk group ${group}, updated` },
  }));
  const groupDeletes = groupOrder.slice(groupUpdateCount, groupUpdateCount + groupDeleteCount);
  const deletedGroups = new Set(groupDeletes);

  const existing = new Set(dataset.memberships.map((m) => m.group * userCount + m.user));
  const live = dataset.memberships.filter((m) => !deletedGroups.has(m.group));
  const memberRemoves = random
    .sample(live.length, share(live.length, 0.05, 1))
    .map((k) => live[k] as Membership);
  const memberAdds: Membership[] = [];
  const liveGroups = groupOrder.filter((group) => !deletedGroups.has(group));
  const addCount = liveGroups.length > 0 ? share(dataset.memberships.length, 0.05, 1) : 0;
  for (let tries = 0; memberAdds.length < addCount && tries < addCount * 20; tries++) {
    const group = random.pick(liveGroups);
    const user = random.int(userCount);
    const key = group * userCount + user;
    if (existing.has(key)) continue;
    existing.add(key);
    memberAdds.push({ group, user });
  }

  return {
    userUpdates,
    disables: disabled,
    groupUpdates,
    memberAdds,
    memberRemoves,
    groupDeletes,
    restores,
    userDeletes,
  };
}

/** One to three attribute changes, now and then a rename (Entra renames follow the UPN). */
function userChanges(
  dataset: Dataset,
  user: number,
  k: number,
  random: ReturnType<typeof seededRandom>,
): Partial<UserState> {
  const current = dataset.users[user] as UserState;
  const [local = '', domain = ''] = current.userName.split('@');
  const choices: (() => Partial<UserState>)[] = [
    () => {
      const givenName = `${current.givenName}e`;
      return { givenName, displayName: `${givenName} ${current.familyName}` };
    },
    () => {
      const familyName = `${current.familyName}-Nilsson`;
      return { familyName, displayName: `${current.givenName} ${familyName}` };
    },
    () => ({ email: current.email.replace('@', '.v2@') }),
    () => ({ mobile: current.mobile.replace('+1 555', '+1 556') }),
    () => ({ costCenter: `CC${1000 + random.int(9000)}` }),
    () => ({ organization: `${current.organization} West` }),
    () => ({ label1: `${current.label1 ?? 'none'}-lead` }),
    // Attributes the user did not have: Entra sends Add rather than Replace.
    () => ({ label3: `zone-${random.int(40)}` }),
    () => ({ label4: 'radio', label5: `channel-${random.int(16)}` }),
  ];
  const changes: Partial<UserState> = {};
  for (const index of random.sample(choices.length, 1 + random.int(3))) {
    Object.assign(changes, (choices[index] as () => Partial<UserState>)());
  }
  if (k % 5 === 0) Object.assign(changes, { userName: `${local}.moved@${domain}` });
  return changes;
}

export interface ExpectedGroup extends GroupState {
  readonly members: ReadonlySet<number>;
}

/** What the service must hold after the initial cycle and, given a plan, the incremental ones. */
export interface ExpectedState {
  /** `undefined` for a deleted user. */
  readonly users: readonly (UserState | undefined)[];
  readonly groups: readonly (ExpectedGroup | undefined)[];
}

export function expectedState(dataset: Dataset, plan?: IncrementalPlan): ExpectedState {
  const users: (UserState | undefined)[] = [...dataset.users];
  const members = dataset.groups.map(() => new Set<number>());
  for (const { group, user } of dataset.memberships) members[group]?.add(user);
  const groups: (GroupState | undefined)[] = [...dataset.groups];

  if (plan) {
    for (const { user, changes } of plan.userUpdates) {
      users[user] = { ...(users[user] as UserState), ...changes };
    }
    for (const user of plan.disables)
      users[user] = { ...(users[user] as UserState), active: false };
    for (const user of plan.restores) users[user] = { ...(users[user] as UserState), active: true };
    for (const user of plan.userDeletes) {
      users[user] = undefined;
      for (const set of members) set.delete(user);
    }
    for (const { group, changes } of plan.groupUpdates) {
      groups[group] = { ...(groups[group] as GroupState), ...changes };
    }
    for (const { group, user } of plan.memberAdds) {
      if (users[user]) members[group]?.add(user);
    }
    for (const { group, user } of plan.memberRemoves) members[group]?.delete(user);
    for (const group of plan.groupDeletes) groups[group] = undefined;
  }

  return {
    users,
    groups: groups.map((group, j) =>
      group ? { ...group, members: members[j] ?? new Set<number>() } : undefined,
    ),
  };
}
