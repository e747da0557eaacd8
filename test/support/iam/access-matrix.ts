/**
 * The access matrix: what each function of a tenant may and may not do, derived from the route table
 * (`shared/routes.ts`: each route's operation, path and `table` access) and from the docs'
 * statements (quoted by section below), never from the templates. The templates are only asked
 * for names and ARNs (which function is `gts-beta-createUser`, the table's ARN).
 *
 * A function that is not a route (a scheduled job, a stream consumer, the report aggregator fed by
 * a log subscription) is one entry of `FUNCTIONS_BEYOND_ROUTES`; the test fails for a
 * function of a template that no entry describes.
 */
import { accessLogGroupName, functionLogGroupName } from '../../../infra/fleet-names.js';
import {
  adminRoutes,
  fallbackRoute,
  type Route,
  routePath,
  routes,
  type TableAccess,
} from '../../../shared/routes.js';
import { REPORT_KEY_PREFIX, tableDesign } from '../../../shared/store/table-design.js';
import type { ResolvedCell } from './resolve.js';
import type { Expectation, Principal } from './simulate.js';

// The docs' statements, each where the docs make it.

/**
 * docs/customer-admin-guide.md §2: `kms:Sign` "limited ... to this function [Generate Secret Token], the Entra callback of
 * Connect to Microsoft Entra and the token endpoint" (docs/entra-connect.md: Connect registers the Secret Token it puts in Entra).
 */
export const MINTING = ['issueAccessToken', 'generateSecretToken', 'entraCallback'];
/**
 * docs/hardening.md, IAM: only the functions that manage credentials write the registry (the
 * token endpoint counting failed attempts, the page's credential changes); every function may
 * stamp a credential's `lastUsedAt`.
 */
export const CREDENTIAL_MANAGERS = [
  'issueAccessToken',
  'generateSecretToken',
  'createOAuthClient',
  'revokeCredential',
  'addClientSecret',
  'revokeClientSecret',
  // docs/entra-connect.md: Connect registers the credential it puts in Entra; Disconnect revokes it.
  'entraCallback',
];
/**
 * docs/customer-admin-guide.md §2 "A crowd of admins": "Logs Insights now serves only the history's deep search on
 * demand"; the reports and the ordinary history read the aggregated report items.
 */
export const REPORTERS = ['getResourceHistory'];
/**
 * docs/customer-admin-guide.md §2 "Provisioning reports": the aggregator writes the report items, in the tenant's
 * table, under partitions starting with `REPORT#` (`table-design.ts`).
 */
export const REPORT_PARTITION = 'REPORT#HOURS';
/** docs/customer-admin-guide.md §2: the page's static files open no cookie, so do not derive the sealing key. */
export const SESSIONLESS = ['adminAsset'];
/** docs/change-feed.md: events carry this `source`. */
export const EVENT_SOURCE = 'grouptalk.scim';

/**
 * A tenant function beyond the route table. `role: 'tenant'` takes the role of its `table` access,
 * as every route does; `role: 'publisher'` the fleet's publisher role; `role: 'aggregator'` the
 * fleet's report aggregator role (docs/customer-admin-guide.md §2: it writes only report items). A new function is one entry
 * here (and its operation in `REPORTERS`, `CREDENTIAL_MANAGERS` or `MINTING` when the docs say
 * it reads Logs Insights, manages credentials or signs).
 */
export interface FunctionBeyondRoutes {
  readonly operation: string;
  readonly table: TableAccess;
  readonly role: 'tenant' | 'publisher' | 'aggregator';
  /**
   * Who may invoke it (besides nothing): the fleet's scheduler role, its event source (a table
   * stream), or CloudWatch Logs through a subscription filter on its tenant's function log group.
   */
  readonly invokedBy: 'scheduler' | 'stream' | 'logs';
}

export const FUNCTIONS_BEYOND_ROUTES: readonly FunctionBeyondRoutes[] = [
  // docs/architecture.md "Storage": the sweeper deletes memberships left by deletes, run by the scheduler.
  { operation: 'sweepMemberships', table: 'write', role: 'tenant', invokedBy: 'scheduler' },
  // docs/change-feed.md: the publisher reads the stream and puts events on the fleet's bus.
  { operation: 'publishEvents', table: 'read', role: 'publisher', invokedBy: 'stream' },
  // docs/customer-admin-guide.md §2 "Provisioning reports": the aggregator writes the report items from the SCIM lines
  // a subscription filter on the tenant's function log group delivers.
  { operation: 'aggregateReports', table: 'write', role: 'aggregator', invokedBy: 'logs' },
];

