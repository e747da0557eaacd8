/**
 * "Connect to Microsoft Entra" and the job actions, run in the consent callback with the Graph
 * token of that one request. Each step is idempotent (it finds and reuses what an earlier run
 * made, by the ids the connection item keeps) and recorded in the tenant's table as it ends, so
 * the page shows the progress, and a run cut short by its time budget (API Gateway answers 504
 * after 29 s) is resumed by pressing Connect again. On failure a step keeps what Entra said and
 * what the admin can do.
 */
import { type Credential, isActive } from '../../credentials/registry.js';
import { tenantRegistry } from '../../credentials/tenant-registry.js';
import { tenantSigner } from '../../credentials/tenant-signer.js';
import { issueSecretToken } from '../../credentials/tokens.js';
import { SchemaShapeError } from '../../graph/schema.js';
import { logger } from '../../http/logger.js';
import { recordAdminAction } from '../../store/admin-items.js';
import {
  type ConnectRun,
  type ConnectStep,
  type EntraConnection,
  type EntraLogEntry,
  type EntraLogSummary,
  type JobSnapshot,
  saveEntraConnection,
  saveEntraLogView,
} from '../../store/entra-connection.js';
import { TOKEN_ENDPOINT_PATH } from '../integration.js';
import type { EntraAction } from './consent.js';
import {
  type GraphFailure,
  type GraphPort,
  isGraphFailure,
  type ProvisioningObjectSummary,
  type SecretPair,
  type ServicePrincipal,
  type SynchronizationJob,
  type TaskExecution,
} from './graph-port.js';

/** Microsoft's non-gallery application template ("Integrate any other application"). */
export const NON_GALLERY_TEMPLATE_ID = '8adf8e6e-67b2-4cf2-a259-e3dc5476c621';
/** The synchronization template of a non-gallery SCIM app. */
export const SCIM_JOB_TEMPLATE = 'scim';
/** The enterprise application GroupTalk creates (and finds again) in the customer's directory. */
export const APP_DISPLAY_NAME = 'GroupTalk';

/**
 * How much of API Gateway's 29 s (its integration timeout for HTTP APIs) a run may use, counted
 * from the callback's start (the code exchange included): the rest is margin for the last Graph
 * call, the table write and the answer.
 */
export const RUN_BUDGET_MS = 20_000;
/** The longest one Graph call may take before the step is left for the next run. */
export const CALL_TIMEOUT_MS = 8_000;
/**
 * A step starts only with this much budget left; the credential step (Test Connection with an
 * OAuth client, maybe again with a Secret Token, save) needs room for four calls, so a new
 * credential is rarely left half put in (and is revoked when it is).
 */
const STEP_RESERVE_MS = 2_000;
const CREDENTIAL_RESERVE_MS = 4 * 2_000;

/** Step names, in order, with what the page calls them. */
export const STEP_TITLES: Readonly<Record<string, string>> = {
  consent: 'Permissions granted in Entra',
  application: 'GroupTalk enterprise application',
  job: 'Provisioning job',
  credential: 'Credential for Entra (never shown)',
  testConnection: 'Test Connection (Entra calls GroupTalk)',
  saveCredentials: 'Tenant URL and credential saved in Entra',
  attributes: 'GroupTalk attributes mapped (label1…label5, group description)',
  start: 'Provisioning started for assigned users and groups',
  pause: 'Provisioning paused',
  revoke: 'Credential revoked',
  refresh: 'Job state read',
  restart: 'Job restarted',
  provisionOnDemand: 'Provisioned one user now',
  readLog: 'Entra’s provisioning log read',
};

const CONNECT_STEPS = [
  'application',
  'job',
  'credential',
  'testConnection',
  'saveCredentials',
  'attributes',
  'start',
] as const;

/** Everything a run needs beyond the Graph client. */
export interface RunContext {
  readonly graph: GraphPort;
  readonly runId: string;
  readonly actor: { readonly id: string; readonly name: string };
  readonly tenant: string;
  /** `https://…/scim/v2`: what Entra calls. */
  readonly tenantUrl: string;
  /** Epoch ms by which the run must have stopped starting Graph calls. */
  readonly deadline: number;
  /** The permissions the consent granted (shown in the consent step). */
  readonly granted: readonly string[];
  readonly subject?: string;
  /** Connect: the admin also asked for the log permissions. */
  readonly withLog?: boolean;
  /**
   * Connect: the service principal id of an existing application GroupTalk did not create that
   * the admin confirmed taking over (its provisioning settings are replaced).
   */
  readonly takeOver?: string;
  /** The clock the budget is counted on (epoch ms; `Date.now` unless a test stages time). */
  readonly now?: () => number;
}

/** Thrown inside a step when the budget is out: the step is left for the next run. */
class OutOfTimeError extends Error {}

/** A run's bookkeeping: the connection as it evolves and the steps so far, saved after each. */
class Recorder {
  steps: ConnectStep[] = [];
  /** This run instantiated the application (Graph may not know its service principal yet). */
  createdApp = false;
  /** Why the run fell back from an OAuth client to a Secret Token, for the credential step. */
  fallback = '';
  constructor(
    public connection: EntraConnection,
    readonly run: Omit<ConnectRun, 'steps'>,
    readonly context: RunContext,
  ) {}

  remaining(): number {
    return this.context.deadline - (this.context.now ?? Date.now)();
  }

