/**
 * Entra's provisioning service as the Graph stand-in (graph-stand-in.ts) runs it: the Test
 * Connection of `validateCredentials`, and provisioning cycles in Entra's SCIM dialect
 * (../shared/entra/entra-request-samples.json; entra-docs how-provisioning-works.md and
 * use-scim-to-provision-users-and-groups.md for the order and the shapes), against the real SCIM
 * endpoint of the Tenant URL. Every object gets a provisioning log entry shaped as
 * microsoft-graph-docs-contrib provisioningobjectsummary-list.md documents them.
 */
import { randomUUID } from 'node:crypto';
import { OAUTH_CLIENT_CREDENTIALS } from '../../shared/graph/client.js';
import { ENTRA_DIRECTORY_NAME } from '../../shared/graph/schema.js';
import type {
  AttributeMapping,
  ProvisioningObjectSummary,
  ProvisioningStep,
  SecretPair,
  ServicePrincipal,
  SynchronizationQuarantine,
  SynchronizationSchema,
  SynchronizationTaskExecution,
} from '../../shared/graph/types.js';

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCIM_ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SCIM_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const SCIM_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** The target directory of a non-gallery SCIM job (the `targetSystem` of the documented logs). */
export const TARGET_DIRECTORY = 'customappsso';

/** A user of the stand-in's Entra directory. */
export interface DirectoryUser {
  /** The Entra object id. */
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName?: string;
  readonly givenName?: string;
  readonly surname?: string;
  readonly mail?: string;
  readonly mailNickname?: string;
  /** Default true; false is provisioned as `active: false`. */
  readonly accountEnabled?: boolean;
  /** Entra's `extensionAttribute1`…`15` (GroupTalk maps 1…5 to its labels). */
  readonly extensionAttributes?: Readonly<Record<string, string>>;
  /** Assigned to the GroupTalk application (every application the stand-in creates). */
  readonly assigned?: boolean;
}

/** A group of the stand-in's Entra directory. */
export interface DirectoryGroup {
  readonly id: string;
  readonly displayName: string;
  readonly description?: string;
  /** Member user ids. Assigning a group puts its members in scope, as Entra does (not nested). */
  readonly members?: readonly string[];
  readonly assigned?: boolean;
}

/** A request the stand-in (as Entra) sent to the SCIM endpoint. */
export interface ScimCall {
  readonly method: string;
  /** Relative to the Tenant URL, with the query, e.g. `/Users?filter=…`. */
  readonly path: string;
  readonly body: unknown;
  readonly status: number;
}

export interface JobRecord {
  servicePrincipalId: string;
  job: MutableJob;
  schema: SynchronizationSchema;
  provisioned: Map<string, string>;
  /** Group SCIM id → member SCIM ids exported. */
  exportedMembers: Map<string, Set<string>>;
}

export type MutableJob = {
  id: string;
  templateId: string;
  schedule: { expiration: string | null; interval: string; state: string };
  status: {
    code: string;
    countSuccessiveCompleteFailures: number;
    escrowsPruned: boolean;
    lastExecution: SynchronizationTaskExecution | null;
    lastSuccessfulExecution: SynchronizationTaskExecution | null;
    lastSuccessfulExecutionWithExports: SynchronizationTaskExecution | null;
    quarantine: SynchronizationQuarantine | null;
    steadyStateFirstAchievedTime: string;
    steadyStateLastAchievedTime: string;
    synchronizedEntryCountByType: { key: string; value: number }[];
    troubleshootingUrl: string | null;
  };
  synchronizationJobSettings: { name: string; value: string }[];
};

/** Credentials the SCIM endpoint (or its token endpoint) refused, or that are incomplete. */
export class CredentialFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Credentials of a kind the directory does not take for this application. */
export class UnsupportedCredentialsError extends CredentialFailure {}

/** What the engine reads and writes of the stand-in's state. */
export interface EngineDependencies {
  readonly tenantId: string;
  readonly users: ReadonlyMap<string, DirectoryUser>;
  readonly groups: ReadonlyMap<string, DirectoryGroup>;
  readonly fetch: typeof fetch;
  readonly oauthClientCredentials: boolean;
  secretsOf(servicePrincipalId: string): readonly SecretPair[];
  servicePrincipal(id: string): ServicePrincipal;
  isAssigned(servicePrincipalId: string, principalId: string, seeded: boolean | undefined): boolean;
  /** Appended to: every request sent to the SCIM endpoint. */
  readonly scimCalls: ScimCall[];
  /** Appended to: the provisioning log. */
  readonly logs: ProvisioningObjectSummary[];
}

