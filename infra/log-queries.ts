/**
 * The CloudWatch Logs Insights queries the stack saves for operators (Logs Insights → Queries →
 * `GroupTalkScim-<tenant>/…`). They read the one JSON line each request logs (see
 * `shared/http/handler.ts`); the logging integration test checks that the fields they name are
 * the fields the service writes.
 */
import type { QueryStringProps } from 'aws-cdk-lib/aws-logs';
import { SCIM_LINE_INSIGHTS_CONDITION } from '../shared/http/request-records.js';

export interface LogQuery {
  /** Shown after the `GroupTalkScim-<tenant>/` folder. */
  readonly name: string;
  readonly query: QueryStringProps;
  /** The access log instead of the function logs. */
  readonly accessLog?: boolean;
}

/**
 * What the operator replaces in the history query (any of id, externalId, userName, displayName).
 * Where the tenant logs identifiers as keyed hashes (`logIdentifiers: "hmac"`), the value is the
 * hash `npm run log-hash -- --tenant <t> <value>` prints, which also prints the whole filter line.
 */
export const HISTORY_PLACEHOLDER = 'REPLACE-WITH-ID-EXTERNALID-OR-USERNAME';

/**
 * Entra's SCIM requests: the page's and the token endpoint's lines share the log group and also
 * carry operation and status; their `kind` tells them apart (`shared/http/request-records.ts`).
 */
const REQUEST_LINE = SCIM_LINE_INSIGHTS_CONDITION;

export const logQueries: readonly LogQuery[] = [
  {
    name: '1 Failed requests by scimType',
    query: {
      filterStatements: [REQUEST_LINE, 'status >= 400'],
      statsStatements: [
        'count(*) as requests, earliest(@timestamp) as first, latest(@timestamp) as last by status, scimType, operation',
      ],
      sort: 'requests desc',
    },
  },
  {
    name: '2 Recent failed requests',
    query: {
      fields: [
        '@timestamp',
        'operation',
        'method',
        'path',
        'status',
        'scimType',
        'errorDetail',
        'resourceId',
        'externalId',
        'filterAttribute',
        'callerTokenId',
        'requestId',
        'function_request_id',
        'innerServerErrors',
      ],
      // A Bulk answer is a 200 even when operations in it failed with an internal error: those
      // count in the 5xx alarm, so they are listed here too.
      filterStatements: [REQUEST_LINE, 'status >= 400 or innerServerErrors > 0'],
      sort: '@timestamp desc',
      limit: 200,
    },
  },
  {
    name: '3 History of one user or group',
    query: {
      fields: [
        '@timestamp',
        'operation',
        'method',
        'path',
        'status',
        'scimType',
        'errorDetail',
        'resourceType',
        'resourceId',
        'externalId',
        'userName',
        'displayName',
        'filterAttribute',
        'filterValue',
        'totalResults',
        'version',
        'requestId',
      ],
      // Lookups by filter log the value (filterValue); the other lines log the resource's ids.
      filterStatements: [
        REQUEST_LINE,
        `resourceId = '${HISTORY_PLACEHOLDER}' or externalId = '${HISTORY_PLACEHOLDER}' or userName = '${HISTORY_PLACEHOLDER}' or displayName = '${HISTORY_PLACEHOLDER}' or filterValue = '${HISTORY_PLACEHOLDER}'`,
      ],
      sort: '@timestamp asc',
      limit: 1000,
    },
  },
  {
    name: '4 Slowest requests',
    query: {
      fields: [
        '@timestamp',
        'operation',
        'method',
        'path',
        'status',
        'durationMs',
        'dynamodbCalls',
        'dynamodbCapacityUnits',
        'dynamodbMs',
        'cold_start',
        'resourceId',
        'requestId',
        'function_request_id',
      ],
      filterStatements: [REQUEST_LINE],
      sort: 'durationMs desc',
      limit: 100,
    },
  },
  {
    name: '5 Entra Test Connection probes',
    query: {
      fields: [
        '@timestamp',
        'operation',
        'status',
        'filterAttribute',
        'filterValue',
        'totalResults',
        'callerKind',
        'callerTokenId',
        'requestId',
      ],
      // A lookup of a random GUID that matched nothing (see shared/http/request-log.ts).
      filterStatements: [REQUEST_LINE, 'ispresent(probe)'],
      sort: '@timestamp desc',
      limit: 100,
    },
  },
  {
    name: '6 Requests, latency and DynamoDB cost by operation',
    query: {
      filterStatements: [REQUEST_LINE],
      statsStatements: [
        'count(*) as requests, avg(durationMs) as avgMs, pct(durationMs, 99) as p99Ms, sum(dynamodbCalls) as dynamodbCalls, sum(dynamodbCapacityUnits) as capacityUnits by operation',
      ],
      sort: 'requests desc',
    },
  },
  {
    name: '7 API Gateway errors (throttling, timeouts, function crashes)',
    accessLog: true,
    query: {
      fields: [
        '@timestamp',
        'method',
        'path',
        'routeKey',
        'status',
        'error',
        'integrationStatus',
        'integrationError',
        'responseLatency',
        'requestId',
        'integrationRequestId',
      ],
      filterStatements: ['status >= 400'],
      sort: '@timestamp desc',
      limit: 200,
    },
  },
];
