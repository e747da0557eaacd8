/**
 * A local stand-in for the part of Microsoft Graph v1.0 the Entra connect flow calls, built from
 * Microsoft's documented requests and responses (microsoftgraph/microsoft-graph-docs-contrib,
 * api-reference/v1.0/api/<file> named at each route), and for the Entra provisioning service
 * behind it: `validateCredentials` performs Entra's Test Connection against the Tenant URL, and
 * `start`, `restart` and `provisionOnDemand` run a provisioning cycle against it in Entra's SCIM
 * dialect (../shared/entra/entra-request-samples.json), writing provisioning log entries.
 *
 * What is the stand-in's own (not documented by Microsoft, kept plausible and said so):
 * - a cycle runs inside the `start`/`restart` request (Graph answers 204 at once and runs cycles
 *   about every 40 minutes); `runCycle` runs another, as time passing would;
 * - a failed Test Connection answers 400 `CredentialValidationUnavailable` (the code Entra shows
 *   for a failed Test Connection in third-party reports), with the SCIM status in the message;
 * - OAuth client credentials use the keys of `oauthClientCredentials` (shared/graph/client.ts).
 *
 * Secrets are kept in memory only, never logged, and redacted in `state.requests`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import {
  NON_GALLERY_TEMPLATE_ID,
  OAUTH_CLIENT_CREDENTIALS,
  SCIM_JOB_TEMPLATE_ID,
} from '../../shared/graph/client.js';
import { ENTRA_DIRECTORY_NAME } from '../../shared/graph/schema.js';
import type {
  AppRoleAssignment,
  AttributeMapping,
  ProvisioningObjectSummary,
  ProvisioningStep,
  SecretPair,
  ServicePrincipal,
  SynchronizationJob,
  SynchronizationQuarantine,
  SynchronizationSchema,
  SynchronizationTaskExecution,
} from '../../shared/graph/types.js';

/** The audiences Graph accepts: its URI and its application id. */
export const GRAPH_AUDIENCES = [
  'https://graph.microsoft.com',
  '00000003-0000-0000-c000-000000000000',
];

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

/**
 * A small directory for `npm start` and the browser test: two users assigned directly, a group
 * assigned with a member of its own, and a user assigned to nothing (Entra's log says "skipped:
 * not in scope" for her). The admin of the local OpenID provider (`LOCAL_USERS.admin`) is one of
 * them, with the same object id.
 */
export const LOCAL_GRAPH_DIRECTORY: {
  readonly users: readonly DirectoryUser[];
  readonly groups: readonly DirectoryGroup[];
} = {
  users: [
    {
      id: '11111111-1111-4111-8111-111111111111',
      userPrincipalName: 'ada.admin@contoso.test',
      displayName: 'Ada Admin',
      givenName: 'Ada',
      surname: 'Admin',
      mail: 'ada.admin@contoso.test',
      mailNickname: 'ada.admin',
      extensionAttributes: { extensionAttribute1: 'Platform team' },
      assigned: true,
    },
    {
      id: '44444444-4444-4444-8444-444444444444',
      userPrincipalName: 'grace.hopper@contoso.test',
      displayName: 'Grace Hopper',
      givenName: 'Grace',
      surname: 'Hopper',
      mail: 'grace.hopper@contoso.test',
      mailNickname: 'grace.hopper',
      assigned: true,
    },
    {
      id: '55555555-5555-4555-8555-555555555555',
      userPrincipalName: 'alan.turing@contoso.test',
      displayName: 'Alan Turing',
      givenName: 'Alan',
      surname: 'Turing',
      mail: 'alan.turing@contoso.test',
      mailNickname: 'alan.turing',
    },
    {
      id: '66666666-6666-4666-8666-666666666666',
      userPrincipalName: 'max.unassigned@contoso.test',
      displayName: 'Max Unassigned',
      givenName: 'Max',
      surname: 'Unassigned',
      mail: 'max.unassigned@contoso.test',
      mailNickname: 'max.unassigned',
    },
  ],
  groups: [
    {
      id: '77777777-7777-4777-8777-777777777777',
      displayName: 'Research',
      description: 'Everyone in research',
      members: ['44444444-4444-4444-8444-444444444444', '55555555-5555-4555-8555-555555555555'],
      assigned: true,
    },
  ],
};

