/**
 * Names shared by the fleet stack and the tenant stacks. Tenant stacks reach fleet resources by
 * these names (ARNs built from them), not by CloudFormation exports: a thousand importing stacks
 * would pin every export forever.
 */

/** The CloudFormation stack name of a tenant's deployment. */
export function scimStackName(tenant: string): string {
  return `GroupTalkScim-${tenant}`;
}

/** The fleet stack: once per account and region. */
export const FLEET_STACK_NAME = 'GroupTalkScim-fleet';

/** The SNS topic of the fleet's alarms (and of tenants' own alarms unless they have an address). */
export const ALARM_TOPIC_NAME = 'GroupTalkScim-alarms';

/** Every alarm of the fleet and of its tenants starts with this (the topic policy relies on it). */
export const ALARM_NAME_PREFIX = 'GroupTalkScim-';

/** The role EventBridge Scheduler assumes to run every tenant's sweeper (IAM names are global). */
export function schedulerRoleName(region: string): string {
  return `GroupTalkScim-scheduler-${region}`;
}

/** The fleet dashboard (its tenant selector chooses the tenant). */
export const FLEET_DASHBOARD_NAME = 'GroupTalkScim-fleet';

/** Log group of a tenant's functions (all of them: the fleet's queries read one group per tenant). */
export function functionLogGroupName(tenant: string): string {
  return `/grouptalk-scim/${tenant}/functions`;
}

/**
 * Log group of a tenant's API access log. Under `/aws/vendedlogs/` so API Gateway's delivery
 * does not add each group to the account's 5,120-character CloudWatch Logs resource policy.
 */
export function accessLogGroupName(tenant: string): string {
  return `/aws/vendedlogs/grouptalk-scim/${tenant}/access`;
}

/** Prefixes that select every tenant's log groups (`SOURCE logGroups(namePrefix: …)`). */
export const FUNCTION_LOG_PREFIX = '/grouptalk-scim/';
export const ACCESS_LOG_PREFIX = '/aws/vendedlogs/grouptalk-scim/';

/**
 * The change feed's event bus: one per account and region for every tenant (custom buses are a
 * scarce quota); consumers' rules select a tenant by `detail.tenant`.
 */
export const EVENT_BUS_NAME = 'GroupTalkScim-events';

/** The bus's archive, for replays after a consumer outage. */
export const EVENT_ARCHIVE_NAME = 'GroupTalkScim-events';

/** The queue of the canary tenants' change events that `npm run verify` reads (fleet stack). */
export const VERIFICATION_QUEUE_NAME = 'GroupTalkScim-verify';

/** Where the tenants' stream publishers park batches they could not publish. */
export const EVENT_DLQ_NAME = 'GroupTalkScim-events-dlq';

/**
 * The role of every tenant's change feed publisher (IAM names are global): a fleet role like the
 * scheduler's, so tenants keep two roles and no internet-facing function may publish events.
 */
export function eventPublisherRoleName(region: string): string {
  return `GroupTalkScim-events-${region}`;
}

/**
 * The alias of the fleet's KMS HMAC key: a tenant that logs identifiers hashed derives its own
 * key from it (`kms:GenerateMac` over its name, see `shared/http/log-identifiers.ts`). Tenant
 * roles are granted it by this alias (`kms:ResourceAliases`), not by the key's ARN.
 */
export const LOG_HASH_KEY_ALIAS = 'alias/GroupTalkScim-log-identifiers';

/**
 * The alias of the fleet's KMS HMAC key for the integration page: each tenant's page functions
 * derive the key sealing its cookies from it (`kms:GenerateMac` over
 * `grouptalk-scim/admin-session/v1/<tenant>`, see `shared/credentials/tenant-keys.ts`). A key of
 * its own, not the log hash key: GenerateMac cannot be limited to a message, and every function
 * of a tenant that logs identifiers hashed may call it on the log hash key; on this one only the
 * page's functions may (`lambda:SourceFunctionArn`).
 */
export const ADMIN_SESSION_KEY_ALIAS = 'alias/GroupTalkScim-admin-sessions';

/**
 * The role of every tenant's report aggregator (IAM names are global): a fleet role like the
 * publisher's, so tenants keep two roles. It may write only the report items (`REPORT#…`
 * partitions) of the tenants' tables.
 */
export function reportAggregatorRoleName(region: string): string {
  return `GroupTalkScim-reports-${region}`;
}

/**
 * The queue of report batches every tenant's aggregator gave up on (Lambda's on-failure
 * destination of its asynchronous invocations: each message holds the log batch and names the
 * function, hence the tenant). One per cell, in the fleet stack.
 */
export const REPORT_FAILURES_QUEUE_NAME = 'GroupTalkScim-report-failures';
