/**
 * The page's Entra connection use cases behind its routes: what the section shows
 * (`GET /admin/api/entra`), starting the consent round-trip of a button
 * (`POST /admin/api/entra/authorize`) and Entra's answer, which runs the button's action with a
 * Graph token of that one request (`GET /admin/entra/callback`).
 */
import { readTenantUrl } from '../../config.js';
import { isActive } from '../../credentials/registry.js';
import { tenantRegistry } from '../../credentials/tenant-registry.js';
import { logger } from '../../http/logger.js';
import { SCIM_BASE_PATH } from '../../routes.js';
import { recordAdminAction } from '../../store/admin-items.js';
import {
  ConnectionBusyError,
  type EntraConnection,
  readEntraConnection,
  readEntraLogView,
  saveEntraConnection,
  takeConnectionLease,
} from '../../store/entra-connection.js';
import { actorOf } from '../credentials.js';
import {
  AdminError,
  type AdminRequest,
  type AdminResponse,
  html,
  json,
  redirect,
  setCookie,
} from '../http.js';
import { errorPage } from '../page.js';
import {
  ACTIONS,
  CONSENT_SECONDS,
  ConsentError,
  type ConsentTransaction,
  consentCookieName,
  type EntraAction,
  finishConsent,
  openConsent,
  PERMISSIONS,
  permissionsFor,
  runId,
  sealConsent,
  startConsent,
} from './consent.js';
import { RUN_BUDGET_MS, runAction, STEP_TITLES } from './flow.js';
import { graphFor } from './graph.js';

export const ENTRA_CALLBACK_PATH = '/admin/entra/callback';
/** Where the browser lands after a round-trip: the page, at its Entra section. */
const BACK = '/admin#entra-connection';
/** Longer than any run (API Gateway ends a request at 29 s), so a lease always outlives its run. */
const LEASE_MS = 35_000;

/** Answers of a `prompt=none` request that mean "ask the user" (OpenID Connect Core §3.1.2.6). */
const INTERACTION_ERRORS = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the section shows: never a token or a secret. */
export async function entraConnectionView(request: AdminRequest) {
  actorOf(request);
  const connection = await readEntraConnection();
  const credential = connection.credentialId
    ? await tenantRegistry().get(connection.credentialId)
    : undefined;
  const log = await readEntraLogView();
  const { lastRun, runningUntil, runId: _run, ...rest } = connection;
  return {
    state: rest.state,
    ...(rest.servicePrincipalId
      ? {
          application: {
            displayName: rest.appDisplayName,
            appId: rest.appId,
            servicePrincipalId: rest.servicePrincipalId,
          },
        }
      : {}),
    ...(rest.jobId ? { jobId: rest.jobId } : {}),
    ...(credential
      ? {
          credential: {
            id: credential.id,
            createdBy: credential.createdBy,
            createdAt: credential.createdAt,
            active: isActive(credential, Date.now()),
            savedInEntra: rest.secretsSavedFor === credential.id,
          },
        }
      : {}),
    grantedPermissions: rest.grantedScopes ?? [],
    permissions: {
      connect: permissionsFor('connect'),
      log: [...PERMISSIONS.log],
    },
    ...(rest.job ? { job: rest.job } : {}),
    ...(lastRun
      ? {
          lastRun: {
            ...lastRun,
            steps: lastRun.steps.map((step) => ({
              ...step,
              title: STEP_TITLES[step.name] ?? step.name,
            })),
          },
        }
      : {}),
    running: typeof runningUntil === 'number' && runningUntil > Date.now(),
    ...(log?.user ? { log } : {}),
    ...(log?.summary ? { logSummary: { ...log.summary, readAt: log.readAt, by: log.by } } : {}),
  };
}