  async record(step: Omit<ConnectStep, 'at'>, change: Partial<EntraConnection> = {}) {
    this.steps.push({ ...step, at: new Date().toISOString() });
    this.connection = {
      ...this.connection,
      ...change,
      lastRun: { ...this.run, steps: this.steps },
    };
    await saveEntraConnection(this.connection, this.context.runId);
  }

  /** Saves what the run learnt between steps (an id that must not be lost if the run dies). */
  async remember(change: Partial<EntraConnection>) {
    this.connection = { ...this.connection, ...change };
    await saveEntraConnection(this.connection, this.context.runId);
  }

  async finish(outcome: ConnectRun['outcome'], change: Partial<EntraConnection> = {}) {
    this.connection = {
      ...this.connection,
      ...change,
      lastRun: {
        ...this.run,
        steps: this.steps,
        outcome,
        finishedAt: new Date().toISOString(),
      },
    };
    await saveEntraConnection(this.connection, this.context.runId, true);
    return this.connection;
  }
}

function entraSaid(error: GraphFailure): NonNullable<ConnectStep['entra']> {
  return {
    status: error.status,
    code: error.code,
    message: error.message.slice(0, 500),
    ...(error.requestId ? { requestId: error.requestId } : {}),
  };
}

/** What the admin can do about Graph's answer to `step`. */
export function adviceFor(step: string, error: GraphFailure, granted: readonly string[]): string {
  if (error.status === 401) {
    return 'Entra no longer accepts the permission you granted (it expires after about an hour). Press the button again.';
  }
  if (error.status === 403) {
    const needed =
      step === 'application'
        ? ['Application.ReadWrite.All']
        : step === 'readLog'
          ? ['AuditLog.Read.All', 'Directory.Read.All']
          : step === 'refresh'
            ? ['Synchronization.Read.All']
            : ['Synchronization.ReadWrite.All'];
    const missing = needed.filter((permission) => !granted.includes(permission));
    const role =
      step === 'readLog'
        ? 'a role that may read audit logs (Reports Reader, Security Reader, Global Reader or Application Administrator)'
        : 'the Application Administrator or Cloud Application Administrator role';
    return missing.length
      ? `Entra did not grant ${missing.join(' and ')}. Ask a Global Administrator to grant admin consent for these permissions to the GroupTalk integration page’s app, then press the button again.`
      : `Entra refused with your account’s privileges: it needs ${role} in Entra. Ask a Global Administrator to assign it, or have someone who holds it press the button.`;
  }
  if (temporary(error)) {
    return error.status === 0
      ? 'Entra could not be reached (the network between GroupTalk and Microsoft Graph). Wait a minute and press the button again: what is done is kept.'
      : 'Entra is busy or failed for a moment. Wait a minute and press the button again: what is done is kept.';
  }
  if (step === 'testConnection') {
    return 'Entra could not use the new credential on GroupTalk’s Tenant URL. GroupTalk revoked that credential; check that the Tenant URL is reachable from the internet, then press Connect again.';
  }
  if (error.status === 404) {
    return 'Entra no longer has what GroupTalk created there (deleted in the admin center?). Press Connect again: it creates what is missing.';
  }
  return 'Entra refused the request as shown. Press the button again; if it keeps failing, send the request id to GroupTalk support.';
}

/** Graph not reached (status 0), throttled or failing on its side: says nothing about the request. */
function temporary(error: GraphFailure): boolean {
  return error.status === 0 || error.status === 429 || error.status >= 500;
}

/** A fetch that stops waiting for Graph at the run's deadline (and after CALL_TIMEOUT_MS). */
export function deadlineFetch(deadline: number, inner: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const wait = Math.min(CALL_TIMEOUT_MS, deadline - Date.now() + STEP_RESERVE_MS);
    if (wait <= 0) return Promise.reject(new OutOfTimeError('the run is out of time'));
    const signal = AbortSignal.timeout(wait);
    return inner(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
    });
  };
}

function outOfTime(error: unknown): boolean {
  return (
    error instanceof OutOfTimeError ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) ||
    (error instanceof Error && error.cause instanceof Error && outOfTime(error.cause))
  );
}

/**
 * Runs one step: skipped (and the rest not reached) when the budget is out; Graph's refusal
 * recorded with advice; anything else (a bug, the network) logged and recorded as a failed step
 * with generic advice.
 */
async function step(
  recorder: Recorder,
  name: string,
  reserve: number,
  body: () => Promise<{ detail: string; change?: Partial<EntraConnection> }>,
): Promise<boolean> {
  if (recorder.remaining() < reserve) throw new OutOfTimeError(name);
  try {
    const { detail, change } = await body();
    await recorder.record({ name, status: 'done', detail }, change);
    return true;
  } catch (error) {
    if (outOfTime(error)) throw new OutOfTimeError(name);
    if (isGraphFailure(error)) {
      await recorder.record({
        name,
        status: 'failed',
        entra: entraSaid(error),
        advice: adviceFor(name, error, recorder.context.granted),
      });
      return false;
    }
    if (error instanceof StepRefusal) {
      await recorder.record(
        {
          name,
          status: 'failed',
          detail: error.message,
          advice: error.advice,
          ...(error.takeOver ? { takeOver: error.takeOver } : {}),
        },
        error.change,
      );
      return false;
    }
    // GroupTalk's own failure (a bug, the network before Graph answered): logged for the
    // operator, shown as a failed step with generic words, never as a bare error page.
    logger.error('Entra connect step failed', { step: name, error: error as Error });
    await recorder.record({
      name,
      status: 'failed',
      detail: 'GroupTalk failed at this step on its own side (logged for GroupTalk support).',
      advice: `Press the button again: what is done is kept. If it keeps failing, tell GroupTalk support the time of this run (${new Date().toISOString()}).`,
    });
    return false;
  }
}

