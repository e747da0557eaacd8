/**
 * The integration page's words for what Entra did and what admins did: the server gives every
 * request, failure, timeline entry and audit entry a `title` a customer's administrator
 * understands ("Created user", "Added 3 members", "Sign-in refused"), so the page never maps
 * operation names itself and the words are the same wherever they appear. Microsoft's current
 * naming: "Microsoft Entra ID" ("Entra" for short), "Test Connection", "provisioning cycle".
 *
 * One empty-value convention: the JSON API leaves an absent value out (never `null`, `""` or
 * "(none)"), and the page shows `EMPTY_VALUE` for it.
 */
import type { ReportRecord } from '../../store/reports.js';
import { adviceFor } from './advice.js';

/** What the page shows where a value is absent. */
export const EMPTY_VALUE = '—';

/** Words of one operation: done (past tense), and the infinitive after "Could not". */
interface Words {
  readonly done: string;
  readonly attempt: string;
}

const words = (done: string, attempt: string): Words => ({ done, attempt });

const OPERATIONS: Readonly<Record<string, Words>> = {
  listUsers: words('Listed users', 'list users'),
  searchUsers: words('Searched users', 'search users'),
  getUser: words('Read user', 'read a user'),
  createUser: words('Created user', 'create a user'),
  replaceUser: words('Updated user', 'update a user'),
  patchUser: words('Updated user', 'update a user'),
  deleteUser: words('Deleted user', 'delete a user'),
  listGroups: words('Listed groups', 'list groups'),
  searchGroups: words('Searched groups', 'search groups'),
  getGroup: words('Read group', 'read a group'),
  createGroup: words('Created group', 'create a group'),
  replaceGroup: words('Updated group', 'update a group'),
  patchGroup: words('Updated group', 'update a group'),
  deleteGroup: words('Deleted group', 'delete a group'),
  bulk: words('Sent a batch of changes', 'apply a batch of changes'),
  getServiceProviderConfig: words('Read what GroupTalk supports', 'read what GroupTalk supports'),
  listSchemas: words('Read the attribute schemas', 'read the attribute schemas'),
  getSchema: words('Read an attribute schema', 'read an attribute schema'),
  listResourceTypes: words('Read the resource types', 'read the resource types'),
  getResourceType: words('Read a resource type', 'read a resource type'),
  routeNotFound: words(
    'Called an address GroupTalk does not serve',
    'reach an address GroupTalk does not serve',
  ),
  issueAccessToken: words('Got an access token', 'get an access token'),
};

/** The attributes Entra looks users and groups up by, in the words of its Attribute mappings. */
const LOOKUP_ATTRIBUTES: Readonly<Record<string, string>> = {
  username: 'user name',
  externalid: 'external ID',
  displayname: 'display name',
  id: 'ID',
  'emails[type eq "work"].value': 'work e-mail',
  'emails.value': 'e-mail',
  'phonenumbers[type eq "mobile"].value': 'mobile phone',
  'members.value': 'member',
};

/** `3 members`, `1 member`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function lookupWords(record: ReportRecord): string {
  const group = record.resourceType === 'Group' || record.operation.endsWith('Groups');
  const what = group ? 'a group' : 'a user';
  const attribute = record.filterAttribute
    ? (LOOKUP_ATTRIBUTES[record.filterAttribute.toLowerCase()] ?? record.filterAttribute)
    : undefined;
  return attribute ? `${what} by ${attribute}` : what;
}

function membersWords(record: ReportRecord): string | undefined {
  const added = record.membersAdded ?? 0;
  const removed = record.membersRemoved ?? 0;
  if (added > 0 && removed > 0) return `Added ${count(added, 'member')}, removed ${removed}`;
  if (added > 0) return `Added ${count(added, 'member')}`;
  if (removed > 0) return `Removed ${count(removed, 'member')}`;
  return undefined;
}

/**
 * The title of one request (or of a member's timeline entry written from its group's request).
 *
 * @example requestTitle({ operation: 'patchGroup', status: 204, membersAdded: 3, … }) // 'Added 3 members'
 * @example requestTitle({ operation: 'createUser', status: 409, … }) // 'Could not create a user'
 */
export function requestTitle(record: ReportRecord): string {
  if (record.membership) return membershipTitle(record.membership, record.groupName);
  const known = OPERATIONS[record.operation];
  const failed = record.status >= 400;
  if (record.probe) return 'Test Connection: looked up a user';
  if (
    record.filterAttribute &&
    (record.operation === 'listUsers' ||
      record.operation === 'listGroups' ||
      record.operation.startsWith('search'))
  ) {
    const lookup = `${failed ? 'Could not look up' : 'Looked up'} ${lookupWords(record)}`;
    if (failed) return lookup;
    return record.totalResults === 0 ? `${lookup}: not found` : lookup;
  }
  if (!known) return failed ? `Request failed (${record.operation})` : record.operation;
  if (failed) return `Could not ${known.attempt}`;
  if (record.activeChange === 'deactivated') return 'Deactivated user';
  if (record.activeChange === 'reactivated') return 'Reactivated user';
  const members = membersWords(record);
  if (members && record.operation === 'createGroup') {
    return `Created group with ${count(record.membersAdded ?? 0, 'member')}`;
  }
  return members ?? known.done;
}

