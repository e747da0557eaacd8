/**
 * The connect run's own rules, against DynamoDB Local (the connection item, the credential
 * registry, the admin actions) with a scripted Graph directory in memory: what the Graph stand-in
 * cannot easily stage. A run whose time budget runs out stops between steps and the next press
 * resumes, reusing what exists; a credential Entra never saved is revoked, so there is never a
 * second live one; two runs never overlap.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { runAction } from '../../shared/admin/connect/flow.js';
import type {
  GraphPort,
  ServicePrincipal,
  SynchronizationJob,
  SynchronizationSchema,
} from '../../shared/admin/connect/graph-port.js';
import { createCredentialRegistry, isActive } from '../../shared/credentials/registry.js';
import { GraphError } from '../../shared/graph/errors.js';
import { SchemaShapeError } from '../../shared/graph/schema.js';
import { listAdminActions } from '../../shared/store/admin-items.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import {
  ConnectionBusyError,
  readEntraConnection,
  readEntraLogView,
  takeConnectionLease,
} from '../../shared/store/entra-connection.js';
import { keys } from '../../shared/store/keys.js';

const ADMIN = { id: 'oid-ada', name: 'ada.admin@contoso.test' };

/**
 * A directory in memory answering the port's calls, each taking one second of the run's clock;
 * `slowDown` makes the named call time out.
 */
function scriptedDirectory() {
  let clock = Date.now();
  const principals: ServicePrincipal[] = [];
  const jobs = new Map<string, SynchronizationJob[]>();
  const secrets = new Map<string, { key: string; value: string }[]>();
  const calls: string[] = [];
  const mapped = new Set<string>();
  let slow: string | undefined;
  const schema: SynchronizationSchema = {
    directories: [{ name: 'customappsso', objects: [{ name: 'User', attributes: [] }] }],
    synchronizationRules: [
      {
        id: 'rule-1',
        targetDirectoryName: 'customappsso',
        objectMappings: [{ targetObjectName: 'User', attributeMappings: [] }],
      },
    ],
  };
  const call = async (name: string) => {
    calls.push(name);
    clock += 1_000;
    if (slow === name) {
      const error = new Error('The operation was aborted due to timeout');
      error.name = 'TimeoutError';
      throw error;
    }
  };
  const port: GraphPort = {
    async findServicePrincipals(query) {
      await call('findServicePrincipals');
      return principals.filter((p) =>
        'appId' in query ? p.appId === query.appId : p.displayName === query.displayName,
      );
    },
    async instantiateApplicationTemplate(displayName) {
      await call('instantiate');
      const principal = {
        id: `sp-${principals.length + 1}`,
        appId: `app-${principals.length + 1}`,
        displayName,
        applicationTemplateId: '8adf8e6e-67b2-4cf2-a259-e3dc5476c621',
      };
      principals.push(principal);
      return { application: { appId: principal.appId }, servicePrincipal: principal };
    },
    async listSynchronizationJobs(id) {
      await call('listJobs');
      return jobs.get(id) ?? [];
    },
    async createSynchronizationJob(id, templateId) {
      await call('createJob');
      const job = { id: `${templateId}.job${(jobs.get(id) ?? []).length + 1}`, templateId };
      jobs.set(id, [...(jobs.get(id) ?? []), job]);
      return job;
    },
    async getSynchronizationJob(id, jobId) {
      await call('getJob');
      const job = (jobs.get(id) ?? []).find((j) => j.id === jobId);
      return { ...job, id: jobId, status: { code: secrets.has(id) ? 'Active' : 'NotRun' } };
    },
    async validateCredentials() {
      await call('validateCredentials');
    },
    async putSecrets(id, pairs) {
      await call('putSecrets');
      secrets.set(id, [...pairs]);
    },
    async getSchema() {
      await call('getSchema');
      return structuredClone(schema);
    },
    async addExtensionAttributes() {
      await call('addExtensionAttributes');
      const added = ['label1', 'label2', 'label3', 'label4', 'label5', 'description'].filter(
        (name) => !mapped.has(name),
      );
      for (const name of added) mapped.add(name);
      return { added };
    },
    async startJob() {
      await call('start');
    },
    async pauseJob() {
      await call('pause');
    },
    async restartJob() {
      await call('restart');
    },
    async provisionOnDemand() {
      await call('provisionOnDemand');
      return {};
    },
    async listProvisioningLogs() {
      await call('logs');
      return { value: [] };
    },
  };
  return {
    port,
    principals,
    jobs,
    secrets,
    calls,
    slowDown(name: string | undefined) {
      slow = name;
    },
    now: () => clock,
  };
}

function registry() {
  return createCredentialRegistry({ documents: documentClient(), tableName: tableName() });
}

let testStart = '';
/** The credentials Connect registered during this test. */
async function connectCredentials() {
  const { credentials } = await registry().list();
  return credentials.filter(
    (c) => c.description?.includes('Connect to Microsoft Entra') && c.createdAt >= testStart,
  );
}