export interface TenantModel {
  readonly name: string;
  readonly stackName: string;
  readonly page: boolean;
  readonly hashesLogIdentifiers: boolean;
}

export interface CellModel {
  readonly account: string;
  readonly region: string;
  readonly fleetStackName: string;
  readonly tenants: readonly TenantModel[];
  readonly schedulerRoleArn: string;
  readonly publisherRoleArn: string;
  readonly aggregatorRoleArn: string;
  readonly signingKeyArn: string;
  readonly busArn: string;
  readonly deadLetterQueueArn: string;
  /** The fleet's queue of report batches the aggregators gave up on (their on-failure destination). */
  readonly reportFailuresQueueArn: string;
  /** The canaries' verification queue (`npm run verify`); the cell's template must have one. */
  readonly verificationQueueArn: string;
  readonly logHashAlias: string;
  readonly adminSessionAlias: string;
}

interface ModelFunction {
  readonly operation: string;
  /** The table access of the route table or the entry above. */
  readonly table: TableAccess;
  readonly route?: Pick<Route, 'method' | 'path' | 'base'> | '$default';
  readonly page: boolean;
  readonly beyond?: FunctionBeyondRoutes;
}

/** The functions a tenant has by the route table and the entries beyond it. */
export function modelFunctions(tenant: TenantModel): ModelFunction[] {
  return [
    ...routes.map((route) => ({
      operation: route.operation,
      table: route.table,
      route,
      page: false,
    })),
    ...(tenant.page
      ? adminRoutes.map((route) => ({
          operation: route.operation,
          table: route.table,
          route,
          page: true,
        }))
      : []),
    {
      operation: fallbackRoute.operation,
      table: fallbackRoute.table,
      route: '$default',
      page: false,
    },
    ...FUNCTIONS_BEYOND_ROUTES.map((beyond) => ({
      operation: beyond.operation,
      table: beyond.table,
      page: false,
      beyond,
    })),
  ];
}

const fnName = (tenant: string, operation: string) => `gts-${tenant}-${operation}`;

/**
 * The path of a route in the `aws:SourceArn` API Gateway sends: HTTP APIs name the matched route,
 * its path template included (`/scim/v2/Users/{id}`), which is what CDK's permission names too.
 */
function samplePath(route: Pick<Route, 'path' | 'base'>): string {
  return routePath(route);
}

/** A route of another resource family than `route` (its path's first two segments differ). */
function otherRoute(route: Pick<Route, 'path' | 'base'>): Route {
  const family = (r: Pick<Route, 'path' | 'base'>) => routePath(r).split('/').slice(0, 4).join('/');
  return [...routes, ...adminRoutes].find((candidate) => family(candidate) !== family(route))!;
}

/**
 * Every expectation of the matrix for the cell. `cell` gives names and ARNs only; `functionsOf`
 * checks separately that the templates hold exactly the modelled functions.
 */
