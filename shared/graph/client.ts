/**
 * A small typed client for the Microsoft Graph v1.0 requests of the Entra connect flow: each
 * method is one request as Microsoft's reference documents it (the file named beside it is in
 * microsoftgraph/microsoft-graph-docs-contrib, api-reference/v1.0/api/). Plain `fetch`: the
 * requests are a dozen JSON calls with a bearer token, so the Graph SDK
 * (@microsoft/microsoft-graph-client, with its middleware chain and its own retry handler) would
 * add a dependency and a second error shape without removing code that matters here. Every
 * request is v1.0; none needs beta.
 *
 * The access token is the signed-in admin's delegated Graph token for this one request of
 * GroupTalk's (never stored): the client holds it only as long as its caller does.
 */
import { GraphError, graphErrorOf, networkError } from './errors.js';
import { type ExtensionAttribute, withExtensionAttributes } from './schema.js';
import type {
  ApplicationServicePrincipal,
  AppRoleAssignment,
  GraphPage,
  ProvisioningObjectSummary,
  ProvisionOnDemandResult,
  RestartCriteria,
  SecretPair,
  ServicePrincipal,
  SynchronizationJob,
  SynchronizationSchema,
} from './types.js';

export { GraphError } from './errors.js';

/** Graph's v1.0 endpoint in the global cloud. */
export const GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';

/**
 * The application template of every non-gallery ("Integrate any other application you don't
 * find in the gallery") application (applicationtemplate-instantiate.md).
 */
export const NON_GALLERY_TEMPLATE_ID = '8adf8e6e-67b2-4cf2-a259-e3dc5476c621';

/** The synchronization template of a non-gallery application's SCIM provisioning job. */
export const SCIM_JOB_TEMPLATE_ID = 'scim';

/**
 * The app role id Graph accepts for an assignment to an application that declares no app roles
 * (resources/approleassignment.md, `appRoleId`: "the default app role … 00000000-…").
 */
export const DEFAULT_APP_ROLE_ID = '00000000-0000-0000-0000-000000000000';

/**
 * The delegated permissions each step needs, least privileged first as the reference pages list
 * them; the connect flow asks for them when the admin connects (incremental consent).
 * - `connect`: instantiate the application (Application.ReadWrite.All,
 *   applicationtemplate-instantiate.md; it also lets the flow find it again, serviceprincipal-list.md)
 *   and configure and run its job (Synchronization.ReadWrite.All, every synchronization-*.md page).
 * - `assign`: assign users and groups to the application (serviceprincipal-post-approleassignedto.md:
 *   AppRoleAssignment.ReadWrite.All and Application.Read.All).
 * - `logs`: read Entra's provisioning log (provisioningobjectsummary-list.md: AuditLog.Read.All
 *   and Directory.Read.All).
 */
export const GRAPH_SCOPES = {
  connect: ['Application.ReadWrite.All', 'Synchronization.ReadWrite.All'],
  assign: ['AppRoleAssignment.ReadWrite.All', 'Application.Read.All'],
  logs: ['AuditLog.Read.All', 'Directory.Read.All'],
} as const;

/**
 * The app role to assign users and groups with: the application's enabled `User` role (a
 * non-gallery application's, as the admin center assigns it), else `msiam_access`, else the
 * default role of an application that declares none (`DEFAULT_APP_ROLE_ID`).
 */
export function assignableAppRoleId(servicePrincipal: ServicePrincipal): string {
  const roles = (servicePrincipal.appRoles ?? []).filter((role) => role.isEnabled !== false);
  const byName = (name: string) => roles.find((role) => role.displayName === name)?.id;
  return byName('User') ?? byName('msiam_access') ?? DEFAULT_APP_ROLE_ID;
}

/**
 * Graph's delegated permissions as the scopes of an authorization request: Entra's v2.0 endpoint
 * wants them qualified by the resource (`https://graph.microsoft.com/Synchronization.ReadWrite.All`).
 *
 * @example graphScopeUris(GRAPH_SCOPES.logs) // ['https://graph.microsoft.com/AuditLog.Read.All', …]
 */
