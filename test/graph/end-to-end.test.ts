/**
 * The connect steps through the Graph client, against the local Graph stand-in in front of the
 * real local SCIM service (DynamoDB Local): the application instantiated, its job created, a
 * Secret Token from the credential registry validated by Entra's Test Connection and saved,
 * GroupTalk's extension attributes mapped, the job started; then the users in GroupTalk's table
 * and Entra's provisioning log beside them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DirectoryGroup,
  type DirectoryUser,
  type GraphStandIn,
  startGraphStandIn,
} from '../../infra/local/graph-stand-in.js';
import {
  GRAPH_SCOPES,
  type GraphClient,
  graphClient,
  oauthClientCredentials,
  secretTokenCredentials,
} from '../../shared/graph/client.js';
import type { ProvisioningObjectSummary } from '../../shared/graph/types.js';
import { type GraphTokenIssuer, startGraphTokenIssuer } from '../support/graph-tokens.js';
import {
  issueTestToken,
  startTestService,
  type TestService,
  testRegistry,
} from '../support/service.js';

const GROUPTALK_USER = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User';
const GROUPTALK_GROUP = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:Group';

const ada: DirectoryUser = {
  id: 'a0000000-0000-4000-8000-00000000000a',
  userPrincipalName: 'ada.e2e@contoso.test',
  displayName: 'Ada Lovelace',
  givenName: 'Ada',
  surname: 'Lovelace',
  mail: 'ada.e2e@contoso.test',
  mailNickname: 'ada',
  extensionAttributes: { extensionAttribute1: 'Blue' },
  assigned: true,
};
const bob: DirectoryUser = {
  id: 'b0000000-0000-4000-8000-00000000000b',
  userPrincipalName: 'bob.e2e@contoso.test',
  displayName: 'Bob Sales',
  mail: 'bob.e2e@contoso.test',
};
const carol: DirectoryUser = {
  id: 'c0000000-0000-4000-8000-00000000000c',
  userPrincipalName: 'carol.e2e@contoso.test',
  displayName: 'Carol Unassigned',
};
/** A zero-width space in the userName: GroupTalk refuses it as an identifier (400 invalidValue). */
const dave: DirectoryUser = {
  id: 'd0000000-0000-4000-8000-00000000000d',
  userPrincipalName: 'dave\u200b.e2e@contoso.test',
  displayName: 'Dave Refused',
  assigned: true,
};
const sales: DirectoryGroup = {
  id: 'e0000000-0000-4000-8000-00000000000e',
  displayName: 'Sales E2E',
  description: 'Everyone who sells',
  members: [ada.id, bob.id],
  assigned: true,
};

let service: TestService;
let issuer: GraphTokenIssuer;
let standIn: GraphStandIn;
let graph: GraphClient;
let spId: string;
let jobId: string;

beforeAll(async () => {
  service = await startTestService();
  issuer = await startGraphTokenIssuer();
  standIn = await startGraphStandIn({
    jwksUri: issuer.jwksUri,
    issuer: issuer.issuer,
    users: [ada, bob, carol, dave],
    groups: [sales],
  });
  graph = graphClient({
    baseUrl: standIn.url,
    accessToken: await issuer.token([...GRAPH_SCOPES.connect, ...GRAPH_SCOPES.logs]),
  });
});

afterAll(async () => {
  await standIn?.close();
  await issuer?.close();
  await service?.close();
});

async function groupTalkUser(userName: string) {
  const answer = await service.request(
    'GET',
    `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`,
  );
  expect(answer.status).toBe(200);
  return answer.body.Resources as Record<string, unknown>[];
}

async function logOf(userId: string): Promise<ProvisioningObjectSummary[]> {
  return [
    ...(await graph.listProvisioningLogs({ servicePrincipalId: spId, sourceId: userId })).value,
  ];
}

