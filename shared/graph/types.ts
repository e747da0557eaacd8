/**
 * The Microsoft Graph v1.0 resources the Entra connect flow reads and writes, as Microsoft's
 * reference documents them (microsoftgraph/microsoft-graph-docs-contrib, api-reference/v1.0/).
 * Only the properties GroupTalk uses are typed; Graph sends more, and every type keeps them
 * (`[property: string]: unknown`) so a schema read and written back loses nothing.
 */

/** resources/synchronization-synchronizationsecretkeystringvaluepair.md */
export interface SecretPair {
  readonly key: string;
  readonly value: string;
}

/** resources/serviceprincipal.md (the properties the flow uses). */
export interface ServicePrincipal {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
  readonly appDisplayName?: string;
  readonly appRoleAssignmentRequired?: boolean;
  readonly tags?: readonly string[];
  readonly appRoles?: readonly AppRole[];
  readonly [property: string]: unknown;
}

/** resources/approle.md */
export interface AppRole {
  readonly id: string;
  readonly displayName?: string;
  readonly value?: string | null;
  readonly isEnabled?: boolean;
  readonly allowedMemberTypes?: readonly string[];
  readonly [property: string]: unknown;
}

/** resources/application.md (the properties the flow uses). */
export interface Application {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
  readonly [property: string]: unknown;
}

/** applicationtemplate-instantiate.md: the response body (`applicationServicePrincipal`). */
export interface ApplicationServicePrincipal {
  readonly application: Application;
  readonly servicePrincipal: ServicePrincipal;
}

/** resources/approleassignment.md */
export interface AppRoleAssignment {
  readonly id: string;
  readonly appRoleId: string;
  readonly principalId: string;
  readonly principalType?: 'User' | 'Group' | 'ServicePrincipal' | string;
  readonly principalDisplayName?: string | null;
  readonly resourceId: string;
  readonly resourceDisplayName?: string | null;
  readonly createdDateTime?: string;
  readonly [property: string]: unknown;
}

/** resources/synchronization-synchronizationschedule.md */
export interface SynchronizationSchedule {
  readonly expiration: string | null;
  /** An ISO 8601 duration, e.g. `PT40M`. */
  readonly interval: string;
  readonly state: 'Active' | 'Disabled' | 'Paused' | string;
}

/** resources/synchronization-synchronizationquarantine.md */
export interface SynchronizationQuarantine {
  readonly currentBegan: string;
  readonly nextAttempt: string;
  /**
   * `EncounteredBaseEscrowThreshold`, `EncounteredTotalEscrowThreshold`,
   * `EncounteredEscrowProportionThreshold`, `EncounteredQuarantineException`, `Unknown`,
   * `QuarantinedOnDemand`, `TooManyDeletes`, `IngestionInterrupted`.
   */
  readonly reason: string;
  readonly seriesBegan: string;
  readonly seriesCount: number;
  readonly error: SynchronizationError | null;
}

/** resources/synchronization-synchronizationerror.md */
export interface SynchronizationError {
  readonly code: string;
  readonly message: string;
  readonly tenantActionable: boolean;
}

/** resources/synchronization-synchronizationtaskexecution.md */
export interface SynchronizationTaskExecution {
  readonly activityIdentifier?: string;
  readonly countEntitled: number;
  readonly countEntitledForProvisioning?: number;
  readonly countEscrowed: number;
  readonly countEscrowedRaw?: number;
  readonly countExported: number;
  readonly countExports?: number;
  readonly countImported: number;
  readonly countImportedDeltas?: number;
  readonly countImportedReferenceDeltas?: number;
  readonly error: SynchronizationError | null;
  readonly state: 'Succeeded' | 'Failed' | 'EntryLevelErrors' | string;
  readonly timeBegan: string;
  readonly timeEnded: string;
}

/** resources/synchronization-synchronizationstatus.md */
export interface SynchronizationStatus {
  /** `NotConfigured`, `NotRun`, `Active`, `Paused`, `Quarantine`. */
  readonly code: 'NotConfigured' | 'NotRun' | 'Active' | 'Paused' | 'Quarantine' | string;
  readonly countSuccessiveCompleteFailures: number;
  readonly escrowsPruned: boolean;
  readonly lastExecution: SynchronizationTaskExecution | null;
  readonly lastSuccessfulExecution: SynchronizationTaskExecution | null;
  readonly lastSuccessfulExecutionWithExports: SynchronizationTaskExecution | null;
  readonly quarantine: SynchronizationQuarantine | null;
  readonly steadyStateFirstAchievedTime: string;
  readonly steadyStateLastAchievedTime: string;
  readonly synchronizedEntryCountByType: readonly { key: string; value: number }[];
  readonly troubleshootingUrl: string | null;
  readonly [property: string]: unknown;
}

/** resources/synchronization-synchronizationjob.md */
export interface SynchronizationJob {
  readonly id: string;
  readonly templateId: string;
  readonly schedule: SynchronizationSchedule;
  readonly status: SynchronizationStatus;
  readonly synchronizationJobSettings?: readonly { name: string; value: string }[];
  readonly [property: string]: unknown;
}

/** resources/synchronization-synchronizationjobrestartcriteria.md */
export interface RestartCriteria {
  /**
   * A comma-separated list of `Watermark`, `Escrows`, `QuarantineState`, `Full`,
   * `ForceDeletes` (the documented example: `"Watermark, Escrows, QuarantineState"`).
   */
  readonly resetScope: string;
}