/** A step's own refusal (not Graph's): its message and advice. */
class StepRefusal extends Error {
  constructor(
    message: string,
    readonly advice: string,
    /** What the step learnt anyway (the job's state of a quarantined start). */
    readonly change: Partial<EntraConnection> = {},
    /** The service principal the admin may confirm taking over. */
    readonly takeOver?: string,
  ) {
    super(message);
  }
}

/** Names the steps not reached, and ends the run. */
async function endRun(
  recorder: Recorder,
  names: readonly string[],
  outcome: 'succeeded' | 'failed' | 'incomplete',
  change: Partial<EntraConnection> = {},
) {
  for (const name of names) {
    if (!recorder.steps.some((done) => done.name === name)) {
      recorder.steps.push({
        name,
        status: 'notReached',
        ...(outcome === 'incomplete'
          ? { advice: 'Time ran out before this step: press Connect again to continue from here.' }
          : {}),
        at: new Date().toISOString(),
      });
    }
  }
  return recorder.finish(outcome, change);
}

/** Runs `action` with the lease held and `connection` as read when taking it. */
export async function runAction(
  action: EntraAction,
  connection: EntraConnection,
  context: RunContext,
): Promise<EntraConnection> {
  const recorder = new Recorder(
    { ...connection, grantedScopes: mergeScopes(connection.grantedScopes, context.granted) },
    { id: context.runId, action, by: context.actor.name, startedAt: new Date().toISOString() },
    context,
  );
  await recorder.record({
    name: 'consent',
    status: 'done',
    detail: `${context.granted.join(', ') || 'nothing'}.`,
  });
  const names =
    action === 'connect'
      ? CONNECT_STEPS
      : action === 'disconnect'
        ? (['pause', 'revoke'] as const)
        : ([action] as const);
  // Every run ends in the admin actions list, whatever ended it (time, a thrown error).
  let outcome: 'succeeded' | 'failed' | 'incomplete' = 'failed';
  try {
    let ok: boolean;
    switch (action) {
      case 'connect':
        ok = await connect(recorder);
        break;
      case 'disconnect':
        ok = await disconnect(recorder);
        break;
      default:
        ok = await jobAction(recorder, action);
    }
    outcome = ok ? 'succeeded' : 'failed';
  } catch (error) {
    if (error instanceof OutOfTimeError) {
      outcome = 'incomplete';
    } else {
      await recorder.finish('failed');
      throw error;
    }
  } finally {
    const last = recorder.steps.at(-1)?.name ?? 'start';
    await recordAdminAction({
      actorId: context.actor.id,
      actorName: context.actor.name,
      action: `entra${action[0]?.toUpperCase()}${action.slice(1)}`,
      ...(recorder.connection.servicePrincipalId
        ? { target: recorder.connection.servicePrincipalId }
        : {}),
      detail:
        outcome === 'succeeded'
          ? `${action} succeeded${context.subject ? ` for ${context.subject}` : ''}`
          : outcome === 'incomplete'
            ? `${action} incomplete: time ran out after ${last}`
            : `${action} failed at ${last}`,
    });
  }
  return endRun(recorder, names, outcome);
}

function mergeScopes(before: readonly string[] | undefined, now: readonly string[]): string[] {
  return [...new Set([...(before ?? []), ...now])].sort();
}

async function connect(recorder: Recorder): Promise<boolean> {
  const { graph } = recorder.context;
  const ok =
    (await step(recorder, 'application', STEP_RESERVE_MS, () => findOrCreateApp(recorder))) &&
    (await step(recorder, 'job', STEP_RESERVE_MS, () => findOrCreateJob(recorder))) &&
    (await credentialSteps(recorder)) &&
    (await step(recorder, 'attributes', STEP_RESERVE_MS, async () => {
      const { servicePrincipalId, jobId } = ids(recorder);
      let added: readonly string[];
      try {
        ({ added } = await graph.addExtensionAttributes(servicePrincipalId, jobId));
      } catch (error) {
        if (!(error instanceof SchemaShapeError)) throw error;
        throw new StepRefusal(
          `The job’s attribute mappings in Entra are not those of a SCIM job (${error.message}); GroupTalk changed nothing in them.`,
          'In the Entra admin center, open the application’s Provisioning → Mappings and choose “Restore default mappings”, then press Connect again.',
        );
      }
      return {
        detail: added.length
          ? `Added and mapped ${added.map((name) => name.slice(name.lastIndexOf(':') + 1)).join(', ')}.`
          : 'Already there: label1…label5 and the group description are mapped.',
      };
    })) &&
    (await step(recorder, 'start', STEP_RESERVE_MS, async () => {
      const { servicePrincipalId, jobId } = ids(recorder);
      await graph.startJob(servicePrincipalId, jobId);
      const job = snapshot(await graph.getSynchronizationJob(servicePrincipalId, jobId));
      if (job.code.toLowerCase() === 'quarantine') {
        throw new StepRefusal(
          `Entra started the job and put it in quarantine: ${job.quarantine?.reason ?? 'no reason given'}${job.quarantine?.error ? ` (${job.quarantine.error})` : ''}.`,
          'Fix what the reason names, then press Restart (it clears the quarantine).',
          { job },
        );
      }
      return {
        detail: `The job is ${job.code}. Entra provisions the users and groups assigned to the application, about every 40 minutes.`,
        change: { job, state: 'connected' },
      };
    }));
  // The consent step and the state while a connect has not finished.
  if (!ok && recorder.connection.state !== 'connected') {
    recorder.connection = { ...recorder.connection, state: 'connecting' };
  }
  return ok;
}

