/**
 * The canary's short Entra cycle, in one payload dialect, with the simulator's request shapes
 * (`infra/simulator/entra-requests.ts`): look a user up, create it, update it, disable it, create a
 * second user and a group, add both as members, remove one; then, once the feed has shown those
 * changes, delete the group and the users. Each step checks the answer Entra would rely on.
 * `expectedEvents` is what the change feed must carry for it, per subject, in order.
 */
import type { EventName } from '../../shared/events/envelope.js';
import { type Recorder, ScimClient, type ScimResponse } from '../simulator/client.js';
import type { GroupState, UserState } from '../simulator/dataset.js';
import {
  activePatch,
  addMembersPatch,
  attributesPatch,
  createGroupBody,
  createUserBody,
  type Dialect,
  groupLookupQuery,
  readUser,
  removeMembersPatch,
  USER_PATHS,
  userLookupQuery,
} from '../simulator/entra-requests.js';
import { CheckFailure } from './report.js';

export interface CycleIds {
  readonly kept: string;
  readonly removed: string;
  readonly group: string;
}

/** Per subject (`Users/<id>`, `Groups/<id>`), the event names in the order of the changes. */
export type ExpectedEvents = ReadonlyMap<string, readonly EventName[]>;

const UPDATED_DISPLAY_NAME = 'Verify Updated';

function user(prefix: string, n: number): UserState {
  return {
    userName: `${prefix}-u${n}@verify.example.test`,
    externalId: `${prefix}-u${n}`,
    displayName: `Verify User ${n}`,
    givenName: 'Verify',
    familyName: `User${n}`,
    email: `${prefix}-u${n}@verify.example.test`,
    mobile: `+1555000${1000 + n}`,
    costCenter: 'verify',
    organization: 'GroupTalk canary',
    label1: 'canary',
    active: true,
  };
}

function group(prefix: string): GroupState {
  return {
    displayName: `${prefix} group`,
    externalId: `${prefix}-g`,
    description: 'npm run verify: deleted by the same run',
  };
}

/** The Tenant URL as Entra is configured with it for `dialect` (the flag is a query parameter). */
export function dialectUrl(tenantUrl: string, dialect: Dialect): string {
  const url = new URL(tenantUrl);
  if (dialect === 'aadOptscim062020') url.searchParams.set('aadOptscim062020', '');
  return url.href.replace(/aadOptscim062020=$/, 'aadOptscim062020');
}

export class EntraCycle {
  readonly #client: ScimClient;
  readonly #prefix: string;
  ids: CycleIds | undefined;

