import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Route, TableAccess } from '../../shared/routes.js';
import { type IndexDesign, tableDesign } from '../../shared/store/table-design.js';
import type { TenantConfig } from '../tenants.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The one Lambda runtime of the service; esbuild targets the same Node.js version. */
export const SCIM_RUNTIME = Runtime.NODEJS_24_X;
export const SCIM_ARCHITECTURE = Architecture.ARM_64;
/** Well below API Gateway's 29 s integration limit, so a slow call ends as a Lambda timeout. */
export const SCIM_TIMEOUT = Duration.seconds(10);
export const DEFAULT_MEMORY_MB = 512;

/** What a reader may do: key lookups, batches of them and queries; never a Scan. */
export const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
/**
 * What a writer may do besides reading. TransactWriteItems has no action of its own: IAM checks
 * each of its Put, Update, Delete and ConditionCheck items against these.
 */
export const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

/**
 * The project is ESM: packages that still `require()` Node built-ins need a `require` in the
 * bundle's scope. The alias avoids clashing with a bundled `createRequire` import.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as scimCreateRequire } from 'node:module'; const require = scimCreateRequire(import.meta.url);";

/** What a function runs: a route of the route table, the fallback route or a scheduled job. */
export type FunctionSpec = Pick<Route, 'operation' | 'entry' | 'table'>;

export interface ScimFunctionProps {
  readonly spec: FunctionSpec;
  /** The Lambda description, e.g. `SCIM getUser: GET /scim/v2/Users/{id} (tenant demo)`. */
  readonly description: string;
  readonly table: ITable;
  readonly tenant: TenantConfig;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default SCIM_TIMEOUT; functions behind API Gateway must stay below its 29 s. */
  readonly timeout?: Duration;
}

/**
 * One SCIM operation's Lambda function: runtime, architecture, bundling, its own log group and
 * least-privilege grants (exactly the table access its spec declares).
 */
export class ScimFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ScimFunctionProps) {
    super(scope, id);
    const { spec, table, tenant } = props;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: tenant.logRetentionDays,
      // Logs outlive a deleted stack: they are the record of what provisioning did.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An own role instead of AWSLambdaBasicExecutionRole, whose log permissions cover every log
    // group in the account.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${tenant.name} SCIM ${spec.operation}`,
    });
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, spec.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: SCIM_RUNTIME,
      architecture: SCIM_ARCHITECTURE,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: props.timeout ?? SCIM_TIMEOUT,
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

    for (const statement of tableStatements(table, spec.table)) {
      role.addToPrincipalPolicy(statement);
    }
  }
}

/**
 * The table permissions of one access level, on the table and each of its indexes by name: no
 * wildcard resource, no Scan, no table management.
 */
export function tableStatements(table: ITable, access: TableAccess): PolicyStatement[] {
  if (access === 'none') return [];
  const indexArns = (Object.values(tableDesign.indexes) as IndexDesign[]).map(
    (index) => `${table.tableArn}/index/${index.name}`,
  );
  const statements = [
    new PolicyStatement({ actions: READ_ACTIONS, resources: [table.tableArn] }),
    // Indexes only answer queries.
    new PolicyStatement({ actions: ['dynamodb:Query'], resources: indexArns }),
  ];
  if (access === 'write') {
    statements.push(new PolicyStatement({ actions: WRITE_ACTIONS, resources: [table.tableArn] }));
  }
  return statements;
}
