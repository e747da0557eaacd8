/**
 * The Graph client's requests, each against the documented example of its reference page in
 * microsoftgraph/microsoft-graph-docs-contrib (api-reference/v1.0/api/<file>, quoted here), as the
 * local Graph stand-in receives them; and each failure the pages and Graph's error documentation
 * name (concepts/errors.md): insufficient privileges, throttling, invalid credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DirectoryUser,
  type GraphStandIn,
  startGraphStandIn,
} from '../../infra/local/graph-stand-in.js';
import {
  assignableAppRoleId,
  DEFAULT_APP_ROLE_ID,
  GRAPH_SCOPES,
  type GraphClient,
  GraphError,
  graphClient,
  graphScopeUris,
  NON_GALLERY_TEMPLATE_ID,
  oauthClientCredentials,
  secretTokenCredentials,
} from '../../shared/graph/client.js';
import type { ServicePrincipal } from '../../shared/graph/types.js';
import { type GraphTokenIssuer, startGraphTokenIssuer } from '../support/graph-tokens.js';
import { issueTestToken, startTestService, type TestService } from '../support/service.js';

const ALL_SCOPES = [...GRAPH_SCOPES.connect, ...GRAPH_SCOPES.assign, ...GRAPH_SCOPES.logs];
const ADA: DirectoryUser = {
  id: '9bb0f679-a883-4a6f-8260-35b491b8b8c8',
  userPrincipalName: 'ada.client@contoso.test',
  displayName: 'Ada Client',
  mail: 'ada.client@contoso.test',
  assigned: true,
};

let service: TestService;
let issuer: GraphTokenIssuer;
let standIn: GraphStandIn;
let graph: GraphClient;
let spId: string;
let jobId: string;

const lastRequest = () => standIn.state.requests.at(-1);

beforeAll(async () => {
  service = await startTestService();
  issuer = await startGraphTokenIssuer();
  standIn = await startGraphStandIn({
    jwksUri: issuer.jwksUri,
    issuer: issuer.issuer,
    users: [ADA],
  });
  graph = graphClient({ baseUrl: standIn.url, accessToken: await issuer.token(ALL_SCOPES) });
});

afterAll(async () => {
  await standIn?.close();
  await issuer?.close();
  await service?.close();
});

describe('Graph client requests, as documented', () => {
  it('instantiates the non-gallery template (applicationtemplate-instantiate.md)', async () => {
    // Documented: POST https://graph.microsoft.com/v1.0/applicationTemplates/{id}/instantiate
    //   { "displayName": "My custom name" }, with the non-gallery id 8adf8e6e-…-e3dc5476c621.
    const created = await graph.instantiateApplicationTemplate('GroupTalk');

    expect(lastRequest()).toMatchObject({
      method: 'POST',
      path: `/v1.0/applicationTemplates/${NON_GALLERY_TEMPLATE_ID}/instantiate`,
      body: { displayName: 'GroupTalk' },
      status: 201,
    });
    expect(NON_GALLERY_TEMPLATE_ID).toBe('8adf8e6e-67b2-4cf2-a259-e3dc5476c621');
    // Documented response: { "servicePrincipal": { …, "appId", "id", … }, "application": { … } }
    expect(created.servicePrincipal).toMatchObject({
      displayName: 'GroupTalk',
      appId: expect.any(String),
      id: expect.any(String),
    });
    expect(created.application.appId).toBe(created.servicePrincipal.appId);
    spId = created.servicePrincipal.id;
  });

  it('finds the service principal again by appId, then by displayName (serviceprincipal-list.md)', async () => {
    const [sp] = standIn.state.servicePrincipals;

    const byAppId = await graph.findServicePrincipals({ appId: sp?.appId ?? '' });
    const appIdRequest = lastRequest();
    const byName = await graph.findServicePrincipals({ displayName: 'GroupTalk' });
    const none = await graph.findServicePrincipals({ displayName: "O'Brien's app" });

    expect(appIdRequest).toMatchObject({
      method: 'GET',
      path: '/v1.0/servicePrincipals',
      query: {
        $filter: `appId eq '${sp?.appId}'`,
        // The flow tells a non-gallery app by its template: asked for by name.
        $select: 'id,appId,displayName,applicationTemplateId,appRoles,tags',
      },
    });
    expect(lastRequest()?.query.$filter).toBe("displayName eq 'O''Brien''s app'");
    expect(byName[0]?.applicationTemplateId).toBe('8adf8e6e-67b2-4cf2-a259-e3dc5476c621');
    expect(byAppId.map((s) => s.id)).toEqual([spId]);
    expect(byName.map((s) => s.id)).toEqual([spId]);
    expect(none).toEqual([]);
  });

  it('creates the job from the scim template (synchronization-synchronization-post-jobs.md)', async () => {
    // Documented: POST …/servicePrincipals/{id}/synchronization/jobs { "templateId": "BoxOutDelta" }
    const job = await graph.createSynchronizationJob(spId);

    expect(lastRequest()).toMatchObject({
      method: 'POST',
      path: `/v1.0/servicePrincipals/${spId}/synchronization/jobs`,
      body: { templateId: 'scim' },
      status: 201,
    });
    // Documented response: the job created disabled, status NotConfigured, no quarantine.
    expect(job).toMatchObject({
      templateId: 'scim',
      schedule: { expiration: null, state: 'Disabled' },
      status: { code: 'NotConfigured', quarantine: null, countSuccessiveCompleteFailures: 0 },
    });
    expect(Object.keys(job.status)).toEqual(
      expect.arrayContaining([
        'countSuccessiveCompleteFailures',
        'escrowsPruned',
        'synchronizedEntryCountByType',
        'code',
        'lastExecution',
        'lastSuccessfulExecution',
        'lastSuccessfulExecutionWithExports',
        'steadyStateFirstAchievedTime',
        'steadyStateLastAchievedTime',
        'quarantine',
        'troubleshootingUrl',
      ]),
    );
    jobId = job.id;
  });

  it('lists and gets the job (synchronization-synchronization-list-jobs.md, -synchronizationjob-get.md)', async () => {
    const jobs = await graph.listSynchronizationJobs(spId);
    const listRequest = lastRequest();
    const job = await graph.getSynchronizationJob(spId, jobId);

    expect(listRequest).toMatchObject({
      method: 'GET',
      path: `/v1.0/servicePrincipals/${spId}/synchronization/jobs`,
    });
    expect(lastRequest()).toMatchObject({
      method: 'GET',
      path: `/v1.0/servicePrincipals/${spId}/synchronization/jobs/${encodeURIComponent(jobId)}`,
    });
    expect(jobs.map((j) => j.id)).toEqual([jobId]);
    expect(job.id).toBe(jobId);
  });

  it('validates credentials with the documented body (synchronization-synchronizationjob-validatecredentials.md)', async () => {
    // Documented: POST …/jobs/{id}/validateCredentials { credentials: [ { key, value }, … ] } → 204
    const token = await issueTestToken();

    await graph.validateCredentials(spId, jobId, secretTokenCredentials(service.url, token));

    expect(lastRequest()).toMatchObject({
      method: 'POST',
      path: `/v1.0/servicePrincipals/${spId}/synchronization/jobs/${encodeURIComponent(jobId)}/validateCredentials`,
      body: {
        credentials: [
          { key: 'BaseAddress', value: service.url },
          { key: 'SecretToken', value: '[redacted]' },
          { key: 'SyncAll', value: 'false' },
        ],
      },
      status: 204,
    });
    // Entra's Test Connection: a user that cannot exist, 200 with an empty list.
    const probe = standIn.state.scimCalls.at(-1);
    expect(probe?.method).toBe('GET');
    expect(decodeURIComponent(probe?.path ?? '')).toMatch(
      /^\/Users\?filter=userName eq "[0-9a-f-]{36}"$/,
    );
    expect(probe?.status).toBe(200);
  });

  it('saves the secrets with the documented body (synchronization-serviceprincipal-put-synchronization.md)', async () => {
    // Documented: PUT …/servicePrincipals/{id}/synchronization/secrets
    //   { "value": [ { "key": "BaseAddress", … }, { "key": "SecretToken", … }, …, { "key": "SyncAll", "value": "false" } ] }
    await graph.putSecrets(spId, secretTokenCredentials(service.url, await issueTestToken()));

    expect(lastRequest()).toMatchObject({
      method: 'PUT',
      path: `/v1.0/servicePrincipals/${spId}/synchronization/secrets`,
      body: {
        value: [
          { key: 'BaseAddress', value: service.url },
          { key: 'SecretToken', value: '[redacted]' },
          { key: 'SyncAll', value: 'false' },
        ],
      },
      status: 204,
    });
    expect(standIn.state.secretKeys(spId)).toEqual(['BaseAddress', 'SecretToken', 'SyncAll']);
  });

  it('gets and replaces the schema (synchronization-synchronizationschema-get.md, -update.md)', async () => {
    const schema = await graph.getSchema(spId, jobId);
    const getRequest = lastRequest();
    await graph.putSchema(spId, jobId, schema);

    expect(getRequest).toMatchObject({
      method: 'GET',
      path: `/v1.0/servicePrincipals/${spId}/synchronization/jobs/${encodeURIComponent(jobId)}/schema`,
    });
    expect(lastRequest()).toMatchObject({
      method: 'PUT',
      path: getRequest?.path,
      body: schema,
      status: 204,
    });
    // Documented shape: directories[] with objects and attributes, synchronizationRules[] from
    // "Azure Active Directory" with objectMappings of attributeMappings.
    expect(schema.directories.map((d) => d.name)).toContain('Azure Active Directory');
    expect(schema.synchronizationRules[0]).toMatchObject({
      sourceDirectoryName: 'Azure Active Directory',
      objectMappings: expect.arrayContaining([
        expect.objectContaining({ sourceObjectName: 'User', attributeMappings: expect.any(Array) }),
      ]),
    });
  });

  it('adds the extension attributes once: a second run writes nothing', async () => {
    const first = await graph.addExtensionAttributes(spId, jobId);
    const requestsBefore = standIn.state.requests.length;
    const second = await graph.addExtensionAttributes(spId, jobId);

    expect(first.added).toHaveLength(6);
    expect(second.added).toEqual([]);
    expect(standIn.state.requests.slice(requestsBefore).map((r) => r.method)).toEqual(['GET']);
  });

  it('starts, pauses and restarts with the documented criteria (…-start.md, -pause.md, -restart.md)', async () => {
    await graph.startJob(spId, jobId);
    const start = lastRequest();
    await graph.pauseJob(spId, jobId);
    const pause = lastRequest();
    const paused = await graph.getSynchronizationJob(spId, jobId);
    // Documented: { "criteria": { "resetScope": "Watermark, Escrows, QuarantineState" } }
    await graph.restartJob(spId, jobId, { resetScope: 'Watermark, Escrows, QuarantineState' });
    const restart = lastRequest();

    const path = `/v1.0/servicePrincipals/${spId}/synchronization/jobs/${encodeURIComponent(jobId)}`;
    expect(start).toMatchObject({
      method: 'POST',
      path: `${path}/start`,
      body: undefined,
      status: 204,
    });
    expect(pause).toMatchObject({
      method: 'POST',
      path: `${path}/pause`,
      body: undefined,
      status: 204,
    });
    expect(restart).toMatchObject({
      method: 'POST',
      path: `${path}/restart`,
      body: { criteria: { resetScope: 'Watermark, Escrows, QuarantineState' } },
      status: 204,
    });
    expect(paused.schedule.state).toBe('Paused');
    expect((await graph.getSynchronizationJob(spId, jobId)).status.code).toBe('Active');
  });

  it('provisions one user on demand with the documented body (synchronization-synchronizationjob-provisionondemand.md)', async () => {
    const schema = await graph.getSchema(spId, jobId);
    const ruleId = schema.synchronizationRules[0]?.id ?? '';

    const result = await graph.provisionOnDemand(spId, jobId, { objectId: ADA.id, ruleId });

    // Documented: { "parameters": [ { "subjects": [ { "objectId": "9bb0f679-…", "objectTypeName": "User" } ],
    //   "ruleId": "ea807875-…" } ] }
    expect(lastRequest()?.body).toEqual({
      parameters: [{ subjects: [{ objectId: ADA.id, objectTypeName: 'User' }], ruleId }],
    });
    // Documented answer: key {"result":"Skipped","details":{"errorCode":"RedundantExport",…}} once in sync.
    expect(result.result).toMatchObject({
      result: 'Skipped',
      details: { errorCode: 'RedundantExport' },
    });
    expect(result.details).toMatchObject({ provisioningSteps: expect.any(Array) });
  });

  it("assigns with the application's User role when it declares one", async () => {
    const [sp] = await graph.findServicePrincipals({
      appId: standIn.state.servicePrincipals[0]?.appId ?? '',
    });
    const userRole = sp?.appRoles?.find((r) => r.displayName === 'User');

    expect(assignableAppRoleId(sp as ServicePrincipal)).toBe(userRole?.id);
    expect(assignableAppRoleId({ id: 'x', appId: 'y', displayName: 'z', appRoles: [] })).toBe(
      DEFAULT_APP_ROLE_ID,
    );
  });

  it('assigns a user to the application (serviceprincipal-post-approleassignedto.md)', async () => {
    // Documented: { "principalId": "33ad69f9-…", "resourceId": "9028d19c-…", "appRoleId": "ef7437e6-…" }
    const assignment = await graph.assignToApplication(spId, ADA.id);
    const listed = await graph.listAppRoleAssignedTo(spId);

    expect(standIn.state.requests.at(-2)).toMatchObject({
      method: 'POST',
      path: `/v1.0/servicePrincipals/${spId}/appRoleAssignedTo`,
      body: { principalId: ADA.id, resourceId: spId, appRoleId: DEFAULT_APP_ROLE_ID },
      status: 201,
    });
    expect(assignment).toMatchObject({
      principalId: ADA.id,
      principalType: 'User',
      resourceId: spId,
    });
    expect(listed.map((a) => a.id)).toEqual([assignment.id]);
  });

  it('reads the provisioning log of the application and of one user (provisioningobjectsummary-list.md)', async () => {
    const page = await graph.listProvisioningLogs({
      servicePrincipalId: spId,
      sourceId: ADA.id,
      top: 2,
    });

    expect(lastRequest()).toMatchObject({
      method: 'GET',
      path: '/v1.0/auditLogs/provisioning',
      query: {
        $filter: `servicePrincipal/id eq '${spId}' and sourceIdentity/id eq '${ADA.id}'`,
        $top: '2',
      },
    });
    expect(page.value).toHaveLength(2);
    expect(
      page.value.every((e) => e.sourceIdentity.id === ADA.id && e.servicePrincipal.id === spId),
    ).toBe(true);
    const next = await graph.listProvisioningLogs({
      servicePrincipalId: spId,
      nextLink: page.nextLink ?? '',
    });
    expect(next.value.length).toBeGreaterThan(0);
    expect(next.value[0]?.id).not.toBe(page.value[0]?.id);
    const future = await graph.listProvisioningLogs({
      servicePrincipalId: spId,
      since: new Date('2999-01-01T00:00:00Z'),
    });
    expect(lastRequest()?.query.$filter).toBe(
      `servicePrincipal/id eq '${spId}' and activityDateTime ge 2999-01-01T00:00:00.000Z`,
    );
    expect(future.value).toEqual([]);
  });
});

describe('Graph failures, as documented', () => {
  it('turns a missing permission into GraphError 403 Authorization_RequestDenied with the request id', async () => {
    const readOnly = graphClient({
      baseUrl: standIn.url,
      accessToken: await issuer.token(['Synchronization.Read.All']),
    });

    const error = await readOnly.startJob(spId, jobId).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({
      status: 403,
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(lastRequest()).toMatchObject({ status: 403, scopes: ['Synchronization.Read.All'] });
  });

  it('needs both AuditLog.Read.All and Directory.Read.All for the provisioning log', async () => {
    const auditOnly = graphClient({
      baseUrl: standIn.url,
      accessToken: await issuer.token(['AuditLog.Read.All']),
    });
    const both = graphClient({
      baseUrl: standIn.url,
      accessToken: await issuer.token([...GRAPH_SCOPES.logs]),
    });

    await expect(
      auditOnly.listProvisioningLogs({ servicePrincipalId: spId }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(both.listProvisioningLogs({ servicePrincipalId: spId })).resolves.toMatchObject({
      value: expect.any(Array),
    });
  });

  it('refuses a token for another audience with 401 InvalidAuthenticationToken', async () => {
    const other = graphClient({
      baseUrl: standIn.url,
      accessToken: await issuer.token(ALL_SCOPES, { audience: 'api://grouptalk' }),
    });

    await expect(other.listSynchronizationJobs(spId)).rejects.toMatchObject({
      status: 401,
      code: 'InvalidAuthenticationToken',
    });
  });

  it('denies the next request when the hook says so', async () => {
    standIn.fail('insufficientPrivileges');

    await expect(graph.getSynchronizationJob(spId, jobId)).rejects.toMatchObject({
      code: 'Authorization_RequestDenied',
    });
    await expect(graph.getSynchronizationJob(spId, jobId)).resolves.toMatchObject({ id: jobId });
  });

  it('waits out 429 and 503 for the Retry-After seconds, then succeeds', async () => {
    const waits: number[] = [];
    const patient = graphClient({
      baseUrl: standIn.url,
      accessToken: await issuer.token(ALL_SCOPES),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    standIn.fail('throttle', { retryAfterSeconds: 7 });
    standIn.fail('serviceUnavailable', { retryAfterSeconds: 2 });

    const job = await patient.getSynchronizationJob(spId, jobId);

    expect(job.id).toBe(jobId);
    expect(waits).toEqual([7000, 2000]);
    expect(standIn.state.requests.slice(-3).map((r) => r.status)).toEqual([429, 503, 200]);
  });

  it('gives up when throttling outlasts the budget, with the Retry-After for the admin', async () => {
    const waits: number[] = [];
    const patient = graphClient({
      baseUrl: standIn.url,
      accessToken: await issuer.token(ALL_SCOPES),
      retry: { attempts: 4, totalWaitMs: 10_000, defaultWaitMs: 1000 },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    standIn.fail('throttle', { retryAfterSeconds: 6, times: 2 });

    const error = await patient.getSynchronizationJob(spId, jobId).catch((e: unknown) => e);

    // 6 s waited; another 6 s would pass the 10 s budget, so the second 429 is the answer.
    expect(error).toMatchObject({ status: 429, code: 'TooManyRequests', retryAfterSeconds: 6 });
    expect(waits).toEqual([6000]);
  });

  it('answers a Test Connection the endpoint refuses with 400 CredentialValidationUnavailable', async () => {
    const unknownToken = await issueTestToken({ register: false });

    const error = await graph
      .validateCredentials(spId, jobId, secretTokenCredentials(service.url, unknownToken))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({ status: 400, code: 'CredentialValidationUnavailable' });
    expect((error as GraphError).message).toContain('HTTP 401');
    // The refusal is the real service's: its 401 to Entra's probe.
    expect(standIn.state.scimCalls.at(-1)).toMatchObject({ method: 'GET', status: 401 });
  });

  it('refuses valid credentials when the invalidCredentials hook is set, and only then', async () => {
    const credentials = secretTokenCredentials(service.url, await issueTestToken());
    standIn.fail('invalidCredentials');

    await expect(graph.validateCredentials(spId, jobId, credentials)).rejects.toMatchObject({
      code: 'CredentialValidationUnavailable',
    });
    await expect(graph.validateCredentials(spId, jobId, credentials)).resolves.toBeUndefined();
  });

  it('puts a job whose credentials fail in quarantine; restart with QuarantineState clears it', async () => {
    standIn.fail('quarantine');

    await graph.startJob(spId, jobId);
    const quarantined = await graph.getSynchronizationJob(spId, jobId);
    await graph.restartJob(spId, jobId, { resetScope: 'QuarantineState' });
    const restarted = await graph.getSynchronizationJob(spId, jobId);

    expect(quarantined.status).toMatchObject({
      code: 'Quarantine',
      quarantine: {
        reason: 'EncounteredQuarantineException',
        seriesCount: 1,
        error: { code: 'CredentialValidationUnavailable', tenantActionable: true },
      },
      lastExecution: { state: 'Failed' },
    });
    expect(restarted.status).toMatchObject({
      code: 'Active',
      quarantine: null,
      lastExecution: { state: 'Succeeded' },
    });
  });

  it('reports a 2xx body that is not JSON as GraphError InvalidResponse', async () => {
    const proxy = graphClient({
      baseUrl: standIn.url,
      accessToken: 'x',
      fetch: async () => new Response('<html>captive portal</html>', { status: 200 }),
    });

    await expect(proxy.listSynchronizationJobs('x')).rejects.toMatchObject({
      status: 200,
      code: 'InvalidResponse',
    });
  });

  it('qualifies the permissions for an authorization request', () => {
    expect(graphScopeUris(GRAPH_SCOPES.logs)).toEqual([
      'https://graph.microsoft.com/AuditLog.Read.All',
      'https://graph.microsoft.com/Directory.Read.All',
    ]);
  });

  it('reports an unreachable Graph as GraphError NetworkError, status 0', async () => {
    const offline = graphClient({ baseUrl: 'http://127.0.0.1:1/v1.0', accessToken: 'x' });

    await expect(offline.listSynchronizationJobs('x')).rejects.toMatchObject({
      status: 0,
      code: 'NetworkError',
    });
  });
});

describe('Graph stand-in options', () => {
  let strict: GraphStandIn;
  let client: GraphClient;
  let strictSp: string;
  let strictJob: string;

  beforeAll(async () => {
    strict = await startGraphStandIn({
      jwksUri: issuer.jwksUri,
      issuer: issuer.issuer,
      users: [ADA],
      oauthClientCredentials: false,
      provisionOnDemandLimit: { requests: 1, windowSeconds: 3600 },
    });
    client = graphClient({
      baseUrl: strict.url,
      accessToken: await issuer.token(ALL_SCOPES),
      retry: { attempts: 1, totalWaitMs: 0, defaultWaitMs: 0 },
    });
    strictSp = (await client.instantiateApplicationTemplate('GroupTalk')).servicePrincipal.id;
    strictJob = (await client.createSynchronizationJob(strictSp)).id;
  });
  afterAll(() => strict?.close());

  it('refuses OAuth client credentials where the directory does not take them: the flow falls back to a Secret Token', async () => {
    const oauth = oauthClientCredentials({
      tenantUrl: service.url,
      tokenUrl: new URL('/oauth2/token', service.url).toString(),
      clientId: 'any',
      clientSecret: 'any',
    });

    await expect(client.validateCredentials(strictSp, strictJob, oauth)).rejects.toMatchObject({
      status: 400,
      code: 'BadRequest',
    });
    await expect(
      client.validateCredentials(
        strictSp,
        strictJob,
        secretTokenCredentials(service.url, await issueTestToken()),
      ),
    ).resolves.toBeUndefined();
  });

  it('limits provisionOnDemand as documented ("5 requests per 10 seconds"), here 1 an hour', async () => {
    await client.putSecrets(strictSp, secretTokenCredentials(service.url, await issueTestToken()));
    const ruleId = (await client.getSchema(strictSp, strictJob)).synchronizationRules[0]?.id ?? '';

    await client.provisionOnDemand(strictSp, strictJob, { objectId: ADA.id, ruleId });
    const error = await client
      .provisionOnDemand(strictSp, strictJob, { objectId: ADA.id, ruleId })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 429, code: 'TooManyRequests' });
    expect((error as GraphError).retryAfterSeconds).toBeGreaterThan(3500);
  });

  it('deletes the job (synchronization-synchronizationjob-delete.md): gone from the list, 404 after', async () => {
    await client.deleteSynchronizationJob(strictSp, strictJob);

    expect(strict.state.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/v1.0/servicePrincipals/${strictSp}/synchronization/jobs/${encodeURIComponent(strictJob)}`,
      status: 204,
    });
    expect(await client.listSynchronizationJobs(strictSp)).toEqual([]);
    await expect(client.getSynchronizationJob(strictSp, strictJob)).rejects.toMatchObject({
      status: 404,
      code: 'Request_ResourceNotFound',
    });
  });
});

describe('Graph stand-in with the local OpenID provider’s kind of tokens', () => {
  it('accepts a Graph token from oauth2-mock-server (jwksUri + issuer), as npm start will mint them', async () => {
    const { OAuth2Server } = await import('oauth2-mock-server');
    const provider = new OAuth2Server();
    await provider.issuer.keys.generate('RS256');
    await provider.start(0, '127.0.0.1');
    const issuerUrl = provider.issuer.url ?? '';
    const local = await startGraphStandIn({ jwksUri: `${issuerUrl}/jwks`, issuer: issuerUrl });
    try {
      const token = await provider.issuer.buildToken({
        scopesOrTransform: (_header, payload) => {
          payload.aud = '00000003-0000-0000-c000-000000000000';
          payload.scp = 'Application.ReadWrite.All Synchronization.ReadWrite.All';
        },
      });
      const client = graphClient({ baseUrl: local.url, accessToken: token });

      const created = await client.instantiateApplicationTemplate('GroupTalk');

      expect(created.servicePrincipal.displayName).toBe('GroupTalk');
      expect(local.state.requests.at(-1)?.scopes).toEqual([
        'Application.ReadWrite.All',
        'Synchronization.ReadWrite.All',
      ]);
    } finally {
      await local.close();
      await provider.stop();
    }
  });
});
