/**
 * The tenant's connection to its Entra directory made through Microsoft Graph, as the tenant's
 * table keeps it: the ids GroupTalk found or created there (enterprise app, provisioning job,
 * the credential it put in the job), the progress of the last run of the connect steps, and the
 * job's state as last read. One item, written only by the page's Entra callback. A run holds a
 * lease on the item (`runningUntil`), so two admins pressing Connect at once never both register a
 * credential. Nothing here is a token or a secret: Graph tokens live for one request only.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.js';
import { keys } from './keys.js';
import { tableDesign } from './table-design.js';

export type StepStatus = 'done' | 'failed' | 'skipped' | 'notReached';

/** One step of a run, as the page shows it. */
export interface ConnectStep {
  readonly name: string;
  readonly status: StepStatus;
  /** What happened, in plain words (ids found or created, "already there"). */
  readonly detail?: string;
  /** On failure: what Entra (Graph) said, verbatim but capped, and its status and code. */
  readonly entra?: {
    readonly status?: number;
    readonly code?: string;
    readonly message: string;
    readonly requestId?: string;
  };
  /** On failure: what the admin can do. */
  readonly advice?: string;
  /**
   * The application step stopped at an existing application GroupTalk did not create: its
   * service principal id, which the admin confirms taking over (the page's button sends it back).
   */
  readonly takeOver?: string;
  readonly at: string;
}

/** One press of a button that needed Graph (connect, disconnect, a job action, a log read). */
export interface ConnectRun {
  readonly id: string;
  readonly action: string;
  /** The admin's sign-in name. */
  readonly by: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly outcome?: 'succeeded' | 'failed' | 'incomplete';
  readonly steps: readonly ConnectStep[];
}

/** The job's state as Graph last reported it (never a secret). */
export interface JobSnapshot {
  readonly readAt: string;
  /** Graph's `synchronizationStatus.code`: NotConfigured, NotRun, Active, Paused, Quarantine. */
  readonly code: string;
  readonly lastCycle?: {
    readonly began?: string;
    readonly ended?: string;
    readonly state?: string;
    readonly counts: Readonly<Record<string, number>>;
    readonly error?: string;
  };
  readonly quarantine?: {
    readonly reason?: string;
    readonly since?: string;
    readonly nextAttempt?: string;
    readonly error?: string;
  };
}

export interface EntraConnection {
  /** connected: the last connect run reached its end; disconnected: the admin disconnected. */
  readonly state: 'notConnected' | 'connecting' | 'connected' | 'disconnected';
  readonly servicePrincipalId?: string;
  readonly appId?: string;
  readonly appDisplayName?: string;
  readonly jobId?: string;
  /** The registry credential GroupTalk registered for this job. */
  readonly credentialId?: string;
  /** The credential whose secret Entra holds (saved with `PUT …/synchronization/secrets`). */
  readonly secretsSavedFor?: string;
  /** The synchronization rule of the job's schema (provision on demand names it). */
  readonly ruleId?: string;
  /** The Graph permissions the admin's consent granted last time (names, never the token). */
  readonly grantedScopes?: readonly string[];
  readonly lastRun?: ConnectRun;
  readonly job?: JobSnapshot;
  readonly updatedAt?: string;
  /** Epoch ms until which a run holds the item. */
  readonly runningUntil?: number;
  readonly runId?: string;
}

const EMPTY: EntraConnection = { state: 'notConnected' };

/** GetItem params of the connection (pure). Strongly consistent: the callback just wrote it. */
export function getEntraConnectionParams() {
  return { TableName: tableName(), Key: keys.entraConnection(), ConsistentRead: true };
}

/** The connection as stored; `{ state: 'notConnected' }` before the first run. */
export async function readEntraConnection(): Promise<EntraConnection> {
  const { Item } = await documentClient().send(new GetCommand(getEntraConnectionParams()));
  if (!Item) return EMPTY;
  const { pk: _pk, sk: _sk, ...connection } = Item;
  return connection as EntraConnection;
}

/** Thrown when another run holds the connection (a second admin, a second tab). */
export class ConnectionBusyError extends Error {
  constructor() {
    super('another run holds the Entra connection');
    this.name = 'ConnectionBusyError';
  }
}

/**
 * UpdateItem params taking the run lease (pure): only when no run holds it, or the holder's lease
 * ran out (its request ended without releasing it, e.g. the function timed out).
 */
export function takeLeaseParams(runId: string, now: number, leaseMs: number) {
  return {
    TableName: tableName(),
    Key: keys.entraConnection(),
    UpdateExpression: 'SET #runningUntil = :until, #runId = :run',
    ConditionExpression: 'attribute_not_exists(#runningUntil) OR #runningUntil < :now',
    ExpressionAttributeNames: { '#runningUntil': 'runningUntil', '#runId': 'runId' },
    ExpressionAttributeValues: { ':until': now + leaseMs, ':run': runId, ':now': now },
    ReturnValues: 'ALL_NEW' as const,
  };
}