export interface ProvisioningEngine {
  /** Entra's Test Connection; throws `CredentialFailure` when it fails. */
  testConnection(pairs: readonly SecretPair[], corrupt: boolean): Promise<void>;
  /**
   * One cycle over the directory (or one object, on demand); returns the log entries written.
   * `corrupt` sends a wrong secret (the stand-in's quarantine hook).
   */
  runCycle(
    record: JobRecord,
    options?: { only?: { objectId: string }; corrupt?: boolean },
  ): Promise<ProvisioningObjectSummary[]>;
}

export function provisioningEngine(deps: EngineDependencies): ProvisioningEngine {
  const { users, groups, tenantId, logs, scimCalls, isAssigned, servicePrincipal } = deps;
  const scimFetch = deps.fetch;

  function userInScope(spId: string, user: DirectoryUser, syncAll: boolean): boolean {
    if (syncAll || isAssigned(spId, user.id, user.assigned)) return true;
    return [...groups.values()].some(
      (g) => isAssigned(spId, g.id, g.assigned) && (g.members ?? []).includes(user.id),
    );
  }

  /** The bearer token Entra would send: the Secret Token, or one from the OAuth token endpoint. */
  async function connect(pairs: readonly SecretPair[], corrupt: boolean): Promise<Connection> {
    const get = (key: string) => pairs.find((p) => p.key === key)?.value;
    const baseAddress = get('BaseAddress');
    if (!baseAddress) throw new CredentialFailure('The Tenant URL (BaseAddress) is missing.');
    const url = new URL(baseAddress);
    const compliant = url.searchParams.has('aadOptscim062020');
    const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    if (get('AuthenticationType') === OAUTH_CLIENT_CREDENTIALS) {
      if (!deps.oauthClientCredentials) {
        throw new UnsupportedCredentialsError(
          'The authentication type OAuth2ClientCredentialsGrant is not supported for this application.',
        );
      }
      const tokenUrl = get('Oauth2TokenExchangeUri');
      const clientId = get('Oauth2ClientId');
      const secret = get('Oauth2ClientSecret');
      if (!tokenUrl || !clientId || !secret) {
        throw new CredentialFailure(
          'The OAuth token endpoint, client id or client secret is missing.',
        );
      }
      const response = await scimFetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: corrupt ? `wrong-${randomUUID()}` : secret,
        }),
      }).catch((cause: Error) => {
        throw new CredentialFailure(`The token endpoint could not be reached: ${cause.message}`);
      });
      const body = (await response.json().catch(() => ({}))) as { access_token?: string };
      if (!response.ok || !body.access_token) {
        throw new CredentialFailure(
          `The token endpoint answered HTTP ${response.status}: ${JSON.stringify(body)}`,
          response.status,
        );
      }
      return { base, bearer: body.access_token, compliant };
    }
    const token = get('SecretToken');
    if (!token) throw new CredentialFailure('The Secret Token is missing.');
    return { base, bearer: corrupt ? `${token}x` : token, compliant };
  }

  async function scim(
    connection: Connection,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await scimFetch(`${connection.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${connection.bearer}`,
          ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      scimCalls.push({ method, path, body, status: 0 });
      throw new CredentialFailure(
        `The Tenant URL could not be reached: ${(cause as Error).message}`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    scimCalls.push({ method, path, body, status: response.status });
    if (response.status === 401 || response.status === 403) {
      throw new CredentialFailure(
        `The SCIM endpoint answered HTTP ${response.status}: ${text.slice(0, 500)}`,
        response.status,
      );
    }
    return { status: response.status, body: parsed };
  }

  /** Entra's Test Connection (entra-docs use-scim-to-provision-users-and-groups.md). */
  async function testConnection(pairs: readonly SecretPair[], corrupt: boolean): Promise<void> {
    const connection = await connect(pairs, corrupt);
    const filter = `userName eq "${randomUUID()}"`;
    const answer = await scim(connection, 'GET', `/Users?filter=${encodeURIComponent(filter)}`);
    const list = answer.body as { totalResults?: number } | undefined;
    if (answer.status !== 200 || list?.totalResults !== 0) {
      throw new CredentialFailure(
        `The SCIM endpoint answered HTTP ${answer.status} to a query for a user that cannot exist; Entra expects 200 with an empty list.`,
        answer.status,
      );
    }
  }

  interface CycleCounts {
    imported: number;
    exported: number;
    escrowed: number;
    entitled: number;
  }

  async function runCycle(
    record: JobRecord,
    { only, corrupt = false }: { only?: { objectId: string }; corrupt?: boolean } = {},
  ): Promise<ProvisioningObjectSummary[]> {
    const cycleId = randomUUID();
    const began = new Date().toISOString();
    const pairs = deps.secretsOf(record.servicePrincipalId);
    const syncAll = pairs.find((p) => p.key === 'SyncAll')?.value.toLowerCase() === 'true';
    const counts: CycleCounts = { imported: 0, exported: 0, escrowed: 0, entitled: 0 };
    const written: ProvisioningObjectSummary[] = [];
    let connection: Connection;
    try {
      connection = await connect(pairs, corrupt);
    } catch (error) {
      if (error instanceof CredentialFailure) {
        quarantine(record, error, began);
        return written;
      }
      throw error;
    }
    const rule = record.schema.synchronizationRules.find(
      (r) => r.sourceDirectoryName === ENTRA_DIRECTORY_NAME,
    );
    const userMapping = rule?.objectMappings.find((m) => m.sourceObjectName === 'User');
    const groupMapping = rule?.objectMappings.find((m) => m.sourceObjectName === 'Group');
    const context = { record, connection, cycleId, counts, written };
    try {
      for (const user of users.values()) {
        if (only && only.objectId !== user.id) continue;
        counts.imported += 1;
        if (!userMapping) continue;
        await provisionUser(context, user, userMapping.attributeMappings, syncAll);
      }
      for (const group of groups.values()) {
        if (only && only.objectId !== group.id) continue;
        counts.imported += 1;
        if (
          !groupMapping ||
          !(syncAll || isAssigned(record.servicePrincipalId, group.id, group.assigned))
        ) {
          continue;
        }
        await provisionGroup(context, group, groupMapping.attributeMappings);
      }
    } catch (error) {
      if (error instanceof CredentialFailure) {
        quarantine(record, error, began);
        return written;
      }
      throw error;
    }
    const execution: SynchronizationTaskExecution = {
      activityIdentifier: cycleId,
      countEntitled: counts.entitled,
      countEscrowed: counts.escrowed,
      countExported: counts.exported,
      countImported: counts.imported,
      error: null,
      state: counts.escrowed > 0 ? 'EntryLevelErrors' : 'Succeeded',
      timeBegan: began,
      timeEnded: new Date().toISOString(),
    };
    if (!only) {
      const status = record.job.status;
      status.lastExecution = execution;
      status.lastSuccessfulExecution = execution;
      if (counts.exported > 0) status.lastSuccessfulExecutionWithExports = execution;
      status.countSuccessiveCompleteFailures = 0;
      status.quarantine = null;
      status.code = record.job.schedule.state === 'Paused' ? 'Paused' : 'Active';
      status.synchronizedEntryCountByType = [
        { key: 'User', value: [...record.provisioned.keys()].filter((id) => users.has(id)).length },
        {
          key: 'Group',
          value: [...record.provisioned.keys()].filter((id) => groups.has(id)).length,
        },
      ];
      if (status.steadyStateFirstAchievedTime.startsWith('0001')) {
        status.steadyStateFirstAchievedTime = execution.timeEnded;
      }
      status.steadyStateLastAchievedTime = execution.timeEnded;
    }
    return written;
  }

  function quarantine(record: JobRecord, failure: CredentialFailure, began: string) {
    const now = new Date();
    const status = record.job.status;
    const previous = status.quarantine;
    const error = {
      code: 'CredentialValidationUnavailable',
      message: `You appear to have entered invalid credentials. ${failure.message}`,
      tenantActionable: true,
    };
    status.code = 'Quarantine';
    status.countSuccessiveCompleteFailures += 1;
    status.lastExecution = {
      countEntitled: 0,
      countEscrowed: 0,
      countExported: 0,
      countImported: 0,
      error,
      state: 'Failed',
      timeBegan: began,
      timeEnded: now.toISOString(),
    };
    // Entra retries a quarantined job about once a day (entra-docs
    // application-provisioning-quarantine-status.md).
    status.quarantine = {
      currentBegan: now.toISOString(),
      nextAttempt: new Date(now.getTime() + 24 * 3600_000).toISOString(),
      reason: 'EncounteredQuarantineException',
      seriesBegan: previous?.seriesBegan ?? now.toISOString(),
      seriesCount: (previous?.seriesCount ?? 0) + 1,
      error,
    };
  }

  interface CycleContext {
    record: JobRecord;
    connection: Connection;
    cycleId: string;
    counts: CycleCounts;
    written: ProvisioningObjectSummary[];
  }

  async function provisionUser(
    context: CycleContext,
    user: DirectoryUser,
    mappings: readonly AttributeMapping[],
    syncAll: boolean,
  ) {
    const { record, connection } = context;
    const started = Date.now();
    const steps: ProvisioningStep[] = [
      step(
        'EntryImport',
        'import',
        'success',
        `Retrieved User '${user.userPrincipalName}' from Azure Active Directory`,
      ),
    ];
    if (!userInScope(record.servicePrincipalId, user, syncAll)) {
      const known = record.provisioned.get(user.id);
      if (known) {
        // Out of scope after being provisioned: Entra disables the account (how-provisioning-works.md).
        const patch = patchBody(connection, [{ path: 'active', value: false }]);
        const answer = await scim(
          connection,
          'PATCH',
          `/Users/${encodeURIComponent(known)}`,
          patch,
        );
        context.counts.exported += 1;
        writeLog(
          context,
          user,
          'disable',
          answer.status < 300 ? 'success' : 'failure',
          steps,
          started,
          known,
          answer,
        );
        return;
      }
      steps.push(
        step(
          'EntrySynchronizationScoping',
          'scoping',
          'skipped',
          `Determine if User in scope by evaluating against each scoping filter`,
          {
            SkipReason: 'NotEffectivelyEntitled',
            Assigned: 'False',
          },
        ),
      );
      writeLog(context, user, 'other', 'skipped', steps, started, '', undefined, {
        errorCode: 'NotEffectivelyEntitled',
        reason: `User '${user.userPrincipalName}' was skipped: not in scope (not assigned to the application, directly or through a group).`,
      });
      return;
    }
    context.counts.entitled += 1;
    const values = mappedValues(mappings, user);
    const matching = mappings.find((m) => (m.matchingPriority ?? 0) > 0) ?? mappings[0];
    const matchAttribute = matching?.targetAttributeName ?? 'userName';
    const matchValue = values.get(matchAttribute) ?? user.userPrincipalName;
    const found = await scim(
      connection,
      'GET',
      `/Users?filter=${encodeURIComponent(`${matchAttribute} eq "${String(matchValue).replaceAll('"', '\\"')}"`)}`,
    );
    const resources =
      (found.body as { Resources?: Record<string, unknown>[] } | undefined)?.Resources ?? [];
    if (found.status !== 200) {
      context.counts.escrowed += 1;
      writeLog(context, user, 'other', 'failure', steps, started, '', found);
      return;
    }
    steps.push(
      step(
        'EntryImport',
        'matching',
        'success',
        `Retrieved '${matchValue}' from ${TARGET_DIRECTORY}`,
      ),
    );
    const existing = resources[0];
    if (!existing) {
      const body = userCreateBody(values);
      const created = await scim(connection, 'POST', '/Users', body);
      const id = (created.body as { id?: string } | undefined)?.id;
      if (created.status === 201 || (created.status === 200 && id)) {
        if (id) record.provisioned.set(user.id, id);
        context.counts.exported += 1;
        steps.push(
          step(
            'EntryExportAdd',
            'export',
            'success',
            `User '${user.userPrincipalName}' was created in ${TARGET_DIRECTORY}`,
          ),
        );
        writeLog(
          context,
          user,
          'create',
          'success',
          steps,
          started,
          id ?? '',
          undefined,
          undefined,
          values,
        );
      } else {
        context.counts.escrowed += 1;
        steps.push(
          step(
            'EntryExportAdd',
            'export',
            'failure',
            `Failed to create User '${user.userPrincipalName}' in ${TARGET_DIRECTORY}`,
          ),
        );
        writeLog(context, user, 'create', 'failure', steps, started, '', created);
      }
      return;
    }
    const id = String(existing.id);
    record.provisioned.set(user.id, id);
    const changes = [...values.entries()]
      .filter(([path, value]) => !sameValue(readPath(existing, path), value))
      .map(([path, value]) => ({ path, value }));
    if (changes.length === 0) {
      steps.push(
        step(
          'EntrySynchronizationSkip',
          'export',
          'skipped',
          `The state of the user in both the source and target systems already match. No change to the User '${user.userPrincipalName}' currently needs to be made.`,
          { SkipReason: 'RedundantExport' },
        ),
      );
      writeLog(context, user, 'other', 'skipped', steps, started, id, undefined, {
        errorCode: 'RedundantExport',
        reason: 'The state of the user in both the source and target systems already match.',
      });
      return;
    }
    const updated = await scim(
      connection,
      'PATCH',
      `/Users/${encodeURIComponent(id)}`,
      patchBody(connection, changes),
    );
    if (updated.status === 200 || updated.status === 204) {
      context.counts.exported += 1;
      steps.push(
        step(
          'EntryExportUpdate',
          'export',
          'success',
          `User '${user.userPrincipalName}' was updated in ${TARGET_DIRECTORY}`,
        ),
      );
      writeLog(
        context,
        user,
        'update',
        'success',
        steps,
        started,
        id,
        undefined,
        undefined,
        new Map(changes.map((c) => [c.path, c.value])),
      );
    } else {
      context.counts.escrowed += 1;
      steps.push(
        step(
          'EntryExportUpdate',
          'export',
          'failure',
          `Failed to update User '${user.userPrincipalName}' in ${TARGET_DIRECTORY}`,
        ),
      );
      writeLog(context, user, 'update', 'failure', steps, started, id, updated);
    }
  }

  async function provisionGroup(
    context: CycleContext,
    group: DirectoryGroup,
    mappings: readonly AttributeMapping[],
  ) {
    const { record, connection } = context;
    const started = Date.now();
    context.counts.entitled += 1;
    const steps: ProvisioningStep[] = [
      step(
        'EntryImport',
        'import',
        'success',
        `Retrieved Group '${group.displayName}' from Azure Active Directory`,
      ),
    ];
    const values = mappedValues(
      mappings.filter((m) => m.targetAttributeName !== 'members'),
      group as unknown as Record<string, unknown>,
    );
    const filter = `displayName eq "${group.displayName.replaceAll('"', '\\"')}"`;
    const found = await scim(
      connection,
      'GET',
      `/Groups?excludedAttributes=members&filter=${encodeURIComponent(filter)}`,
    );
    if (found.status !== 200) {
      context.counts.escrowed += 1;
      writeLog(context, group, 'other', 'failure', steps, started, '', found);
      return;
    }
    const existing = ((found.body as { Resources?: Record<string, unknown>[] }).Resources ?? [])[0];
    let id: string;
    let action: 'create' | 'update' | 'other' = 'other';
    if (!existing) {
      // Groups are created without members; members follow in a PATCH (how-provisioning-works.md).
      const body = {
        schemas: [SCIM_GROUP],
        ...objectFromPaths(values),
        meta: { resourceType: 'Group' },
      };
      const created = await scim(connection, 'POST', '/Groups', body);
      const createdId = (created.body as { id?: string } | undefined)?.id;
      if (!createdId || created.status >= 300) {
        context.counts.escrowed += 1;
        steps.push(
          step(
            'EntryExportAdd',
            'export',
            'failure',
            `Failed to create Group '${group.displayName}' in ${TARGET_DIRECTORY}`,
          ),
        );
        writeLog(context, group, 'create', 'failure', steps, started, '', created);
        return;
      }
      id = createdId;
      action = 'create';
      context.counts.exported += 1;
    } else {
      id = String(existing.id);
      const changes = [...values.entries()]
        .filter(([path, value]) => !sameValue(readPath(existing, path), value))
        .map(([path, value]) => ({ path, value }));
      if (changes.length > 0) {
        const updated = await scim(
          connection,
          'PATCH',
          `/Groups/${encodeURIComponent(id)}`,
          patchBody(connection, changes),
        );
        if (updated.status >= 300) {
          context.counts.escrowed += 1;
          writeLog(context, group, 'update', 'failure', steps, started, id, updated);
          return;
        }
        action = 'update';
        context.counts.exported += 1;
      }
    }
    record.provisioned.set(group.id, id);
    const exported = record.exportedMembers.get(id) ?? new Set<string>();
    const toAdd = (group.members ?? [])
      .map((member) => record.provisioned.get(member))
      .filter((member): member is string => member !== undefined && !exported.has(member));
    if (toAdd.length > 0) {
      const patch = {
        schemas: [SCIM_PATCH],
        Operations: [
          {
            op: connection.compliant ? 'add' : 'Add',
            path: 'members',
            value: toAdd.map((value) => ({ value })),
          },
        ],
      };
      const added = await scim(connection, 'PATCH', `/Groups/${encodeURIComponent(id)}`, patch);
      if (added.status >= 300) {
        context.counts.escrowed += 1;
        writeLog(context, group, 'update', 'failure', steps, started, id, added);
        return;
      }
      for (const member of toAdd) exported.add(member);
      record.exportedMembers.set(id, exported);
      if (action === 'other') action = 'update';
      context.counts.exported += 1;
    }
    if (action === 'other') {
      writeLog(context, group, 'other', 'skipped', steps, started, id, undefined, {
        errorCode: 'RedundantExport',
        reason: 'The state of the group in both the source and target systems already match.',
      });
      return;
    }
    steps.push(
      step(
        action === 'create' ? 'EntryExportAdd' : 'EntryExportUpdate',
        'export',
        'success',
        `Group '${group.displayName}' was ${action === 'create' ? 'created' : 'updated'} in ${TARGET_DIRECTORY}`,
      ),
    );
    writeLog(context, group, action, 'success', steps, started, id, undefined, undefined, values);
  }

  function writeLog(
    context: CycleContext,
    source: DirectoryUser | DirectoryGroup,
    action: string,
    status: 'success' | 'failure' | 'skipped',
    steps: ProvisioningStep[],
    started: number,
    targetId: string,
    scimAnswer?: { status: number; body: unknown },
    skipped?: { errorCode: string; reason: string },
    changed?: ReadonlyMap<string, unknown>,
  ) {
    const sp = servicePrincipal(context.record.servicePrincipalId);
    const isUser = 'userPrincipalName' in source;
    const name = isUser ? source.userPrincipalName : source.displayName;
    const detail = scimAnswer ? scimDetail(scimAnswer) : undefined;
    const entry: ProvisioningObjectSummary = {
      id: randomUUID(),
      activityDateTime: new Date().toISOString(),
      tenantId,
      jobId: context.record.job.id,
      cycleId: context.cycleId,
      changeId: randomUUID(),
      provisioningAction: action,
      durationInMilliseconds: Date.now() - started,
      provisioningStatusInfo: {
        status,
        errorInformation:
          status === 'failure' && scimAnswer
            ? {
                errorCode: errorCodeOf(scimAnswer.status),
                // As Entra words it (MS Q&A 1185756: "StatusCode: Conflict … Web Response: {…}").
                reason: `StatusCode: ${scimAnswer.status} Message: Processing of the HTTP request resulted in an exception. Web Response: ${JSON.stringify(scimAnswer.body)}. This operation was retried 0 times. It will be retried again after this date: ${new Date(Date.now() + 40 * 60_000).toISOString()}`,
                additionalDetails: detail ?? null,
                errorCategory: 'nonServiceFailure',
                recommendedAction: null,
              }
            : skipped
              ? {
                  errorCode: skipped.errorCode,
                  reason: skipped.reason,
                  additionalDetails: null,
                  errorCategory: null,
                  recommendedAction: null,
                }
              : null,
      },
      provisioningSteps: steps,
      modifiedProperties: [...(changed ?? new Map()).entries()].map(([path, value]) => ({
        displayName: path,
        oldValue: null,
        newValue: value === undefined ? null : String(value),
      })),
      servicePrincipal: { id: sp.id, displayName: sp.displayName },
      sourceSystem: { id: randomUUID(), displayName: 'Azure Active Directory', details: {} },
      targetSystem: {
        id: randomUUID(),
        displayName: sp.displayName,
        details: {
          ApplicationId: sp.appId,
          ServicePrincipalId: sp.id,
          ServicePrincipalDisplayName: sp.displayName,
        },
      },
      sourceIdentity: {
        id: source.id,
        displayName: isUser ? (source.displayName ?? name) : name,
        identityType: isUser ? 'User' : 'Group',
        details: {},
      },
      targetIdentity: {
        id: targetId,
        displayName: name,
        identityType: isUser ? 'User' : 'Group',
        details: {},
      },
      initiatedBy: {
        id: '',
        displayName: 'Azure AD Provisioning Service',
        initiatorType: 'system',
      },
    };
    logs.push(entry);
    context.written.push(entry);
  }

  return { testConnection, runCycle };
}

function step(
  name: string,
  provisioningStepType: string,
  status: string,
  description: string,
  details: Record<string, string> = {},
): ProvisioningStep {
  return { name, provisioningStepType, status, description, details };
}

/** The provisioning log's error code for a SCIM status (entra-docs howto-analyze-provisioning-logs.md). */
function errorCodeOf(status: number): string {
  const codes: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'InsufficientRights',
    404: 'InvalidAnchor',
    405: 'MethodNotAllowed',
    409: 'EntryConflict',
    422: 'UnprocessableEntity',
    429: 'TooManyRequests',
    500: 'InternalServerError',
    501: 'NotImplemented',
  };
  return codes[status] ?? 'WebExceptionProtocolError';
}