  constructor(
    readonly dialect: Dialect,
    options: { tenantUrl: string; token: string; prefix: string; recorder: Recorder },
  ) {
    this.#prefix = `${options.prefix}-${dialect === 'default' ? 'd' : 'f'}`;
    this.#client = new ScimClient({
      url: dialectUrl(options.tenantUrl, dialect),
      token: options.token,
      recorder: options.recorder,
      attempts: 3,
      timeoutMs: 30_000,
    });
  }

  /** Create, update, disable, a group with two members, one removed. */
  async provision(): Promise<{ detail: string; ids: CycleIds }> {
    const first = user(this.#prefix, 1);
    const second = user(this.#prefix, 2);
    const team = group(this.#prefix);
    const lookup = await this.#send('lookup user', 'GET', '/Users', {
      query: userLookupQuery(first.userName),
    });
    if (lookup.body?.totalResults !== 0) {
      throw new CheckFailure(
        `the lookup of a new userName found ${lookup.body?.totalResults} users`,
        'a filter on userName must find only that user: run the SCIM tests (npm test) on this build',
      );
    }
    const kept = await this.#create('create user', '/Users', createUserBody(first));
    await this.#send('update user', 'PATCH', `/Users/${kept}`, {
      body: attributesPatch(this.dialect, [
        { path: USER_PATHS.displayName, value: UPDATED_DISPLAY_NAME, present: true },
        { path: USER_PATHS.label2, value: this.dialect, present: false },
      ]),
      expect: [200, 204],
    });
    await this.#send('disable user', 'PATCH', `/Users/${kept}`, {
      body: activePatch(this.dialect, false),
      expect: [200, 204],
    });
    const read = readUser((await this.#send('read user', 'GET', `/Users/${kept}`)).body ?? {});
    if (read.active !== false || read.displayName !== UPDATED_DISPLAY_NAME) {
      throw new CheckFailure(
        `the user reads back active=${String(read.active)}, displayName=${JSON.stringify(read.displayName)} after the update and disable`,
        `PATCH in the ${this.dialect} dialect did not apply: run npm test (test/conformance) on this build`,
      );
    }
    const removed = await this.#create('create second user', '/Users', createUserBody(second));
    await this.#send('lookup group', 'GET', '/Groups', {
      query: groupLookupQuery(team.displayName),
    });
    const groupId = await this.#create('create group', '/Groups', createGroupBody(team));
    await this.#send('add members', 'PATCH', `/Groups/${groupId}`, {
      body: addMembersPatch(this.dialect, [kept, removed]),
      expect: [200, 204],
    });
    await this.#send('remove member', 'PATCH', `/Groups/${groupId}`, {
      body: removeMembersPatch(this.dialect, [removed]),
      expect: [200, 204],
    });
    const members = ((await this.#send('read group', 'GET', `/Groups/${groupId}`)).body?.members ??
      []) as { value?: string }[];
    const memberIds = members.map((member) => member.value).sort();
    if (memberIds.length !== 1 || memberIds[0] !== kept) {
      throw new CheckFailure(
        `the group reads back members ${JSON.stringify(memberIds)}, expected only ${kept}`,
        `member removal in the ${this.dialect} dialect removed the wrong members: run npm test (test/integration/groups-entra.test.ts) on this build`,
      );
    }
    this.ids = { kept, removed, group: groupId };
    return {
      detail: `${this.dialect}: users ${kept}, ${removed}, group ${groupId}`,
      ids: this.ids,
    };
  }

  /** Deletes what `provision` made, group first (as Entra does when both leave scope). */
  async remove(): Promise<{ detail: string }> {
    const ids = this.ids;
    if (!ids) throw new CheckFailure('nothing was provisioned to delete');
    await this.#send('delete group', 'DELETE', `/Groups/${ids.group}`, { expect: [204] });
    await this.#send('delete user', 'DELETE', `/Users/${ids.kept}`, { expect: [204] });
    await this.#send('delete second user', 'DELETE', `/Users/${ids.removed}`, { expect: [204] });
    await this.#send('read deleted user', 'GET', `/Users/${ids.kept}`, { expect: [404] });
    return { detail: `${this.dialect}: group and users deleted, a read answers 404` };
  }

  /** The events `provision` must cause, per subject in order. */
  provisionEvents(): ExpectedEvents {
    const ids = this.#idsOrFail();
    return new Map<string, EventName[]>([
      [`Users/${ids.kept}`, ['User.Created', 'User.Updated', 'User.Deactivated']],
      [`Users/${ids.removed}`, ['User.Created']],
      [`Groups/${ids.group}`, ['Group.Created', 'Group.MembersAdded', 'Group.MembersRemoved']],
    ]);
  }

  /** The events `remove` must cause. */
  removeEvents(): ExpectedEvents {
    const ids = this.#idsOrFail();
    return new Map<string, EventName[]>([
      [`Users/${ids.kept}`, ['User.Deleted']],
      [`Users/${ids.removed}`, ['User.Deleted']],
      [`Groups/${ids.group}`, ['Group.Deleted']],
    ]);
  }

  #idsOrFail(): CycleIds {
    if (!this.ids) throw new Error('the cycle has not provisioned');
    return this.ids;
  }

  async #create(step: string, path: string, body: unknown): Promise<string> {
    const response = await this.#send(step, 'POST', path, { body, expect: [201] });
    const id = response.body?.id;
    if (typeof id !== 'string') throw new CheckFailure(`${step}: the 201 carries no id`);
    return id;
  }

  async #send(
    step: string,
    method: string,
    path: string,
    options: { query?: Record<string, string>; body?: unknown; expect?: number[] } = {},
  ): Promise<ScimResponse> {
    const response = await this.#client.request(step, method, path, options);
    const expected = options.expect ?? [200];
    if (!expected.includes(response.status)) {
      const detail = response.body?.detail ?? '';
      throw new CheckFailure(
        `${step} (${method} ${path}) answered ${response.status || 'no response'}${detail ? `: ${detail}` : ''}`,
        response.status === 401
          ? "the verification credential was refused: check the canary's credential registry (npm run token -- list) and its functions' TABLE_NAME"
          : response.status >= 500 || response.status === 0
            ? "read the canary's function log (README, operator guide: logs) for this request"
            : `Entra would see this ${response.status}: run npm test on this build and compare with the ${this.dialect} dialect's conformance replays`,
      );
    }
    return response;
  }
}
