/**
 * The reports' aggregation on AWS (issue 19, item 4; `shared/store/reports.ts` keeps the items).
 * In the fleet stack: the role every tenant's aggregator runs with. In each tenant stack: the
 * aggregator function and the subscription filter that feeds it the SCIM request lines of the
 * tenant's function log group, off the SCIM request path.
 *
 * CloudWatch Logs allows two subscription filters per log group (PutSubscriptionFilter, AWS
 * CloudWatch Logs API reference: "Each log group can have up to two subscription filters
 * associated with it"); this is the only one on the function log group, the other stays free.
 */

import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterPattern, SubscriptionFilter } from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import { SCIM_LINE_FILTER_PATTERN } from '../../shared/http/request-records.js';
import { REPORT_KEY_PREFIX } from '../../shared/store/table-design.js';
import { FUNCTION_LOG_PREFIX, reportAggregatorRoleName, scimStackName } from '../fleet-names.js';
import type { ScimStack } from '../scim-stack.js';
import { wildcardResourceFinding } from './nag.js';
import type { FunctionSpec } from './scim-function.js';

/** The aggregator of each tenant. */
export const reportAggregator = {
  spec: {
    operation: 'aggregateReports',
    entry: 'functions/reports/aggregate.ts',
    // Runs with the fleet's aggregator role (see `ReportAggregatorRole`), not a tenant role.
    table: 'write',
  } satisfies FunctionSpec,
  timeout: Duration.minutes(1),
  memorySize: 256,
} as const;

/**
 * What the aggregator may do, and nothing more: PutItem and UpdateItem (the transaction of a
 * request item and its hour's counts: IAM checks each action of a TransactWriteItems as these)
 * and BatchWriteItem (the other report items), on the tenants' tables, only on items whose
 * partition key starts with `REPORT#` (`dynamodb:LeadingKeys`); writing its own log line.
 */
export function reportAggregatorStatements(stack: Stack): PolicyStatement[] {
  return [
    new PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
      resources: [
        stack.formatArn({
          service: 'dynamodb',
          resource: 'table',
          resourceName: scimStackName('*'),
        }),
      ],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${REPORT_KEY_PREFIX}*`] },
        // `ForAllValues` also holds for a request without the key: refuse it (as the tenant roles do).
        Null: { 'dynamodb:LeadingKeys': 'false' },
      },
    }),
    new PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: `${FUNCTION_LOG_PREFIX}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  ];
}

/** Fleet side: the role of every tenant's aggregator (a role per tenant would cost a role each). */
export class ReportAggregatorRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new Role(this, 'Role', {
      roleName: reportAggregatorRoleName(stack.region),
      description:
        "Every GroupTalk SCIM tenant's report aggregator (SCIM request lines to the report items of its table)",
      assumedBy: new ServicePrincipal('lambda.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    for (const statement of reportAggregatorStatements(stack)) {
      this.role.addToPrincipalPolicy(statement);
    }
    const reason =
      "One role for every tenant's aggregator (a role per tenant would cost a thousand IAM roles): writes only to items whose partition key starts with REPORT# (dynamodb:LeadingKeys) of the tenants' tables (GroupTalkScim-<tenant>-…), logs only to the tenants' function log groups.";
    // The findings name the very ARNs of the statements (`wildcardResourceFinding`), whatever form
    // the partition takes in the template.
    for (const statement of reportAggregatorStatements(stack)) {
      for (const resource of statement.resources) {
        Validations.of(this.role).acknowledge({
          id: wildcardResourceFinding(this, resource),
          reason,
        });
      }
    }
  }
}

/**
 * Tenant side: the aggregator function (the fleet's role, found by name) and the subscription
 * filter on the tenant's function log group that delivers it the SCIM request lines only
 * (`{ $.kind = "scim" }`): the page's and the token endpoint's lines never invoke it, and its own
 * line has no `kind`, so it never feeds itself.
 */
export function addReportAggregator(stack: ScimStack): SubscriptionFilter {
  const role = Role.fromRoleArn(
    stack,
    'ReportAggregatorRole',
    stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: reportAggregatorRoleName(stack.region),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }),
    { mutable: false },
  );
  const aggregator = stack.addFunction(reportAggregator.spec, {
    description: "Reports: the SCIM request lines of the tenant's log group to its report items",
    timeout: reportAggregator.timeout,
    memorySize: reportAggregator.memorySize,
    role,
  });
  return new SubscriptionFilter(stack, 'ReportSubscription', {
    logGroup: stack.functionLogs,
    destination: new LambdaDestination(aggregator.function),
    filterPattern: FilterPattern.literal(SCIM_LINE_FILTER_PATTERN),
    filterName: 'grouptalk-scim-reports',
  });
}
