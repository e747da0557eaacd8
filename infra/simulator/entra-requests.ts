/**
 * The requests Entra's provisioning service sends, in both payload dialects: the default one
 * (capitalised ops, `"True"`/`"False"` strings, one op per attribute, `Remove members` with a
 * value list) and the `aadOptscim062020` one (lower-case ops, booleans, a path-less `replace`
 * keyed by attribute paths, `members[value eq "…"]`). Shapes follow
 * `shared/entra/entra-scim-facts.md` §1.6–1.9 and §2.
 */
import type { GroupState, UserState } from './dataset.js';

export type Dialect = 'default' | 'aadOptscim062020';
export const DIALECTS: readonly Dialect[] = ['default', 'aadOptscim062020'];

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUPTALK_USER = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User';
export const GROUPTALK_GROUP = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Entra adds this schema to group creates. */
const AD_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

type Op = 'add' | 'replace' | 'remove';
export interface PatchOperation {
  readonly op: string;
  readonly path?: string;
  readonly value?: unknown;
}
export interface PatchBody {
  readonly schemas: readonly string[];
  readonly Operations: readonly PatchOperation[];
}

/** The target path Entra writes each managed user attribute to (its attribute mapping). */
export const USER_PATHS = {
  userName: 'userName',
  externalId: 'externalId',
  displayName: 'displayName',
  givenName: 'name.givenName',
  familyName: 'name.familyName',
  email: 'emails[type eq "work"].value',
  mobile: 'phoneNumbers[type eq "mobile"].value',
  costCenter: `${ENTERPRISE_USER}:costCenter`,
  organization: `${ENTERPRISE_USER}:organization`,
  label1: `${GROUPTALK_USER}:label1`,
  label2: `${GROUPTALK_USER}:label2`,
  label3: `${GROUPTALK_USER}:label3`,
  label4: `${GROUPTALK_USER}:label4`,
  label5: `${GROUPTALK_USER}:label5`,
  active: 'active',
} as const satisfies Record<keyof UserState, string>;

export const GROUP_PATHS = {
  displayName: 'displayName',
  externalId: 'externalId',
  description: `${GROUPTALK_GROUP}:description`,
} as const satisfies Record<keyof GroupState, string>;

/** Multi-valued filtered paths stay separate operations even under the flag (facts §2, row 3). */
const FILTERED = new Set<string>([USER_PATHS.email, USER_PATHS.mobile]);

function opName(dialect: Dialect, op: Op): string {
  return dialect === 'default' ? op[0]?.toUpperCase() + op.slice(1) : op;
}

function activeValue(dialect: Dialect, active: boolean): string | boolean {
  if (dialect === 'aadOptscim062020') return active;
  return active ? 'True' : 'False';
}

const patch = (operations: PatchOperation[]): PatchBody => ({
  schemas: [PATCH_OP],
  Operations: operations,
});

/** `POST /Users` as Entra sends it (facts §1.6): custom extensions are not listed in `schemas`. */
export function createUserBody(user: UserState): Record<string, unknown> {
  const labels = Object.fromEntries(
    (['label1', 'label2', 'label3', 'label4', 'label5'] as const)
      .filter((name) => user[name] !== undefined)
      .map((name) => [name, user[name]]),
  );
  return {
    schemas: [CORE_USER, ENTERPRISE_USER],
    externalId: user.externalId,
    userName: user.userName,
    active: user.active,
    displayName: user.displayName,
    emails: [{ primary: true, type: 'work', value: user.email }],
    phoneNumbers: [{ type: 'mobile', value: user.mobile }],
    meta: { resourceType: 'User' },
    name: {
      formatted: `${user.givenName} ${user.familyName}`,
      familyName: user.familyName,
      givenName: user.givenName,
    },
    roles: [],
    [ENTERPRISE_USER]: { costCenter: user.costCenter, organization: user.organization },
    ...(Object.keys(labels).length > 0 ? { [GROUPTALK_USER]: labels } : {}),
  };
}

/** `POST /Groups`: no members, Entra's extra schema URN (facts §1.9). */
export function createGroupBody(group: GroupState): Record<string, unknown> {
  return {
    schemas: [CORE_GROUP, AD_GROUP],
    externalId: group.externalId,
    displayName: group.displayName,
    meta: { resourceType: 'Group' },
    [GROUPTALK_GROUP]: { description: group.description },
  };
}

/** One attribute change: `Add` when the target has no value yet, else `Replace` (facts §1.7). */
export interface AttributeChange {
  readonly path: string;
  readonly value: string | boolean;
  readonly present: boolean;
}

/**
 * The PATCH for attribute changes. Default: one op per attribute, each with a path. Flag:
 * filtered multi-valued paths as their own ops, everything else in one path-less `replace` whose
 * keys are attribute paths (`name.givenName`, `urn:…:User:label1`).
 */
