/**
 * The integration page's directory (issue 22, item 2): what GroupTalk holds for this tenant, read
 * from the tenant's own table. A search by the start of a userName, display name, e-mail or
 * externalId (case-insensitive, a Query: `store/directory.ts`), the counts the writes keep, and
 * one user or group in plain words with its groups or its member count.
 */
import { ENTERPRISE_USER_URN } from '../scim/schemas/enterprise-user.js';
import { GROUPTALK_GROUP_URN, GROUPTALK_USER_URN } from '../scim/schemas/grouptalk.js';
import {
  type DirectoryCursor,
  DirectoryNotReadyError,
  type DirectoryScope,
  directoryCounts,
  InvalidCursorError,
  searchDirectory,
} from '../store/directory.js';
import { keys } from '../store/keys.js';
import { countMembers, groupIdsOf } from '../store/memberships.js';
import { batchGetResources, getResource, type StoredResource } from '../store/resources.js';
import { directoryEmailOf } from '../store/search-items.js';
import { AdminError, type AdminRequest, type AdminResponse, json } from './http.js';

/** The longest search the page sends: names and e-mails are at most 256 characters. */
export const MAX_QUERY_LENGTH = 256;
/** A user's groups listed by name; `groupCount` says how many there are in all. */
export const MAX_GROUPS_LISTED = 100;
/** Members counted for a group's view; a larger group is "at least" this many. */
export const MAX_MEMBERS_COUNTED = 10_000;
/** A user's groups counted for its view, as members are: a user in more is "at least" this many. */
export const MAX_GROUPS_COUNTED = 10_000;
/** A cursor is a few keys; anything longer did not come from this API. */
const MAX_CURSOR_LENGTH = 8_192;