describe('connect to Entra through the Graph stand-in, end to end', () => {
  it('creates the application and its job, validates and saves a registered Secret Token, starts provisioning', async () => {
    // Prepare: nothing exists yet.
    expect(await graph.findServicePrincipals({ displayName: 'GroupTalk' })).toEqual([]);

    // Act: the connect steps.
    const { servicePrincipal } = await graph.instantiateApplicationTemplate('GroupTalk');
    spId = servicePrincipal.id;
    jobId = (await graph.createSynchronizationJob(spId)).id;
    const credentials = secretTokenCredentials(service.url, await issueTestToken());
    await graph.validateCredentials(spId, jobId, credentials);
    await graph.putSecrets(spId, credentials);
    const { added } = await graph.addExtensionAttributes(spId, jobId);
    await graph.startJob(spId, jobId);

    // Assess: the job ran one cycle, the assigned users and group are in GroupTalk's table.
    expect(added).toHaveLength(6);
    const job = await graph.getSynchronizationJob(spId, jobId);
    expect(job.status).toMatchObject({
      code: 'Active',
      quarantine: null,
      lastExecution: { state: 'EntryLevelErrors', countEscrowed: 1 },
    });
    const [adaInGroupTalk] = await groupTalkUser(ada.userPrincipalName);
    expect(adaInGroupTalk).toMatchObject({
      userName: ada.userPrincipalName,
      displayName: 'Ada Lovelace',
      externalId: 'ada',
      active: true,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      [GROUPTALK_USER]: { label1: 'Blue' },
    });
    expect(await groupTalkUser(bob.userPrincipalName)).toHaveLength(1);
    expect(await groupTalkUser(carol.userPrincipalName)).toEqual([]);
    const groups = await service.request(
      'GET',
      `/Groups?filter=${encodeURIComponent(`displayName eq "${sales.displayName}"`)}`,
    );
    expect(groups.body.Resources).toHaveLength(1);
    const group = (await service.request('GET', `/Groups/${groups.body.Resources[0].id}`)).body;
    expect(group[GROUPTALK_GROUP]).toEqual({ description: 'Everyone who sells' });
    expect(group.externalId).toBe(sales.id);
    expect((group.members as { value: string }[]).map((m) => m.value).sort()).toEqual(
      [adaInGroupTalk?.id, (await groupTalkUser(bob.userPrincipalName))[0]?.id].sort(),
    );
  });

  it("writes Entra's provisioning log: created, skipped as not in scope, failed with the SCIM error", async () => {
    const [adaEntry] = await logOf(ada.id);
    const [carolEntry] = await logOf(carol.id);
    const [daveEntry] = await logOf(dave.id);

    expect(adaEntry).toMatchObject({
      jobId,
      provisioningAction: 'create',
      provisioningStatusInfo: { status: 'success', errorInformation: null },
      servicePrincipal: { id: spId, displayName: 'GroupTalk' },
      sourceIdentity: { id: ada.id, identityType: 'User' },
      targetIdentity: { id: expect.any(String), identityType: 'User' },
    });
    expect(carolEntry).toMatchObject({
      provisioningAction: 'other',
      provisioningStatusInfo: {
        status: 'skipped',
        errorInformation: { errorCode: 'NotEffectivelyEntitled' },
      },
    });
    expect(carolEntry?.provisioningStatusInfo.errorInformation?.reason).toContain('not in scope');
    expect(daveEntry).toMatchObject({
      provisioningStatusInfo: {
        status: 'failure',
        errorInformation: { errorCode: 'BadRequest', errorCategory: 'nonServiceFailure' },
      },
    });
    expect(daveEntry?.provisioningStatusInfo.errorInformation?.reason).toMatch(/^StatusCode: 400 /);
    expect(daveEntry?.provisioningStatusInfo.errorInformation?.additionalDetails).toMatch(
      /^invalidValue: userName/,
    );
  });

  it('runs again without duplicating anything, and sends only what changed', async () => {
    const usersBefore = (await service.request('GET', '/Users?count=100')).body.totalResults;
    const callsBefore = standIn.state.scimCalls.length;

    await standIn.runCycle(spId, jobId);
    const redundant = standIn.state.scimCalls.slice(callsBefore);
    const [adaAfterRedundantCycle] = await logOf(ada.id);
    standIn.putUser({ ...ada, extensionAttributes: { extensionAttribute1: 'Green' } });
    const callsBeforeChange = standIn.state.scimCalls.length;
    await standIn.runCycle(spId, jobId);
    const changed = standIn.state.scimCalls.slice(callsBeforeChange);

    expect((await service.request('GET', '/Users?count=100')).body.totalResults).toBe(usersBefore);
    expect(redundant.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`)).toEqual(
      // dave is retried (still refused); nobody else is written.
      ['POST /Users'],
    );
    expect(adaAfterRedundantCycle?.provisioningStatusInfo).toMatchObject({
      status: 'skipped',
      errorInformation: { errorCode: 'RedundantExport' },
    });
    const patch = changed.find((c) => c.method === 'PATCH');
    expect(patch?.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: `${GROUPTALK_USER}:label1`, value: 'Green' }],
    });
    expect((await groupTalkUser(ada.userPrincipalName))[0]?.[GROUPTALK_USER]).toEqual({
      label1: 'Green',
    });
  });

  it('finds the application and its job again instead of creating them (idempotent connect)', async () => {
    const [found] = await graph.findServicePrincipals({
      appId: standIn.state.servicePrincipals[0]?.appId ?? '',
    });
    const jobs = await graph.listSynchronizationJobs(found?.id ?? '');

    expect(found?.id).toBe(spId);
    expect(jobs.map((j) => j.id)).toEqual([jobId]);
    expect(standIn.state.servicePrincipals).toHaveLength(1);
  });

  it('provisions one unassigned user on demand: skipped, not in scope', async () => {
    const ruleId = (await graph.getSchema(spId, jobId)).synchronizationRules[0]?.id ?? '';

    const result = await graph.provisionOnDemand(spId, jobId, { objectId: carol.id, ruleId });

    expect(result.result).toMatchObject({
      result: 'Skipped',
      details: { errorCode: 'NotEffectivelyEntitled' },
    });
    expect(await groupTalkUser(carol.userPrincipalName)).toEqual([]);
  });

  it('validates and provisions with an OAuth client from the registry (client credentials)', async () => {
    const { credential, secret } = await testRegistry().createClient({ createdBy: 'graph e2e' });
    const credentials = oauthClientCredentials({
      tenantUrl: service.url,
      tokenUrl: new URL('/oauth2/token', service.url).toString(),
      clientId: credential.id,
      clientSecret: secret.secret,
    });

    await graph.validateCredentials(spId, jobId, credentials);
    await graph.putSecrets(spId, credentials);
    standIn.putUser({ ...carol, assigned: true });
    await standIn.runCycle(spId, jobId);

    expect(standIn.state.secretKeys(spId)).not.toContain('SecretToken');
    expect(await groupTalkUser(carol.userPrincipalName)).toHaveLength(1);
    expect((await graph.getSynchronizationJob(spId, jobId)).status.code).toBe('Active');
  });

  it('quarantines the job when the saved Secret Token is one GroupTalk does not know; restart once fixed clears it', async () => {
    await graph.putSecrets(
      spId,
      secretTokenCredentials(service.url, await issueTestToken({ register: false })),
    );

    await graph.restartJob(spId, jobId, { resetScope: 'Escrows' });
    const quarantined = await graph.getSynchronizationJob(spId, jobId);
    await graph.putSecrets(spId, secretTokenCredentials(service.url, await issueTestToken()));
    await graph.restartJob(spId, jobId, { resetScope: 'QuarantineState' });

    expect(quarantined.status).toMatchObject({
      code: 'Quarantine',
      quarantine: { reason: 'EncounteredQuarantineException' },
    });
    expect(quarantined.status.quarantine?.error?.message).toContain('HTTP 401');
    expect((await graph.getSynchronizationJob(spId, jobId)).status).toMatchObject({
      code: 'Active',
      quarantine: null,
    });
  });
});