export function attributesPatch(dialect: Dialect, changes: readonly AttributeChange[]): PatchBody {
  const wireValue = (change: AttributeChange) =>
    typeof change.value === 'boolean' ? activeValue(dialect, change.value) : change.value;
  if (dialect === 'default') {
    return patch(
      changes.map((change) => ({
        op: opName(dialect, change.present ? 'replace' : 'add'),
        path: change.path,
        value: wireValue(change),
      })),
    );
  }
  const separate = changes.filter((change) => FILTERED.has(change.path));
  const collapsed = changes.filter((change) => !FILTERED.has(change.path));
  return patch([
    ...separate.map((change) => ({
      op: opName(dialect, change.present ? 'replace' : 'add'),
      path: change.path,
      value: wireValue(change),
    })),
    ...(collapsed.length > 0
      ? [
          {
            op: opName(dialect, 'replace'),
            value: Object.fromEntries(collapsed.map((change) => [change.path, wireValue(change)])),
          },
        ]
      : []),
  ]);
}

/** Disable (soft delete) or restore: `"False"`/`"True"` by default, booleans under the flag. */
export function activePatch(dialect: Dialect, active: boolean): PatchBody {
  return patch([
    { op: opName(dialect, 'replace'), path: 'active', value: activeValue(dialect, active) },
  ]);
}

/** Member adds: one op with several members, `$ref: null` as in Entra's samples. */
export function addMembersPatch(dialect: Dialect, userIds: readonly string[]): PatchBody {
  return patch([
    {
      op: opName(dialect, 'add'),
      path: 'members',
      value: userIds.map((value) => ({ $ref: null, value })),
    },
  ]);
}

/**
 * Member removes. Default: `Remove members` with a value list (only the listed members go).
 * Flag: one `remove` per member with a `members[value eq "…"]` path and no value.
 */
export function removeMembersPatch(dialect: Dialect, userIds: readonly string[]): PatchBody {
  if (dialect === 'default') {
    return patch([
      {
        op: opName(dialect, 'remove'),
        path: 'members',
        value: userIds.map((value) => ({ value })),
      },
    ]);
  }
  return patch(
    userIds.map((id) => ({
      op: opName(dialect, 'remove'),
      path: `members[value eq ${JSON.stringify(id)}]`,
    })),
  );
}

/** `GET /Users?filter=userName eq "…"` (the default matching attribute). */
export function userLookupQuery(userName: string): Record<string, string> {
  return { filter: `userName eq ${JSON.stringify(userName)}` };
}

/** `GET /Groups?excludedAttributes=members&filter=displayName eq "…"`. */
export function groupLookupQuery(displayName: string): Record<string, string> {
  return { excludedAttributes: 'members', filter: `displayName eq ${JSON.stringify(displayName)}` };
}

type ScimObject = Record<string, unknown>;

function typed(values: unknown, type: string): string | undefined {
  if (!Array.isArray(values)) return undefined;
  const found = values.find(
    (entry: ScimObject | null) =>
      typeof entry?.type === 'string' && entry.type.toLowerCase() === type,
  ) as ScimObject | undefined;
  return typeof found?.value === 'string' ? found.value : undefined;
}

/** The managed attributes as a SCIM User resource holds them (absent ones left out). */
export function readUser(resource: ScimObject): Partial<Record<keyof UserState, unknown>> {
  const name = (resource.name ?? {}) as ScimObject;
  const enterprise = (resource[ENTERPRISE_USER] ?? {}) as ScimObject;
  const grouptalk = (resource[GROUPTALK_USER] ?? {}) as ScimObject;
  const read: Partial<Record<keyof UserState, unknown>> = {
    userName: resource.userName,
    externalId: resource.externalId,
    displayName: resource.displayName,
    givenName: name.givenName,
    familyName: name.familyName,
    email: typed(resource.emails, 'work'),
    mobile: typed(resource.phoneNumbers, 'mobile'),
    costCenter: enterprise.costCenter,
    organization: enterprise.organization,
    label1: grouptalk.label1,
    label2: grouptalk.label2,
    label3: grouptalk.label3,
    label4: grouptalk.label4,
    label5: grouptalk.label5,
    active: resource.active,
  };
  return Object.fromEntries(
    Object.entries(read).filter(([, value]) => value !== undefined && value !== null),
  );
}

export function readGroup(resource: ScimObject): Partial<Record<keyof GroupState, unknown>> {
  const grouptalk = (resource[GROUPTALK_GROUP] ?? {}) as ScimObject;
  const read = {
    displayName: resource.displayName,
    externalId: resource.externalId,
    description: grouptalk.description,
  };
  return Object.fromEntries(Object.entries(read).filter(([, value]) => value !== undefined));
}

/**
 * What Entra would change on a target it matched: every managed attribute whose value differs,
 * `Add` when the target lacks it. Entra compares case-sensitively and skips the PATCH when
 * nothing differs.
 */
export function diffAttributes<K extends string>(
  paths: Readonly<Record<K, string>>,
  wanted: Partial<Record<K, string | boolean | undefined>>,
  current: Partial<Record<K, unknown>>,
): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const key of Object.keys(paths) as K[]) {
    const value = wanted[key];
    if (value === undefined || current[key] === value) continue;
    changes.push({ path: paths[key], value, present: current[key] !== undefined });
  }
  return changes;
}
