import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  adminRoutes,
  CREDENTIAL_OPERATIONS,
  type Route,
  routes,
  type TableAccess,
} from '../../shared/routes.js';
import {
  type IndexDesign,
  REPORT_KEY_PREFIX,
  tableDesign,
} from '../../shared/store/table-design.js';
import { type FunctionBundles, SCIM_ARCHITECTURE, SCIM_RUNTIME } from '../bundles.js';
import { REQUEST_TIMEOUT_SECONDS, type TenantConfig } from '../tenants.js';

export { SCIM_ARCHITECTURE, SCIM_RUNTIME };
/** Well below API Gateway's 29 s integration limit, so a slow call ends as a Lambda timeout. */
export const SCIM_TIMEOUT = Duration.seconds(REQUEST_TIMEOUT_SECONDS);
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

/** The credential registry's partition key (`keys.credentialsPartition` in `shared/store/keys.ts`). */
export const CREDENTIALS_PARTITION = 'CREDENTIALS';

/** What the credential managers write in the registry: items created, updated, deleted. */
const CREDENTIAL_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
];

/** What a function runs: a route of the route table, the fallback route or a scheduled job. */
export type FunctionSpec = Pick<Route, 'operation' | 'entry' | 'table'>;

/** The Lambda function name of a tenant's operation: the fleet's alarms and graphs read it. */
export function functionName(tenant: string, operation: string): string {
  // 4 + 32 (longest tenant) + 1 + 24 (getServiceProviderConfig) = 61: within Lambda's 64.
  return `gts-${tenant}-${operation}`;
}

export interface TenantRolesProps {
  readonly tenant: TenantConfig;
  readonly table: ITable;
  /** The tenant's function log group: the only one the roles may write to. */
  readonly logGroup: ILogGroup;
}

/**
 * The tenant's two function roles, one per access level: `read` (GetItem, BatchGetItem, Query)
 * and `write` (reads plus conditional and transactional writes). Functions that never touch the
 * table (discovery, fallback) take the read role: a third role per tenant would cost a thousand
 * IAM roles across the fleet for permissions the read role's holders do not use.
 */
export class TenantRoles extends Construct {
  readonly read: Role;
  readonly write: Role;

  constructor(scope: Construct, id: string, props: TenantRolesProps) {
    super(scope, id);
    const { tenant, table, logGroup } = props;
    // Own roles instead of AWSLambdaBasicExecutionRole, whose log permissions cover every log
    // group in the account.
    const role = (level: 'read' | 'write') => {
      const created = new Role(this, level === 'read' ? 'Read' : 'Write', {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `GroupTalk SCIM ${tenant.name}: functions with ${level} access to the table`,
      });
      logGroup.grantWrite(created);
      for (const statement of tableStatements(table, level))
        created.addToPrincipalPolicy(statement);
      for (const statement of credentialStatements(tenant, table, level)) {
        created.addToPrincipalPolicy(statement);
      }
      return created;
    };
    this.read = role('read');
    this.write = role('write');
  }

  /** The role of a function with this table access. */
  forAccess(access: TableAccess): IRole {
    return access === 'write' ? this.write : this.read;
  }
}

export interface ScimFunctionProps {
  readonly spec: FunctionSpec;
  /** The Lambda description, e.g. `SCIM getUser: GET /scim/v2/Users/{id} (tenant demo)`. */
  readonly description: string;
  readonly table: ITable;
  readonly tenant: TenantConfig;
  readonly bundles: FunctionBundles;
  /** The role of the function's access level (see `TenantRoles`). */
  readonly role: IRole;
  /** The tenant's function log group, shared by all its functions. */
  readonly logGroup: ILogGroup;
  /** Extra environment variables (e.g. a KMS key id for the token endpoint). */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default SCIM_TIMEOUT; functions behind API Gateway must stay below its 29 s. */
  readonly timeout?: Duration;
}

/**
 * One SCIM operation's Lambda function: runtime, architecture, the fleet's shared bundle, the
 * tenant's log group and the role of its access level.
 */
export class ScimFunction extends Construct {
  readonly function: LambdaFunction;
  readonly logGroup: ILogGroup;