function scimDetail(answer: { status: number; body: unknown }): string | undefined {
  const body = answer.body as { detail?: unknown; scimType?: unknown } | undefined;
  if (typeof body?.detail !== 'string') return undefined;
  return typeof body.scimType === 'string' ? `${body.scimType}: ${body.detail}` : body.detail;
}

/** The target attribute values an object's mappings produce (attributes with no value are not sent). */
function mappedValues(
  mappings: readonly AttributeMapping[],
  source: Record<string, unknown> | DirectoryUser,
): Map<string, unknown> {
  const record = source as Record<string, unknown>;
  const values = new Map<string, unknown>();
  for (const mapping of mappings) {
    const value = evaluate(mapping, record);
    if (value !== undefined && value !== null && value !== '') {
      values.set(mapping.targetAttributeName, value);
    }
  }
  return values;
}

function evaluate(mapping: AttributeMapping, source: Record<string, unknown>): unknown {
  const expression = mapping.source?.expression ?? '';
  // The default `active` mapping is an expression over IsSoftDeleted; an enabled account is active.
  if (mapping.targetAttributeName === 'active' || /IsSoftDeleted/.test(expression)) {
    return source.accountEnabled !== false;
  }
  const name = mapping.source?.name;
  if (mapping.source?.type !== 'Attribute' || !name) return undefined;
  if (name === 'objectId') return source.id;
  if (/^extensionAttribute\d+$/.test(name)) {
    return (source.extensionAttributes as Record<string, string> | undefined)?.[name];
  }
  return source[name];
}

