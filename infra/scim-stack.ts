import {
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  DomainName,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AttributeType,
  BillingMode,
  type GlobalSecondaryIndexProps,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { FilterPattern, LogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct, IConstruct } from 'constructs';
import { telemetry } from '../shared/config.js';
import {
  adminRoutes,
  fallbackRoute,
  REPORT_OPERATIONS,
  routePath,
  routes,
  SCIM_BASE_PATH,
  SESSIONLESS_OPERATIONS,
} from '../shared/routes.js';
import { type IndexDesign, tableDesign } from '../shared/store/table-design.js';
import type { FunctionBundles, FunctionEntry } from './bundles.js';
import { addChangeFeedPublisher, changeFeedPublisher } from './constructs/change-feed.js';
import {
  API_CLIENT_ERRORS_METRIC,
  API_SERVER_ERRORS_METRIC,
  bulkServerErrorsFilter,
  TenantAlarms,
} from './constructs/monitoring.js';
import { wildcardResourceFinding } from './constructs/nag.js';
import { addReportAggregator, reportAggregator } from './constructs/report-aggregator.js';
import {
  type FunctionSpec,
  functionArnOf,
  ScimFunction,
  SIGNING_OPERATIONS,
  TenantRoles,
} from './constructs/scim-function.js';
import {
  ADMIN_SESSION_KEY_ALIAS,
  accessLogGroupName,
  functionLogGroupName,
  LOG_HASH_KEY_ALIAS,
  schedulerRoleName,
  scimStackName,
} from './fleet-names.js';
import type { TenantConfig } from './tenants.js';

/** The token endpoint's operation (`shared/routes.ts`). */
const TOKEN_OPERATION = SIGNING_OPERATIONS[0];

export { scimStackName };

export interface ScimStackProps extends StackProps {
  readonly tenant: TenantConfig;
  /** The fleet's function bundles, built once and shared by every tenant stack. */
  readonly bundles: FunctionBundles;
}

/**
 * Deletes the membership items that deleted groups and users leave behind (see
 * `shared/store/cleanups.ts`); not a route: an EventBridge Scheduler schedule of the tenant runs
 * it every few minutes (one schedule per tenant: no EventBridge rule, whose quota is 300 per bus).
 */
export const membershipSweep = {
  spec: {
    operation: 'sweepMemberships',
    entry: 'functions/groups/sweep-memberships.ts',
    table: 'write',
  } satisfies FunctionSpec,
  every: Duration.minutes(5),
  // Not behind API Gateway: it may run longer than a request, and stops itself before this.
  timeout: Duration.minutes(1),
} as const;

/**
 * The function of every tenant: the routes, the fallback and the sweeper. Other teams' functions
 * are added here (their `entry` is bundled once for the whole fleet).
 */
export const tenantFunctionEntries: readonly FunctionEntry[] = [
  ...routes,
  ...adminRoutes,
  fallbackRoute,
  membershipSweep.spec,
  changeFeedPublisher.spec,
  reportAggregator.spec,
];

/** What a function added to a tenant stack declares (see `ScimStack.addFunction`). */
export interface AddFunctionOptions {
  readonly description: string;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  readonly environment?: Readonly<Record<string, string>>;
  /** A role other than the tenant's of `spec.table` (a fleet role shared by every tenant). */
  readonly role?: IRole;
}

/**
 * One tenant's SCIM service: the single table, one function per route of the route table, the
 * fallback and the sweeper (all sharing two roles, one log group and the fleet's bundles) and an
 * HTTP API in front of them. Monitoring lives in the fleet stack; the tenant may opt into alarms
 * of its own.
 */
export class ScimStack extends Stack {
  readonly tenant: TenantConfig;
  readonly table: Table;
  readonly api: HttpApi;
  /** The roles of the two access levels: every function of the tenant takes one of them. */
  readonly roles: TenantRoles;
  /** The one log group of all the tenant's functions. */
  readonly functionLogs: LogGroup;
  readonly accessLogs: LogGroup;
  /** The function of each route, the fallback and the sweeper, by operation name. */
  readonly functions = new Map<string, ScimFunction>();
  /** The URL to paste into Entra's "Tenant URL". */
  readonly tenantUrl: string;
  readonly #bundles: FunctionBundles;

  constructor(scope: Construct, id: string, props: ScimStackProps) {
    const { tenant, bundles, ...stackProps } = props;
    super(scope, id, {
      description: `GroupTalk SCIM 2.0 service for Microsoft Entra provisioning (tenant ${tenant.name})`,
      ...stackProps,
    });
    this.tenant = tenant;
    this.#bundles = bundles;

    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableDesign.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDesign.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // The change feed's source (infra/constructs/change-feed.ts).
      stream: StreamViewType[tableDesign.streamViewType],
      // Used client assertions and report items forget themselves (shared/store/assertions.ts,
      // shared/store/reports.ts).
      timeToLiveAttribute: tableDesign.timeToLiveAttribute,
    });
    for (const index of Object.values(tableDesign.indexes) as IndexDesign[]) {
      this.table.addGlobalSecondaryIndex(globalSecondaryIndex(index));
    }

    // Logs outlive a deleted stack: they are the record of what provisioning did. Named, so the
    // fleet's dashboard and queries find every tenant's by name.
    this.functionLogs = new LogGroup(this, 'FunctionLogs', {
      logGroupName: functionLogGroupName(tenant.name),
      retention: tenant.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      logGroupName: accessLogGroupName(tenant.name),
      retention: tenant.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Every 5xx API Gateway answers (function errors, crashes, timeouts, throttling) as a metric
    // named by tenant: the fleet alarm groups it by tenant. No data point while nothing fails,
    // so an idle tenant adds no custom metric.
    new MetricFilter(this, 'ApiServerErrorsFilter', {
      logGroup: this.accessLogs,
      filterPattern: FilterPattern.stringValue('$.status', '=', '5*'),
      metricNamespace: telemetry.metricsNamespace,
      metricName: API_SERVER_ERRORS_METRIC,
      metricValue: '1',
      dimensions: { tenant: '$.tenant' },
    });
    // Every 4xx, the same way: the fleet's 4xx alarm names the tenant; nothing is written while
    // Entra's requests succeed (no custom metric on the token or lookup path of an idle cycle).
    new MetricFilter(this, 'ApiClientErrorsFilter', {
      logGroup: this.accessLogs,
      filterPattern: FilterPattern.stringValue('$.status', '=', '4*'),
      metricNamespace: telemetry.metricsNamespace,
      metricName: API_CLIENT_ERRORS_METRIC,
      metricValue: '1',
      dimensions: { tenant: '$.tenant' },
    });
    // A Bulk answer is a 200 even when operations in it failed with an internal error: its
    // request line counts them (`innerServerErrors`), into the same metric, so the fleet's 5xx
    // alarm and graphs see them without an alarm or a custom metric of their own.
    new MetricFilter(this, 'BulkServerErrorsFilter', {
      logGroup: this.functionLogs,
      filterPattern: bulkServerErrorsFilter.pattern,
      metricNamespace: telemetry.metricsNamespace,
      metricName: API_SERVER_ERRORS_METRIC,
      metricValue: bulkServerErrorsFilter.metricValue,
      dimensions: { ...bulkServerErrorsFilter.dimensions },
    });

    this.roles = new TenantRoles(this, 'Roles', {
      tenant,
      table: this.table,
      logGroup: this.functionLogs,
    });
    if (tenant.logIdentifiers === 'hmac') this.allowLogHashKeyDerivation();

    const domain = tenant.customDomain;
    const domainName = domain
      ? new DomainName(this, 'DomainName', {
          domainName: domain.domainName,
          certificate: Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
        })
      : undefined;

    this.api = new HttpApi(this, 'Api', {
      apiName: `grouptalk-scim-${tenant.name}`,
      description: `GroupTalk SCIM 2.0 (tenant ${tenant.name})`,
      createDefaultStage: false,
      // Switching to a custom domain takes two deploys: the execute-api URL Entra uses keeps
      // working until the operator has seen Entra use the new one and sets "retire".
      disableExecuteApiEndpoint: domain?.executeApiEndpoint === 'retire',
    });
    const stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { ...tenant.throttling },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: accessLogFormat(tenant.name),
      },
      ...(domainName ? { domainMapping: { domainName } } : {}),
    });

    // Before any function: each gets it as TENANT_URL, the base of Location, meta.location and
    // $ref (never the client's Host header). A function referencing the stage makes no cycle.
    this.tenantUrl = domainName
      ? `https://${domain!.domainName}${SCIM_BASE_PATH}`
      : `${stage.url}${SCIM_BASE_PATH.slice(1)}`;

    const integration = (scimFunction: ScimFunction, operation: string) =>
      new HttpLambdaIntegration(`${pascalCase(operation)}Integration`, scimFunction.function, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      });

    const [signingKey] = tenant.tokenKmsKeyArns;
    for (const route of routes) {
      const path = routePath(route);
      // The token endpoint signs with KMS: a tenant without a key has none.
      if (route.operation === TOKEN_OPERATION && !signingKey) continue;
      const scimFunction = this.addFunction(route, {
        description: `SCIM ${route.operation}: ${route.method} ${path}`,
        ...(route.operation === TOKEN_OPERATION
          ? { environment: { TOKEN_SIGNING_KMS_KEY_ID: signingKey as string } }
          : {}),
      });
      this.api.addRoutes({
        path,
        methods: [HttpMethod[route.method]],
        integration: integration(scimFunction, route.operation),
      });
    }

    if (tenant.admin) this.addIntegrationPage(tenant.admin, integration);

    // Everything no route matches: a SCIM 404/405 instead of API Gateway's plain
    // {"message":"Not Found"}, and a 308 for a known path written with a trailing slash.
    const fallback = this.addFunction(fallbackRoute, {
      description: `SCIM ${fallbackRoute.operation}: $default route (404, 405, trailing slash)`,
    });
    new HttpRoute(this.api, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integration(fallback, fallbackRoute.operation),
    });

    const sweeper = this.addFunction(membershipSweep.spec, {
      description: `SCIM ${membershipSweep.spec.operation}: scheduled cleanup of deleted resources' memberships`,
      timeout: membershipSweep.timeout,
    });
    new CfnSchedule(this, 'MembershipSweepSchedule', {
      description: `Runs ${membershipSweep.spec.operation} (tenant ${tenant.name})`,
      scheduleExpression: `rate(${membershipSweep.every.toMinutes()} minutes)`,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: sweeper.function.functionArn,
        roleArn: this.schedulerRole.roleArn,
        // The next run comes 5 minutes later; a retry would only overlap it.
        retryPolicy: { maximumRetryAttempts: 0 },
      },
    });

    if (tenant.alarms) {
      new TenantAlarms(this, 'Alarms', {
        tenant,
        api: this.api,
        ...(tenant.alarms.email ? { email: tenant.alarms.email } : {}),
      });
    }

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Every function verifies the bearer token itself (ES256 JWT against the tenant public keys, or an Entra-issued token) and answers 401 with a SCIM error body; an API Gateway JWT authorizer needs an issuer JWKS URL, which the operator-signed tokens do not have.',
    });

    addChangeFeedPublisher(this);
    addReportAggregator(this);
    new CfnOutput(this, 'TenantUrl', {
      description: 'Tenant URL for the Entra provisioning configuration',
      value: this.tenantUrl,
    });
    if (domainName && domain!.executeApiEndpoint === 'keep') {
      new CfnOutput(this, 'PreviousTenantUrl', {
        description:
          'The execute-api Tenant URL, kept until customDomain.executeApiEndpoint is "retire"',
        value: `${stage.url}${SCIM_BASE_PATH.slice(1)}`,
      });
    }
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    if (domainName) {
      new CfnOutput(this, 'CustomDomainTarget', {
        description: `CNAME target for ${domain!.domainName}`,
        value: domainName.regionalDomainName,
      });
    }
  }

  /**
   * Adds a function to the tenant: the fleet's bundle of `spec.entry` (declare the entry in
   * `tenantFunctionEntries` so it is built), the role of `spec.table`'s access level (extend it
   * with `this.roles.read|write.addToPrincipalPolicy` where a function needs more), the tenant's
   * log group and its configuration. Not routed: add a route with `this.api.addRoutes`.
   */
  addFunction(spec: FunctionSpec, options: AddFunctionOptions): ScimFunction {
    const scimFunction = new ScimFunction(this, pascalCase(spec.operation), {
      spec,
      description: `${options.description} (tenant ${this.tenant.name})`,
      table: this.table,
      tenant: this.tenant,
      bundles: this.#bundles,
      role: options.role ?? this.roles.forAccess(spec.table),
      logGroup: this.functionLogs,
      ...(options.timeout ? { timeout: options.timeout } : {}),
      ...(options.memorySize ? { memorySize: options.memorySize } : {}),
      environment: {
        TENANT_URL: this.tenantUrl,
        LOG_IDENTIFIERS: this.tenant.logIdentifiers,
        // The key's alias only: the tenant's key is derived at the first request, never stored.
        ...(this.tenant.logIdentifiers === 'hmac'
          ? { LOG_HASH_KMS_KEY_ID: LOG_HASH_KEY_ALIAS }
          : {}),
        ...options.environment,
      },
    });
    this.functions.set(spec.operation, scimFunction);
    return scimFunction;
  }

  /**
   * The customer's integration page (`/admin`, see docs/customer-admin-guide.md §2): its routes, with the page's
   * settings, the derivation of its cookie-sealing key and the deep history's read access to the
   * function log group (Logs Insights, on demand, see `allowReportQueries`; the reports read the
   * aggregated items in the table, see `constructs/report-aggregator.ts`). The functions take the
   * shared roles.
   */
  private addIntegrationPage(
    admin: NonNullable<TenantConfig['admin']>,
    integration: (scimFunction: ScimFunction, operation: string) => HttpLambdaIntegration,
  ): void {
    const environment = {
      ADMIN_CLIENT_ID: admin.clientId,
      ADMIN_ENTRA_TENANT_ID: (admin.entraTenantId ?? this.tenant.entraTenantId) as string,
      ADMIN_ROLE: admin.role,
      ADMIN_SESSION_MINUTES: String(admin.sessionMinutes),
      TENANT_DISPLAY_NAME: admin.displayName ?? this.tenant.name,
      REQUEST_LOG_GROUPS: this.functionLogs.logGroupName,
      // The alias only: the sealing key is derived at the first request, never stored.
      ADMIN_SESSION_KMS_KEY_ID: ADMIN_SESSION_KEY_ALIAS,
    };
    // Generate Secret Token signs as the token endpoint does: with the tenant's KMS key.
    const [signingKey] = this.tenant.tokenKmsKeyArns;
    for (const route of adminRoutes) {
      const path = routePath(route);
      const signs =
        (SIGNING_OPERATIONS as readonly string[]).includes(route.operation) &&
        route.operation !== TOKEN_OPERATION &&
        signingKey !== undefined;
      const adminFunction = this.addFunction(route, {
        description: `Integration page ${route.operation}: ${route.method} ${path}`,
        environment: signs ? { ...environment, TOKEN_SIGNING_KMS_KEY_ID: signingKey } : environment,
        ...(route.timeoutSeconds ? { timeout: Duration.seconds(route.timeoutSeconds) } : {}),
      });
      this.api.addRoutes({
        path,
        methods: [HttpMethod[route.method]],
        integration: integration(adminFunction, route.operation),
      });
    }
    this.allowAdminSessionKeyDerivation();
    this.allowReportQueries();
  }

  /**
   * Lets the report functions (`REPORT_OPERATIONS`), and no other function sharing their role,
   * query the tenant's function log group with Logs Insights: `StartQuery` and `GetQueryResults`
   * on that log group (the Service Authorization Reference lists the `log-group` resource type for
   * both), `StopQuery` on `*` (it takes no resource), each only from the report functions
   * (`lambda:SourceFunctionArn`, as for `kms:Sign`).
   */
  private allowReportQueries(): void {
    const logGroup = [
      // The log group's ARN with and without CDK's trailing `:*`.
      this.functionLogs.logGroupArn,
      this.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: this.functionLogs.logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ];
    const reports = adminRoutes.filter((route) => REPORT_OPERATIONS.has(route.operation));
    for (const role of new Set(reports.map((route) => this.roles.forAccess(route.table)))) {
      const callers = {
        ArnEquals: {
          'lambda:SourceFunctionArn': reports
            .filter((route) => this.roles.forAccess(route.table) === role)
            .map((route) => functionArnOf(this, this.tenant.name, route.operation)),
        },
      };
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['logs:StartQuery', 'logs:GetQueryResults'],
          resources: logGroup,
          conditions: callers,
        }),
      );
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['logs:StopQuery'],
          resources: ['*'],
          conditions: callers,
        }),
      );
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "logs:StopQuery supports no resource-level permission (a query id is not an ARN), and only the report functions may call it (lambda:SourceFunctionArn); StartQuery and GetQueryResults are limited to this tenant's function log group.",
      });
    }
  }

  /**
   * Lets the tenant's two roles derive its log hash key: `kms:GenerateMac` (HMAC_SHA_256) on the
   * fleet's HMAC key, named by its alias (`kms:ResourceAliases`): the fleet stack's key ARN is
   * not known here, and tenant stacks import nothing from it.
   */
  private allowLogHashKeyDerivation(): void {
    const anyKey = this.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
    for (const role of [this.roles.read, this.roles.write]) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:GenerateMac'],
          resources: [anyKey],
          conditions: {
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': LOG_HASH_KEY_ALIAS },
            StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' },
          },
        }),
      );
      Validations.of(role).acknowledge({
        id: wildcardResourceFinding(this, anyKey),
        reason: `GenerateMac only, and only on the key whose alias is ${LOG_HASH_KEY_ALIAS} (kms:ResourceAliases): the fleet's HMAC key, reached by alias because tenant stacks import nothing from the fleet stack.`,
      });
    }
  }

  /**
   * Lets the page's functions that open or seal its cookies (not its static files,
   * `SESSIONLESS_OPERATIONS`), and no other function of the tenant, derive its cookie-sealing key:
   * `kms:GenerateMac` (HMAC_SHA_256) on the fleet's admin-session key, named by its alias, on each
   * shared role only for calls from the page's functions of that role (`lambda:SourceFunctionArn`,
   * their ARNs built from their names as for `kms:Sign`: the functions' own ARNs would make the
   * role's policy and the functions depend on one another).
   */
  private allowAdminSessionKeyDerivation(): void {
    const anyKey = this.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
    for (const role of [this.roles.read, this.roles.write]) {
      const callers = adminRoutes
        .filter((route) => !SESSIONLESS_OPERATIONS.has(route.operation))
        .filter((route) => this.roles.forAccess(route.table) === role)
        .map((route) => functionArnOf(this, this.tenant.name, route.operation));
      if (callers.length === 0) continue;
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:GenerateMac'],
          resources: [anyKey],
          conditions: {
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ADMIN_SESSION_KEY_ALIAS },
            StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' },
            ArnEquals: { 'lambda:SourceFunctionArn': callers },
          },
        }),
      );
      Validations.of(role).acknowledge({
        id: wildcardResourceFinding(this, anyKey),
        reason: `GenerateMac only, only on the key whose alias is ${ADMIN_SESSION_KEY_ALIAS} (kms:ResourceAliases) and only from the integration page's functions (lambda:SourceFunctionArn): the fleet's HMAC key, reached by alias because tenant stacks import nothing from the fleet stack.`,
      });
    }
  }

  /** The fleet's scheduler role (created by the fleet stack, deployed first). */
  get schedulerRole(): IRole {
    return Role.fromRoleArn(
      this,
      'SchedulerRole',
      this.formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName: schedulerRoleName(this.region),
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
      { mutable: false },
    );
  }
}

