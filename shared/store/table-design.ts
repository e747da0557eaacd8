/**
 * The single table's physical design. The CDK stack and the local bootstrap build the table from
 * this, and index names and index key attributes are read from it. The base key attributes `pk`
 * and `sk` are also spelled in the store's condition expressions (`ExpressionAttributeNames`,
 * e.g. `attribute_exists(#pk)` in `store/groups.ts`, `store/cleanups.ts`, `store/admin-items.ts`,
 * `store/assertions.ts` and `credentials/registry.ts`): renaming them here means changing those
 * too.
 *
 * Items (key strings are built in `keys.ts` only):
 *
 * | item            | pk              | sk          | gsi keys                                            |
 * |-----------------|-----------------|-------------|-----------------------------------------------------|
 * | user            | `USER#<id>`     | `#RESOURCE` | byType, byExternalId, byEmail, byPhone              |
 * | group           | `GROUP#<id>`    | `#RESOURCE` | byType, byExternalId                                |
 * | search item     | `USER#<id>` / `GROUP#<id>` | `#SEARCH#<field>` | bySearch: a displayName, e-mail or externalId folded for the directory's prefix search |
 * | membership      | `GROUP#<gid>`   | `MEMBER#<uid>` | byMember (`USER#<uid>` → `GROUP#<gid>`)          |
 * | uniqueness guard| `UNIQUE#<type>#<folded name>` | `#UNIQUE` | none: userName or displayName folded by the identifier profile |
 * | counter shard   | `COUNT#<type>`  | `#SHARD#<n>`| none                                                |
 * | deactivated counter shard | `COUNT#DeactivatedUser` | `#SHARD#<n>` | none: users with `active` false |
 * | cleanup marker  | `CLEANUP#<type>`| `USER#<id>` / `GROUP#<id>` | none: read by the membership sweeper    |
 * | credential      | `CREDENTIALS`   | `CREDENTIAL#<id>` | none: the registry (`shared/credentials`), read whole |
 * | credential policy | `CREDENTIALS` | `#POLICY`   | none: tenant-wide cut-off of token issue times      |
 * | admin action    | `AUDIT`         | `<ISO time>#<id>` | none: the integration page lists the newest      |
 * | admin setting   | `SETTING#<name>`| `#SETTING`  | none                                                |
 * | admin session   | `ADMINSESSION#<oid>` | `SESSION#<id>` | none: read on every page request, deleted at sign-out |
 * | Entra connection | `ENTRA#CONNECTION` | `#CONNECTION` | none: ids of the Entra app, job and credential made through Graph, the last run's steps |
 * | Entra log view  | `ENTRA#LOGVIEW` | `#VIEW`     | none: the last look at Entra's provisioning log for one user, until `ttl` |
 * | used assertion  | `ASSERTION#<digest>` | `#USED` | none: a workload-identity `jti` remembered until `ttl` (`store/assertions.ts`) |
 * | report hour     | `REPORT#HOURS`  | `<yyyy-mm-ddThh>` | none: SCIM requests of one hour, counted per operation, status and scimType |
 * | report request  | `REPORT#REQUESTS` | `<ISO time>#<log event id>` | none: one SCIM request (the latest list; its existence marks the event counted) |
 * | report probe    | `REPORT#PROBES` | `<ISO time>#<log event id>` | none: Entra's Test Connection lookups        |
 * | report failure  | `REPORT#FAILURES` | `<ISO time>#<log event id>` | none: status, scimType, the detail Entra was given, resource |
 * | report history  | `REPORT#HISTORY#<identifier>` | `<ISO time>#<log event id>` | none: a resource's timeline, by id, externalId, name or lookup value as logged |
 * | report name     | `REPORT#NAME#<identifier>` | `<type>#<id>` | none: the resources a logged userName, externalId or displayName named |
 *
 * The report items are written by the report aggregator (`functions/reports/aggregate.ts`, off
 * the SCIM request path: a subscription on the tenant's function log group) and expire by TTL
 * (`ttl`, epoch seconds) once the reports no longer reach them (as do used assertions).
 *
 * The directory of the integration page (`store/directory.ts`) searches names through byType and
 * the other searchable values (users: displayName, e-mail, externalId; groups: externalId)
 * through bySearch, whose entries are the search items: a few bytes each, in the resource's own
 * partition, written and deleted in the resource's transactions and only when their value
 * changes. A resource item carries `dirv` once its search items and its place in the deactivated
 * counter are written (every write since the directory; `npm run migrate-directory` for older
 * ones).
 *
 * Lookup indexes are KEYS_ONLY: a lookup is one Query for keys plus one strongly consistent
 * BatchGetItem, and an index entry only costs a write when its key attribute changes. `byType` projects
 * everything because listing and non-indexed filters read whole resources page by page.
 */