let runs = 0;
/** One press of Connect with `budgetMs` of the run's budget left. */
async function press(
  directory: ReturnType<typeof scriptedDirectory>,
  budgetMs: number,
  action: 'connect' | 'disconnect' = 'connect',
) {
  const runId = `run-${++runs}`;
  const connection = await takeConnectionLease(runId, 35_000);
  return runAction(action, connection, {
    graph: directory.port,
    now: directory.now,
    runId,
    actor: ADMIN,
    tenant: 'test-tenant',
    tenantUrl: 'https://scim.example.test/scim/v2',
    deadline: directory.now() + budgetMs,
    granted: ['Synchronization.ReadWrite.All', 'Application.ReadWrite.All'],
  });
}

describe('the connect run', () => {
  let directory: ReturnType<typeof scriptedDirectory>;
  beforeEach(async () => {
    directory = scriptedDirectory();
    testStart = new Date().toISOString();
    // Each test starts from a tenant that never connected.
    await documentClient().send(
      new DeleteCommand({ TableName: tableName(), Key: keys.entraConnection() }),
    );
  });

  it('stops between steps when the budget runs out, and the next press resumes without duplicating', async () => {
    // Act: a budget that covers the application and the job (two calls of a second each, with
    // two seconds to spare before each), not the credential's three calls.
    const first = await press(directory, 7_000);

    // Assess
    expect(first.lastRun?.outcome).toBe('incomplete');
    const status = Object.fromEntries(first.lastRun?.steps.map((s) => [s.name, s.status]) ?? []);
    expect(status).toMatchObject({ consent: 'done', application: 'done', job: 'done' });
    expect(status.credential).toBe('notReached');
    expect(first.lastRun?.steps.find((s) => s.name === 'credential')?.advice).toContain(
      'press Connect again',
    );
    expect(await connectCredentials()).toEqual([]);
    expect((await readEntraConnection()).runningUntil).toBeUndefined();

    // Act: pressed again with the whole budget.
    const second = await press(directory, 20_000);

    // Assess: the same application and job, one credential, saved in Entra, started.
    expect(second.lastRun?.outcome).toBe('succeeded');
    expect(second.state).toBe('connected');
    expect(directory.principals).toHaveLength(1);
    expect([...directory.jobs.values()].flat()).toHaveLength(1);
    const [credential, ...more] = (await connectCredentials()).filter((c) =>
      isActive(c, Date.now()),
    );
    expect(more).toEqual([]);
    expect(credential?.createdBy).toBe(ADMIN.name);
    expect(second.secretsSavedFor).toBe(credential?.id);
    expect(directory.secrets.get('sp-1')?.map((p) => p.key)).toEqual([
      'BaseAddress',
      'SecretToken',
      'SyncAll',
    ]);
    // The scripted Test Connection never fetched a token with the OAuth client: GroupTalk fell
    // back to a Secret Token and revoked the client.
    expect(second.lastRun?.steps.find((s) => s.name === 'credential')?.detail).toContain(
      'did not use the client',
    );

    // A third press reuses everything: no instantiate, no new job, no new credential.
    directory.calls.length = 0;
    const third = await press(directory, 20_000);
    expect(third.lastRun?.outcome).toBe('succeeded');
    expect(directory.calls).not.toContain('instantiate');
    expect(directory.calls).not.toContain('createJob');
    expect(directory.calls).not.toContain('putSecrets');
    expect(directory.calls).not.toContain('validateCredentials');
    expect(third.lastRun?.steps.find((s) => s.name === 'attributes')?.detail).toContain(
      'Already there',
    );
    expect((await connectCredentials()).filter((c) => isActive(c, Date.now()))).toHaveLength(1);
  });

  it('revokes a credential Entra did not save (Test Connection timed out), and the next run registers one new one', async () => {
    // Prepare: Test Connection does not answer in time.
    directory.slowDown('validateCredentials');

    // Act
    const first = await press(directory, 20_000);

    // Assess: the run stopped, and the credential it had registered is revoked at once.
    expect(first.lastRun?.outcome).toBe('incomplete');
    const [orphan] = await connectCredentials();
    expect(orphan?.revokedBy).toBe(ADMIN.name);
    expect(first.credentialId).toBeUndefined();

    directory.slowDown(undefined);
    await press(directory, 20_000);
    const credentials = await connectCredentials();
    expect(credentials.filter((c) => isActive(c, Date.now()))).toHaveLength(1);
  });

  it('records a run cut short by its time budget in the admin actions list', async () => {
    const since = new Date().toISOString();
    const run = await press(directory, 7_000);
    expect(run.lastRun?.outcome).toBe('incomplete');
    const recorded = (await listAdminActions()).filter(
      (action) => action.at >= since && action.action === 'entraConnect',
    );
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.detail).toBe('connect incomplete: time ran out after job');
    expect(recorded[0]?.actorName).toBe(ADMIN.name);
  });

  it('records an error of its own as a failed step with advice, and a schema it cannot edit in words', async () => {
    // Prepare: a bug at the attributes step (not Graph's refusal).
    const port = directory.port as { addExtensionAttributes: GraphPort['addExtensionAttributes'] };
    port.addExtensionAttributes = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'objects')");
    };

    // Act
    const run = await press(directory, 20_000);

    // Assess: the run ends as a failed step, not an exception.
    expect(run.lastRun?.outcome).toBe('failed');
    const step = run.lastRun?.steps.find((s) => s.name === 'attributes');
    expect(step?.status).toBe('failed');
    expect(step?.detail).toContain('on its own side');
    expect(step?.advice).toContain('Press the button again');
    expect(JSON.stringify(step)).not.toContain('reading');

    // Act: the job's schema has no rule from Entra.
    port.addExtensionAttributes = async () => {
      throw new SchemaShapeError(
        'the schema has no synchronization rule from "Azure Active Directory"',
      );
    };
    const again = await press(directory, 20_000);
    const refused = again.lastRun?.steps.find((s) => s.name === 'attributes');
    expect(refused?.status).toBe('failed');
    expect(refused?.advice).toContain('Restore default mappings');
  });

  it('does not fall back to a Secret Token when Graph is unreachable or failing, and says to try again', async () => {
    const port = directory.port as { validateCredentials: GraphPort['validateCredentials'] };
    for (const [status, words] of [
      [503, 'Entra is busy or failed for a moment'],
      [0, 'Entra could not be reached'],
    ] as const) {
      // Prepare: Test Connection with the OAuth client meets Graph failing, not refusing.
      port.validateCredentials = async () => {
        throw new GraphError({
          status,
          code: status ? 'ServiceUnavailable' : 'NetworkError',
          message: 'down',
        });
      };

      // Act
      const run = await press(directory, 20_000);

      // Assess: the run stops; no Secret Token replaces the OAuth client for good.
      expect(run.lastRun?.outcome).toBe('failed');
      const test = run.lastRun?.steps.find((s) => s.name === 'testConnection');
      expect(test?.status).toBe('failed');
      expect(test?.advice).toContain(words);
      expect(run.lastRun?.steps.find((s) => s.name === 'credential')?.detail).toContain(
        'Test Connection could not run',
      );
      const made = await connectCredentials();
      expect(made.every((c) => c.kind === 'oauth-client' && c.revokedAt)).toBe(true);
    }
  });

  it('keeps a new OAuth client’s id in the table before Entra is asked about it', async () => {
    // Prepare: Test Connection notes which credential the table names at that moment.
    const port = directory.port as { validateCredentials: GraphPort['validateCredentials'] };
    const named: (string | undefined)[] = [];
    const validate = port.validateCredentials;
    port.validateCredentials = async (...args) => {
      named.push((await readEntraConnection()).credentialId);
      return validate(...args);
    };

    // Act
    await press(directory, 20_000);

    // Assess: the first Test Connection (the OAuth client) found its id already stored.
    const client = (await connectCredentials()).find((c) => c.kind === 'oauth-client');
    expect(client).toBeDefined();
    expect(named[0]).toBe(client?.id);
  });

  it('reads the log of a user principal name exactly, not of every name containing it', async () => {
    await press(directory, 20_000);
    const port = directory.port as { listProvisioningLogs: GraphPort['listProvisioningLogs'] };
    const entry = (upn: string, at: string) => ({
      activityDateTime: at,
      provisioningAction: 'create',
      provisioningStatusInfo: { status: 'success' },
      sourceIdentity: { id: `id-${upn}`, displayName: upn, details: { UserPrincipalName: upn } },
    });
    port.listProvisioningLogs = async () => ({
      value: [
        entry('ann@contoso.test', '2026-01-01T00:00:00Z'),
        entry('joann@contoso.test', '2026-01-02T00:00:00Z'),
      ],
    });
    const runId = `run-${++runs}`;
    await runAction('readLog', await takeConnectionLease(runId, 35_000), {
      graph: directory.port,
      now: directory.now,
      runId,
      actor: ADMIN,
      tenant: 'test-tenant',
      tenantUrl: 'https://scim.example.test/scim/v2',
      deadline: directory.now() + 20_000,
      granted: ['AuditLog.Read.All', 'Directory.Read.All'],
      subject: 'Ann@contoso.test',
    });
    const view = await readEntraLogView();
    expect(view?.entries.map((e) => e.source?.name)).toEqual(['ann@contoso.test']);
  });

  it('lets only one run hold the connection at a time', async () => {
    await takeConnectionLease('holder', 35_000);
    await expect(press(directory, 20_000)).rejects.toBeInstanceOf(ConnectionBusyError);
  });
});