export function graphScopeUris(scopes: readonly string[]): string[] {
  return scopes.map((scope) => `https://graph.microsoft.com/${scope}`);
}

/**
 * The credentials of a Secret Token (resources/synchronization-synchronizationsecretkeystringvaluepair.md,
 * "Supported key value pairs": `BaseAddress` is the Tenant URL, `SecretToken` the bearer token).
 * `syncAll: false` (the default) provisions only the users and groups assigned to the application
 * ("SyncAll: Determines scope of sync between all users and groups or only ones that are assigned").
 */
export function secretTokenCredentials(
  tenantUrl: string,
  secretToken: string,
  options: { syncAll?: boolean } = {},
): SecretPair[] {
  return [
    { key: 'BaseAddress', value: tenantUrl },
    { key: 'SecretToken', value: secretToken },
    { key: 'SyncAll', value: options.syncAll ? 'true' : 'false' },
  ];
}

/**
 * The credentials of an OAuth client for the client-credentials grant. UNCONFIRMED: Microsoft
 * documents these keys (`AuthenticationType`, `Oauth2TokenExchangeUri`, `Oauth2ClientId`,
 * `Oauth2ClientSecret` are in the `synchronizationSecret` enumeration) but not their use for a
 * non-gallery SCIM job, and its SCIM tutorial (entra-docs use-scim-to-provision-users-and-groups.md,
 * 03/2025) says client credentials are "supported for gallery apps, but not non-gallery apps".
 * So the connect flow tries these first and falls back to `secretTokenCredentials` when Graph
 * refuses them; the `AuthenticationType` value is the stand-in's, not Microsoft's.
 */
export function oauthClientCredentials(input: {
  tenantUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  syncAll?: boolean;
}): SecretPair[] {
  return [
    { key: 'BaseAddress', value: input.tenantUrl },
    { key: 'AuthenticationType', value: OAUTH_CLIENT_CREDENTIALS },
    { key: 'Oauth2TokenExchangeUri', value: input.tokenUrl },
    { key: 'Oauth2ClientId', value: input.clientId },
    { key: 'Oauth2ClientSecret', value: input.clientSecret },
    { key: 'SyncAll', value: input.syncAll ? 'true' : 'false' },
  ];
}

/** The `AuthenticationType` value of `oauthClientCredentials` (see there: UNCONFIRMED). */
export const OAUTH_CLIENT_CREDENTIALS = 'OAuth2ClientCredentialsGrant';

/** How long the client may spend waiting out Graph's throttling before it gives up. */
export interface RetryBudget {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** The sum of the waits; a `Retry-After` beyond what is left is not waited for. */
  readonly totalWaitMs: number;
  /** The wait when a 429/503 carries no `Retry-After`, doubled on each further attempt. */
  readonly defaultWaitMs: number;
}

/**
 * Within one admin request (API Gateway answers within 30 s): four attempts and at most 20 s of
 * waiting. Graph's throttling guidance asks clients to wait the `Retry-After` seconds
 * (concepts/throttling.md); a longer wait becomes the admin's "try again in N seconds".
 */
export const DEFAULT_RETRY_BUDGET: RetryBudget = {
  attempts: 4,
  totalWaitMs: 20_000,
  defaultWaitMs: 1_000,
};

export interface GraphClientOptions {
  /** The admin's delegated Graph access token. */
  readonly accessToken: string;
  /** Default `https://graph.microsoft.com/v1.0`; the stand-in's URL locally. */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
  readonly retry?: RetryBudget;
  /** How waiting is done (tests record the waits instead of sleeping them). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ProvisioningLogQuery {
  readonly servicePrincipalId: string;
  /** Only the entries of this Entra user or group (its object id, `sourceIdentity/id`). */
  readonly sourceId?: string;
  /** Page size (`$top`). */
  readonly top?: number;
  /** Entries on or after this instant (`activityDateTime ge …`). */
  readonly since?: Date;
  /** Continue from a previous page's `nextLink` (the other fields are then ignored). */
  readonly nextLink?: string;
}