function ids(recorder: Recorder): { servicePrincipalId: string; jobId: string } {
  const { servicePrincipalId, jobId } = recorder.connection;
  if (!servicePrincipalId || !jobId) {
    throw new StepRefusal(
      'GroupTalk has no provisioning job in Entra yet.',
      'Press Connect to Microsoft Entra first.',
    );
  }
  return { servicePrincipalId, jobId };
}

async function findOrCreateApp(recorder: Recorder) {
  const { graph } = recorder.context;
  const known = recorder.connection.appId;
  if (known) {
    const [found] = await graph.findServicePrincipals({ appId: known });
    if (found) {
      return { detail: `Found ${describe(found)}.`, change: appChange(recorder, found) };
    }
  }
  // Only an app made from the non-gallery template: a gallery GroupTalk app has its own job
  // template, and an app without a template (the customer's own app registration, say, or one
  // whose template Graph did not say) is the admin's, never GroupTalk's to configure.
  const candidates = (await graph.findServicePrincipals({ displayName: APP_DISPLAY_NAME })).filter(
    (candidate) => candidate.applicationTemplateId === NON_GALLERY_TEMPLATE_ID,
  );
  const chosen = candidates.sort((a, b) => a.id.localeCompare(b.id))[0];
  if (chosen) {
    // GroupTalk did not create it (an admin did, following the manual tutorial): when its job is
    // configured, Connect would replace the admin's Tenant URL, credential and scope, so it stops
    // and asks. Graph documents no read of the saved secrets, so nothing of them can be kept.
    if (recorder.context.takeOver !== chosen.id) {
      const jobs = await graph.listSynchronizationJobs(chosen.id);
      const configured = jobs.filter(
        (job) => (job.status?.code ?? 'NotConfigured').toLowerCase() !== 'notconfigured',
      );
      if (configured.length > 0) {
        throw new StepRefusal(
          `Found ${describe(chosen)}, not created by GroupTalk, with a provisioning job already configured (${configured.map((job) => `${job.id}: ${job.status?.code}`).join('; ')}). GroupTalk changed nothing.`,
          'If this is the application you set up for GroupTalk by hand and GroupTalk should manage it from now on, press “Take over this application and connect”: GroupTalk then replaces its Tenant URL, credential and provisioning settings (scope: assigned users and groups; notification e-mail and “skip out of scope deletions” back to their defaults, since Entra does not let GroupTalk read them). Otherwise rename that application in the Entra admin center and press Connect again to get a new one.',
          {},
          chosen.id,
        );
      }
    }
    return {
      detail: `Found ${describe(chosen)}${recorder.context.takeOver === chosen.id ? `; taken over as ${recorder.context.actor.name} confirmed` : ''}.`,
      change: appChange(recorder, chosen),
    };
  }
  const { servicePrincipal } = await graph.instantiateApplicationTemplate(APP_DISPLAY_NAME);
  recorder.createdApp = true;
  return {
    detail: `Created ${describe(servicePrincipal)}.`,
    change: appChange(recorder, servicePrincipal),
  };
}

function describe(principal: ServicePrincipal): string {
  return `the enterprise application “${principal.displayName ?? APP_DISPLAY_NAME}” (application id ${principal.appId})`;
}

function appChange(recorder: Recorder, principal: ServicePrincipal): Partial<EntraConnection> {
  // Another service principal (the old one deleted in Entra, a new one made): its job, rule and
  // saved credential are not the old one's, so a new credential is put in (and the old revoked).
  const moved =
    recorder.connection.servicePrincipalId !== undefined &&
    recorder.connection.servicePrincipalId !== principal.id;
  return {
    ...(moved
      ? { jobId: undefined, ruleId: undefined, secretsSavedFor: undefined, job: undefined }
      : {}),
    servicePrincipalId: principal.id,
    appId: principal.appId,
    appDisplayName: principal.displayName ?? APP_DISPLAY_NAME,
  };
}

async function findOrCreateJob(recorder: Recorder) {
  const { graph } = recorder.context;
  const servicePrincipalId = recorder.connection.servicePrincipalId ?? '';
  // Microsoft notes a replication delay after instantiating: a new service principal may answer
  // 404 for a few seconds, so this run waits for it while its budget allows.
  const jobs = await settled(recorder, () => graph.listSynchronizationJobs(servicePrincipalId));
  const known = jobs.find((job) => job.id === recorder.connection.jobId);
  const existing =
    known ?? jobs.find((job) => (job.templateId ?? job.id.split('.')[0]) === SCIM_JOB_TEMPLATE);
  if (existing) {
    return {
      detail: `Found the provisioning job ${existing.id}.`,
      change: { jobId: existing.id, job: snapshot(existing) },
    };
  }
  const created = await graph.createSynchronizationJob(servicePrincipalId, SCIM_JOB_TEMPLATE);
  return {
    detail: `Created the provisioning job ${created.id}.`,
    change: { jobId: created.id, job: snapshot(created) },
  };
}