/** Takes the run lease for `leaseMs` and returns the connection as it then is. */
export async function takeConnectionLease(
  runId: string,
  leaseMs: number,
): Promise<EntraConnection> {
  try {
    const { Attributes = {} } = await documentClient().send(
      new UpdateCommand(takeLeaseParams(runId, Date.now(), leaseMs)),
    );
    const { pk: _pk, sk: _sk, ...connection } = Attributes;
    return { state: 'notConnected', ...connection } as EntraConnection;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
      throw new ConnectionBusyError();
    }
    throw error;
  }
}

/**
 * PutItem params saving the connection while `runId` holds the lease (pure); `release` ends the
 * lease with this write.
 */
export function saveConnectionParams(connection: EntraConnection, runId: string, release: boolean) {
  const { runningUntil, runId: _holder, ...rest } = connection;
  return {
    TableName: tableName(),
    Item: {
      ...keys.entraConnection(),
      ...rest,
      ...(release ? {} : { runningUntil, runId }),
      updatedAt: new Date().toISOString(),
    },
    ConditionExpression: '#runId = :run',
    ExpressionAttributeNames: { '#runId': 'runId' },
    ExpressionAttributeValues: { ':run': runId },
  };
}

/** Saves the connection; throws `ConnectionBusyError` when the lease went to another run. */
export async function saveEntraConnection(
  connection: EntraConnection,
  runId: string,
  release = false,
): Promise<void> {
  try {
    await documentClient().send(new PutCommand(saveConnectionParams(connection, runId, release)));
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
      throw new ConnectionBusyError();
    }
    throw error;
  }
}

/** One entry of Entra's provisioning log as the page shows it (`provisioningObjectSummary`). */
export interface EntraLogEntry {
  readonly at: string;
  readonly action?: string;
  /** success, failure, skipped, warning. */
  readonly status?: string;
  readonly source?: { readonly id?: string; readonly name?: string };
  readonly target?: { readonly id?: string; readonly name?: string };
  readonly reason?: string;
  readonly errorCode?: string;
  readonly recommendedAction?: string;
  readonly steps?: readonly {
    readonly name?: string;
    readonly status?: string;
    readonly description?: string;
  }[];
}

/** A reason of Entra's, in its words (names quoted in it masked), and how often it came. */
export interface EntraLogReason {
  readonly reason: string;
  readonly count: number;
}

/**
 * The tally of Entra's log for the application over a period: counts and top reasons only, never
 * the entries (the health view needs no more).
 */
export interface EntraLogSummary {
  readonly since: string;
  readonly succeeded: number;
  readonly skipped: number;
  readonly failed: number;
  /** Entries read; `complete` false when the page bound stopped the read first. */
  readonly read: number;
  readonly complete: boolean;
  readonly skippedReasons: readonly EntraLogReason[];
  readonly failedReasons: readonly EntraLogReason[];
}

export interface EntraLogView {
  /** What the admin asked about: an object id or a UPN; empty for the application's tally. */
  readonly user: string;
  readonly readAt: string;
  readonly by: string;
  readonly entries: readonly EntraLogEntry[];
  readonly summary?: EntraLogSummary;
}

/** How long a log view is kept for the page to show it after the round-trip. */
export const LOG_VIEW_SECONDS = 15 * 60;

/** PutItem params of the last log view (pure), expiring by TTL. */
export function putLogViewParams(view: EntraLogView, now = Date.now()) {
  return {
    TableName: tableName(),
    Item: {
      ...keys.entraLogView(),
      ...view,
      [tableDesign.timeToLiveAttribute]: Math.floor(now / 1000) + LOG_VIEW_SECONDS,
    },
  };
}

export async function saveEntraLogView(view: EntraLogView): Promise<void> {
  await documentClient().send(new PutCommand(putLogViewParams(view)));
}

/** The last log view while it is fresh (TTL deletes lazily, so the age is checked here). */
export async function readEntraLogView(): Promise<EntraLogView | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tableName(), Key: keys.entraLogView(), ConsistentRead: true }),
  );
  const ttl = Item?.[tableDesign.timeToLiveAttribute];
  if (!Item || typeof ttl !== 'number' || ttl * 1000 <= Date.now()) return undefined;
  const { pk: _pk, sk: _sk, [tableDesign.timeToLiveAttribute]: _ttl, ...view } = Item;
  return view as EntraLogView;
}

/** Deletes nothing: a view expires; disconnecting overwrites it with an empty one. */
export async function clearEntraLogView(by: string): Promise<void> {
  await saveEntraLogView({ user: '', readAt: new Date().toISOString(), by, entries: [] });
}