/** A SCIM resource body from target attribute paths (`name.givenName`, `emails[type eq "work"].value`, URN-qualified extension attributes). */
function objectFromPaths(values: ReadonlyMap<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [path, value] of values) {
    const urn = path.match(/^(urn:.+):([^:]+)$/);
    if (urn?.[1] && urn[2]) {
      const extension = member(body, urn[1], () => ({})) as Record<string, unknown>;
      extension[urn[2]] = value;
      continue;
    }
    const filtered = path.match(/^(\w+)\[type eq "([^"]+)"\]\.(\w+)$/);
    if (filtered?.[1] && filtered[2] && filtered[3]) {
      const list = member(body, filtered[1], () => []) as Record<string, unknown>[];
      let entry = list.find((e) => e.type === filtered[2]);
      if (!entry) {
        entry = {
          type: filtered[2],
          ...(filtered[1] === 'emails' && filtered[2] === 'work' ? { primary: true } : {}),
        };
        list.push(entry);
      }
      entry[filtered[3]] = value;
      continue;
    }
    const [head, tail] = path.split('.', 2) as [string, string | undefined];
    if (tail) {
      (member(body, head, () => ({})) as Record<string, unknown>)[tail] = value;
    } else {
      body[head] = value;
    }
  }
  return body;
}

