import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type Route, SCIM_BASE_PATH } from '../../shared/routes.js';
import type { TenantConfig } from '../tenants.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The one Lambda runtime of the service; esbuild targets the same Node.js version. */
export const SCIM_RUNTIME = Runtime.NODEJS_24_X;
export const SCIM_ARCHITECTURE = Architecture.ARM_64;
/** Well below API Gateway's 29 s integration limit, so a slow call ends as a Lambda timeout. */
export const SCIM_TIMEOUT = Duration.seconds(10);
export const DEFAULT_MEMORY_MB = 512;

/**
 * The project is ESM: packages that still `require()` Node built-ins need a `require` in the
 * bundle's scope. The alias avoids clashing with a bundled `createRequire` import.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as scimCreateRequire } from 'node:module'; const require = scimCreateRequire(import.meta.url);";

export interface ScimFunctionProps {
  readonly route: Route;
  readonly table: ITable;
  readonly tenant: TenantConfig;
  /** @default 512 */
  readonly memorySize?: number;
}

/**
 * One SCIM operation's Lambda function: runtime, architecture, bundling, its own log group and
 * least-privilege grants (read-only unless the route writes).
 */
export class ScimFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ScimFunctionProps) {
    super(scope, id);
    const { route, table, tenant } = props;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: tenant.logRetentionDays,
      // Logs outlive a deleted stack: they are the record of what provisioning did.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An own role instead of AWSLambdaBasicExecutionRole, whose log permissions cover every log
    // group in the account.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${tenant.name} SCIM ${route.operation}`,
    });
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, route.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      description: `SCIM ${route.operation}: ${route.method} ${SCIM_BASE_PATH}${route.path} (tenant ${tenant.name})`,
      runtime: SCIM_RUNTIME,
      architecture: SCIM_ARCHITECTURE,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: SCIM_TIMEOUT,
      role,
      logGroup: this.logGroup,
      environment: {
        TABLE_NAME: table.tableName,
        TENANT: tenant.name,
        TOKEN_PUBLIC_KEYS: JSON.stringify(tenant.tokenPublicKeys),
        REVOKED_TOKEN_IDS: tenant.revokedTokenIds.join(','),
        ...(tenant.entraTenantId ? { ENTRA_TENANT_ID: tenant.entraTenantId } : {}),
        LOG_LEVEL: tenant.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        // Local esbuild only: there is no Docker engine on the build machines.
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        target: SCIM_RUNTIME.name.replace(/^nodejs(\d+)\.x$/, 'node$1'),
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The SDK is bundled so the deployed version is the tested one; `npm run bench` weighs
        // this against the smaller package the runtime's SDK would give.
        bundleAwsSDK: true,
      },
    });

    if (route.writes) {
      table.grantReadWriteData(this.function);
    } else {
      table.grantReadData(this.function);
    }

    // The grant's only wildcard is this table's index ARNs; acknowledge exactly that finding.
    const cfnTable = table.node.defaultChild;
    if (cfnTable instanceof CfnElement) {
      const tableLogicalId = Stack.of(this).resolve(cfnTable.logicalId) as string;
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
        reason:
          "Queries the table's own GSIs (lookups by type, externalId, email, phone, member); the wildcard covers only this table's indexes.",
      });
    }
  }
}