  constructor(scope: Construct, id: string, props: ScimFunctionProps) {
    super(scope, id);
    const { spec, table, tenant } = props;
    this.logGroup = props.logGroup;

    this.function = new LambdaFunction(this, 'Function', {
      functionName: functionName(tenant.name, spec.operation),
      code: props.bundles.code(spec.operation),
      handler: 'index.handler',
      description: props.description,
      runtime: SCIM_RUNTIME,
      architecture: SCIM_ARCHITECTURE,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: props.timeout ?? SCIM_TIMEOUT,
      role: props.role,
      logGroup: props.logGroup,
      environment: {
        TABLE_NAME: table.tableName,
        TENANT: tenant.name,
        TOKEN_PUBLIC_KEYS: JSON.stringify(tenant.tokenPublicKeys),
        TOKEN_KMS_KEY_IDS: tenant.tokenKmsKeyArns.join(','),
        ...(tenant.entraTenantId ? { ENTRA_TENANT_ID: tenant.entraTenantId } : {}),
        ...(tenant.entraAppId ? { ENTRA_APP_ID: tenant.entraAppId } : {}),
        ...(tenant.entraObjectId ? { ENTRA_OBJECT_ID: tenant.entraObjectId } : {}),
        LOG_LEVEL: tenant.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
        // What `npm run verify` compares with the synthesized template: the code of this build.
        BUILD_ID: props.bundles.buildId(spec.operation),
        ...props.environment,
      },
    });
  }
}

/**
 * The operations whose functions sign tokens: the token endpoint, the page's Generate and the
 * page's Entra callback (Connect registers the Secret Token it puts in Entra).
 */
export const SIGNING_OPERATIONS = [
  'issueAccessToken',
  'generateSecretToken',
  'entraCallback',
] as const;

/**
 * The ARN of a tenant's function, built from its name: the functions' own ARNs would make the
 * role's policy and the functions depend on one another. For `lambda:SourceFunctionArn`, which
 * Lambda injects into the credentials context of every AWS API request made from the function's
 * execution environment (Lambda Developer Guide, "Using source function ARN to control function
 * access behavior", https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html;
 * not for calls Lambda makes on its behalf, such as an event source mapping's).
 */
export function functionArnOf(stack: Stack, tenant: string, operation: string): string {
  return stack.formatArn({
    service: 'lambda',
    resource: 'function',
    resourceName: functionName(tenant, operation),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * What every function needs for the credential registry (`shared/credentials`), beyond its table
 * access: the public keys of the token-signing KMS keys (verification), and the hourly
 * `lastUsedAt` stamp on the registry's partition only. The write role may also write the rest of
 * the registry and sign with the first key, but only from the functions that manage credentials
 * (`CREDENTIAL_OPERATIONS`) and mint tokens (`SIGNING_OPERATIONS`), by `lambda:SourceFunctionArn`,
 * so the other write functions sharing the role (issue 12: no role per function; Bulk and the
 * sweeper included) can neither register a credential nor sign.
 */
function credentialStatements(
  tenant: TenantConfig,
  table: ITable,
  level: 'read' | 'write',
): PolicyStatement[] {
  const stack = Stack.of(table);
  const statements: PolicyStatement[] = [
    new PolicyStatement({
      actions: ['dynamodb:UpdateItem'],
      resources: [table.tableArn],
      conditions: {
        'ForAllValues:StringEquals': {
          'dynamodb:LeadingKeys': [CREDENTIALS_PARTITION],
          'dynamodb:Attributes': ['pk', 'sk', 'lastUsedAt'],
        },
      },
    }),
  ];
  if (level === 'write') {
    const managers = [...routes, ...(tenant.admin ? adminRoutes : [])]
      .filter((route) => CREDENTIAL_OPERATIONS.has(route.operation))
      .map((route) => functionArnOf(stack, tenant.name, route.operation));
    statements.push(
      new PolicyStatement({
        actions: CREDENTIAL_WRITE_ACTIONS,
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [CREDENTIALS_PARTITION] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
          ArnEquals: { 'lambda:SourceFunctionArn': managers },
        },
      }),
    );
  }
  const [signing, ...older] = tenant.tokenKmsKeyArns;
  if (signing) {
    statements.push(
      new PolicyStatement({
        actions: ['kms:GetPublicKey'],
        resources: [signing, ...older],
      }),
    );
    if (level === 'write') {
      statements.push(
        new PolicyStatement({
          actions: ['kms:Sign'],
          resources: [signing],
          conditions: {
            ArnEquals: {
              'lambda:SourceFunctionArn': SIGNING_OPERATIONS.map((operation) =>
                functionArnOf(stack, tenant.name, operation),
              ),
            },
          },
        }),
      );
    }
  }
  return statements;
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
    // Every partition but the credential registry's (see `credentialStatements`) and the report
    // items' (`REPORT#…`: only the fleet's aggregator role writes them, no SCIM or page function
    // does, so a compromised function cannot forge or erase what the reports show). The guard
    // makes an absent key refuse: `ForAllValues` holds over no values at all (IAM User Guide,
    // "Single-valued vs. multivalued context keys").
    statements.push(
      new PolicyStatement({
        actions: WRITE_ACTIONS,
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringNotLike': {
            'dynamodb:LeadingKeys': [CREDENTIALS_PARTITION, `${REPORT_KEY_PREFIX}*`],
          },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      }),
    );
  }
  return statements;
}
