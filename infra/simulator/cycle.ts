/**
 * Plays Entra's provisioning service against a Tenant URL: an initial cycle (each user looked up
 * by userName, created or updated; then each group looked up without members, created empty, and
 * its members added in batches), optionally the incremental cycles that follow, and a read-back of
 * the end state. Order and shapes follow `shared/entra/entra-scim-facts.md` §1.4–1.9.
 */
import { type Recorder, ScimClient, type ScimResponse } from './client.js';
import {
  buildDataset,
  type Dataset,
  expectedState,
  type GroupState,
  type IncrementalPlan,
  planIncremental,
  type UserState,
} from './dataset.js';
import {
  activePatch,
  addMembersPatch,
  attributesPatch,
  createGroupBody,
  createUserBody,
  type Dialect,
  diffAttributes,
  GROUP_PATHS,
  groupLookupQuery,
  readUser,
  removeMembersPatch,
  USER_PATHS,
  userLookupQuery,
} from './entra-requests.js';
import { runPool } from './pool.js';
import { type ProgressReporter, silentProgress } from './progress.js';
import { type Verification, verifyState } from './verify.js';

export interface SimulationOptions {
  /** The Tenant URL (a `?aadOptscim062020` query is kept on every request). */
  readonly url: string;
  readonly token: string;
  readonly users: number;
  readonly groups: number;
  readonly memberships: number;
  /** Requests in flight at once (objects processed in parallel). */
  readonly concurrency: number;
  readonly dialect: Dialect;
  /** Also run the incremental cycles after the initial one. */
  readonly incremental: boolean;
  readonly seed: number;
  readonly prefix?: string;
  /** Members per `Add members` PATCH; how many Entra puts in one is not documented. */
  readonly memberBatch: number;
  /** Read the end state back and compare (default true). */
  readonly verify?: boolean;
  readonly recorder: Recorder;
  readonly progress?: ProgressReporter;
}

export interface PhaseResult {
  readonly name: string;
  readonly durationMs: number;
  readonly requests: number;
  readonly errors: number;
}

export interface CycleResult {
  readonly durationMs: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
}

export interface SimulationResult {
  readonly prefix: string;
  readonly dialect: Dialect;
  readonly phases: readonly PhaseResult[];
  readonly initial: CycleResult;
  readonly incremental?: CycleResult;
  readonly verification?: Verification;
  readonly durationMs: number;
  readonly requests: number;
  readonly errors: number;
  readonly requestsPerSecond: number;
  /** Verification passed (when run) and no request ended in an unexpected status. */
  readonly ok: boolean;
  /** The ids the service gave the dataset's objects. */
  readonly ids: TargetIds;
}

/** What the run learnt about the target: the ids Entra would cache. */
export interface TargetIds {
  readonly users: (string | undefined)[];
  readonly groups: (string | undefined)[];
  /**
   * Users that existed before this run: Entra never clears what it does not send, so their
   * attributes the dataset leaves out are not checked.
   */
  readonly preexistingUsers: Set<number>;
  /** Groups that existed before this run (their members are checked as a superset). */
  readonly preexistingGroups: Set<number>;
}

export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  const dataset = buildDataset(options);
  const plan = options.incremental ? planIncremental(dataset, options.seed) : undefined;
  const client = new ScimClient({
    url: options.url,
    token: options.token,
    recorder: options.recorder,
  });
  const progress = options.progress ?? silentProgress;
  const ids: TargetIds = {
    users: dataset.users.map(() => undefined),
    groups: dataset.groups.map(() => undefined),
    preexistingUsers: new Set(),
    preexistingGroups: new Set(),
  };
  const entra = new EntraPlayer(client, options, ids, progress);
  const phases: PhaseResult[] = [];
  const phase = async (name: string, total: number, run: () => Promise<void>) => {
    progress.phase(name, total);
    const started = performance.now();
    const requests = options.recorder.requests;
    const errors = options.recorder.errors;
    await run();
    const result = {
      name,
      durationMs: performance.now() - started,
      requests: options.recorder.requests - requests,
      errors: options.recorder.errors - errors,
    };
    phases.push(result);
    return result;
  };

  const started = performance.now();
  const requestsBefore = options.recorder.requests;
  const errorsBefore = options.recorder.errors;
  try {
    const initial = [
      await phase('users', dataset.users.length, () => entra.provisionUsers(dataset.users)),
      await phase('groups', dataset.groups.length, () => entra.provisionGroups(dataset.groups)),
      await phase('memberships', new Set(dataset.memberships.map((m) => m.group)).size, () =>
        entra.addMembers(dataset.memberships),
      ),
    ];
    const incremental = plan
      ? [
          await phase('incremental', incrementalTotal(plan), () =>
            entra.incrementalRound(dataset, plan),
          ),
          await phase(
            'incremental, later cycle',
            plan.restores.length + plan.userDeletes.length,
            () => entra.laterRound(dataset, plan),
          ),
        ]
      : undefined;
    let verification: Verification | undefined;
    if (options.verify ?? true) {
      const expected = expectedState(dataset, plan);
      await phase('verify', dataset.users.length + dataset.groups.length, async () => {
        verification = await verifyState(client, expected, ids, options.concurrency, progress);
      });
    }
    const durationMs = performance.now() - started;
    const requests = options.recorder.requests - requestsBefore;
    const errors = options.recorder.errors - errorsBefore;
    return {
      prefix: dataset.prefix,
      dialect: options.dialect,
      phases,
      initial: cycleOf(initial),
      ...(incremental ? { incremental: cycleOf(incremental) } : {}),
      ...(verification ? { verification } : {}),
      durationMs,
      requests,
      errors,
      requestsPerSecond: (requests * 1000) / durationMs,
      ok: errors === 0 && (verification?.ok ?? true),
      ids,
    };
  } finally {
    progress.stop();
  }
}