/**
 * The partition-key prefix of every report item: the aggregator's role may write only those
 * (`dynamodb:LeadingKeys`, `infra/constructs/report-aggregator.ts`); `keys.ts` builds them.
 */
export const REPORT_KEY_PREFIX = 'REPORT#';

export interface IndexDesign {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly projection: 'ALL' | 'KEYS_ONLY';
}

export const tableDesign = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /**
   * The table's stream, read by the change feed (`shared/events`): both images, so a change's
   * attributes and a deleted resource's last state are in the record.
   */
  streamViewType: 'NEW_AND_OLD_IMAGES',
  /**
   * DynamoDB's time-to-live attribute (a Number, seconds since the epoch): only items that must
   * vanish on their own carry it (used assertions, report items). TTL deletes within days, not at
   * the second, so readers still compare it themselves.
   */
  timeToLiveAttribute: 'ttl',
  indexes: {
    /** Every resource of one type, ordered by its lower-cased name then id: lists and filters. */
    byType: { name: 'byType', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
    /** Users and groups by externalId (case-exact, prefixed by resource type). */
    byExternalId: { name: 'byExternalId', partitionKey: 'gsi2pk', projection: 'KEYS_ONLY' },
    /** Users by their work e-mail (lower-cased). */
    byEmail: { name: 'byEmail', partitionKey: 'gsi3pk', projection: 'KEYS_ONLY' },
    /** Users by their mobile phone number (as sent). */
    byPhone: { name: 'byPhone', partitionKey: 'gsi4pk', projection: 'KEYS_ONLY' },
    /** Membership items by member: a user's groups. */
    byMember: {
      name: 'byMember',
      partitionKey: 'gsi5pk',
      sortKey: 'gsi5sk',
      projection: 'KEYS_ONLY',
    },
    /**
     * Search items by type and first folded character, ordered by the folded value: a directory
     * search is one Query (`begins_with`) of one partition. The only index added since the table
     * was first deployed: CloudFormation creates one new global secondary index per stack update.
     */
    bySearch: {
      name: 'bySearch',
      partitionKey: 'gsi6pk',
      sortKey: 'gsi6sk',
      projection: 'KEYS_ONLY',
    },
  },
} as const satisfies {
  partitionKey: string;
  sortKey: string;
  streamViewType: 'NEW_AND_OLD_IMAGES';
  timeToLiveAttribute: string;
  indexes: Record<string, IndexDesign>;
};

export type IndexName = keyof typeof tableDesign.indexes;

/** Every key attribute the table or an index uses (all strings). */
export function keyAttributes(): string[] {
  const names = new Set<string>([tableDesign.partitionKey, tableDesign.sortKey]);
  for (const index of Object.values(tableDesign.indexes) as IndexDesign[]) {
    names.add(index.partitionKey);
    if (index.sortKey) names.add(index.sortKey);
  }
  return [...names];
}

/** The CreateTable input for local DynamoDB and tests (the CDK stack builds the same shape). */
export function createTableInput(tableName: string) {
  const indexes = Object.values(tableDesign.indexes) as IndexDesign[];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    StreamSpecification: { StreamEnabled: true, StreamViewType: tableDesign.streamViewType },
    AttributeDefinitions: keyAttributes().map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: tableDesign.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: tableDesign.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }] : []),
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}