/** Registers the cdk-nag AWS Solutions checks; `app.synth()` fails on unacknowledged findings. */
export function addSecurityChecks(scope: IConstruct): void {
  Validations.of(scope).addPlugins(new AwsSolutionsChecks(scope));
}

function globalSecondaryIndex(index: IndexDesign): GlobalSecondaryIndexProps {
  return {
    indexName: index.name,
    partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
    ...(index.sortKey ? { sortKey: { name: index.sortKey, type: AttributeType.STRING } } : {}),
    projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
  };
}

/** One JSON object per request: what an operator needs to match an Entra log entry to ours. */
function accessLogFormat(tenant: string): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      // A literal: the fleet's 5xx metric and queries over every tenant's log tell them apart.
      tenant,
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      sourceIp: '$context.identity.sourceIp',
      userAgent: '$context.identity.userAgent',
      method: '$context.httpMethod',
      path: '$context.path',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLength: '$context.responseLength',
      responseLatency: '$context.responseLatency',
      integrationStatus: '$context.integrationStatus',
      integrationLatency: '$context.integrationLatency',
      integrationError: '$context.integrationErrorMessage',
      // The function's awsRequestId: its log line has it as function_request_id.
      integrationRequestId: '$context.integration.requestId',
      error: '$context.error.message',
    }),
  );
}

function pascalCase(operation: string): string {
  return operation.charAt(0).toUpperCase() + operation.slice(1);
}