/** `call`, again after a second while Graph answers 404 for the application this run created. */
async function settled<T>(recorder: Recorder, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retry =
        recorder.createdApp &&
        isGraphFailure(error) &&
        error.status === 404 &&
        attempt < 5 &&
        recorder.remaining() > STEP_RESERVE_MS + 1_000;
      if (!retry) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/**
 * Register a credential, have Entra's Test Connection try it, save it with the Tenant URL. An
 * OAuth client first (GroupTalk's token endpoint, client credentials), kept only when Entra's Test
 * Connection really fetched a token with it (the client's `lastUsedAt`): Microsoft documents the
 * OAuth keys for non-gallery jobs nowhere, so a directory that ignores them (and, say, sends its
 * own token) must not leave GroupTalk believing the client is in use. Else a Secret Token (the
 * documented `BaseAddress` + `SecretToken`). The secret exists only in this function: a
 * credential Entra has not saved by the end is revoked, so the registry never keeps a credential
 * nobody holds. A credential Entra already holds (saved by an earlier run, still active) is kept.
 */
async function credentialSteps(recorder: Recorder): Promise<boolean> {
  const { actor } = recorder.context;
  const registry = tenantRegistry();
  const { credentialId, secretsSavedFor } = recorder.connection;
  const current: Credential | undefined = credentialId
    ? await registry.get(credentialId)
    : undefined;
  if (current && usable(current) && secretsSavedFor === current.id) {
    const kind = current.kind === 'oauth-client' ? 'OAuth client' : 'Secret Token';
    await recorder.record({
      name: 'credential',
      status: 'skipped',
      detail: `Entra already holds ${kind} ${current.id} (created by ${current.createdBy}).`,
    });
    await recorder.record({
      name: 'testConnection',
      status: 'skipped',
      detail: 'Tried when it was saved.',
    });
    await recorder.record({ name: 'saveCredentials', status: 'skipped', detail: 'Already saved.' });
    return true;
  }
  if (recorder.remaining() < CREDENTIAL_RESERVE_MS) throw new OutOfTimeError('credential');
  if (current && !current.revokedAt && secretsSavedFor !== current.id) {
    // Registered by a run that ended before Entra saved it: its secret is gone, so it goes too.
    await registry.revoke(current.id, actor.name);
  }
  // The credential Entra holds now (being renewed) keeps working until the new one is saved.
  const held = secretsSavedFor;
  const oauth = await tryOAuthClient(recorder);
  if (oauth === 'failed') return false;
  const chosen = oauth ?? (await secretToken(recorder));
  if (!chosen) return false;
  let saved = false;
  try {
    saved = await step(recorder, 'saveCredentials', 0, async () => {
      const { servicePrincipalId } = ids(recorder);
      await recorder.context.graph.putSecrets(servicePrincipalId, chosen.secrets);
      // Entra uses the new one from now on: only now does the one it held go.
      const previous = held && held !== chosen.id ? await registry.get(held) : undefined;
      if (previous && !previous.revokedAt) await registry.revoke(previous.id, actor.name);
      return {
        detail: `Saved the Tenant URL ${recorder.context.tenantUrl} and ${chosen.label}; scope: assigned users and groups.${previous && !previous.revokedAt ? ` Revoked the credential Entra held before (${previous.id}).` : ''}`,
        change: { secretsSavedFor: chosen.id },
      };
    });
    return saved;
  } finally {
    if (!saved) await forget(recorder, chosen.id);
  }
}

/**
 * Whether a credential Entra holds can stay: active, and for an OAuth client with a secret valid
 * for another 30 days (the registry's secrets expire after a year; Connect again renews it).
 */
function usable(credential: Credential): boolean {
  const now = Date.now();
  if (!isActive(credential, now)) return false;
  if (credential.kind !== 'oauth-client') return true;
  return (credential.secrets ?? []).some(
    (secret) => !secret.revokedAt && Date.parse(secret.expiresAt) > now + RENEW_BEFORE_MS,
  );
}
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

interface Chosen {
  readonly id: string;
  /** "OAuth client <id>" or "Secret Token <id>". */
  readonly label: string;
  readonly secrets: readonly SecretPair[];
}

/**
 * Revokes a credential this run registered and Entra does not hold; the connection names again
 * the one Entra holds, if any (a renewal that failed leaves it in use).
 */
async function forget(recorder: Recorder, id: string): Promise<void> {
  await tenantRegistry().revoke(id, recorder.context.actor.name);
  recorder.connection = {
    ...recorder.connection,
    credentialId: recorder.connection.secretsSavedFor,
  };
}

/**
 * An OAuth client, Test Connection with it; undefined when Entra does not take it (then a Secret
 * Token follows), 'failed' when the run must stop (out of time propagates as thrown).
 */
async function tryOAuthClient(recorder: Recorder): Promise<Chosen | undefined | 'failed'> {
  const { graph, actor, tenantUrl } = recorder.context;
  const registry = tenantRegistry();
  const { servicePrincipalId, jobId } = ids(recorder);
  const { credential, secret } = await registry.createClient({
    createdBy: actor.name,
    description: DESCRIPTION,
  });
  // In the table before Entra is asked: a run that dies now leaves the id for the next run to
  // revoke, never a live credential nobody knows of.
  await recorder.remember({ credentialId: credential.id });
  const secrets: SecretPair[] = [
    { key: 'BaseAddress', value: tenantUrl },
    { key: 'AuthenticationType', value: OAUTH_AUTHENTICATION_TYPE },
    { key: 'Oauth2TokenExchangeUri', value: `${new URL(tenantUrl).origin}${TOKEN_ENDPOINT_PATH}` },
    { key: 'Oauth2ClientId', value: credential.id },
    { key: 'Oauth2ClientSecret', value: secret.secret },
    SYNC_ASSIGNED,
  ];
  let refusal = '';
  try {
    await graph.validateCredentials(servicePrincipalId, jobId, secrets);
    const used = (await registry.get(credential.id))?.lastUsedAt;
    if (used) {
      await recorder.record(
        {
          name: 'credential',
          status: 'done',
          detail: `Registered OAuth client ${credential.id}, created by ${actor.name}.`,
        },
        { credentialId: credential.id },
      );
      await recorder.record({
        name: 'testConnection',
        status: 'done',
        detail: `Entra fetched a token from GroupTalk’s token endpoint with the OAuth client and reached ${tenantUrl}.`,
      });
      return { id: credential.id, label: `OAuth client ${credential.id}`, secrets };
    }
    refusal = 'Entra accepted the OAuth keys but did not use the client';
  } catch (error) {
    if (outOfTime(error)) {
      await forget(recorder, credential.id);
      throw new OutOfTimeError('testConnection');
    }
    if (!isGraphFailure(error)) {
      await forget(recorder, credential.id);
      throw error;
    }
    // Only Entra's refusal of the request (a 400-class answer about the keys) means it does not
    // take an OAuth client; an unreachable or failing Graph says nothing about that, so the run
    // stops and the next press tries the OAuth client again.
    if (temporary(error) || error.status === 401 || error.status === 403) {
      await forget(recorder, credential.id);
      await recorder.record({
        name: 'credential',
        status: 'done',
        detail: `Registered OAuth client ${credential.id}, then revoked it: Test Connection could not run.`,
      });
      await recorder.record({
        name: 'testConnection',
        status: 'failed',
        entra: entraSaid(error),
        advice: adviceFor('testConnection', error, recorder.context.granted),
      });
      return 'failed';
    }
    refusal = `Entra said: ${error.message.slice(0, 200)}`;
  }
  await forget(recorder, credential.id);
  recorder.fallback = `Entra does not take an OAuth client for this application (${refusal}), so GroupTalk uses a Secret Token.`;
  return undefined;
}

/** A Secret Token and Test Connection with it; undefined when the test failed (recorded). */
async function secretToken(recorder: Recorder): Promise<Chosen | undefined> {
  const { graph, actor, tenant, tenantUrl } = recorder.context;
  if (recorder.remaining() < STEP_RESERVE_MS * 2) throw new OutOfTimeError('credential');
  const { servicePrincipalId, jobId } = ids(recorder);
  const { token, credential } = await issueSecretToken(tenantRegistry(), tenantSigner(), {
    tenant,
    createdBy: actor.name,
    description: DESCRIPTION,
  });
  await recorder.record(
    {
      name: 'credential',
      status: 'done',
      detail: `${recorder.fallback ? `${recorder.fallback} ` : ''}Registered Secret Token ${credential.id}, created by ${actor.name}.`,
    },
    { credentialId: credential.id },
  );
  const secrets: SecretPair[] = [
    { key: 'BaseAddress', value: tenantUrl },
    { key: 'SecretToken', value: token },
    SYNC_ASSIGNED,
  ];
  let tested = false;
  try {
    tested = await step(recorder, 'testConnection', 0, async () => {
      await graph.validateCredentials(servicePrincipalId, jobId, secrets);
      return { detail: `Entra reached ${tenantUrl} with the new Secret Token.` };
    });
  } finally {
    if (!tested) await forget(recorder, credential.id);
  }
  return tested
    ? { id: credential.id, label: `Secret Token ${credential.id}`, secrets }
    : undefined;
}

const DESCRIPTION = 'Put in Entra by Connect to Microsoft Entra (never shown)';
/** Provision only the users and groups assigned to the application (`SyncAll`). */
const SYNC_ASSIGNED: SecretPair = { key: 'SyncAll', value: 'false' };
/**
 * The `AuthenticationType` of client credentials: Microsoft lists the key but documents no value
 * for it; this is the Graph client's (see `oauthClientCredentials` in `shared/graph`).
 */
const OAUTH_AUTHENTICATION_TYPE = 'OAuth2ClientCredentialsGrant';

async function disconnect(recorder: Recorder): Promise<boolean> {
  const { graph, actor } = recorder.context;
  const { servicePrincipalId, jobId, credentialId } = recorder.connection;
  let paused = true;
  if (servicePrincipalId && jobId) {
    paused = await step(recorder, 'pause', STEP_RESERVE_MS, async () => {
      await graph.pauseJob(servicePrincipalId, jobId);
      const job = snapshot(await graph.getSynchronizationJob(servicePrincipalId, jobId));
      return { detail: `The job ${jobId} is ${job.code}.`, change: { job } };
    });
  } else {
    await recorder.record({ name: 'pause', status: 'skipped', detail: 'No job to pause.' });
  }
  // The credential goes whatever Graph said: a job left running then fails its next call.
  const registry = tenantRegistry();
  const credential = credentialId ? await registry.get(credentialId) : undefined;
  if (credential && !credential.revokedAt) {
    await registry.revoke(credential.id, actor.name);
    await recorder.record(
      {
        name: 'revoke',
        status: 'done',
        detail: `Revoked ${credential.kind === 'oauth-client' ? 'OAuth client' : 'Secret Token'} ${credential.id}: GroupTalk refuses it within a minute.`,
      },
      { state: 'disconnected', credentialId: undefined, secretsSavedFor: undefined },
    );
  } else {
    await recorder.record(
      { name: 'revoke', status: 'skipped', detail: 'No active credential to revoke.' },
      { state: 'disconnected', credentialId: undefined, secretsSavedFor: undefined },
    );
  }
  return paused;
}

/** Refresh, Pause, Restart, Provision on demand, Read the log. */
async function jobAction(recorder: Recorder, action: EntraAction): Promise<boolean> {
  const { graph, subject } = recorder.context;
  return step(recorder, action, STEP_RESERVE_MS, async () => {
    if (action === 'readLog') return readLog(recorder);
    const { servicePrincipalId, jobId } = ids(recorder);
    let detail = '';
    switch (action) {
      case 'pause':
        await graph.pauseJob(servicePrincipalId, jobId);
        detail = 'Paused: Entra sends nothing until it is restarted or started.';
        break;
      case 'restart':
        // Clears the watermark, escrows and quarantine, as Microsoft's example does.
        await graph.restartJob(servicePrincipalId, jobId, {
          resetScope: 'Watermark, Escrows, QuarantineState',
        });
        detail = 'Restarted: Entra runs a full cycle.';
        break;
      case 'provisionOnDemand': {
        if (!subject || !OBJECT_ID.test(subject)) {
          throw new StepRefusal(
            'Provision on demand needs the user’s object id in Entra.',
            'Enter the user’s Object ID (a GUID, shown in the Entra admin center under Users).',
          );
        }
        const ruleId = recorder.connection.ruleId ?? (await ruleOf(recorder));
        await graph.provisionOnDemand(servicePrincipalId, jobId, {
          objectId: subject,
          objectTypeName: 'User',
          ruleId,
        });
        detail = `Entra provisioned user ${subject} now; see its log below.`;
        break;
      }
      default:
        detail = 'Read now.';
    }
    const job = snapshot(await graph.getSynchronizationJob(servicePrincipalId, jobId));
    return { detail: `${detail} The job is ${job.code}.`, change: { job } };
  });
}

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The job's user rule (provision on demand names it), from the job's schema. */
async function ruleOf(recorder: Recorder): Promise<string> {
  const { servicePrincipalId, jobId } = ids(recorder);
  const schema = await recorder.context.graph.getSchema(servicePrincipalId, jobId);
  const rules = (schema.synchronizationRules ?? []) as {
    id?: unknown;
    objectMappings?: { targetObjectName?: unknown }[];
  }[];
  const rule = rules.find((candidate) =>
    (candidate.objectMappings ?? []).some(
      (mapping) => String(mapping.targetObjectName).toLowerCase() === 'user',
    ),
  );
  if (typeof rule?.id !== 'string') {
    throw new StepRefusal('The job has no rule for users.', 'Press Connect again.');
  }
  recorder.connection = { ...recorder.connection, ruleId: rule.id };
  return rule.id;
}

/** The period the application's tally covers: the page's default report period. */
export const LOG_SUMMARY_DAYS = 30;
/** At most this many pages of at most `LOG_SUMMARY_PAGE` entries: one request stays short. */
const LOG_SUMMARY_PAGES = 5;
const LOG_SUMMARY_PAGE = 200;

/** Reads Entra's log for one user (object id, or a UPN matched in the entries) and keeps a view. */
async function readLog(recorder: Recorder) {
  const { graph, subject = '', actor } = recorder.context;
  const servicePrincipalId = recorder.connection.servicePrincipalId;
  if (!servicePrincipalId) {
    throw new StepRefusal('GroupTalk has no application in Entra yet.', 'Press Connect first.');
  }
  if (!subject) return readLogSummary(recorder, servicePrincipalId);
  const byId = OBJECT_ID.test(subject);
  const { value: entries } = await graph.listProvisioningLogs({
    servicePrincipalId,
    ...(byId ? { sourceId: subject } : {}),
    top: byId ? 20 : 100,
  });
  const wanted = subject.toLowerCase();
  // A user principal name matches a value of an identity exactly (any case): "ann@x.com" is
  // not "joann@x.com", as a substring match would have it.
  const matching = byId
    ? entries
    : entries.filter((entry) =>
        [entry.sourceIdentity, entry.targetIdentity].some((identity) =>
          valuesOf(identity).some((value) => value.toLowerCase() === wanted),
        ),
      );
  const view = matching.slice(0, 20).map(logEntry);
  await saveEntraLogView({
    user: subject,
    readAt: new Date().toISOString(),
    by: actor.name,
    entries: view,
  });
  return { detail: `${view.length} entr${view.length === 1 ? 'y' : 'ies'} for ${subject}.` };
}

/**
 * Reads the application's log over the period, page by page up to the bound, and keeps only the
 * tally: counts by outcome and the top reasons, never the entries.
 */
async function readLogSummary(recorder: Recorder, servicePrincipalId: string) {
  const { graph, actor } = recorder.context;
  const since = new Date(Date.now() - LOG_SUMMARY_DAYS * 86_400_000);
  const entries: ProvisioningObjectSummary[] = [];
  let nextLink: string | undefined;
  for (let page = 0; page < LOG_SUMMARY_PAGES; page++) {
    const answer = await graph.listProvisioningLogs(
      nextLink
        ? { servicePrincipalId, nextLink }
        : { servicePrincipalId, since, top: LOG_SUMMARY_PAGE },
    );
    entries.push(...answer.value);
    nextLink = answer.nextLink;
    if (!nextLink) break;
  }
  const counted = tally(entries, since, !nextLink);
  await saveEntraLogView({
    user: '',
    readAt: new Date().toISOString(),
    by: actor.name,
    entries: [],
    summary: counted,
  });
  return {
    detail: `${counted.read} entr${counted.read === 1 ? 'y' : 'ies'} since ${since.toISOString().slice(0, 10)}${counted.complete ? '' : ' (the newest only: the read stops there)'}: ${counted.succeeded} succeeded, ${counted.skipped} skipped, ${counted.failed} failed.`,
  };
}

/** Counts by outcome and the three most frequent reasons of skipped and failed entries. */
export function tally(
  entries: readonly ProvisioningObjectSummary[],
  since: Date,
  complete: boolean,
): EntraLogSummary {
  const counts = { success: 0, skipped: 0, failure: 0 };
  const reasons = { skipped: new Map<string, number>(), failure: new Map<string, number>() };
  for (const entry of entries) {
    const info = entry.provisioningStatusInfo;
    const status = info?.status;
    if (status !== 'success' && status !== 'skipped' && status !== 'failure') continue;
    counts[status] += 1;
    if (status === 'success') continue;
    const error = info?.errorInformation;
    // Entra names the user in its reason: masked, so one reason counts once for all users.
    const words = (error?.reason ?? error?.errorCode ?? 'No reason given')
      .replace(/'[^']*'/g, '…')
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z?/g, '…')
      .slice(0, 300);
    reasons[status].set(words, (reasons[status].get(words) ?? 0) + 1);
  }
  const top = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([reason, count]) => ({ reason, count }));
  return {
    since: since.toISOString(),
    succeeded: counts.success,
    skipped: counts.skipped,
    failed: counts.failure,
    read: entries.length,
    complete,
    skippedReasons: top(reasons.skipped),
    failedReasons: top(reasons.failure),
  };
}