export interface GraphStandInOptions {
  readonly port?: number;
  /** Verifies a bearer token and returns its claims (throws when it is not valid). */
  readonly verifyToken?: (token: string) => Promise<JWTPayload>;
  /** Or: the key set and issuer of the local OpenID provider that mints the Graph tokens. */
  readonly jwksUri?: string;
  readonly issuer?: string;
  /** The directory (tenant) id written into job ids and log entries. */
  readonly tenantId?: string;
  readonly users?: readonly DirectoryUser[];
  readonly groups?: readonly DirectoryGroup[];
  /** Whether OAuth client credentials are accepted as a job's credentials (default true). */
  readonly oauthClientCredentials?: boolean;
  /** How the stand-in reaches the SCIM endpoint (default global fetch). */
  readonly fetch?: typeof fetch;
  /** provisionOnDemand's rate limit (default the documented 5 requests per 10 seconds). */
  readonly provisionOnDemandLimit?: { readonly requests: number; readonly windowSeconds: number };
}

/** What the next request(s) meet. */
export type StandInFailure =
  /** The next Graph request: 403 Authorization_RequestDenied, whatever the token holds. */
  | 'insufficientPrivileges'
  /** The next `times` Graph requests: 429 with `Retry-After`. */
  | 'throttle'
  /** The next `times` Graph requests: 503 with `Retry-After`. */
  | 'serviceUnavailable'
  /** The next Test Connection sends a wrong secret: the SCIM endpoint itself refuses it. */
  | 'invalidCredentials'
  /** The next cycle sends a wrong secret: the endpoint refuses it and the job goes to quarantine. */
  | 'quarantine';

export interface RecordedRequest {
  readonly method: string;
  /** The path after the host, e.g. `/v1.0/servicePrincipals/…/synchronization/jobs`. */
  readonly path: string;
  /** The decoded query parameters. */
  readonly query: Readonly<Record<string, string>>;
  /** The JSON body, secret values replaced by `[redacted]`. */
  readonly body: unknown;
  /** The token's `scp`, split. */
  readonly scopes: readonly string[];
  readonly status: number;
}

/** A request the stand-in (as Entra) sent to the SCIM endpoint. */
export interface ScimCall {
  readonly method: string;
  /** Relative to the Tenant URL, with the query, e.g. `/Users?filter=…`. */
  readonly path: string;
  readonly body: unknown;
  readonly status: number;
}

export interface StandInJob {
  readonly servicePrincipalId: string;
  readonly job: SynchronizationJob;
  readonly schema: SynchronizationSchema;
  /** Entra object id → SCIM id, as Entra caches it after a create or a match. */
  readonly provisioned: ReadonlyMap<string, string>;
}

export interface StandInState {
  readonly servicePrincipals: readonly ServicePrincipal[];
  readonly jobs: readonly StandInJob[];
  /** The keys saved for a service principal (the values are not shown). */
  secretKeys(servicePrincipalId: string): readonly string[];
  readonly assignments: readonly AppRoleAssignment[];
  readonly provisioningLogs: readonly ProvisioningObjectSummary[];
  readonly requests: readonly RecordedRequest[];
  readonly scimCalls: readonly ScimCall[];
}

export interface GraphStandIn {
  /** The v1.0 base URL, e.g. `http://127.0.0.1:41234/v1.0`: a `graphClient`'s `baseUrl`. */
  readonly url: string;
  readonly state: StandInState;
  fail(next: StandInFailure, options?: { times?: number; retryAfterSeconds?: number }): void;
  /** Another provisioning cycle of a started job, as Entra runs every 40 minutes. */
  runCycle(servicePrincipalId: string, jobId: string): Promise<void>;
  /** Adds or changes a user of the directory (e.g. to assign or edit one between cycles). */
  putUser(user: DirectoryUser): void;
  close(): Promise<void>;
}

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCIM_ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SCIM_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const SCIM_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** The target directory of a non-gallery SCIM job (the `targetSystem` of the documented logs). */
const TARGET_DIRECTORY = 'customappsso';
/** Secret keys whose values are not secret, kept in recorded requests. */
const PUBLIC_SECRET_KEYS = new Set([
  'BaseAddress',
  'SyncAll',
  'SyncNotificationSettings',
  'SkipOutOfScopeDeletions',
  'AuthenticationType',
  'Oauth2TokenExchangeUri',
  'Oauth2ClientId',
]);

/**
 * The delegated permissions each route's reference page lists: any one inner list suffices, and
 * every permission of it is needed ("AuditLog.Read.All and Directory.Read.All").
 */
const READ_APPLICATIONS = [
  ['Application.Read.All'],
  ['Application.ReadWrite.All'],
  ['Directory.Read.All'],
  ['Directory.ReadWrite.All'],
  ['Directory.AccessAsUser.All'],
];
const READ_SYNC = [['Synchronization.Read.All'], ['Synchronization.ReadWrite.All']];
const WRITE_SYNC = [['Synchronization.ReadWrite.All']];