/** resources/synchronization-attributedefinition.md */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: string;
  readonly anchor?: boolean;
  readonly caseExact?: boolean;
  readonly multivalued?: boolean;
  readonly mutability?: string;
  readonly required?: boolean;
  readonly defaultValue?: string | null;
  readonly flowNullValues?: boolean;
  readonly referencedObjects?: readonly unknown[];
  readonly metadata?: readonly unknown[];
  readonly apiExpressions?: readonly unknown[];
  readonly [property: string]: unknown;
}

/** resources/synchronization-objectdefinition.md */
export interface ObjectDefinition {
  readonly name: string;
  readonly attributes: readonly AttributeDefinition[];
  readonly [property: string]: unknown;
}

/** resources/synchronization-directorydefinition.md */
export interface DirectoryDefinition {
  readonly id?: string;
  readonly name: string;
  readonly objects?: readonly ObjectDefinition[];
  readonly [property: string]: unknown;
}

/** resources/synchronization-attributemappingsource.md */
export interface AttributeMappingSource {
  readonly expression?: string | null;
  readonly name?: string | null;
  readonly type: 'Attribute' | 'Constant' | 'Function' | string;
  readonly parameters?: readonly { key: string; value: AttributeMappingSource }[];
  readonly [property: string]: unknown;
}

/** resources/synchronization-attributemapping.md */
export interface AttributeMapping {
  readonly source: AttributeMappingSource | null;
  readonly targetAttributeName: string;
  readonly defaultValue?: string | null;
  readonly exportMissingReferences?: boolean;
  /** `Default`, `Always`, `ObjectAddOnly`, `MultiValueAddOnly`, `ValueAddOnly`, `AttributeAddOnly`. */
  readonly flowBehavior?: string;
  readonly flowType?: string;
  /** 0: not a matching attribute; 1, 2, …: matching precedence. */
  readonly matchingPriority?: number;
  readonly [property: string]: unknown;
}

/** resources/synchronization-objectmapping.md */
export interface ObjectMapping {
  readonly name?: string;
  readonly enabled?: boolean;
  readonly flowTypes?: string;
  readonly sourceObjectName: string;
  readonly targetObjectName: string;
  readonly attributeMappings: readonly AttributeMapping[];
  readonly scope?: unknown;
  readonly [property: string]: unknown;
}

/** resources/synchronization-synchronizationrule.md */
export interface SynchronizationRule {
  readonly id?: string;
  readonly name?: string;
  readonly editable?: boolean;
  readonly priority?: number;
  readonly sourceDirectoryName: string;
  readonly targetDirectoryName: string;
  readonly objectMappings: readonly ObjectMapping[];
  readonly [property: string]: unknown;
}

/** resources/synchronization-synchronizationschema.md */
export interface SynchronizationSchema {
  readonly directories: readonly DirectoryDefinition[];
  readonly synchronizationRules: readonly SynchronizationRule[];
  readonly version?: string;
  readonly [property: string]: unknown;
}

/**
 * synchronization-synchronizationjob-provisionondemand.md: the answer is a
 * `stringKeyStringValuePair` whose `key` and `value` are JSON text; the client parses both.
 */
export interface ProvisionOnDemandResult {
  /** e.g. `{ "result": "Skipped", "details": { "errorCode": "RedundantExport", … } }` */
  readonly result: { result: string; details?: Record<string, unknown> };
  /** The provisioning steps and identities of the one object, as in the provisioning log. */
  readonly details: Record<string, unknown>;
}

/** resources/provisioningobjectsummary.md */
export interface ProvisioningObjectSummary {
  readonly id: string;
  readonly activityDateTime: string;
  readonly tenantId?: string;
  readonly jobId: string;
  readonly cycleId: string;
  readonly changeId: string;
  /** `create`, `update`, `delete`, `disable`, `other`, `stagedDelete`. */
  readonly provisioningAction: string;
  readonly durationInMilliseconds: number;
  readonly provisioningStatusInfo: {
    /** `success`, `warning`, `failure`, `skipped`. */
    readonly status: string;
    readonly errorInformation: ProvisioningErrorInfo | null;
  };
  readonly provisioningSteps: readonly ProvisioningStep[];
  readonly modifiedProperties: readonly {
    displayName: string;
    oldValue: string | null;
    newValue: string | null;
  }[];
  readonly servicePrincipal: { id: string; displayName: string };
  readonly sourceSystem: ProvisioningSystem;
  readonly targetSystem: ProvisioningSystem;
  readonly sourceIdentity: ProvisionedIdentity;
  readonly targetIdentity: ProvisionedIdentity;
  readonly initiatedBy: { id: string; displayName: string; initiatorType?: string };
  readonly [property: string]: unknown;
}

export interface ProvisioningErrorInfo {
  readonly errorCode: string | null;
  readonly reason: string | null;
  readonly additionalDetails: string | null;
  /** `failure`, `nonServiceFailure`, `success`. */
  readonly errorCategory: string | null;
  readonly recommendedAction: string | null;
}

export interface ProvisioningStep {
  readonly name: string;
  /** `import`, `scoping`, `matching`, `processing`, `referenceResolution`, `export`. */
  readonly provisioningStepType: string;
  readonly status: string;
  readonly description: string;
  readonly details: Record<string, string>;
}

export interface ProvisioningSystem {
  readonly id: string;
  readonly displayName: string;
  readonly details: Record<string, string>;
}

export interface ProvisionedIdentity {
  readonly id: string;
  readonly displayName: string;
  readonly identityType: string;
  readonly details: Record<string, string>;
}

/** A page of a collection: Graph's `value` and `@odata.nextLink`. */
export interface GraphPage<T> {
  readonly value: readonly T[];
  /** The absolute URL of the next page, when there is one. */
  readonly nextLink?: string;
}