/** Rows that count many requests of one operation: Entra's list requests are lookups. */
const COUNTED_AS: Readonly<Record<string, string>> = {
  listUsers: 'Looked up users',
  listGroups: 'Looked up groups',
  searchUsers: 'Looked up users',
  searchGroups: 'Looked up groups',
  patchGroup: 'Updated group (members or attributes)',
  replaceGroup: 'Updated group (members or attributes)',
};

/**
 * The title of a row counting one operation's requests with one outcome (the report's
 * `outcomes`): no single request's details, so "Looked up users" rather than which attribute.
 *
 * @example outcomeTitle('createUser', 409) // 'Could not create a user'
 */
export function outcomeTitle(operation: string, status: number): string {
  const known = OPERATIONS[operation];
  if (status >= 400) return known ? `Could not ${known.attempt}` : `Request failed (${operation})`;
  return COUNTED_AS[operation] ?? known?.done ?? operation;
}

/** A group's name as the log line gave it; a keyed hash (`hmac:…`) names no one. */
function groupLabel(name: string | undefined): string | undefined {
  return name && !name.startsWith('hmac:') ? name : undefined;
}

/**
 * A member's timeline entry of its group's write.
 *
 * @example membershipTitle('added', 'Sales') // 'Added to group "Sales"'
 */
export function membershipTitle(change: 'added' | 'removed', groupName?: string): string {
  const name = groupLabel(groupName);
  const group = name ? `group "${name}"` : 'a group';
  return change === 'added' ? `Added to ${group}` : `Removed from ${group}`;
}

/** What each kind of failure means, in a sentence; keyed like the advice. */
const FAILURE_BY_SCIM_TYPE: Readonly<Record<string, string>> = {
  uniqueness: 'GroupTalk already holds a user or group with that name.',
  invalidFilter: 'Entra looked someone up in a way GroupTalk does not accept.',
  invalidValue: 'Entra sent a value GroupTalk cannot store.',
  invalidSyntax: 'Entra sent a request GroupTalk could not read.',
  invalidPath: 'Entra changed an attribute GroupTalk does not have.',
  noTarget: 'Entra changed a value GroupTalk does not hold.',
  mutability: 'Entra tried to change a value that cannot be changed.',
  tooMany: 'A lookup matched too many users or groups.',
  invalidVers: 'Two changes to the same user or group crossed.',
  sensitive: 'Entra put a secret in a request address.',
};

const FAILURE_BY_STATUS: Readonly<Record<number, string>> = {
  401: 'GroupTalk refused the credential Entra used.',
  403: 'The request is not allowed for this tenant.',
  404: 'The user or group Entra asked for is not in GroupTalk.',
  405: 'Entra called an address GroupTalk does not serve.',
  409: 'A change conflicted with another.',
  412: 'The user or group changed while Entra was updating it.',
  413: 'A request was too large.',
  415: 'Entra sent a request in a format GroupTalk does not accept.',
  429: 'Entra sent requests faster than GroupTalk takes them.',
  503: 'GroupTalk was briefly unavailable.',
};

/**
 * One sentence saying what went wrong, for a customer's administrator.
 *
 * @example failureTitle(409, 'uniqueness') // 'GroupTalk already holds a user or group with that name.'
 */
export function failureTitle(status: number, scimType?: string): string {
  if (scimType && FAILURE_BY_SCIM_TYPE[scimType]) return FAILURE_BY_SCIM_TYPE[scimType];
  if (FAILURE_BY_STATUS[status]) return FAILURE_BY_STATUS[status];
  if (status >= 500) return 'Something failed on the GroupTalk side.';
  return 'GroupTalk refused a request.';
}

/** A failure in plain words, what to do, and the technical detail one click away. */
export interface FailureWords {
  readonly title: string;
  readonly advice: string;
}

export function failureWords(status: number, scimType?: string): FailureWords {
  return { title: failureTitle(status, scimType), advice: adviceFor(status, scimType) };
}

const AUDIT_ACTIONS: Readonly<Record<string, string>> = {
  signIn: 'Signed in',
  signOut: 'Signed out',
  signInRefused: 'Sign-in refused',
  generateSecretToken: 'Generated a Secret Token',
  createOAuthClient: 'Created an OAuth client',
  addClientSecret: 'Added a client secret',
  revokeClientSecret: 'Revoked a client secret',
  revokeCredential: 'Revoked a credential',
  // Connect to Microsoft Entra (shared/admin/connect): the button pressed; the detail says how it went.
  entraConnect: 'Connect to Microsoft Entra',
  entraDisconnect: 'Disconnect from Microsoft Entra',
  entraRefresh: 'Read the Entra provisioning job’s state',
  entraPause: 'Pause provisioning in Entra',
  entraRestart: 'Restart provisioning in Entra',
  entraProvisionOnDemand: 'Provision one user now (Entra)',
  entraReadLog: 'Read Entra’s provisioning log',
  entraConsentRefused: 'Entra permissions not granted',
};

/**
 * An admin action's words; one not listed here (a newer action) in words from its name.
 *
 * @example auditTitle('generateSecretToken') // 'Generated a Secret Token'
 * @example auditTitle('rotateSomething') // 'Rotate something'
 */
export function auditTitle(action: string): string {
  const known = AUDIT_ACTIONS[action];
  if (known) return known;
  const spaced = action.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** A record with its title, as the API serves every request it lists. */
export function withTitle<T extends ReportRecord>(record: T): T & { title: string } {
  return { ...record, title: requestTitle(record) };
}