/** `body[key]`, created with `init` when absent. */
function member(body: Record<string, unknown>, key: string, init: () => unknown): unknown {
  if (body[key] === undefined) body[key] = init();
  return body[key];
}

/** `POST /Users` as Entra sends it (entra-request-samples.json `create-user`). */
function userCreateBody(values: ReadonlyMap<string, unknown>): Record<string, unknown> {
  return {
    schemas: [SCIM_USER, SCIM_ENTERPRISE_USER],
    ...objectFromPaths(values),
    meta: { resourceType: 'User' },
  };
}

/**
 * A PATCH in Entra's dialect: `Replace` with capitalised op names and `active` as the string
 * "True"/"False" by default (entra-request-samples.json `patch-user-disable-default`); lower-case
 * ops and a boolean with `aadOptscim062020` in the Tenant URL (`patch-user-disable-flag`).
 */
function patchBody(connection: Connection, changes: readonly { path: string; value: unknown }[]) {
  return {
    schemas: [SCIM_PATCH],
    Operations: changes.map(({ path, value }) => ({
      op: connection.compliant ? 'replace' : 'Replace',
      path,
      value:
        typeof value === 'boolean' && !connection.compliant ? (value ? 'True' : 'False') : value,
    })),
  };
}

interface Connection {
  base: string;
  bearer: string;
  /** `aadOptscim062020` in the Tenant URL: RFC 7644 PATCH (lower-case ops, boolean active). */
  compliant: boolean;
}

