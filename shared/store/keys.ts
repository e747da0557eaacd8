/**
 * The only birthplace of key strings. Every key is `#`-separated and prefixed by what it names, so
 * an item's kind can be read off its key; decoders sit next to their encoders.
 */

import {
  codePointPrefix,
  foldIdentifier,
  MAX_FOLDED_IDENTIFIER_BYTES,
  SORT_KEY_NAME_CODE_POINTS,
} from '../common/identifier.js';
import type { ResourceTypeName } from '../common/resource-types.js';
/**
 * Case folding is the filter evaluator's, so a key found is a key the re-check keeps: lookup
 * values (e-mail, phone) fold by `foldCase`, unique names by the identifier profile
 * (`shared/common/identifier.ts`).
 */
import { foldCase } from '../common/values.js';
import { REPORT_KEY_PREFIX } from './table-design.js';

const RESOURCE_SK = '#RESOURCE';
/** Between name and id in the byType sort key: below every printable character. */
const TYPE_SORT_SEPARATOR = '\u0001';
const UNIQUE_SK = '#UNIQUE';
const SEARCH_SK_PREFIX = '#SEARCH#';
const DEACTIVATED_PARTITION = 'COUNT#DeactivatedUser';
const AUDIT_PK = 'AUDIT';
const REPORT_PREFIX = REPORT_KEY_PREFIX;

function reportHistoryPartition(value: string): string {
  return `${REPORT_PREFIX}HISTORY#${value}`;
}

function reportNamePartition(value: string): string {
  return `${REPORT_PREFIX}NAME#${value}`;
}

/**
 * Client values (names, ids, e-mails) longer than this many UTF-16 units never become part of a
 * key: a unique name is refused, an id names nothing, an index leaves the value out. DynamoDB
 * limits partition keys to 2,048 bytes and sort keys to 1,024 bytes of UTF-8 (DynamoDB Local does
 * not check; AWS answers ValidationException). One unit is at most 3 bytes, 6 once case-folded
 * (NFC expands U+0958 to two 3-byte characters), so 256 units stay below both limits with every
 * prefix; Entra's longest names (group displayName) are 256 characters.
 */
export const MAX_KEY_VALUE_LENGTH = 256;

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

const prefix = (type: ResourceTypeName) => (type === 'User' ? 'USER' : 'GROUP');