function parseAction(body: Record<string, unknown>): {
  action: EntraAction;
  subject?: string;
  withLog: boolean;
  takeOver?: string;
} {
  const action = body.action;
  if (typeof action !== 'string' || !ACTIONS.includes(action as EntraAction)) {
    throw new AdminError(400, 'invalidAction', `action must be one of ${ACTIONS.join(', ')}.`);
  }
  const subject = typeof body.user === 'string' ? body.user.trim() : undefined;
  // Reading the log without a user reads the application's tally (the health view's).
  if (action === 'provisionOnDemand' || (action === 'readLog' && body.user !== undefined)) {
    if (!subject || subject.length > 256 || /[\s"']/.test(subject)) {
      throw new AdminError(
        400,
        'invalidUser',
        'Enter the user’s object id in Entra or their user principal name (user@example.com).',
      );
    }
  }
  if (action === 'provisionOnDemand' && !OBJECT_ID.test(subject ?? '')) {
    throw new AdminError(
      400,
      'invalidUser',
      'Provision now needs the user’s object id in Entra (a GUID: Entra admin center → Users → the user → Object ID).',
    );
  }
  if (body.withLog !== undefined && typeof body.withLog !== 'boolean') {
    throw new AdminError(400, 'invalidBody', 'withLog must be true or false.');
  }
  // The service principal id the last run found and the admin confirms taking over.
  const takeOver = body.takeOver;
  if (
    takeOver !== undefined &&
    (action !== 'connect' || typeof takeOver !== 'string' || !OBJECT_ID.test(takeOver))
  ) {
    throw new AdminError(
      400,
      'invalidBody',
      'takeOver must be the object id of the application found, with action connect.',
    );
  }
  return {
    action: action as EntraAction,
    ...(subject && (action === 'provisionOnDemand' || action === 'readLog') ? { subject } : {}),
    withLog: body.withLog === true,
    ...(typeof takeOver === 'string' ? { takeOver } : {}),
  };
}

/**
 * Starts a button's consent round-trip: the provider URL (the page's script navigates there) and
 * the sealed transaction cookie. Without a page to show when the permissions were consented to
 * before (`prompt=none`).
 */
export async function authorizeEntraAction(request: AdminRequest): Promise<AdminResponse> {
  const session = request.session;
  if (!session) throw new AdminError(401, 'signInRequired', 'Sign in to use the integration page.');
  const wanted = parseAction(request.body);
  const connection = await readEntraConnection();
  if (wanted.action !== 'connect' && !connection.servicePrincipalId) {
    throw new AdminError(
      409,
      'notConnected',
      'GroupTalk is not connected to Entra yet: press Connect to Microsoft Entra first.',
    );
  }
  if (
    connection.state === 'disconnected' &&
    (wanted.action === 'restart' || wanted.action === 'provisionOnDemand')
  ) {
    // The credential is revoked: a restarted job would only fail against GroupTalk.
    throw new AdminError(
      409,
      'disconnected',
      'GroupTalk is disconnected from Entra (its credential is revoked): press Connect to Microsoft Entra before restarting or provisioning.',
    );
  }
  if (typeof connection.runningUntil === 'number' && connection.runningUntil > Date.now()) {
    throw new AdminError(
      409,
      'entraBusy',
      'Another change to the Entra connection is running (another admin or tab). Wait a few seconds and press the button again.',
    );
  }
  const needed = permissionsFor(wanted.action, wanted.withLog);
  const silent = needed.every((permission) => connection.grantedScopes?.includes(permission));
  return consentRedirect(request, { ...wanted, silent }, (url, cookie) =>
    json(200, { url }, [cookie]),
  );
}

async function consentRedirect(
  request: AdminRequest,
  wanted: {
    action: EntraAction;
    subject?: string;
    withLog: boolean;
    takeOver?: string;
    silent: boolean;
  },
  answer: (url: string, cookie: string) => AdminResponse,
): Promise<AdminResponse> {
  const session = request.session;
  if (!session) throw new AdminError(401, 'signInRequired', 'Sign in to use the integration page.');
  const { url, transaction } = await startConsent(
    request.config,
    session,
    `${request.origin}${ENTRA_CALLBACK_PATH}`,
    wanted,
  );
  const sealed = await sealConsent(transaction, await request.sessionKey(), request.config.tenant);
  return answer(
    url.href,
    setCookie(
      request.cookieRules,
      consentCookieName(request.cookieRules.session),
      sealed,
      CONSENT_SECONDS,
    ),
  );
}

/** Records a run that ended at the consent (declined, another account): the page shows why. */
async function recordConsentFailure(
  request: AdminRequest,
  transaction: ConsentTransaction,
  detail: string,
  advice: string,
): Promise<void> {
  const actor = actorOf(request);
  // Recorded first: the run's record below is skipped while another run holds the connection.
  await recordAdminAction({
    actorId: actor.id,
    actorName: actor.name,
    action: 'entraConsentRefused',
    detail: `${transaction.action}: ${detail}`.slice(0, 200),
  });
  const id = runId();
  let connection: EntraConnection;
  try {
    connection = await takeConnectionLease(id, LEASE_MS);
  } catch (error) {
    if (error instanceof ConnectionBusyError) return;
    throw error;
  }
  const at = new Date().toISOString();
  await saveEntraConnection(
    {
      ...connection,
      lastRun: {
        id,
        action: transaction.action,
        by: actor.name,
        startedAt: at,
        finishedAt: at,
        outcome: 'failed',
        steps: [{ name: 'consent', status: 'failed', detail, advice, at }],
      },
    },
    id,
    true,
  );
}

/**
 * Entra's answer to a consent request: runs the action within the time budget and sends the
 * browser back to the page's Entra section, whose steps say what happened. The Graph token is a
 * local of this function.
 */
export async function completeEntraAction(request: AdminRequest): Promise<AdminResponse> {
  const started = Date.now();
  const session = request.session;
  if (!session) throw new AdminError(401, 'signInRequired', 'Sign in to use the integration page.');
  const cookieName = consentCookieName(request.cookieRules.session);
  const clear = setCookie(request.cookieRules, cookieName, '', 0);
  const transaction = await openConsent(
    request.cookies.get(cookieName),
    await request.sessionKey(),
    request.config.tenant,
  );
  // Before any branch, the error one included: an answer whose state is not this transaction's
  // was not asked for here (a forged or replayed link) and changes nothing.
  if (
    !transaction ||
    transaction.sessionId !== session.sessionId ||
    request.query.get('state') !== transaction.state
  ) {
    return html(
      400,
      errorPage(
        'Not possible',
        'This answer from Entra belongs to a request that took too long or was started elsewhere. Go back to the integration page and press the button again.',
        [{ href: BACK, label: 'Back to the integration page' }],
      ),
      [clear],
    );
  }
  const error = request.query.get('error');
  if (error) {
    if (transaction.silent && INTERACTION_ERRORS.has(error)) {
      // Consent (or the account) needs the user after all: the same request, asking.
      return consentRedirect(
        request,
        {
          action: transaction.action,
          ...(transaction.subject ? { subject: transaction.subject } : {}),
          withLog: transaction.withLog,
          ...(transaction.takeOver ? { takeOver: transaction.takeOver } : {}),
          silent: false,
        },
        (url, cookie) => redirect(url, [cookie]),
      );
    }
    const declined = error === 'access_denied';
    await recordConsentFailure(
      request,
      transaction,
      declined
        ? `You declined the permissions GroupTalk asked for (${transaction.permissions.join(', ')}). Nothing was changed in Entra.`
        : `Entra did not grant the permissions (${error.slice(0, 64)}). Nothing was changed in Entra.`,
      declined
        ? 'To continue, press the button again and accept. If Entra says an administrator must approve, ask a Global Administrator to grant admin consent to the GroupTalk integration page’s app for these permissions.'
        : 'Press the button again. If it keeps failing, ask a Global Administrator to grant admin consent to the GroupTalk integration page’s app.',
    );
    return redirect(BACK, [clear]);
  }
  const callbackUrl = new URL(`${request.origin}${ENTRA_CALLBACK_PATH}`);
  callbackUrl.search = request.query.toString();
  let grant: Awaited<ReturnType<typeof finishConsent>>;
  try {
    grant = await finishConsent(request.config, session, callbackUrl, transaction);
  } catch (failure) {
    if (!(failure instanceof ConsentError)) throw failure;
    await recordConsentFailure(
      request,
      transaction,
      failure.message,
      failure.reason === 'otherAccount'
        ? 'Press the button again and choose the account you are signed in with here.'
        : 'Press the button again.',
    );
    return redirect(BACK, [clear]);
  }
  const id = runId();
  let connection: EntraConnection;
  try {
    connection = await takeConnectionLease(id, LEASE_MS);
  } catch (failure) {
    if (failure instanceof ConnectionBusyError) {
      // The cookie goes with this answer too: reloading this page must not redeem the code again.
      return html(
        409,
        errorPage(
          'Not possible',
          'Another change to the Entra connection is running (another admin or tab). Go back to the integration page, wait a few seconds and press the button again.',
          [{ href: BACK, label: 'Back to the integration page' }],
        ),
        [clear],
      );
    }
    throw failure;
  }
  const deadline = started + RUN_BUDGET_MS;
  try {
    await runAction(transaction.action, connection, {
      graph: graphFor(grant.accessToken, deadline),
      runId: id,
      actor: actorOf(request),
      tenant: request.config.tenant,
      tenantUrl: readTenantUrl() ?? `${request.origin}${SCIM_BASE_PATH}`,
      deadline,
      granted: grant.granted,
      ...(transaction.subject ? { subject: transaction.subject } : {}),
      withLog: transaction.withLog,
      ...(transaction.takeOver ? { takeOver: transaction.takeOver } : {}),
    });
  } catch (failure) {
    // The run recorded what it could; the admin gets a page that says so, not a bare 500.
    logger.error('Entra run failed', { action: transaction.action, error: failure as Error });
    return html(
      500,
      errorPage(
        'Something went wrong',
        'GroupTalk could not finish this change in Entra. What was done is kept and listed on the integration page; press the button again there.',
        [{ href: BACK, label: 'Back to the integration page' }],
      ),
      [clear],
    );
  }
  return redirect(BACK, [clear]);
}