/** The value at a target attribute path of a SCIM resource (or a dotted path of a log entry). */
function readPath(resource: Record<string, unknown>, path: string): unknown {
  const urn = path.match(/^(urn:.+):([^:]+)$/);
  if (urn?.[1] && urn[2]) {
    return (resource[urn[1]] as Record<string, unknown> | undefined)?.[urn[2]];
  }
  const filtered = path.match(/^(\w+)\[type eq "([^"]+)"\]\.(\w+)$/);
  if (filtered?.[1] && filtered[2] && filtered[3]) {
    const list = resource[filtered[1]] as Record<string, unknown>[] | undefined;
    return list?.find((e) => e.type === filtered[2])?.[filtered[3]];
  }
  let current: unknown = resource;
  for (const part of path.split('.')) {
    current = (current as Record<string, unknown> | undefined)?.[part];
  }
  return current;
}

function sameValue(current: unknown, wanted: unknown): boolean {
  if (typeof wanted === 'boolean')
    return current === wanted || String(current).toLowerCase() === String(wanted);
  return current === wanted;
}

/**
 * The schema a non-gallery SCIM job starts with: Entra's default attribute mappings for custom
 * SCIM applications (entra-docs use-scim-to-provision-users-and-groups.md, tables of the user and
 * group attributes), matching users by `userName` and groups by `displayName`. Only the
 * attributes GroupTalk takes are listed; the real default schema has more.
 */