interface JobRecord {
  servicePrincipalId: string;
  job: MutableJob;
  schema: SynchronizationSchema;
  provisioned: Map<string, string>;
  /** Group SCIM id → member SCIM ids exported. */
  exportedMembers: Map<string, Set<string>>;
}

type MutableJob = {
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

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const denied = () =>
  new HttpFailure(
    403,
    'Authorization_RequestDenied',
    'Insufficient privileges to complete the operation.',
  );
const notFound = (what: string) =>
  new HttpFailure(
    404,
    'Request_ResourceNotFound',
    `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`,
  );
const badRequest = (message: string) => new HttpFailure(400, 'BadRequest', message);

export async function startGraphStandIn(options: GraphStandInOptions): Promise<GraphStandIn> {
  const tenantId = options.tenantId ?? '00000000-0000-4000-8000-00000000c0de';
  const scimFetch = options.fetch ?? fetch;
  const verify = tokenVerifier(options);
  const users = new Map((options.users ?? []).map((u) => [u.id, u]));
  const groups = new Map((options.groups ?? []).map((g) => [g.id, g]));
  const servicePrincipals = new Map<string, ServicePrincipal>();
  const applications = new Map<string, Record<string, unknown>>();
  const jobs = new Map<string, JobRecord>();
  const secrets = new Map<string, SecretPair[]>();
  const assignments: AppRoleAssignment[] = [];
  const logs: ProvisioningObjectSummary[] = [];
  const requests: RecordedRequest[] = [];
  const scimCalls: ScimCall[] = [];
  const failures: { kind: StandInFailure; retryAfterSeconds: number }[] = [];
  const onDemandLimit = options.provisionOnDemandLimit ?? { requests: 5, windowSeconds: 10 };
  const onDemandCalls: number[] = [];

  const state: StandInState = {
    get servicePrincipals() {
      return [...servicePrincipals.values()];
    },
    get jobs() {
      return [...jobs.values()].map((r) => ({
        servicePrincipalId: r.servicePrincipalId,
        job: structuredClone(r.job) as SynchronizationJob,
        schema: r.schema,
        provisioned: new Map(r.provisioned),
      }));
    },
    secretKeys: (spId) => (secrets.get(spId) ?? []).map((s) => s.key),
    get assignments() {
      return [...assignments];
    },
    get provisioningLogs() {
      return [...logs];
    },
    get requests() {
      return [...requests];
    },
    get scimCalls() {
      return [...scimCalls];
    },
  };

  function takeFailure(kinds: readonly StandInFailure[]) {
    const index = failures.findIndex((f) => kinds.includes(f.kind));
    if (index < 0) return undefined;
    return failures.splice(index, 1)[0];
  }

  function servicePrincipal(id: string): ServicePrincipal {
    const found = servicePrincipals.get(id);
    if (!found) throw notFound(id);
    return found;
  }

  function jobRecord(spId: string, jobId: string): JobRecord {
    servicePrincipal(spId);
    const record = jobs.get(jobId);
    if (!record || record.servicePrincipalId !== spId) throw notFound(jobId);
    return record;
  }

  function isAssigned(spId: string, principalId: string, seeded: boolean | undefined): boolean {
    return (
      seeded === true ||
      assignments.some((a) => a.resourceId === spId && a.principalId === principalId)
    );
  }

  function userInScope(spId: string, user: DirectoryUser, syncAll: boolean): boolean {
    if (syncAll || isAssigned(spId, user.id, user.assigned)) return true;
    return [...groups.values()].some(
      (g) => isAssigned(spId, g.id, g.assigned) && (g.members ?? []).includes(user.id),
    );
  }

  // ---- the provisioning engine (Entra's side of the SCIM conversation) ----

  /** The bearer token Entra would send: the Secret Token, or one from the OAuth token endpoint. */
  async function connect(pairs: readonly SecretPair[], corrupt: boolean): Promise<Connection> {
    const get = (key: string) => pairs.find((p) => p.key === key)?.value;
    const baseAddress = get('BaseAddress');
    if (!baseAddress) throw new CredentialFailure('The Tenant URL (BaseAddress) is missing.');
    const url = new URL(baseAddress);
    const compliant = url.searchParams.has('aadOptscim062020');
    const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    if (get('AuthenticationType') === OAUTH_CLIENT_CREDENTIALS) {
      if (options.oauthClientCredentials === false) {
        throw new HttpFailure(
          400,
          'BadRequest',
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
    only?: { objectId: string },
  ): Promise<ProvisioningObjectSummary[]> {
    const cycleId = randomUUID();
    const began = new Date().toISOString();
    const pairs = secrets.get(record.servicePrincipalId) ?? [];
    const corrupt = only ? false : takeFailure(['quarantine']) !== undefined;
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

  // ---- the Graph routes ----

  type Handler = (input: {
    match: RegExpMatchArray;
    query: URLSearchParams;
    body: unknown;
  }) => Promise<{ status: number; body?: unknown }>;

  const routes: { method: string; pattern: RegExp; scopes: string[][]; handle: Handler }[] = [
    {
      // serviceprincipal-list.md
      method: 'GET',
      pattern: /^\/v1\.0\/servicePrincipals$/,
      scopes: READ_APPLICATIONS,
      handle: async ({ query }) => {
        const filter = query.get('$filter');
        let value = [...servicePrincipals.values()];
        if (filter) {
          const clause = filter.match(/^(appId|displayName) eq '((?:[^']|'')*)'$/);
          if (!clause?.[1])
            throw badRequest(`Unsupported or invalid query filter clause specified: '${filter}'.`);
          const field = clause[1] as 'appId' | 'displayName';
          const literal = (clause[2] ?? '').replaceAll("''", "'");
          value = value.filter((sp) => sp[field] === literal);
        }
        return {
          status: 200,
          body: {
            '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#servicePrincipals',
            value,
          },
        };
      },
    },
    {
      // serviceprincipal-get.md
      method: 'GET',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)$/,
      scopes: READ_APPLICATIONS,
      handle: async ({ match }) => ({ status: 200, body: servicePrincipal(param(match, 1)) }),
    },
    {
      // applicationtemplate-instantiate.md
      method: 'POST',
      pattern: /^\/v1\.0\/applicationTemplates\/([^/]+)\/instantiate$/,
      scopes: [['Application.ReadWrite.All'], ['Directory.ReadWrite.All']],
      handle: async ({ match, body }) => {
        if (param(match, 1) !== NON_GALLERY_TEMPLATE_ID) throw notFound(param(match, 1));
        const displayName = (body as { displayName?: unknown } | undefined)?.displayName;
        if (typeof displayName !== 'string' || displayName.trim() === '') {
          throw badRequest(
            "Invalid value specified for property 'displayName' of resource 'Application'.",
          );
        }
        const appId = randomUUID();
        const application = {
          id: randomUUID(),
          appId,
          applicationTemplateId: NON_GALLERY_TEMPLATE_ID,
          displayName,
          createdDateTime: new Date().toISOString(),
          signInAudience: 'AzureADMyOrg',
          identifierUris: [],
          tags: [],
        };
        const sp: ServicePrincipal = {
          id: randomUUID(),
          accountEnabled: true,
          appDisplayName: displayName,
          appId,
          applicationTemplateId: NON_GALLERY_TEMPLATE_ID,
          appOwnerOrganizationId: tenantId,
          appRoleAssignmentRequired: true,
          // The roles a non-gallery application gets: User and msiam_access (as the admin center
          // shows them when assigning; ids are the stand-in's).
          appRoles: [
            {
              id: randomUUID(),
              displayName: 'User',
              value: null,
              isEnabled: true,
              allowedMemberTypes: ['User'],
              description: 'User',
              origin: 'Application',
            },
            {
              id: randomUUID(),
              displayName: 'msiam_access',
              value: null,
              isEnabled: true,
              allowedMemberTypes: ['User'],
              description: 'msiam_access',
              origin: 'Application',
            },
          ],
          displayName,
          servicePrincipalNames: [appId],
          servicePrincipalType: 'Application',
          tags: [
            'WindowsAzureActiveDirectoryCustomSingleSignOnApplication',
            'WindowsAzureActiveDirectoryIntegratedApp',
          ],
        };
        applications.set(application.id, application);
        servicePrincipals.set(sp.id, sp);
        return { status: 201, body: { application, servicePrincipal: sp } };
      },
    },
    {
      // synchronization-synchronization-list-jobs.md
      method: 'GET',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/?$/,
      scopes: READ_SYNC,
      handle: async ({ match }) => {
        const spId = param(match, 1);
        servicePrincipal(spId);
        const value = [...jobs.values()]
          .filter((r) => r.servicePrincipalId === spId)
          .map((r) => r.job);
        return { status: 200, body: { value } };
      },
    },
    {
      // synchronization-synchronization-post-jobs.md
      method: 'POST',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/?$/,
      scopes: WRITE_SYNC,
      handle: async ({ match, body }) => {
        const spId = param(match, 1);
        servicePrincipal(spId);
        const templateId = (body as { templateId?: unknown } | undefined)?.templateId;
        if (templateId !== SCIM_JOB_TEMPLATE_ID) {
          throw badRequest(
            `The template '${String(templateId)}' is not one of the templates of this application.`,
          );
        }
        const job: MutableJob = {
          id: `${templateId}.${tenantId.replaceAll('-', '')}.${randomUUID()}`,
          templateId,
          schedule: { expiration: null, interval: 'PT40M', state: 'Disabled' },
          status: {
            code: 'NotConfigured',
            countSuccessiveCompleteFailures: 0,
            escrowsPruned: false,
            lastExecution: null,
            lastSuccessfulExecution: null,
            lastSuccessfulExecutionWithExports: null,
            quarantine: null,
            steadyStateFirstAchievedTime: '0001-01-01T00:00:00Z',
            steadyStateLastAchievedTime: '0001-01-01T00:00:00Z',
            synchronizedEntryCountByType: [],
            troubleshootingUrl: null,
          },
          synchronizationJobSettings: [{ name: 'QuarantineTooManyDeletesThreshold', value: '500' }],
        };
        jobs.set(job.id, {
          servicePrincipalId: spId,
          job,
          schema: defaultScimSchema(),
          provisioned: new Map(),
          exportedMembers: new Map(),
        });
        return { status: 201, body: job };
      },
    },
    {
      // synchronization-synchronizationjob-get.md
      method: 'GET',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/?$/,
      scopes: READ_SYNC,
      handle: async ({ match }) => ({
        status: 200,
        body: jobRecord(param(match, 1), param(match, 2)).job,
      }),
    },
    {
      // synchronization-synchronizationjob-delete.md
      method: 'DELETE',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/?$/,
      scopes: WRITE_SYNC,
      handle: async ({ match }) => {
        const record = jobRecord(param(match, 1), param(match, 2));
        jobs.delete(record.job.id);
        return { status: 204 };
      },
    },
    {
      // synchronization-synchronizationjob-validatecredentials.md
      method: 'POST',
      pattern:
        /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/validateCredentials$/,
      scopes: WRITE_SYNC,
      handle: async ({ match, body }) => {
        const spId = param(match, 1);
        jobRecord(spId, param(match, 2));
        const input = (body ?? {}) as { useSavedCredentials?: boolean; credentials?: SecretPair[] };
        const pairs = input.useSavedCredentials
          ? (secrets.get(spId) ?? [])
          : secretPairs(input.credentials);
        const corrupt = takeFailure(['invalidCredentials']) !== undefined;
        try {
          await testConnection(pairs, corrupt);
        } catch (error) {
          if (error instanceof CredentialFailure) {
            throw new HttpFailure(
              400,
              'CredentialValidationUnavailable',
              `You appear to have entered invalid credentials. Please confirm you are using the correct information for an administrative account. ${error.message}`,
            );
          }
          throw error;
        }
        return { status: 204 };
      },
    },
    {
      // synchronization-serviceprincipal-put-synchronization.md
      method: 'PUT',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/secrets$/,
      scopes: WRITE_SYNC,
      handle: async ({ match, body }) => {
        const spId = param(match, 1);
        servicePrincipal(spId);
        const pairs = secretPairs((body as { value?: unknown } | undefined)?.value);
        const merged = new Map((secrets.get(spId) ?? []).map((p) => [p.key, p.value]));
        for (const pair of pairs) merged.set(pair.key, pair.value);
        // A change of authentication method leaves no stale secret of the other one behind.
        if (pairs.some((p) => p.key === 'SecretToken')) {
          for (const key of [
            'AuthenticationType',
            'Oauth2TokenExchangeUri',
            'Oauth2ClientId',
            'Oauth2ClientSecret',
          ])
            merged.delete(key);
        }
        if (pairs.some((p) => p.key === 'Oauth2ClientSecret')) merged.delete('SecretToken');
        secrets.set(
          spId,
          [...merged].map(([key, value]) => ({ key, value })),
        );
        for (const record of jobs.values()) {
          if (record.servicePrincipalId === spId && record.job.status.code === 'NotConfigured') {
            record.job.status.code = 'NotRun';
          }
        }
        return { status: 204 };
      },
    },
    {
      // synchronization-synchronizationschema-get.md
      method: 'GET',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/schema$/,
      scopes: READ_SYNC,
      handle: async ({ match }) => ({
        status: 200,
        body: jobRecord(param(match, 1), param(match, 2)).schema,
      }),
    },
    {
      // synchronization-synchronizationschema-update.md
      method: 'PUT',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/schema$/,
      scopes: WRITE_SYNC,
      handle: async ({ match, body }) => {
        const record = jobRecord(param(match, 1), param(match, 2));
        const schema = body as Partial<SynchronizationSchema> | undefined;
        if (!Array.isArray(schema?.directories) || !Array.isArray(schema?.synchronizationRules)) {
          throw badRequest(
            'The synchronization schema needs directories and synchronizationRules.',
          );
        }
        record.schema = schema as SynchronizationSchema;
        return { status: 204 };
      },
    },
    {
      // synchronization-synchronizationjob-start.md
      method: 'POST',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/start$/,
      scopes: WRITE_SYNC,
      handle: async ({ match }) => {
        const record = jobRecord(param(match, 1), param(match, 2));
        record.job.schedule.state = 'Active';
        record.job.status.quarantine = null;
        record.job.status.code = 'Active';
        await runCycle(record);
        return { status: 204 };
      },
    },
    {
      // synchronization-synchronizationjob-pause.md
      method: 'POST',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/pause$/,
      scopes: WRITE_SYNC,
      handle: async ({ match }) => {
        const record = jobRecord(param(match, 1), param(match, 2));
        record.job.schedule.state = 'Paused';
        record.job.status.code = 'Paused';
        return { status: 204 };
      },
    },
    {
      // synchronization-synchronizationjob-restart.md
      method: 'POST',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/restart$/,
      scopes: WRITE_SYNC,
      handle: async ({ match, body }) => {
        const record = jobRecord(param(match, 1), param(match, 2));
        const scope = String(
          (body as { criteria?: { resetScope?: unknown } } | undefined)?.criteria?.resetScope ?? '',
        );
        const parts = new Set(
          scope
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        );
        if (parts.has('Full') || parts.has('Watermark')) {
          record.provisioned.clear();
          record.exportedMembers.clear();
        }
        if (parts.has('Full') || parts.has('QuarantineState')) record.job.status.quarantine = null;
        record.job.schedule.state = 'Active';
        record.job.status.code = 'Active';
        await runCycle(record);
        return { status: 204 };
      },
    },
    {
      // synchronization-synchronizationjob-provisionondemand.md
      method: 'POST',
      pattern:
        /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/provisionOnDemand$/,
      scopes: WRITE_SYNC,
      handle: async ({ match, body }) => {
        const record = jobRecord(param(match, 1), param(match, 2));
        // "The rate limit for this API is 5 requests per 10 seconds" (the same page).
        const now = Date.now();
        const window = onDemandLimit.windowSeconds * 1000;
        while (onDemandCalls.length > 0 && (onDemandCalls[0] ?? 0) <= now - window)
          onDemandCalls.shift();
        if (onDemandCalls.length >= onDemandLimit.requests) {
          const wait = Math.ceil(((onDemandCalls[0] ?? now) + window - now) / 1000);
          throw new HttpFailure(429, 'TooManyRequests', 'Too many requests. Please retry later.', {
            'retry-after': String(Math.max(1, wait)),
          });
        }
        onDemandCalls.push(now);
        const parameter = (
          body as
            | {
                parameters?: {
                  ruleId?: string;
                  subjects?: { objectId?: string; objectTypeName?: string }[];
                }[];
              }
            | undefined
        )?.parameters?.[0];
        const subject = parameter?.subjects?.[0];
        if (!parameter || !subject?.objectId)
          throw badRequest('The parameters need one subject with an objectId and a ruleId.');
        if (!record.schema.synchronizationRules.some((r) => r.id === parameter.ruleId)) {
          throw badRequest(
            `The rule '${String(parameter.ruleId)}' is not a synchronization rule of this job.`,
          );
        }
        if (!users.has(subject.objectId) && !groups.has(subject.objectId))
          throw notFound(subject.objectId);
        const written = await runCycle(record, { objectId: subject.objectId });
        const entry = written.at(-1);
        if (!entry) {
          // The credentials failed before the user was reached.
          const quarantine = record.job.status.quarantine;
          throw new HttpFailure(
            400,
            'CredentialValidationUnavailable',
            quarantine?.error?.message ??
              'The provisioning service could not connect to the application.',
          );
        }
        const result = entry.provisioningStatusInfo.status;
        const key = {
          result: result === 'success' ? 'Success' : result === 'skipped' ? 'Skipped' : 'Failure',
          details: entry.provisioningStatusInfo.errorInformation
            ? {
                errorCode: entry.provisioningStatusInfo.errorInformation.errorCode,
                errorMessage: entry.provisioningStatusInfo.errorInformation.reason,
              }
            : {},
        };
        const value = {
          action:
            entry.provisioningAction === 'create'
              ? 'Create'
              : entry.provisioningAction === 'update'
                ? 'Update'
                : 'Other',
          changeId: entry.changeId,
          endTime: entry.activityDateTime,
          modifiedProperties: entry.modifiedProperties,
          provisioningSteps: entry.provisioningSteps,
          reportableIdentifier: entry.targetIdentity.displayName,
          statusInfo: { status: key.result, ...key.details },
          sourceIdentity: entry.sourceIdentity,
          targetIdentity: entry.targetIdentity,
          targetSystem: { id: null, name: TARGET_DIRECTORY, details: null },
        };
        return {
          status: 200,
          body: {
            '@odata.context':
              'https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.stringKeyStringValuePair',
            key: JSON.stringify(key),
            value: JSON.stringify(value),
          },
        };
      },
    },
    {
      // serviceprincipal-list-approleassignedto.md
      method: 'GET',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)\/appRoleAssignedTo$/,
      scopes: READ_APPLICATIONS,
      handle: async ({ match }) => {
        const spId = param(match, 1);
        servicePrincipal(spId);
        return { status: 200, body: { value: assignments.filter((a) => a.resourceId === spId) } };
      },
    },
    {
      // serviceprincipal-post-approleassignedto.md
      method: 'POST',
      pattern: /^\/v1\.0\/servicePrincipals\/([^/]+)\/appRoleAssignedTo$/,
      scopes: [
        ['AppRoleAssignment.ReadWrite.All', 'Application.Read.All'],
        ['AppRoleAssignment.ReadWrite.All', 'Directory.Read.All'],
      ],
      handle: async ({ match, body }) => {
        const sp = servicePrincipal(param(match, 1));
        const input = (body ?? {}) as {
          principalId?: string;
          resourceId?: string;
          appRoleId?: string;
        };
        if (input.resourceId !== sp.id)
          throw badRequest('resourceId must be the service principal the request addresses.');
        const user = users.get(input.principalId ?? '');
        const group = groups.get(input.principalId ?? '');
        if (!user && !group) throw notFound(String(input.principalId));
        const roles = sp.appRoles ?? [];
        if (
          input.appRoleId !== '00000000-0000-0000-0000-000000000000' &&
          !roles.some((r) => r.id === input.appRoleId)
        ) {
          throw badRequest('Permission being assigned was not found on application');
        }
        if (
          assignments.some(
            (a) =>
              a.resourceId === sp.id &&
              a.principalId === input.principalId &&
              a.appRoleId === input.appRoleId,
          )
        ) {
          throw badRequest('Permission being assigned already exists on the object');
        }
        const assignment: AppRoleAssignment = {
          id: randomUUID(),
          appRoleId: String(input.appRoleId),
          createdDateTime: new Date().toISOString(),
          principalDisplayName: user
            ? (user.displayName ?? user.userPrincipalName)
            : (group?.displayName ?? null),
          principalId: String(input.principalId),
          principalType: user ? 'User' : 'Group',
          resourceDisplayName: sp.displayName,
          resourceId: sp.id,
        };
        assignments.push(assignment);
        return { status: 201, body: assignment };
      },
    },
    {
      // provisioningobjectsummary-list.md
      method: 'GET',
      pattern: /^\/v1\.0\/auditLogs\/provisioning$/,
      scopes: [['AuditLog.Read.All', 'Directory.Read.All']],
      handle: async ({ query }) => {
        let entries = [...logs].reverse();
        const filter = query.get('$filter');
        if (filter) {
          for (const clause of filter.split(/\s+and\s+/)) {
            const equal = clause.match(
              /^(servicePrincipal\/id|sourceIdentity\/id|targetIdentity\/id|jobId|cycleId) eq '((?:[^']|'')*)'$/,
            );
            const since = clause.match(/^activityDateTime (ge|gt) (\S+)$/);
            if (equal?.[1]) {
              const literal = (equal[2] ?? '').replaceAll("''", "'");
              const field = equal[1];
              entries = entries.filter(
                (e) =>
                  readPath(e as unknown as Record<string, unknown>, field.replace('/', '.')) ===
                  literal,
              );
            } else if (since?.[2]) {
              const at = Date.parse(since[2]);
              entries = entries.filter((e) =>
                since[1] === 'ge'
                  ? Date.parse(e.activityDateTime) >= at
                  : Date.parse(e.activityDateTime) > at,
              );
            } else {
              throw badRequest(`Invalid filter clause: '${clause}'.`);
            }
          }
        }
        const top = Number(query.get('$top') ?? 50);
        const skip = Number(query.get('$skiptoken') ?? 0);
        const page = entries.slice(skip, skip + top);
        const next = skip + top < entries.length ? skip + top : undefined;
        const nextLink =
          next === undefined
            ? undefined
            : (() => {
                const params = new URLSearchParams(query);
                params.set('$skiptoken', String(next));
                return `${base}/auditLogs/provisioning?${params}`;
              })();
        return {
          status: 200,
          body: {
            '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#auditLogs/provisioning',
            value: page,
            ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
          },
        };
      },
    },
  ];

  let base = '';

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const requestId = randomUUID();
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const text = await readText(request);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    let scopes: string[] = [];
    const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      requests.push({
        method: request.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: redact(body),
        scopes,
        status,
      });
      response.writeHead(status, {
        'request-id': requestId,
        'client-request-id': requestId,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      });
      response.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const error = (failure: HttpFailure) =>
      answer(
        failure.status,
        {
          error: {
            code: failure.code,
            message: failure.message,
            innerError: {
              date: new Date().toISOString(),
              'request-id': requestId,
              'client-request-id': requestId,
            },
          },
        },
        failure.headers,
      );
    try {
      const route = routes.find((r) => r.method === request.method && r.pattern.test(url.pathname));
      const claims = await authenticate(request.headers.authorization);
      scopes = typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [];
      const throttled = takeFailure(['throttle', 'serviceUnavailable']);
      if (throttled) {
        const headers = { 'retry-after': String(throttled.retryAfterSeconds) };
        throw throttled.kind === 'throttle'
          ? new HttpFailure(
              429,
              'TooManyRequests',
              'Too many requests. Please retry later.',
              headers,
            )
          : new HttpFailure(
              503,
              'serviceNotAvailable',
              'The service is temporarily unavailable. Please retry later.',
              headers,
            );
      }
      if (!route)
        throw new HttpFailure(
          400,
          'BadRequest',
          `Resource not found for the segment '${url.pathname.split('/').at(-1)}'.`,
        );
      if (
        takeFailure(['insufficientPrivileges']) ||
        !route.scopes.some((all) => all.every((s) => scopes.includes(s)))
      ) {
        throw denied();
      }
      const result = await route.handle({
        match: url.pathname.match(route.pattern) as RegExpMatchArray,
        query: url.searchParams,
        body,
      });
      answer(result.status, result.body);
    } catch (caught) {
      if (caught instanceof HttpFailure) return error(caught);
      error(new HttpFailure(500, 'InternalServerError', (caught as Error).message));
    }
  }

  async function authenticate(header: string | undefined): Promise<JWTPayload> {
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) {
      throw new HttpFailure(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    }
    try {
      const claims = await verify(token);
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!audiences.some((a) => typeof a === 'string' && GRAPH_AUDIENCES.includes(a))) {
        throw new Error('Invalid audience.');
      }
      return claims;
    } catch (cause) {
      throw new HttpFailure(
        401,
        'InvalidAuthenticationToken',
        `Access token validation failure. ${(cause as Error).message}`,
      );
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}/v1.0`;

  return {
    url: base,
    state,
    fail: (kind, failOptions = {}) => {
      for (let i = 0; i < (failOptions.times ?? 1); i += 1) {
        failures.push({ kind, retryAfterSeconds: failOptions.retryAfterSeconds ?? 1 });
      }
    },
    runCycle: async (spId, jobId) => {
      const record = jobRecord(spId, jobId);
      if (record.job.schedule.state !== 'Active') return;
      await runCycle(record);
    },
    putUser: (user) => {
      users.set(user.id, user);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

class CredentialFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

function tokenVerifier(options: GraphStandInOptions): (token: string) => Promise<JWTPayload> {
  if (options.verifyToken) return options.verifyToken;
  if (!options.jwksUri || !options.issuer) {
    throw new Error('startGraphStandIn needs verifyToken, or jwksUri and issuer');
  }
  const keys = createRemoteJWKSet(new URL(options.jwksUri));
  const issuer = options.issuer;
  return async (token) =>
    (await jwtVerify(token, keys, { issuer, audience: GRAPH_AUDIENCES })).payload;
}

function param(match: RegExpMatchArray, index: number): string {
  return decodeURIComponent(match[index] ?? '');
}

function secretPairs(value: unknown): SecretPair[] {
  if (!Array.isArray(value))
    throw badRequest('credentials must be a collection of key/value pairs.');
  return value.map((pair) => {
    const { key, value: v } = (pair ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key !== 'string' || typeof v !== 'string') {
      throw badRequest('Each credential needs a string key and a string value.');
    }
    return { key, value: v };
  });
}

/** Secret values out of a recorded body: `credentials` and `value` collections of key/value pairs. */
function redact(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const copy = { ...(body as Record<string, unknown>) };
  for (const field of ['credentials', 'value']) {
    const pairs = copy[field];
    if (Array.isArray(pairs)) {
      copy[field] = pairs.map((pair: { key?: string; value?: unknown }) =>
        pair &&
        typeof pair === 'object' &&
        typeof pair.key === 'string' &&
        !PUBLIC_SECRET_KEYS.has(pair.key)
          ? { ...pair, value: '[redacted]' }
          : pair,
      );
    }
  }
  return copy;
}

function readText(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
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