/** Every string value of an identity, its `details` included. */
function valuesOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(valuesOf);
  return [];
}

/** A log entry as the page shows it: no attribute values beyond the identities' names. */
export function logEntry(summary: ProvisioningObjectSummary): EntraLogEntry {
  const info = summary.provisioningStatusInfo;
  const error = info?.errorInformation;
  const identity = (value: ProvisioningObjectSummary['sourceIdentity']) =>
    value
      ? {
          ...(value.id ? { id: value.id } : {}),
          ...(value.displayName ? { name: value.displayName } : {}),
        }
      : undefined;
  const source = identity(summary.sourceIdentity);
  const target = identity(summary.targetIdentity);
  return {
    at: summary.activityDateTime ?? '',
    ...(summary.provisioningAction ? { action: summary.provisioningAction } : {}),
    ...(info?.status ? { status: info.status } : {}),
    ...(source ? { source } : {}),
    ...(target ? { target } : {}),
    ...(error?.reason ? { reason: error.reason.slice(0, 500) } : {}),
    ...(error?.errorCode ? { errorCode: error.errorCode } : {}),
    ...(error?.recommendedAction
      ? { recommendedAction: error.recommendedAction.slice(0, 300) }
      : {}),
    ...(summary.provisioningSteps?.length
      ? {
          steps: summary.provisioningSteps.slice(0, 8).map(({ name, status, description }) => ({
            ...(name ? { name } : {}),
            ...(status ? { status } : {}),
            ...(description ? { description: description.slice(0, 300) } : {}),
          })),
        }
      : {}),
  };
}