export function accessMatrix(model: CellModel, cell: ResolvedCell): Expectation[] {
  const expectations: Expectation[] = [];
  const { account, region } = model;
  const arn = (service: string, rest: string) => `arn:aws:${service}:${region}:${account}:${rest}`;
  const keyOf = (alias: string) => cell.aliases.get(alias) ?? `missing ${alias}`;
  const fleetKeys = [
    model.signingKeyArn,
    keyOf(model.logHashAlias),
    keyOf(model.adminSessionAlias),
  ];

  for (const tenant of model.tenants) {
    const others = model.tenants.filter((t) => t !== tenant);
    const table = cell.arnOf(tenant.stackName, 'AWS::DynamoDB::Table');
    const apiId = cell.refOf(tenant.stackName, 'AWS::ApiGatewayV2::Api');
    const functionLogs = `arn:aws:logs:${region}:${account}:log-group:${functionLogGroupName(tenant.name)}`;
    const functions = modelFunctions(tenant);
    const sweeperArn = arn('lambda', `function:${fnName(tenant.name, 'sweepMemberships')}`);

    for (const fn of functions) {
      const name = fnName(tenant.name, fn.operation);
      const resolved = cell.functions.get(name);
      const who = `${tenant.name}/${fn.operation}`;
      if (!resolved) continue; // reported by the completeness check
      const publisher = fn.beyond?.role === 'publisher';
      const aggregator = fn.beyond?.role === 'aggregator';
      const principal: Principal = publisher
        ? { role: model.publisherRoleArn, functionArn: resolved.arn }
        : aggregator
          ? { role: model.aggregatorRoleArn, functionArn: resolved.arn }
          : { role: resolved.roleArn, functionArn: resolved.arn };
      // docs/fleet.md: two roles per tenant; table-less functions take the read one.
      // The fleet's roles (publisher, aggregator) have no general table access.
      const level: 'read' | 'write' | 'none' =
        publisher || aggregator ? 'none' : fn.table === 'write' ? 'write' : 'read';
      const tenantRole = !publisher && !aggregator;
      const fleetRole = publisher || aggregator;
      const manager = level === 'write' && CREDENTIAL_MANAGERS.includes(fn.operation);
      const add = (
        action: string,
        resource: string,
        allowed: boolean,
        because: string,
        context?: Record<string, string | string[]>,
      ) =>
        expectations.push({
          who,
          principal,
          action,
          resource,
          allowed,
          because,
          ...(context ? { context } : {}),
        });
      const partition = (pk: string, attributes?: string[]) => ({
        'dynamodb:LeadingKeys': [pk],
        ...(attributes ? { 'dynamodb:Attributes': attributes } : {}),
      });

      // The table: reads for every tenant function, writes for write routes, no Scan, no admin.
      const reads = `route table: ${fn.operation} has table access "${fn.table}"`;
      add('dynamodb:GetItem', table, tenantRole, reads, partition('USER#u1'));
      add(
        'dynamodb:BatchGetItem',
        table,
        !aggregator,
        `${reads}; the publisher reads groups' versions; the aggregator reads nothing`,
      );
      add('dynamodb:Query', table, tenantRole, reads, partition('GROUP#g1'));
      for (const index of Object.values(tableDesign.indexes)) {
        add('dynamodb:Query', `${table}/index/${index.name}`, tenantRole, reads);
      }
      add('dynamodb:Scan', table, false, 'DESIGN "Storage": a Scan never serves a request');
      add('dynamodb:DeleteTable', table, false, 'no function manages the table');
      add('dynamodb:UpdateTable', table, false, 'no function manages the table');
      const writes = `${reads}: reads never write`;
      for (const action of [
        'PutItem',
        'UpdateItem',
        'DeleteItem',
        'BatchWriteItem',
        'ConditionCheckItem',
      ]) {
        add(`dynamodb:${action}`, table, level === 'write', writes, partition('USER#u1'));
      }
      add('dynamodb:PutItem', table, false, 'a write names its partition (Null guard)');
      // The report items: the aggregator's only writes, and no other function's (docs/customer-admin-guide.md §2).
      const reportItems =
        'docs/customer-admin-guide.md §2 "Provisioning reports": only the aggregator writes report items (REPORT#…)';
      for (const action of ['PutItem', 'UpdateItem', 'BatchWriteItem']) {
        add(`dynamodb:${action}`, table, aggregator, reportItems, partition(REPORT_PARTITION));
      }
      add('dynamodb:DeleteItem', table, false, reportItems, partition(REPORT_PARTITION));
      add(
        'dynamodb:BatchWriteItem',
        table,
        false,
        `${reportItems}: a batch mixing a report item with a user's is refused`,
        { 'dynamodb:LeadingKeys': [REPORT_PARTITION, 'USER#u1'] },
      );
      add(
        'dynamodb:PutItem',
        table,
        level === 'write',
        `${reportItems}: a partition merely containing the prefix is not one (${writes})`,
        partition(`USER#${REPORT_KEY_PREFIX}u1`),
      );
      const registry = 'docs/hardening.md, IAM: only the credential managers write the registry';
      add(
        'dynamodb:PutItem',
        table,
        manager,
        registry,
        partition('CREDENTIALS', ['pk', 'sk', 'secretHash']),
      );
      add('dynamodb:DeleteItem', table, manager, registry, partition('CREDENTIALS'));
      add(
        'dynamodb:UpdateItem',
        table,
        manager,
        registry,
        partition('CREDENTIALS', ['pk', 'sk', 'revokedAt']),
      );
      add(
        'dynamodb:UpdateItem',
        table,
        tenantRole,
        "docs/operator-guide.md §3: every function records a credential's last use (lastUsedAt only)",
        partition('CREDENTIALS', ['pk', 'sk', 'lastUsedAt']),
      );
      // The table's stream: the publisher's, of every tenant (one fleet role).
      const streams = "docs/change-feed.md: the publisher reads the tables' streams";
      for (const t of model.tenants) {
        const stream = `${cell.arnOf(t.stackName, 'AWS::DynamoDB::Table')}/stream/2026-01-01T00:00:00.000`;
        add('dynamodb:GetRecords', stream, publisher, streams);
        add('dynamodb:GetShardIterator', stream, publisher, streams);
      }
      // No tenant reaches another's table or logs.
      for (const other of others) {
        const otherTable = cell.arnOf(other.stackName, 'AWS::DynamoDB::Table');
        const isolation = `no tenant reaches another's table (${tenant.name} → ${other.name})`;
        add('dynamodb:GetItem', otherTable, false, isolation, partition('USER#u1'));
        add('dynamodb:Query', `${otherTable}/index/byType`, false, isolation);
        for (const pk of ['USER#u1', 'GROUP#g1', 'CREDENTIALS']) {
          add('dynamodb:PutItem', otherTable, false, isolation, partition(pk));
          add('dynamodb:UpdateItem', otherTable, false, isolation, partition(pk));
        }
        add(
          'dynamodb:UpdateItem',
          otherTable,
          false,
          isolation,
          partition('CREDENTIALS', ['pk', 'sk', 'lastUsedAt']),
        );
        // docs/customer-admin-guide.md §2: one fleet role for every tenant's aggregator may write the report items of
        // every tenant's table (the documented trade-off, as the publisher reads every stream):
        // exactly that exposure, and nothing more (the writes above stay refused).
        const tradeOff = `the documented trade-off: the fleet's aggregator role writes report items of every tenant's table (${tenant.name} → ${other.name})`;
        add('dynamodb:PutItem', otherTable, aggregator, tradeOff, partition(REPORT_PARTITION));
        add('dynamodb:UpdateItem', otherTable, aggregator, tradeOff, partition(REPORT_PARTITION));
        add('dynamodb:DeleteItem', otherTable, false, isolation, partition(REPORT_PARTITION));
        add('dynamodb:GetItem', otherTable, false, isolation, partition(REPORT_PARTITION));
        const otherLogs = `arn:aws:logs:${region}:${account}:log-group:${functionLogGroupName(other.name)}`;
        const logIsolation = `no tenant reaches another's logs (${tenant.name} → ${other.name})`;
        // The publisher's and the aggregator's roles are the fleet's: each writes every tenant's
        // function log group (docs/change-feed.md, §7 "Provisioning reports").
        add('logs:PutLogEvents', `${otherLogs}:log-stream:s1`, fleetRole, logIsolation);
        add('logs:StartQuery', otherLogs, false, logIsolation);
        add('logs:GetQueryResults', otherLogs, false, logIsolation);
      }
      // Logs: its own log group; Logs Insights for the reports only.
      add(
        'logs:CreateLogStream',
        `${functionLogs}:log-stream:s1`,
        true,
        "every function logs to its tenant's function log group",
      );
      add(
        'logs:PutLogEvents',
        `${functionLogs}:log-stream:s1`,
        true,
        "every function logs to its tenant's function log group",
      );
      add(
        'logs:PutLogEvents',
        `arn:aws:logs:${region}:${account}:log-group:${accessLogGroupName(tenant.name)}:log-stream:s1`,
        false,
        'only API Gateway writes the access log',
      );
      const reports =
        'docs/customer-admin-guide.md §2: only the report functions query Logs Insights';
      // Only modelled functions get here: the page's reports exist where the tenant has the page.
      const reporter = REPORTERS.includes(fn.operation);
      add('logs:StartQuery', functionLogs, reporter, reports);
      add('logs:GetQueryResults', functionLogs, reporter, reports);
      add('logs:StopQuery', '*', reporter, reports);
      // KMS: only minting functions sign; only the page's cookie functions derive its key.
      add(
        'kms:Sign',
        model.signingKeyArn,
        MINTING.includes(fn.operation),
        'docs/customer-admin-guide.md §2: only the token endpoint and Generate Secret Token sign',
        { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' },
      );
      add('kms:GetPublicKey', model.signingKeyArn, tenantRole, 'every function verifies tokens');
      const mac = (alias: string) => ({
        'kms:ResourceAliases': [alias],
        'kms:MacAlgorithm': 'HMAC_SHA_256',
      });
      add(
        'kms:GenerateMac',
        keyOf(model.adminSessionAlias),
        fn.page && !SESSIONLESS.includes(fn.operation),
        "docs/customer-admin-guide.md §2: only the page's functions derive its session key",
        mac(model.adminSessionAlias),
      );
      add(
        'kms:GenerateMac',
        keyOf(model.logHashAlias),
        tenantRole && tenant.hashesLogIdentifiers,
        "docs/operator-guide.md §5: a hashing tenant's functions derive its log hash key",
        mac(model.logHashAlias),
      );
      for (const key of fleetKeys) {
        const keyRule =
          'key policies keep Decrypt, ScheduleKeyDeletion and PutKeyPolicy from functions';
        add('kms:Decrypt', key, false, keyRule);
        add('kms:ScheduleKeyDeletion', key, false, keyRule);
        add('kms:PutKeyPolicy', key, false, keyRule);
      }
      // Events: the publisher puts grouptalk.scim events on the fleet's bus, nothing else.
      const events =
        'docs/change-feed.md: only the publisher publishes, only grouptalk.scim events';
      add('events:PutEvents', model.busArn, publisher, events, { 'events:source': [EVENT_SOURCE] });
      add('events:PutEvents', model.busArn, false, events, {
        'events:source': [EVENT_SOURCE, 'aws.other'],
      });
      add('events:PutEvents', model.busArn, false, `${events} (an absent source is refused)`);
      add('events:PutEvents', arn('events', 'event-bus/default'), false, events, {
        'events:source': [EVENT_SOURCE],
      });
      add(
        'sqs:SendMessage',
        model.deadLetterQueueArn,
        publisher,
        'docs/operator-guide.md §6: the publisher parks failed batches',
        {
          'aws:SecureTransport': 'true',
        },
      );
      add(
        'sqs:SendMessage',
        model.reportFailuresQueueArn,
        aggregator,
        'docs/operator-guide.md §4: the aggregator parks the report batches it gave up on',
      );
      add(
        'sqs:SendMessage',
        model.verificationQueueArn,
        false,
        "docs/operator-guide.md §1 (verify): only the bus's canary rule sends to the verification queue",
      );
      add('lambda:InvokeFunction', sweeperArn, false, 'no function invokes another');

      // Who may invoke it: API Gateway for its own route of its own tenant's API, the scheduler
      // for the sweepers.
      const invoke = (
        principalService: string,
        sourceArn: string,
        allowed: boolean,
        because: string,
      ) =>
        expectations.push({
          who: `${principalService} → ${who}`,
          principal: { service: principalService },
          action: 'lambda:InvokeFunction',
          resource: resolved.arn,
          context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': account },
          allowed,
          because,
        });
      const execute = (api: string, method: string, path: string) =>
        arn('execute-api', `${api}/$default/${method}${path}`);
      const gateway = 'API Gateway invokes only its own routes, of its own tenant';
      if (fn.route === '$default') {
        // The `$default` route's key stands where a method and path would.
        invoke(
          'apigateway.amazonaws.com',
          arn('execute-api', `${apiId}/$default/$default`),
          true,
          gateway,
        );
        for (const t of others) {
          const otherApi = cell.refOf(t.stackName, 'AWS::ApiGatewayV2::Api');
          invoke(
            'apigateway.amazonaws.com',
            arn('execute-api', `${otherApi}/$default/$default`),
            false,
            gateway,
          );
        }
      } else if (fn.route) {
        const own = execute(apiId, fn.route.method, samplePath(fn.route));
        invoke('apigateway.amazonaws.com', own, true, gateway);
        const other = otherRoute(fn.route);
        invoke(
          'apigateway.amazonaws.com',
          execute(apiId, other.method, samplePath(other)),
          false,
          gateway,
        );
        for (const t of others) {
          const otherApi = cell.refOf(t.stackName, 'AWS::ApiGatewayV2::Api');
          invoke(
            'apigateway.amazonaws.com',
            execute(otherApi, fn.route.method, samplePath(fn.route)),
            false,
            gateway,
          );
        }
      } else {
        invoke(
          'apigateway.amazonaws.com',
          execute(apiId, 'GET', '/scim/v2/Users'),
          false,
          `${gateway}: ${fn.operation} has no route`,
        );
      }
      // CloudWatch Logs invokes only the aggregator, only from its own tenant's function log group
      // (docs/customer-admin-guide.md §2: the subscription filter), not from the access log or another tenant's.
      const subscription =
        "CloudWatch Logs invokes only the aggregator, from its tenant's function log group";
      invoke(
        'logs.amazonaws.com',
        `${functionLogs}:*`,
        fn.beyond?.invokedBy === 'logs',
        subscription,
      );
      invoke(
        'logs.amazonaws.com',
        `arn:aws:logs:${region}:${account}:log-group:${accessLogGroupName(tenant.name)}:*`,
        false,
        subscription,
      );
      for (const t of others) {
        invoke(
          'logs.amazonaws.com',
          `arn:aws:logs:${region}:${account}:log-group:${functionLogGroupName(t.name)}:*`,
          false,
          subscription,
        );
      }
      expectations.push({
        who: `fleet scheduler → ${who}`,
        principal: { role: model.schedulerRoleArn },
        action: 'lambda:InvokeFunction',
        resource: resolved.arn,
        allowed: fn.beyond?.invokedBy === 'scheduler',
        because: 'the scheduler invokes only sweepers',
      });
    }

    // Trust: the tenant's roles are Lambda's to assume, no one else's.
    for (const role of new Set(
      [...cell.functions.values()]
        .filter((f) => f.stackName === tenant.stackName)
        .map((f) => f.roleArn),
    )) {
      if (role === model.publisherRoleArn || role === model.aggregatorRoleArn) continue;
      for (const [service, allowed] of [
        ['lambda.amazonaws.com', true],
        ['scheduler.amazonaws.com', false],
      ] as const) {
        expectations.push({
          who: `${service} → ${tenant.name} role`,
          principal: { service },
          action: 'sts:AssumeRole',
          resource: role,
          allowed,
          because: 'a tenant role is assumed by Lambda only',
        });
      }
    }
  }

  // The fleet's roles: assumed by their service, from this account only.
  for (const [role, service] of [
    [model.schedulerRoleArn, 'scheduler.amazonaws.com'],
    [model.publisherRoleArn, 'lambda.amazonaws.com'],
    [model.aggregatorRoleArn, 'lambda.amazonaws.com'],
  ] as const) {
    for (const [sourceAccount, allowed] of [
      [account, true],
      ['999999999999', false],
    ] as const) {
      expectations.push({
        who: `${service} (account ${sourceAccount}) → fleet role`,
        principal: { service },
        action: 'sts:AssumeRole',
        resource: role,
        context: { 'aws:SourceAccount': sourceAccount },
        allowed,
        because: 'a fleet role is assumed by its service for this account only',
      });
    }
  }
  // The verification queue (docs/operator-guide.md §1, verify): EventBridge may send to it only for the
  // cell's canary rule (`aws:SourceArn`), not for another rule, nor without a source.
  const canaryRule = cell.arnOf(model.fleetStackName, 'AWS::Events::Rule');
  const queue = 'only the canary rule of the bus sends to the verification queue';
  for (const [sourceArn, allowed] of [
    [canaryRule, true],
    [arn('events', 'rule/GroupTalkScim-events/another-rule'), false],
    [undefined, false],
  ] as const) {
    expectations.push({
      who: `events.amazonaws.com (${sourceArn ?? 'no source'}) → verification queue`,
      principal: { service: 'events.amazonaws.com' },
      action: 'sqs:SendMessage',
      resource: model.verificationQueueArn,
      context: {
        'aws:SecureTransport': 'true',
        ...(sourceArn ? { 'aws:SourceArn': sourceArn } : {}),
      },
      allowed,
      because: queue,
    });
  }
  return expectations;
}

/** The functions of a tenant's template that the model does not describe, and the reverse. */
export function unmodelledFunctions(tenant: TenantModel, cell: ResolvedCell): string[] {
  const modelled = new Set(modelFunctions(tenant).map((fn) => fnName(tenant.name, fn.operation)));
  const deployed = [...cell.functions.values()]
    .filter((fn) => fn.stackName === tenant.stackName)
    .map((fn) => fn.name);
  return [
    ...deployed
      .filter((name) => !modelled.has(name))
      .map((name) => `${name}: in the template, not in the matrix`),
    ...[...modelled]
      .filter((name) => !deployed.includes(name))
      .map((name) => `${name}: in the matrix, not in the template`),
  ];
}
