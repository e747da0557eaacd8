/**
 * What the connect flow needs of Microsoft Graph: the methods of the Graph client
 * (`shared/graph/`, built alongside), typed here with only the fields the flow reads, in
 * Microsoft's documented shapes (v1.0). `graphFor` makes the client for one request's token.
 */

/** A service principal (`servicePrincipal`), the enterprise application. */
export interface ServicePrincipal {
  readonly id: string;
  readonly appId: string;
  readonly displayName?: string;
  /** The application template it was made from (the non-gallery template for ours). */
  readonly applicationTemplateId?: unknown;
}

/** `synchronizationJob`. */
export interface SynchronizationJob {
  readonly id: string;
  readonly templateId?: string;
  readonly status?: {
    readonly code?: string;
    readonly lastExecution?: TaskExecution | null;
    readonly lastSuccessfulExecution?: TaskExecution | null;
    readonly quarantine?: {
      readonly currentBegan?: string;
      readonly nextAttempt?: string;
      readonly reason?: string;
      readonly error?: { readonly code?: string; readonly message?: string } | null;
    } | null;
  };
}

/** `synchronizationTaskExecution`: one cycle. */
export interface TaskExecution {
  readonly timeBegan?: string;
  readonly timeEnded?: string;
  readonly state?: string;
  readonly countEntitled?: number;
  readonly countExported?: number;
  readonly countExports?: number;
  readonly countImported?: number;
  readonly countEscrowed?: number;
  readonly error?: { readonly code?: string; readonly message?: string } | null;
}

/** `synchronizationSchema`: kept loose, the flow edits it and puts it back whole. */
export interface SynchronizationSchema {
  readonly directories?: readonly unknown[];
  readonly synchronizationRules?: readonly unknown[];
  readonly [other: string]: unknown;
}

/** `synchronizationSecretKeyStringValuePair`. */
export interface SecretPair {
  readonly key: string;
  readonly value: string;
}

/** `provisioningObjectSummary`, the fields the page shows. */
export interface ProvisioningObjectSummary {
  readonly id?: string | null;
  readonly activityDateTime?: string | null;
  readonly provisioningAction?: string | null;
  readonly provisioningStatusInfo?: {
    readonly status?: string | null;
    readonly errorInformation?: {
      readonly errorCode?: string | null;
      readonly reason?: string | null;
      readonly additionalDetails?: string | null;
      readonly recommendedAction?: string | null;
    } | null;
  } | null;
  readonly sourceIdentity?: {
    readonly id?: string | null;
    readonly displayName?: string | null;
    readonly details?: Record<string, unknown> | null;
  } | null;
  readonly targetIdentity?: {
    readonly id?: string | null;
    readonly displayName?: string | null;
    readonly details?: Record<string, unknown> | null;
  } | null;
  readonly provisioningSteps?: readonly {
    readonly name?: string | null;
    readonly status?: string | null;
    readonly description?: string | null;
  }[];
}

/** The Graph client's methods the connect flow calls (`shared/graph/client.ts`). */
export interface GraphPort {
  findServicePrincipals(
    query: { appId: string } | { displayName: string },
  ): Promise<ServicePrincipal[]>;
  instantiateApplicationTemplate(
    displayName: string,
  ): Promise<{ application: { appId: string }; servicePrincipal: ServicePrincipal }>;
  listSynchronizationJobs(servicePrincipalId: string): Promise<SynchronizationJob[]>;
  createSynchronizationJob(
    servicePrincipalId: string,
    templateId?: string,
  ): Promise<SynchronizationJob>;
  getSynchronizationJob(servicePrincipalId: string, jobId: string): Promise<SynchronizationJob>;
  validateCredentials(
    servicePrincipalId: string,
    jobId: string,
    credentials: readonly SecretPair[] | 'saved',
  ): Promise<void>;
  putSecrets(servicePrincipalId: string, credentials: readonly SecretPair[]): Promise<void>;
  getSchema(servicePrincipalId: string, jobId: string): Promise<SynchronizationSchema>;
  /** Adds GroupTalk's extension attributes with default mappings where missing. */
  addExtensionAttributes(
    servicePrincipalId: string,
    jobId: string,
  ): Promise<{ added: readonly string[] }>;
  startJob(servicePrincipalId: string, jobId: string): Promise<void>;
  pauseJob(servicePrincipalId: string, jobId: string): Promise<void>;
  restartJob(
    servicePrincipalId: string,
    jobId: string,
    criteria?: { resetScope: string },
  ): Promise<void>;
  provisionOnDemand(
    servicePrincipalId: string,
    jobId: string,
    subject: { objectId: string; objectTypeName?: 'User' | 'Group'; ruleId: string },
  ): Promise<unknown>;
  listProvisioningLogs(query: {
    servicePrincipalId: string;
    sourceId?: string;
    top?: number;
    since?: Date;
    nextLink?: string;
  }): Promise<{ readonly value: readonly ProvisioningObjectSummary[]; readonly nextLink?: string }>;
}

/** What Graph answered when a call failed (the client's `GraphError`, read by its fields). */
export interface GraphFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly requestId?: string;
}

/** Whether `error` is Graph's answer (as opposed to a network failure or a bug). */
export function isGraphFailure(error: unknown): error is Error & GraphFailure {
  return (
    error instanceof Error &&
    typeof (error as { status?: unknown }).status === 'number' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}
