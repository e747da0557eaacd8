import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  DomainName,
  HttpApi,
  HttpMethod,
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
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct, IConstruct } from 'constructs';
import { routes, SCIM_BASE_PATH } from '../shared/routes.js';
import { type IndexDesign, tableDesign } from '../shared/store/table-design.js';
import { ScimFunction } from './constructs/scim-function.js';
import type { TenantConfig } from './tenants.js';

export interface ScimStackProps extends StackProps {
  readonly tenant: TenantConfig;
}

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
  /** The function of each route, by operation name. */
  readonly functions: ReadonlyMap<string, ScimFunction>;
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
    for (const route of routes) {
      const scimFunction = new ScimFunction(this, pascalCase(route.operation), {
        route,
        table: this.table,
        tenant,
      });
      this.api.addRoutes({
        path: `${SCIM_BASE_PATH}${route.path}`,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(
          `${pascalCase(route.operation)}Integration`,
          scimFunction.function,
          { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 },
        ),
      });
      functions.set(route.operation, scimFunction);
    }
    this.functions = functions;

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
      error: '$context.error.message',
    }),
  );
}

function pascalCase(operation: string): string {
  return operation.charAt(0).toUpperCase() + operation.slice(1);
}