export function defaultScimSchema(): SynchronizationSchema {
  const attribute = (name: string, type = 'String') => ({
    name,
    type,
    anchor: false,
    caseExact: false,
    multivalued: false,
    mutability: 'ReadWrite',
    required: false,
    referencedObjects: [],
    metadata: [],
    apiExpressions: [],
    defaultValue: null,
    flowNullValues: false,
  });
  const map = (source: string, target: string, matchingPriority = 0): AttributeMapping => ({
    source: { expression: `[${source}]`, name: source, type: 'Attribute', parameters: [] },
    targetAttributeName: target,
    defaultValue: null,
    exportMissingReferences: false,
    flowBehavior: 'FlowWhenChanged',
    flowType: 'Always',
    matchingPriority,
  });
  return {
    directories: [
      {
        id: randomUUID(),
        name: ENTRA_DIRECTORY_NAME,
        objects: [
          {
            name: 'User',
            attributes: [
              'objectId',
              'userPrincipalName',
              'displayName',
              'givenName',
              'surname',
              'mail',
              'mailNickname',
              'accountEnabled',
              'IsSoftDeleted',
              ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map(
                (n) => `extensionAttribute${n}`,
              ),
            ].map((n) => attribute(n)),
          },
          {
            name: 'Group',
            attributes: ['objectId', 'displayName', 'description', 'members'].map((n) =>
              attribute(n),
            ),
          },
        ],
      },
      {
        id: randomUUID(),
        name: TARGET_DIRECTORY,
        objects: [
          {
            name: 'User',
            attributes: [
              attribute('userName'),
              attribute('active', 'Boolean'),
              attribute('displayName'),
              attribute('emails[type eq "work"].value'),
              attribute('name.givenName'),
              attribute('name.familyName'),
              attribute('externalId'),
            ],
          },
          {
            name: 'Group',
            attributes: [
              attribute('displayName'),
              attribute('externalId'),
              attribute('members', 'Reference'),
            ],
          },
        ],
      },
    ],
    synchronizationRules: [
      {
        id: randomUUID(),
        name: 'USER_GROUP_OUTBOUND',
        editable: true,
        priority: 1,
        sourceDirectoryName: ENTRA_DIRECTORY_NAME,
        targetDirectoryName: TARGET_DIRECTORY,
        objectMappings: [
          {
            name: 'Provision Azure Active Directory Users',
            enabled: true,
            flowTypes: 'Add, Update, Delete',
            scope: null,
            sourceObjectName: 'User',
            targetObjectName: 'User',
            attributeMappings: [
              map('userPrincipalName', 'userName', 1),
              {
                source: {
                  expression: 'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
                  name: 'Switch',
                  type: 'Function',
                  parameters: [],
                },
                targetAttributeName: 'active',
                defaultValue: null,
                exportMissingReferences: false,
                flowBehavior: 'FlowWhenChanged',
                flowType: 'Always',
                matchingPriority: 0,
              },
              map('displayName', 'displayName'),
              map('mail', 'emails[type eq "work"].value'),
              map('givenName', 'name.givenName'),
              map('surname', 'name.familyName'),
              map('mailNickname', 'externalId'),
            ],
          },
          {
            name: 'Provision Azure Active Directory Groups',
            enabled: true,
            flowTypes: 'Add, Update, Delete',
            scope: null,
            sourceObjectName: 'Group',
            targetObjectName: 'Group',
            attributeMappings: [
              map('displayName', 'displayName', 1),
              map('objectId', 'externalId'),
              map('members', 'members'),
            ],
          },
        ],
      },
    ],
  };
}