/** The job's state as the page shows it. */
export function snapshot(job: SynchronizationJob): JobSnapshot {
  const status = job.status ?? {};
  const cycle: TaskExecution | null | undefined = status.lastExecution;
  const quarantine = status.quarantine;
  const counts: Record<string, number> = {};
  if (cycle) {
    for (const name of [
      'countEntitled',
      'countImported',
      'countExported',
      'countEscrowed',
    ] as const) {
      const value = cycle[name];
      if (typeof value === 'number') counts[name.slice(5).toLowerCase()] = value;
    }
  }
  return {
    readAt: new Date().toISOString(),
    code: status.code ?? 'NotRun',
    ...(cycle
      ? {
          lastCycle: {
            ...(cycle.timeBegan ? { began: cycle.timeBegan } : {}),
            ...(cycle.timeEnded ? { ended: cycle.timeEnded } : {}),
            ...(cycle.state ? { state: cycle.state } : {}),
            counts,
            ...(cycle.error?.message ? { error: cycle.error.message.slice(0, 300) } : {}),
          },
        }
      : {}),
    ...(quarantine
      ? {
          quarantine: {
            ...(quarantine.reason ? { reason: quarantine.reason } : {}),
            ...(quarantine.currentBegan ? { since: quarantine.currentBegan } : {}),
            ...(quarantine.nextAttempt ? { nextAttempt: quarantine.nextAttempt } : {}),
            ...(quarantine.error?.message ? { error: quarantine.error.message.slice(0, 300) } : {}),
          },
        }
      : {}),
  };
}