function cycleOf(phases: readonly PhaseResult[]): CycleResult {
  const durationMs = phases.reduce((sum, phase) => sum + phase.durationMs, 0);
  const requests = phases.reduce((sum, phase) => sum + phase.requests, 0);
  return { durationMs, requests, requestsPerSecond: (requests * 1000) / durationMs };
}

function incrementalTotal(plan: IncrementalPlan): number {
  const groups = new Set([
    ...plan.groupUpdates.map((update) => update.group),
    ...plan.memberAdds.map((m) => m.group),
    ...plan.memberRemoves.map((m) => m.group),
    ...plan.groupDeletes,
  ]);
  return plan.userUpdates.length + plan.disables.length + groups.size;
}

/** The request sequences of Entra's provisioning service, one object at a time per worker. */
class EntraPlayer {
  private readonly dialect: Dialect;
  private readonly concurrency: number;
  private readonly memberBatch: number;

  constructor(
    private readonly client: ScimClient,
    options: Pick<SimulationOptions, 'dialect' | 'concurrency' | 'memberBatch'>,
    private readonly ids: TargetIds,
    private readonly progress: ProgressReporter,
  ) {
    this.dialect = options.dialect;
    this.concurrency = options.concurrency;
    this.memberBatch = Math.max(1, options.memberBatch);
  }

  provisionUsers(users: readonly UserState[]): Promise<void> {
    return runPool(users, this.concurrency, async (user, i) => {
      if ((await this.provisionUser(i, user.userName, user)) === 'matched') {
        this.ids.preexistingUsers.add(i);
      }
      this.progress.done();
    });
  }

  /**
   * Match by userName; no match → POST; a match → PATCH what differs (nothing → no request).
   * Entra caches the id either way.
   */
  private async provisionUser(
    index: number,
    matchName: string,
    wanted: UserState,
    operation = 'patchUser',
  ): Promise<'created' | 'matched' | 'failed'> {
    const found = await this.client.request('lookupUser', 'GET', '/Users', {
      query: userLookupQuery(matchName),
    });
    if (found.status !== 200) return 'failed';
    const match = found.body?.Resources?.[0];
    if (!match) {
      const created = await this.client.request('createUser', 'POST', '/Users', {
        body: createUserBody(wanted),
        expect: [201],
      });
      if (created.status !== 201) return 'failed';
      this.ids.users[index] = created.body?.id;
      return 'created';
    }
    this.ids.users[index] = match.id;
    const changes = diffAttributes(USER_PATHS, wanted, readUser(match));
    if (changes.length === 0) return 'matched';
    const onlyActive = changes.length === 1 && changes[0]?.path === USER_PATHS.active;
    await this.client.request(operation, 'PATCH', `/Users/${match.id}`, {
      body: onlyActive
        ? activePatch(this.dialect, wanted.active)
        : attributesPatch(this.dialect, changes),
      expect: [200, 204],
    });
    return 'matched';
  }

  provisionGroups(groups: readonly GroupState[]): Promise<void> {
    return runPool(groups, this.concurrency, async (group, j) => {
      await this.provisionGroup(j, group.displayName, group);
      this.progress.done();
    });
  }

  /** Match by displayName without members; no match → POST with no members; else PATCH. */
  private async provisionGroup(index: number, matchName: string, wanted: GroupState) {
    const found = await this.lookupGroup(matchName);
    if (found.status !== 200) return;
    const match = found.body?.Resources?.[0];
    if (!match) {
      const created = await this.client.request('createGroup', 'POST', '/Groups', {
        body: createGroupBody(wanted),
        expect: [201],
      });
      if (created.status === 201) this.ids.groups[index] = created.body?.id;
      return;
    }
    this.ids.groups[index] = match.id;
    this.ids.preexistingGroups.add(index);
    await this.patchGroupAttributes(match, wanted);
  }

  private lookupGroup(displayName: string): Promise<ScimResponse> {
    return this.client.request('lookupGroup', 'GET', '/Groups', {
      query: groupLookupQuery(displayName),
    });
  }