const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** One row of a search answer. */
export interface DirectoryItem {
  readonly type: 'User' | 'Group';
  readonly id: string;
  readonly userName?: string;
  readonly displayName?: string;
  readonly email?: string;
  readonly externalId?: string;
  readonly active?: boolean;
  readonly matched?: 'userName' | 'displayName' | 'email' | 'externalId';
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function itemOf(record: StoredResource, matched?: DirectoryItem['matched']): DirectoryItem {
  const { data } = record;
  const user = record.type === 'User';
  const fields = {
    userName: user ? text(data.userName) : undefined,
    displayName: text(data.displayName),
    email: user ? directoryEmailOf(data) : undefined,
    externalId: text(data.externalId),
  };
  return {
    type: record.type,
    id: record.id,
    ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
    ...(user ? { active: data.active !== false } : {}),
    ...(matched ? { matched } : {}),
  };
}

function scopeOf(request: AdminRequest): DirectoryScope {
  const type = request.query.get('type') ?? 'all';
  if (type !== 'all' && type !== 'users' && type !== 'groups') {
    throw new AdminError(400, 'invalidType', 'type must be all, users or groups.');
  }
  return type;
}

function queryOf(request: AdminRequest): string {
  const query = (request.query.get('q') ?? '').trimStart();
  if (query.length > MAX_QUERY_LENGTH) {
    throw new AdminError(
      400,
      'invalidQuery',
      `Search for at most ${MAX_QUERY_LENGTH} characters: the start of a user name, display name, e-mail or external ID.`,
    );
  }
  if (CONTROL.test(query) || LONE_SURROGATE.test(query)) {
    throw new AdminError(400, 'invalidQuery', 'The search contains characters no name can hold.');
  }
  return query;
}

/** The cursor as the page sees it: opaque, and bound to the search and scope that wrote it. */
function encodeCursor(query: string, scope: DirectoryScope, cursor: DirectoryCursor): string {
  return Buffer.from(
    JSON.stringify({ q: keys.foldSearch(query), s: scope, p: cursor }),
    'utf8',
  ).toString('base64url');
}

const badCursor = () =>
  new AdminError(
    400,
    'invalidCursor',
    'The page cursor does not belong to this search. Search again.',
  );

function decodeCursor(
  raw: string | null,
  query: string,
  scope: DirectoryScope,
): DirectoryCursor | undefined {
  if (raw === null || raw === '') return undefined;
  if (raw.length > MAX_CURSOR_LENGTH || !/^[\w-]+$/.test(raw)) throw badCursor();
  let decoded: { q?: unknown; s?: unknown; p?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (
    decoded === null ||
    typeof decoded !== 'object' ||
    decoded.q !== keys.foldSearch(query) ||
    decoded.s !== scope ||
    decoded.p === null ||
    typeof decoded.p !== 'object' ||
    Array.isArray(decoded.p)
  ) {
    throw badCursor();
  }
  return decoded.p as DirectoryCursor;
}

function notReady(error: unknown): AdminError {
  return new AdminError(
    503,
    'directoryPreparing',
    'The directory is being prepared after an update of GroupTalk. Try again in a few minutes.',
    { 'retry-after': '60' },
    { cause: error },
  );
}

/**
 * GET /admin/api/directory?q=&type=all|users|groups&cursor=: a page of at most 25 users and
 * groups whose userName, display name, e-mail or externalId starts with `q` (any case), in the
 * order of the value matched; everything in name order for an empty `q`. With the counts.
 */
export async function directorySearch(request: AdminRequest): Promise<AdminResponse> {
  const query = queryOf(request);
  const scope = scopeOf(request);
  const after = decodeCursor(request.query.get('cursor'), query, scope);
  try {
    const [page, counts] = await Promise.all([
      searchDirectory({ query, scope, ...(after ? { after } : {}) }),
      directoryCounts(),
    ]);
    return json(200, {
      query,
      counts,
      items: page.hits.map((hit) => itemOf(hit.record, hit.matched)),
      ...(page.next ? { next: encodeCursor(query, scope, page.next) } : {}),
    });
  } catch (error) {
    if (error instanceof InvalidCursorError) throw badCursor();
    if (error instanceof DirectoryNotReadyError) throw notReady(error);
    throw error;
  }
}

/** An attribute as the page lists it. */
export interface AttributeLine {
  readonly name: string;
  readonly value: string;
}

/** Words for attributes Entra sends, in the order the page lists them. */
const USER_WORDS: readonly (readonly [path: string, words: string])[] = [
  ['userName', 'User name'],
  ['displayName', 'Display name'],
  ['name.formatted', 'Full name'],
  ['name.honorificPrefix', 'Name prefix'],
  ['name.givenName', 'First name'],
  ['name.middleName', 'Middle name'],
  ['name.familyName', 'Last name'],
  ['name.honorificSuffix', 'Name suffix'],
  ['nickName', 'Nickname'],
  ['active', 'Status'],
  ['emails', 'E-mail'],
  ['phoneNumbers', 'Phone'],
  ['title', 'Job title'],
  [`${ENTERPRISE_USER_URN}.department`, 'Department'],
  [`${ENTERPRISE_USER_URN}.division`, 'Division'],
  [`${ENTERPRISE_USER_URN}.organization`, 'Organization'],
  [`${ENTERPRISE_USER_URN}.costCenter`, 'Cost center'],
  [`${ENTERPRISE_USER_URN}.employeeNumber`, 'Employee ID'],
  [`${ENTERPRISE_USER_URN}.manager`, 'Manager'],
  ['userType', 'User type'],
  ['addresses', 'Address'],
  ['preferredLanguage', 'Preferred language'],
  ['locale', 'Locale'],
  ['timezone', 'Time zone'],
  ['profileUrl', 'Profile address'],
  ['ims', 'Messaging'],
  ['photos', 'Photo'],
  ['roles', 'Role'],
  ['entitlements', 'Entitlement'],
  ['x509Certificates', 'Certificate'],
  [`${GROUPTALK_USER_URN}.label1`, 'Label 1'],
  [`${GROUPTALK_USER_URN}.label2`, 'Label 2'],
  [`${GROUPTALK_USER_URN}.label3`, 'Label 3'],
  [`${GROUPTALK_USER_URN}.label4`, 'Label 4'],
  [`${GROUPTALK_USER_URN}.label5`, 'Label 5'],
  ['externalId', 'External ID (the object ID in Microsoft Entra ID)'],
];

const GROUP_WORDS: readonly (readonly [path: string, words: string])[] = [
  ['displayName', 'Display name'],
  [`${GROUPTALK_GROUP_URN}.description`, 'Description'],
  ['externalId', 'External ID (the object ID in Microsoft Entra ID)'],
];

function read(data: Record<string, unknown>, path: string): unknown {
  const urn = path.lastIndexOf('.');
  if (path.startsWith('urn:')) {
    const extension = data[path.slice(0, urn)] as Record<string, unknown> | undefined;
    return extension?.[path.slice(urn + 1)];
  }
  const [head = '', tail] = path.split('.');
  const value = data[head];
  return tail === undefined ? value : (value as Record<string, unknown> | undefined)?.[tail];
}

/** A plain value in words; undefined when there is nothing to show. */
function words(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (typeof value === 'object' && !Array.isArray(value)) {
    const complex = value as Record<string, unknown>;
    const shown =
      complex.formatted ??
      complex.displayName ??
      complex.value ??
      [complex.streetAddress, complex.locality, complex.region, complex.postalCode, complex.country]
        .filter((part) => typeof part === 'string' && part !== '')
        .join(', ');
    return words(shown);
  }
  return undefined;
}

/** Lines of one attribute: multi-valued ones one line per value, named by their type. */
function linesOf(name: string, path: string, value: unknown): AttributeLine[] {
  if (path === 'active') {
    return [{ name, value: value === false ? 'Deactivated' : 'Active' }];
  }
  if (!Array.isArray(value)) {
    const shown = words(value);
    return shown === undefined ? [] : [{ name, value: shown }];
  }
  return value.flatMap((entry) => {
    const shown = words(entry);
    if (shown === undefined) return [];
    const { type, primary } = (entry ?? {}) as { type?: unknown; primary?: unknown };
    const detail = [
      typeof type === 'string' ? type : undefined,
      primary === true ? 'primary' : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    return [{ name: detail ? `${name} (${detail})` : name, value: shown }];
  });
}

/** "costCenter" → "Cost center": a name for an attribute the page has no words for. */
function humanize(name: string): string {
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** The attributes GroupTalk holds for a resource, in plain words and a sensible order. */
export function attributeLines(record: StoredResource): AttributeLine[] {
  const known = record.type === 'User' ? USER_WORDS : GROUP_WORDS;
  const data = record.data;
  const lines = known.flatMap(([path, name]) => linesOf(name, path, read(data, path)));
  // Anything else it holds (an attribute the page has no words for yet) still shows.
  const covered = new Set(known.map(([path]) => path));
  for (const [key, value] of Object.entries(data)) {
    if (key.startsWith('urn:') && value !== null && typeof value === 'object') {
      for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
        if (!covered.has(`${key}.${sub}`)) lines.push(...linesOf(humanize(sub), sub, subValue));
      }
    } else if (key === 'name' && value !== null && typeof value === 'object') {
      for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
        if (!covered.has(`name.${sub}`)) lines.push(...linesOf(humanize(sub), sub, subValue));
      }
    } else if (!covered.has(key)) {
      lines.push(...linesOf(humanize(key), key, value));
    }
  }
  return lines;
}

const TYPES = { users: 'User', groups: 'Group' } as const;

/**
 * GET /admin/api/directory/{users|groups}/{id}: what GroupTalk holds for one user or group: its
 * state in plain words, and a user's groups (byMember index) or a group's member count.
 */
export async function directoryResource(request: AdminRequest): Promise<AdminResponse> {
  const type = TYPES[request.params.type as keyof typeof TYPES];
  const id = request.params.id ?? '';
  const missing = () =>
    new AdminError(
      404,
      'notFound',
      `GroupTalk holds no ${type === 'Group' ? 'group' : 'user'} with this id.`,
    );
  if (type === undefined) throw missing();
  const [record, related] = await Promise.all([
    getResource(type, id),
    type === 'User' ? groupsOf(id) : countMembers(id, MAX_MEMBERS_COUNTED),
  ]);
  if (!record) throw missing();
  const item = itemOf(record);
  const resource = {
    ...item,
    created: record.created,
    lastModified: record.lastModified,
    attributes: attributeLines(record),
  };
  if ('groups' in related) return json(200, { resource, ...related });
  return json(200, {
    resource,
    memberCount: related.count,
    ...(related.capped ? { memberCountCapped: true } : {}),
  });
}

/**
 * A user's groups by name (the first `MAX_GROUPS_LISTED`) and how many there are, up to
 * `countAtMost` (then `groupCountCapped`: the read stays bounded): the byMember index, then the
 * groups read for their names. A group deleted a moment ago (its memberships still being swept)
 * is left out.
 */
export async function groupsOf(
  userId: string,
  countAtMost = MAX_GROUPS_COUNTED,
): Promise<{
  groups: { id: string; displayName: string }[];
  groupCount: number;
  groupCountCapped?: true;
}> {
  const ids = await groupIdsOf(userId, countAtMost + 1);
  const capped = ids.length > countAtMost;
  const listed = ids.slice(0, Math.min(MAX_GROUPS_LISTED, countAtMost));
  const records = await batchGetResources('Group', listed);
  const groups = records
    .map((group) => ({ id: group.id, displayName: String(group.data.displayName ?? '') }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName, 'en'));
  const gone = listed.length - records.length;
  return capped
    ? { groups, groupCount: countAtMost - gone, groupCountCapped: true }
    : { groups, groupCount: ids.length - gone };
}