export const keys = {
  /**
   * The item holding a user or group.
   * @example keys.resource('User', 'a1b2') // { pk: 'USER#a1b2', sk: '#RESOURCE' }
   */
  resource(type: ResourceTypeName, id: string): ItemKey {
    return { pk: `${prefix(type)}#${id}`, sk: RESOURCE_SK };
  },

  /**
   * The guard that makes a name (userName, group displayName) unique, folded by the identifier
   * profile: `Ｂjensen`, `BJENSEN` and `bjensen` claim one guard.
   * @example keys.uniqueName('User', 'BJensen') // { pk: 'UNIQUE#User#bjensen', sk: '#UNIQUE' }
   */
  uniqueName(type: ResourceTypeName, name: string): ItemKey {
    return { pk: `UNIQUE#${type}#${foldIdentifier(name)}`, sk: UNIQUE_SK };
  },

  /**
   * Whether `name` can be a guard key at all (AWS refuses keys over 2,048 bytes; DynamoDB Local
   * does not check): a lookup of a longer one finds nothing without asking.
   */
  fitsUniqueName(name: string): boolean {
    return (
      name.length <= MAX_KEY_VALUE_LENGTH &&
      Buffer.byteLength(foldIdentifier(name), 'utf8') <= MAX_FOLDED_IDENTIFIER_BYTES
    );
  },

  /**
   * The keys names had before the identifier profile (NFC and lower case only), for
   * `npm run migrate-names`, which moves guards and sort keys from these to the current ones.
   */
  legacy: {
    uniqueName(type: ResourceTypeName, name: string): ItemKey {
      return { pk: `UNIQUE#${type}#${foldCase(name)}`, sk: UNIQUE_SK };
    },
    typeSort(name: string, id: string): string {
      return `${foldCase(name).slice(0, 200)}${TYPE_SORT_SEPARATOR}${id}`;
    },
  },

  /** One shard of a resource type's counter (the shards' sum is the number of resources). */
  counterShard(type: ResourceTypeName, shard: number): ItemKey {
    return { pk: `COUNT#${type}`, sk: `#SHARD#${shard}` };
  },

  counterPartition(type: ResourceTypeName): string {
    return `COUNT#${type}`;
  },

  /** One shard of the deactivated users' counter (users whose `active` is false). */
  deactivatedShard(shard: number): ItemKey {
    return { pk: DEACTIVATED_PARTITION, sk: `#SHARD#${shard}` };
  },

  deactivatedPartition: DEACTIVATED_PARTITION,

  /**
   * A search item: one searchable value (displayName, e-mail, externalId) of a resource, in the
   * resource's own partition, so deleting the resource finds it by key and the stream's readers
   * skip it (`decodeItem`).
   * @example keys.searchItem('User', 'a1b2', 'email') // { pk: 'USER#a1b2', sk: '#SEARCH#email' }
   */
  searchItem(type: ResourceTypeName, id: string, field: string): ItemKey {
    return { pk: `${prefix(type)}#${id}`, sk: `${SEARCH_SK_PREFIX}${field}` };
  },

  /**
   * Partition key of the bySearch index: the type and the first code point of the folded value,
   * so the writes of a bulk load spread over partitions and a search (whose prefix has that first
   * character) reads one. `folded` is a `foldSearch` result, never empty.
   * @example keys.searchPartition('User', 'jane') // 'SEARCH#User#j'
   */
  searchPartition(type: ResourceTypeName, folded: string): string {
    return `SEARCH#${type}#${codePointPrefix(folded, 1)}`;
  },

  /**
   * Sort key of the bySearch index: the folded value first (a prefix of whole code points, as the
   * byType sort key), then id and field, so a prefix search is `begins_with` and the entries of one
   * resource stay apart. Comparable with `typeSort` keys: a directory page merges both in order.
   */
  searchSort(folded: string, id: string, field: string): string {
    return `${codePointPrefix(folded, SORT_KEY_NAME_CODE_POINTS)}${TYPE_SORT_SEPARATOR}${id}${TYPE_SORT_SEPARATOR}${field}`;
  },

  /**
   * What a directory search compares: the identifier profile's folding (`foldIdentifier`), as the
   * unique names are compared, so `JANE.DOE@` finds `jane.doe@contoso.test`.
   */
  foldSearch(value: string): string {
    return foldIdentifier(value);
  },

  /**
   * The `begins_with` operand of a search for the folded prefix `folded` (cut as the keys are: a
   * longer prefix finds a superset, which the reader re-checks on the values).
   */
  searchPrefix(folded: string): string {
    return codePointPrefix(folded, SORT_KEY_NAME_CODE_POINTS);
  },

  /** Reads the field back from a search item's sort key. */
  decodeSearchField(sk: string): string | undefined {
    return sk.startsWith(SEARCH_SK_PREFIX) ? sk.slice(SEARCH_SK_PREFIX.length) : undefined;
  },

  /** A membership item: lives in the group's partition, indexed by member for a user's groups. */
  membership(groupId: string, userId: string) {
    return {
      pk: `GROUP#${groupId}`,
      sk: `MEMBER#${userId}`,
      gsi5pk: `USER#${userId}`,
      gsi5sk: `GROUP#${groupId}`,
    };
  },

  membershipSkPrefix: 'MEMBER#',

  /**
   * The marker of a deleted user or group whose membership items may still need deleting; the
   * sweeper finishes the work and removes it.
   * @example keys.cleanup('Group', 'g1') // { pk: 'CLEANUP#Group', sk: 'GROUP#g1' }
   */
  cleanup(type: ResourceTypeName, id: string): ItemKey {
    return { pk: `CLEANUP#${type}`, sk: `${prefix(type)}#${id}` };
  },

  cleanupPartition(type: ResourceTypeName): string {
    return `CLEANUP#${type}`;
  },

  /** Partition key of the byType index. */
  typePartition(type: ResourceTypeName): string {
    return `TYPE#${type}`;
  },

  /**
   * Sort key of the byType index: the folded name first (a prefix of whole code points, never
   * half a surrogate pair), so lists come out in name order. The separator sorts below every
   * printable character, so `Sales` comes before `Sales Team`.
   */
  typeSort(name: string, id: string): string {
    const folded = codePointPrefix(foldIdentifier(name), SORT_KEY_NAME_CODE_POINTS);
    return `${folded}${TYPE_SORT_SEPARATOR}${id}`;
  },

  /** Whether a byType sort key belongs to the resource `id` (decodes `typeSort`). */
  isTypeSortOf(sortKey: string, id: string): boolean {
    return sortKey.endsWith(`${TYPE_SORT_SEPARATOR}${id}`);
  },

  externalId(type: ResourceTypeName, externalId: string): string {
    return `${type}#${externalId}`;
  },

  workEmail(email: string): string {
    return `EMAIL#${foldCase(email)}`;
  },

  mobilePhone(phone: string): string {
    return `PHONE#${foldCase(phone)}`;
  },

  /**
   * Partition of the credential registry: every credential and the tenant's credential policy
   * share it, so one Query reads the whole registry (a tenant has a handful of credentials).
   */
  credentialsPartition: 'CREDENTIALS',

  /**
   * A credential of the registry (a Secret Token or an OAuth client).
   * @example keys.credential('c1') // { pk: 'CREDENTIALS', sk: 'CREDENTIAL#c1' }
   */
  credential(id: string): ItemKey {
    return { pk: 'CREDENTIALS', sk: `CREDENTIAL#${id}` };
  },

  /** The tenant's credential policy (e.g. "refuse every token issued before T"). */
  credentialPolicy(): ItemKey {
    return { pk: 'CREDENTIALS', sk: '#POLICY' };
  },

  /** Whether a sort key of the registry partition names a credential (not the policy). */
  isCredentialSort(sk: string): boolean {
    return sk.startsWith('CREDENTIAL#');
  },

  /**
   * A client assertion already exchanged for a token (RFC 7523 replay guard): one partition per
   * assertion, so remembering them spreads over the table. `hash` is a digest of the assertion's
   * issuer and identifier, never the assertion itself.
   * @example keys.usedAssertion('q1w2') // { pk: 'ASSERTION#q1w2', sk: '#USED' }
   */
  usedAssertion(hash: string): ItemKey {
    return { pk: `ASSERTION#${hash}`, sk: '#USED' };
  },

  /**
   * An action taken on the integration page (who, what, when): one partition, sorted by time.
   * @example keys.auditEntry('2026-11-29T05:00:00.000Z', 'x1') // { pk: 'AUDIT', sk: '2026-11-29T05:00:00.000Z#x1' }
   */
  auditEntry(at: string, id: string): ItemKey {
    return { pk: AUDIT_PK, sk: `${at}#${id}` };
  },

  auditPartition: AUDIT_PK,

  /**
   * The reports' aggregated items (`shared/store/reports.ts`): every one lives in a partition
   * starting with this, so the aggregator's role is limited to them (`dynamodb:LeadingKeys`).
   */
  reportPrefix: REPORT_PREFIX,

  /**
   * One hour's counts of SCIM requests (per operation, status and scimType).
   * @example keys.reportHour('2026-11-29T05') // { pk: 'REPORT#HOURS', sk: '2026-11-29T05' }
   */
  reportHour(hour: string): ItemKey {
    return { pk: `${REPORT_PREFIX}HOURS`, sk: hour };
  },

  reportHoursPartition: `${REPORT_PREFIX}HOURS`,

  /**
   * One SCIM request, by the time and id of its log event: the newest are the report's latest
   * requests, and the item's existence marks the event as counted (a redelivery counts once).
   * @example keys.reportRequest('2026-11-29T05:00:00.000Z', '3795…') // { pk: 'REPORT#REQUESTS', sk: '2026-11-29T05:00:00.000Z#3795…' }
   */
  reportRequest(at: string, eventId: string): ItemKey {
    return { pk: `${REPORT_PREFIX}REQUESTS`, sk: `${at}#${eventId}` };
  },

  reportRequestsPartition: `${REPORT_PREFIX}REQUESTS`,

  /** One of Entra's Test Connection lookups (a probe), by time and event id. */
  reportProbe(at: string, eventId: string): ItemKey {
    return { pk: `${REPORT_PREFIX}PROBES`, sk: `${at}#${eventId}` };
  },

  reportProbesPartition: `${REPORT_PREFIX}PROBES`,

  /** One failed SCIM request (status, scimType, the detail Entra was given), by time and event id. */
  reportFailure(at: string, eventId: string): ItemKey {
    return { pk: `${REPORT_PREFIX}FAILURES`, sk: `${at}#${eventId}` };
  },

  reportFailuresPartition: `${REPORT_PREFIX}FAILURES`,

  /**
   * One request in the history of an identifier as the request line wrote it (a resource id, an
   * externalId, a userName or displayName, a lookup's value; hashed where the tenant logs
   * identifiers hashed): a resource's timeline is the Query of its id's partition.
   * @example keys.reportHistory('a1b2', '2026-11-29T05:00:00.000Z', 'e1') // { pk: 'REPORT#HISTORY#a1b2', sk: '2026-11-29T05:00:00.000Z#e1' }
   */
  reportHistory(value: string, at: string, eventId: string): ItemKey {
    return { pk: reportHistoryPartition(value), sk: `${at}#${eventId}` };
  },

  reportHistoryPartition,

  /**
   * Which resource a userName, externalId or displayName (as logged) named: one item per
   * resource it named, so a name resolves to its id with one Query.
   * @example keys.reportName('bjensen', 'User', 'a1b2') // { pk: 'REPORT#NAME#bjensen', sk: 'User#a1b2' }
   */
  reportName(value: string, type: string, id: string): ItemKey {
    return { pk: reportNamePartition(value), sk: `${type}#${id}` };
  },

  reportNamePartition,

  /** Reads the resource type and id back from a `reportName` sort key. */
  decodeReportName(sk: string): { type: string; id: string } {
    const at = sk.indexOf('#');
    return { type: sk.slice(0, at), id: sk.slice(at + 1) };
  },

  /** Reads the event id back from a report item's `<time>#<event id>` sort key. */
  decodeReportEventId(sk: string): string {
    return sk.slice(sk.indexOf('#') + 1);
  },

  /**
   * The tenant's connection to its Entra directory made through Microsoft Graph ("Connect to
   * Microsoft Entra"): ids of the enterprise app, its provisioning job and the credential put in
   * it, and the steps of the last run. Never a token or a secret.
   * @example keys.entraConnection() // { pk: 'ENTRA#CONNECTION', sk: '#CONNECTION' }
   */
  entraConnection(): ItemKey {
    return { pk: 'ENTRA#CONNECTION', sk: '#CONNECTION' };
  },

  /**
   * The last look at Entra's provisioning log for one user, kept briefly (`ttl`) so the page can
   * show it after the consent round-trip that read it.
   * @example keys.entraLogView() // { pk: 'ENTRA#LOGVIEW', sk: '#VIEW' }
   */
  entraLogView(): ItemKey {
    return { pk: 'ENTRA#LOGVIEW', sk: '#VIEW' };
  },

  /** The key that seals the integration page's cookies where none is configured. */
  adminSessionKey(): ItemKey {
    return { pk: 'SETTING#adminSessionKey', sk: '#SETTING' };
  },

  /**
   * One signed-in session of the integration page: the partition is the Entra user's, so a
   * sign-in can sweep that user's expired sessions with one Query. `userId` and `sessionId` come
   * from a verified ID token and from the server's own random bytes, sealed in the cookie.
   * @example keys.adminSession('oid-1', 's1') // { pk: 'ADMINSESSION#oid-1', sk: 'SESSION#s1' }
   */
  adminSession(userId: string, sessionId: string): ItemKey {
    return { pk: `ADMINSESSION#${userId}`, sk: `SESSION#${sessionId}` };
  },

  /** The partition of one Entra user's page sessions (see `adminSession`). */
  adminSessionPartition(userId: string): string {
    return `ADMINSESSION#${userId}`;
  },

  /** Reads the id back from a resource or membership key. */
  decodeId(key: string): string {
    const at = key.indexOf('#');
    return at < 0 ? key : key.slice(at + 1);
  },

  /** Reads the member id from a membership sort key. */
  decodeMemberId(sk: string): string {
    return sk.slice('MEMBER#'.length);
  },

  /**
   * What an item's key names, for readers of the table's stream: a user or group, a membership,
   * or `undefined` for everything else (guards, counters, cleanup markers, and whatever kinds of
   * item are added later), so a new internal item never leaks out as a change.
   * @example keys.decodeItem('GROUP#g1', 'MEMBER#u1') // { kind: 'membership', groupId: 'g1', userId: 'u1' }
   */
  decodeItem(pk: string, sk: string): DecodedItemKey | undefined {
    const type = pk.startsWith('USER#') ? 'User' : pk.startsWith('GROUP#') ? 'Group' : undefined;
    if (type === undefined) return undefined;
    const id = pk.slice(pk.indexOf('#') + 1);
    if (sk === RESOURCE_SK) return { kind: 'resource', type, id };
    if (type === 'Group' && sk.startsWith('MEMBER#')) {
      return { kind: 'membership', groupId: id, userId: sk.slice('MEMBER#'.length) };
    }
    return undefined;
  },
} as const;

/** See `keys.decodeItem`. */
export type DecodedItemKey =
  | { readonly kind: 'resource'; readonly type: ResourceTypeName; readonly id: string }
  | { readonly kind: 'membership'; readonly groupId: string; readonly userId: string };