export interface GraphClient {
  /**
   * The service principals with this `appId` (the one GroupTalk remembers after creating the
   * application) or, when GroupTalk remembers none, this exact `displayName`
   * (serviceprincipal-list.md with `$filter`).
   */
  findServicePrincipals(
    query: { appId: string } | { displayName: string },
  ): Promise<ServicePrincipal[]>;
  /** serviceprincipal-get.md */
  getServicePrincipal(id: string): Promise<ServicePrincipal>;
  /** A new non-gallery application and its service principal (applicationtemplate-instantiate.md). */
  instantiateApplicationTemplate(displayName: string): Promise<ApplicationServicePrincipal>;
  /** synchronization-synchronization-list-jobs.md */
  listSynchronizationJobs(servicePrincipalId: string): Promise<SynchronizationJob[]>;
  /** synchronization-synchronization-post-jobs.md; the job is created disabled. */
  createSynchronizationJob(
    servicePrincipalId: string,
    templateId?: string,
  ): Promise<SynchronizationJob>;
  /** synchronization-synchronizationjob-get.md */
  getSynchronizationJob(servicePrincipalId: string, jobId: string): Promise<SynchronizationJob>;
  /**
   * synchronization-synchronizationjob-delete.md: stops the job and deletes its state;
   * "Synchronized accounts are left as-is" (disconnecting keeps GroupTalk's users).
   */
  deleteSynchronizationJob(servicePrincipalId: string, jobId: string): Promise<void>;
  /**
   * Entra's Test Connection with these credentials, or with the saved ones
   * (synchronization-synchronizationjob-validatecredentials.md): resolves when they work, throws
   * the `GraphError` Graph answers otherwise.
   */
  validateCredentials(
    servicePrincipalId: string,
    jobId: string,
    credentials: readonly SecretPair[] | 'saved',
  ): Promise<void>;
  /** synchronization-serviceprincipal-put-synchronization.md */
  putSecrets(servicePrincipalId: string, credentials: readonly SecretPair[]): Promise<void>;
  /** synchronization-synchronizationschema-get.md */
  getSchema(servicePrincipalId: string, jobId: string): Promise<SynchronizationSchema>;
  /** synchronization-synchronizationschema-update.md: replaces the whole schema. */
  putSchema(
    servicePrincipalId: string,
    jobId: string,
    schema: SynchronizationSchema,
  ): Promise<void>;
  /**
   * Reads the job's schema, adds GroupTalk's extension attributes with their default mappings
   * where missing (`withExtensionAttributes`) and writes it back only when something was added.
   */
  addExtensionAttributes(
    servicePrincipalId: string,
    jobId: string,
    attributes?: readonly ExtensionAttribute[],
  ): Promise<{ added: readonly string[] }>;
  /** synchronization-synchronizationjob-start.md (also clears quarantine). */
  startJob(servicePrincipalId: string, jobId: string): Promise<void>;
  /** synchronization-synchronizationjob-pause.md */
  pauseJob(servicePrincipalId: string, jobId: string): Promise<void>;
  /** synchronization-synchronizationjob-restart.md */
  restartJob(servicePrincipalId: string, jobId: string, criteria?: RestartCriteria): Promise<void>;
  /**
   * synchronization-synchronizationjob-provisionondemand.md: one user (or group) now. `ruleId` is
   * the id of the job schema's synchronization rule (`getSchema`).
   */
  provisionOnDemand(
    servicePrincipalId: string,
    jobId: string,
    subject: { objectId: string; objectTypeName?: 'User' | 'Group'; ruleId: string },
  ): Promise<ProvisionOnDemandResult>;
  /** serviceprincipal-list-approleassignedto.md: who is assigned to the application. */
  listAppRoleAssignedTo(servicePrincipalId: string): Promise<AppRoleAssignment[]>;
  /** serviceprincipal-post-approleassignedto.md: assigns a user or group to the application. */
  assignToApplication(
    servicePrincipalId: string,
    principalId: string,
    appRoleId?: string,
  ): Promise<AppRoleAssignment>;
  /** provisioningobjectsummary-list.md, one page, newest first. */
  listProvisioningLogs(query: ProvisioningLogQuery): Promise<GraphPage<ProvisioningObjectSummary>>;
}

