/**
 * A local stand-in for the part of Microsoft Graph v1.0 the Entra connect flow calls, built from
 * Microsoft's documented requests and responses (microsoftgraph/microsoft-graph-docs-contrib,
 * api-reference/v1.0/api/<file> named at each route), and for the Entra provisioning service
 * behind it (entra-provisioning.ts): `validateCredentials` performs Entra's Test Connection
 * against the Tenant URL, and `start`, `restart` and `provisionOnDemand` run a provisioning cycle
 * against it in Entra's SCIM dialect (../shared/entra/entra-request-samples.json), writing
 * provisioning log entries.
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
import { NON_GALLERY_TEMPLATE_ID, SCIM_JOB_TEMPLATE_ID } from '../../shared/graph/client.js';
import type {
  AppRoleAssignment,
  ProvisioningObjectSummary,
  SecretPair,
  ServicePrincipal,
  SynchronizationJob,
  SynchronizationSchema,
} from '../../shared/graph/types.js';
import {
  CredentialFailure,
  type DirectoryGroup,
  type DirectoryUser,
  defaultScimSchema,
  type JobRecord,
  type MutableJob,
  provisioningEngine,
  type ScimCall,
  TARGET_DIRECTORY,
  UnsupportedCredentialsError,
} from './entra-provisioning.js';

export type { DirectoryGroup, DirectoryUser, ScimCall } from './entra-provisioning.js';

/** The audiences Graph accepts: its URI and its application id. */
export const GRAPH_AUDIENCES = [
  'https://graph.microsoft.com',
  '00000003-0000-0000-c000-000000000000',
];

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
  /**
   * An application made in the admin center, not by Connect: the customer's own app registration
   * (`applicationTemplateId` null) or a tutorial's non-gallery app, with a provisioning job whose
   * secrets an admin saved when `secrets` is given.
   */
  addApplication(app: {
    displayName: string;
    applicationTemplateId: string | null;
    secrets?: readonly SecretPair[];
  }): { servicePrincipalId: string; appId: string; jobId?: string };
  /** Deletes an application with its jobs and secrets, as an admin does in the admin center. */
  deleteApplication(servicePrincipalId: string): void;
  /** The pairs saved for a service principal, values included (tests only; never logged). */
  secretsOf(servicePrincipalId: string): readonly SecretPair[];
  close(): Promise<void>;
}

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

  /** The quarantine hook: the next cycle sends a wrong secret. */
  const takeQuarantine = () => takeFailure(['quarantine']) !== undefined;

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
  const engine = provisioningEngine({
    tenantId,
    users,
    groups,
    fetch: options.fetch ?? fetch,
    oauthClientCredentials: options.oauthClientCredentials !== false,
    secretsOf: (spId) => secrets.get(spId) ?? [],
    servicePrincipal,
    isAssigned,
    scimCalls,
    logs,
  });

  /** A new application and its service principal, as instantiating a template makes them. */
  function makeApplication(displayName: string, applicationTemplateId: string | null) {
    const appId = randomUUID();
    const application = {
      id: randomUUID(),
      appId,
      applicationTemplateId,
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
      applicationTemplateId,
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
    return { application, sp };
  }

  /** A new job of `templateId`, not configured yet, as Graph creates one. */
  function makeJob(spId: string, templateId: string) {
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
    return job;
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
        const select = query.get('$select');
        if (select) {
          // Graph answers the named properties (and the id) only.
          const fields = new Set(['id', ...select.split(',').map((name) => name.trim())]);
          value = value.map(
            (sp) =>
              Object.fromEntries(
                [...fields].map((name) => [name, sp[name] ?? null]),
              ) as ServicePrincipal,
          );
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
        const { application, sp } = makeApplication(displayName, NON_GALLERY_TEMPLATE_ID);
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
        const job = makeJob(spId, templateId);
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
          await engine.testConnection(pairs, corrupt);
        } catch (error) {
          if (error instanceof UnsupportedCredentialsError) throw badRequest(error.message);
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
        // PUT replaces the whole set, as Microsoft's PUT does: a key left out (the admin's
        // SyncNotificationSettings, SkipOutOfScopeDeletions) is gone afterwards.
        secrets.set(spId, [...pairs]);
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
        await engine.runCycle(record, { corrupt: takeQuarantine() });
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
        await engine.runCycle(record, { corrupt: takeQuarantine() });
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
        const written = await engine.runCycle(record, { only: { objectId: subject.objectId } });
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
              entries = entries.filter((e) => propertyPath(e, field) === literal);
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
      await engine.runCycle(record, { corrupt: takeQuarantine() });
    },
    putUser: (user) => {
      users.set(user.id, user);
    },
    addApplication: ({ displayName, applicationTemplateId, secrets: pairs }) => {
      const { sp } = makeApplication(displayName, applicationTemplateId);
      if (!pairs) return { servicePrincipalId: sp.id, appId: sp.appId };
      const job = makeJob(sp.id, SCIM_JOB_TEMPLATE_ID);
      secrets.set(sp.id, [...pairs]);
      job.status.code = 'Active';
      job.schedule.state = 'Active';
      return { servicePrincipalId: sp.id, appId: sp.appId, jobId: job.id };
    },
    secretsOf: (spId) => [...(secrets.get(spId) ?? [])],
    deleteApplication: (spId) => {
      const sp = servicePrincipals.get(spId);
      servicePrincipals.delete(spId);
      secrets.delete(spId);
      for (const [id, record] of jobs) if (record.servicePrincipalId === spId) jobs.delete(id);
      for (const [id, application] of applications) {
        if (application.appId === sp?.appId) applications.delete(id);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
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

/** An OData property path (`servicePrincipal/id`) of a log entry. */
function propertyPath(entry: ProvisioningObjectSummary, path: string): unknown {
  return path
    .split('/')
    .reduce<unknown>(
      (value, name) => (value as Record<string, unknown> | undefined)?.[name],
      entry,
    );
}