  private async patchGroupAttributes(
    match: Record<string, unknown>,
    wanted: GroupState,
  ): Promise<void> {
    const grouptalk = (match['urn:ietf:params:scim:schemas:extension:grouptalk:2.0:Group'] ??
      {}) as Record<string, unknown>;
    const changes = diffAttributes(GROUP_PATHS, wanted, {
      displayName: match.displayName,
      externalId: match.externalId,
      description: grouptalk.description,
    });
    if (changes.length === 0) return;
    await this.client.request('patchGroup', 'PATCH', `/Groups/${match.id}`, {
      body: attributesPatch(this.dialect, changes),
      expect: [200, 204],
    });
  }

  /** Membership after objects: per group, `Add members` PATCHes of `batch` members in turn. */
  addMembers(memberships: readonly { group: number; user: number }[]): Promise<void> {
    const byGroup = this.membersByGroup(memberships);
    return runPool([...byGroup], this.concurrency, async ([group, users]) => {
      await this.memberPatches('addMembers', group, users, addMembersPatch);
      this.progress.done();
    });
  }

  private membersByGroup(memberships: readonly { group: number; user: number }[]) {
    const byGroup = new Map<number, number[]>();
    for (const { group, user } of memberships) {
      const list = byGroup.get(group) ?? [];
      list.push(user);
      byGroup.set(group, list);
    }
    return byGroup;
  }

  private async memberPatches(
    operation: 'addMembers' | 'removeMembers',
    group: number,
    users: readonly number[],
    build: (dialect: Dialect, userIds: readonly string[]) => unknown,
  ): Promise<void> {
    const groupId = this.ids.groups[group];
    if (!groupId) return;
    const userIds = users.flatMap((user) => this.ids.users[user] ?? []);
    for (let start = 0; start < userIds.length; start += this.memberBatch) {
      await this.client.request(operation, 'PATCH', `/Groups/${groupId}`, {
        body: build(this.dialect, userIds.slice(start, start + this.memberBatch)),
        expect: [200, 204],
      });
    }
  }

  /**
   * An incremental cycle: changed users are matched again and patched (attribute changes,
   * disables), then changed groups are matched, patched, get their member changes, or go.
   */
  async incrementalRound(dataset: Dataset, plan: IncrementalPlan): Promise<void> {
    const userTasks: { user: number; wanted: UserState; operation: string }[] = [
      ...plan.userUpdates.map(({ user, changes }) => ({
        user,
        wanted: { ...(dataset.users[user] as UserState), ...changes },
        operation: 'patchUser',
      })),
      ...plan.disables.map((user) => ({
        user,
        wanted: { ...(dataset.users[user] as UserState), active: false },
        operation: 'disableUser',
      })),
    ];
    await runPool(userTasks, this.concurrency, async ({ user, wanted, operation }) => {
      await this.provisionUser(
        user,
        (dataset.users[user] as UserState).userName,
        wanted,
        operation,
      );
      this.progress.done();
    });

    const adds = this.membersByGroup(plan.memberAdds);
    const removes = this.membersByGroup(plan.memberRemoves);
    const updates = new Map(plan.groupUpdates.map(({ group, changes }) => [group, changes]));
    const deletes = new Set(plan.groupDeletes);
    const groups = [...new Set([...updates.keys(), ...adds.keys(), ...removes.keys(), ...deletes])];
    await runPool(groups, this.concurrency, async (group) => {
      const current = dataset.groups[group] as GroupState;
      const groupId = this.ids.groups[group];
      if (deletes.has(group)) {
        if (groupId) {
          await this.client.request('deleteGroup', 'DELETE', `/Groups/${groupId}`, {
            expect: [204],
          });
        }
        this.progress.done();
        return;
      }
      const found = await this.lookupGroup(current.displayName);
      const match = found.body?.Resources?.[0];
      if (match && updates.has(group)) {
        await this.patchGroupAttributes(match, { ...current, ...updates.get(group) });
      }
      // Entra sends member changes in the order it sees them; removes then adds keeps it simple.
      const removed = removes.get(group) ?? [];
      const added = adds.get(group) ?? [];
      await this.memberPatches('removeMembers', group, removed, removeMembersPatch);
      await this.memberPatches('addMembers', group, added, addMembersPatch);
      this.progress.done();
    });
  }

  /** A later cycle: some disabled users come back, the others are deleted for good. */
  async laterRound(dataset: Dataset, plan: IncrementalPlan): Promise<void> {
    const renamed = new Map(plan.userUpdates.map(({ user, changes }) => [user, changes]));
    const tasks = [
      ...plan.restores.map((user) => ({ user, restore: true })),
      ...plan.userDeletes.map((user) => ({ user, restore: false })),
    ];
    await runPool(tasks, this.concurrency, async ({ user, restore }) => {
      const state = { ...(dataset.users[user] as UserState), ...renamed.get(user) };
      if (restore) {
        await this.provisionUser(user, state.userName, { ...state, active: true }, 'restoreUser');
      } else {
        const userId = this.ids.users[user];
        if (userId) {
          await this.client.request('deleteUser', 'DELETE', `/Users/${userId}`, { expect: [204] });
        }
      }
      this.progress.done();
    });
  }
}