/**
 * A client for one admin request.
 *
 * @example
 * const graph = graphClient({ accessToken });
 * const [app] = await graph.findServicePrincipals({ appId });
 */
export function graphClient(options: GraphClientOptions): GraphClient {
  const base = (options.baseUrl ?? GRAPH_BASE_URL).replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const budget = options.retry ?? DEFAULT_RETRY_BUDGET;
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const sp = (id: string) => `/servicePrincipals/${encodeURIComponent(id)}`;
  const job = (spId: string, jobId: string) =>
    `${sp(spId)}/synchronization/jobs/${encodeURIComponent(jobId)}`;

  async function send(method: string, pathOrUrl: string, body?: unknown): Promise<unknown> {
    const url =
      pathOrUrl.startsWith('https://') || pathOrUrl.startsWith('http://')
        ? pathOrUrl
        : `${base}${pathOrUrl}`;
    let waited = 0;
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await doFetch(url, {
          method,
          headers: {
            authorization: `Bearer ${options.accessToken}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (cause) {
        throw networkError(method, url, cause);
      }
      const text = await response.text();
      if (response.ok) return parseSuccess(response, text);
      const error = graphErrorOf(response, text);
      if (!(response.status === 429 || response.status === 503) || attempt >= budget.attempts) {
        throw error;
      }
      const wait =
        error.retryAfterSeconds !== undefined
          ? error.retryAfterSeconds * 1000
          : budget.defaultWaitMs * 2 ** (attempt - 1);
      if (waited + wait > budget.totalWaitMs) throw error;
      waited += wait;
      await sleep(wait);
    }
  }

  const list = async <T>(path: string): Promise<T[]> => [
    ...((await send('GET', path)) as GraphPage<T>).value,
  ];

  return {
    findServicePrincipals: (query) => {
      const filter =
        'appId' in query
          ? `appId eq '${odataString(query.appId)}'`
          : `displayName eq '${odataString(query.displayName)}'`;
      // applicationTemplateId named: the connect flow tells a non-gallery app from any other by it.
      return list<ServicePrincipal>(
        `/servicePrincipals?${odataQuery({ $filter: filter, $select: SERVICE_PRINCIPAL_FIELDS })}`,
      );
    },
    getServicePrincipal: async (id) => (await send('GET', sp(id))) as ServicePrincipal,
    instantiateApplicationTemplate: async (displayName) =>
      (await send('POST', `/applicationTemplates/${NON_GALLERY_TEMPLATE_ID}/instantiate`, {
        displayName,
      })) as ApplicationServicePrincipal,
    listSynchronizationJobs: (spId) => list<SynchronizationJob>(`${sp(spId)}/synchronization/jobs`),
    createSynchronizationJob: async (spId, templateId = SCIM_JOB_TEMPLATE_ID) =>
      (await send('POST', `${sp(spId)}/synchronization/jobs`, {
        templateId,
      })) as SynchronizationJob,
    getSynchronizationJob: async (spId, jobId) =>
      (await send('GET', job(spId, jobId))) as SynchronizationJob,
    deleteSynchronizationJob: async (spId, jobId) => {
      await send('DELETE', job(spId, jobId));
    },
    validateCredentials: async (spId, jobId, credentials) => {
      await send(
        'POST',
        `${job(spId, jobId)}/validateCredentials`,
        credentials === 'saved' ? { useSavedCredentials: true } : { credentials },
      );
    },
    putSecrets: async (spId, credentials) => {
      await send('PUT', `${sp(spId)}/synchronization/secrets`, { value: credentials });
    },
    getSchema: async (spId, jobId) =>
      (await send('GET', `${job(spId, jobId)}/schema`)) as SynchronizationSchema,
    putSchema: async (spId, jobId, schema) => {
      await send('PUT', `${job(spId, jobId)}/schema`, schema);
    },
    async addExtensionAttributes(spId, jobId, attributes) {
      const current = await this.getSchema(spId, jobId);
      const { schema, added } = withExtensionAttributes(current, attributes);
      if (added.length > 0) await this.putSchema(spId, jobId, schema);
      return { added };
    },
    startJob: async (spId, jobId) => {
      await send('POST', `${job(spId, jobId)}/start`);
    },
    pauseJob: async (spId, jobId) => {
      await send('POST', `${job(spId, jobId)}/pause`);
    },
    restartJob: async (spId, jobId, criteria) => {
      await send('POST', `${job(spId, jobId)}/restart`, criteria ? { criteria } : {});
    },
    provisionOnDemand: async (spId, jobId, subject) => {
      const answer = (await send('POST', `${job(spId, jobId)}/provisionOnDemand`, {
        parameters: [
          {
            subjects: [
              { objectId: subject.objectId, objectTypeName: subject.objectTypeName ?? 'User' },
            ],
            ruleId: subject.ruleId,
          },
        ],
      })) as { key?: string; value?: string };
      return {
        result: parseJsonText(answer.key, { result: 'Unknown' }),
        details: parseJsonText(answer.value, {}),
      };
    },
    listAppRoleAssignedTo: (spId) => list<AppRoleAssignment>(`${sp(spId)}/appRoleAssignedTo`),
    assignToApplication: async (spId, principalId, appRoleId = DEFAULT_APP_ROLE_ID) =>
      (await send('POST', `${sp(spId)}/appRoleAssignedTo`, {
        principalId,
        resourceId: spId,
        appRoleId,
      })) as AppRoleAssignment,
    listProvisioningLogs: async (query) => {
      let path = query.nextLink;
      if (!path) {
        const clauses = [`servicePrincipal/id eq '${odataString(query.servicePrincipalId)}'`];
        if (query.sourceId) clauses.push(`sourceIdentity/id eq '${odataString(query.sourceId)}'`);
        if (query.since) clauses.push(`activityDateTime ge ${query.since.toISOString()}`);
        path = `/auditLogs/provisioning?${odataQuery({
          $filter: clauses.join(' and '),
          ...(query.top ? { $top: String(query.top) } : {}),
        })}`;
      }
      const page = (await send('GET', path)) as {
        value: ProvisioningObjectSummary[];
        '@odata.nextLink'?: string;
      };
      return {
        value: page.value,
        ...(page['@odata.nextLink'] ? { nextLink: page['@odata.nextLink'] } : {}),
      };
    },
  };
}

/** A 2xx body: JSON, or nothing (204); anything else is not Graph answering. */
function parseSuccess(response: Response, text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new GraphError({
      status: response.status,
      code: 'InvalidResponse',
      message: `Microsoft Graph answered ${response.status} with a body that is not JSON`,
      requestId: response.headers.get('request-id') ?? undefined,
    });
  }
}

/** An OData string literal's content: a quote is doubled (OData ABNF `SQUOTE-in-string`). */
function odataString(value: string): string {
  return value.replaceAll("'", "''");
}

/**
 * The query string with `$` kept literal: Graph accepts `%24filter` too, but the documented
 * examples write `$filter`, and the stand-in's recorded requests are compared with them.
 */
/** The service principal's properties the flow reads (serviceprincipal-list.md, `$select`). */
const SERVICE_PRINCIPAL_FIELDS = 'id,appId,displayName,applicationTemplateId,appRoles,tags';

function odataQuery(parameters: Record<string, string>): string {
  return Object.entries(parameters)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
}

function parseJsonText<T>(text: string | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
