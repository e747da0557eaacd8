import {
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
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct, IConstruct } from 'constructs';
import { fallbackRoute, routePath, routes, SCIM_BASE_PATH } from '../shared/routes.js';
import { type IndexDesign, tableDesign } from '../shared/store/table-design.js';
import { type MonitoredFunction, Monitoring } from './constructs/monitoring.js';
import { type FunctionSpec, ScimFunction } from './constructs/scim-function.js';
import type { TenantConfig } from './tenants.js';

export interface ScimStackProps extends StackProps {
  readonly tenant: TenantConfig;
}

/**
 * Deletes the membership items that deleted groups and users leave behind (see
 * `shared/store/cleanups.ts`); not a route: EventBridge runs it every few minutes.
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

/** The CloudFormation stack name of a tenant's deployment. */
export function scimStackName(tenant: string): string {
  return `GroupTalkScim-${tenant}`;
}

/**
 * One tenant's SCIM service: the single table, one function per route of the route table and an
 * HTTP API in front of them.
 */
export class ScimStack extends Stack {
  readonly table: Table;
  readonly api: HttpApi;
  /** The function of each route, the fallback and the sweeper, by operation name. */
  readonly functions: ReadonlyMap<string, ScimFunction>;
  readonly monitoring: Monitoring;
  /** The URL to paste into Entra's "Tenant URL". */
  readonly tenantUrl: string;

  constructor(scope: Construct, id: string, props: ScimStackProps) {
    const { tenant, ...stackProps } = props;
    super(scope, id, {
      description: `GroupTalk SCIM 2.0 service for Microsoft Entra provisioning (tenant ${tenant.name})`,
      ...stackProps,
    });

    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableDesign.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDesign.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of Object.values(tableDesign.indexes) as IndexDesign[]) {
      this.table.addGlobalSecondaryIndex(globalSecondaryIndex(index));
    }

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: tenant.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const domainName = tenant.customDomain
      ? new DomainName(this, 'DomainName', {
          domainName: tenant.customDomain.domainName,
          certificate: Certificate.fromCertificateArn(
            this,
            'Certificate',
            tenant.customDomain.certificateArn,
          ),
        })
      : undefined;

    this.api = new HttpApi(this, 'Api', {
      apiName: `grouptalk-scim-${tenant.name}`,
      description: `GroupTalk SCIM 2.0 (tenant ${tenant.name})`,
      createDefaultStage: false,
      // With a custom domain, Entra is given that URL only; the execute-api one is switched off.
      disableExecuteApiEndpoint: domainName !== undefined,
    });
    const stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { ...tenant.throttling },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: accessLogFormat(),
      },
      ...(domainName ? { domainMapping: { domainName } } : {}),
    });

    const functions = new Map<string, ScimFunction>();
    const monitored: MonitoredFunction[] = [];
    const addFunction = (
      spec: FunctionSpec,
      description: string,
      options: { timeout?: Duration; emitsRequestMetrics?: boolean } = {},
    ): ScimFunction => {
      const scimFunction = new ScimFunction(this, pascalCase(spec.operation), {
        spec,
        description: `${description} (tenant ${tenant.name})`,
        table: this.table,
        tenant,
        ...(options.timeout ? { timeout: options.timeout } : {}),
      });
      functions.set(spec.operation, scimFunction);
      monitored.push({
        operation: spec.operation,
        scimFunction,
        emitsRequestMetrics: options.emitsRequestMetrics ?? true,
      });
      return scimFunction;
    };
    const integration = (scimFunction: ScimFunction, operation: string) =>
      new HttpLambdaIntegration(`${pascalCase(operation)}Integration`, scimFunction.function, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      });

    for (const route of routes) {
      const path = routePath(route);
      const scimFunction = addFunction(route, `SCIM ${route.operation}: ${route.method} ${path}`);
      this.api.addRoutes({
        path,
        methods: [HttpMethod[route.method]],
        integration: integration(scimFunction, route.operation),
      });
    }

    // Everything no route matches: a SCIM 404/405 instead of API Gateway's plain
    // {"message":"Not Found"}, and a 308 for a known path written with a trailing slash.
    const fallback = addFunction(
      fallbackRoute,
      `SCIM ${fallbackRoute.operation}: $default route (404, 405, trailing slash)`,
    );
    new HttpRoute(this.api, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integration(fallback, fallbackRoute.operation),
    });

    const sweeper = addFunction(
      membershipSweep.spec,
      `SCIM ${membershipSweep.spec.operation}: scheduled cleanup of deleted resources' memberships`,
      { timeout: membershipSweep.timeout, emitsRequestMetrics: false },
    );
    new Rule(this, 'MembershipSweepSchedule', {
      description: `Runs ${membershipSweep.spec.operation} (tenant ${tenant.name})`,
      schedule: Schedule.rate(membershipSweep.every),
      targets: [new LambdaFunction(sweeper.function, { retryAttempts: 0 })],
    });
    this.functions = functions;

    this.monitoring = new Monitoring(this, 'Monitoring', {
      tenant,
      api: this.api,
      table: this.table,
      accessLogs,
      functions: monitored,
    });

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Every function verifies the bearer token itself (ES256 JWT against the tenant public keys, or an Entra-issued token) and answers 401 with a SCIM error body; an API Gateway JWT authorizer needs an issuer JWKS URL, which the operator-signed tokens do not have.',
    });

    this.tenantUrl = domainName
      ? `https://${tenant.customDomain!.domainName}${SCIM_BASE_PATH}`
      : `${stage.url}${SCIM_BASE_PATH.slice(1)}`;
    new CfnOutput(this, 'TenantUrl', {
      description: 'Tenant URL for the Entra provisioning configuration',
      value: this.tenantUrl,
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic of the alarms: subscribe an on-call address or a chat integration',
      value: this.monitoring.topic.topicArn,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard of this tenant',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.monitoring.dashboard.dashboardName}`,
    });
    if (domainName) {
      new CfnOutput(this, 'CustomDomainTarget', {
        description: `CNAME target for ${tenant.customDomain!.domainName}`,
        value: domainName.regionalDomainName,
      });
    }
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
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
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
