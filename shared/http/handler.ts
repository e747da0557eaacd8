import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { withStoreStats } from '../common/request-context.js';
import { readTenantUrl } from '../config.js';
import { routeOfOperation, SCIM_BASE_PATH } from '../routes.js';
import { parseJsonBody } from './body.js';
import { SCIM_CONTENT_TYPE } from './error-response.js';
import { logger } from './logger.js';
import { operationMetrics } from './metrics.js';
import { bearerAuth } from './middleware/bearer-auth.js';
import { errorMapper } from './middleware/error-mapper.js';
import { requestLog } from './middleware/request-log.js';
import { requestMetrics } from './middleware/request-metrics.js';
import { requestScope, requestStateOf, type ScimInternal } from './middleware/request-scope.js';
import { withinTimeBudget } from './middleware/time-budget.js';
import type { LogFields, ScimRequest, ScimResponse } from './types.js';

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

/** What a handler may do besides answering. */
export interface HandlerTools {
  /** Adds ids to the request's log line. */
  log(fields: LogFields): void;
  /**
   * Counts failures inside a successful answer that are server errors all the same (a Bulk
   * operation that failed with an internal error): they count in the 5xx metric and its alarm.
   */
  countServerErrors(count: number): void;
}

export type ScimHandlerFn = (request: ScimRequest, tools: HandlerTools) => Promise<ScimResponse>;

/** Set by `npm start`, the tests and the benchmark; never by the deployed stack. */
const exposeStoreStats = process.env.STORE_STATS_HEADERS === 'true';
/** The deployed Tenant URL: responses never take their URLs from the client's `Host` header. */
const configuredTenantUrl = readTenantUrl();

/**
 * The middy chain every SCIM function uses, one concern per middleware, sharing typed per-request
 * state (`requestScope`, middy's `internal`): Lambda context for the logger and metrics flushing
 * (outermost) → request state → log line → metrics → error mapping (innermost of the three, so
 * that in middy's reverse `onError` order the others see the mapped status) → header normalizer
 * → bearer auth → the handler within the time budget.
 *
 * `operation` names a route of `shared/routes.ts` (its resource type is logged from there);
 * `test/unit/http/route-handlers.test.ts` checks every route's module declares its route's.
 *
 * @example
 * export const handler = scimHandler('getUser', async ({ params }) =>
 *   ({ status: 200, body: await getUser(params.id) }));
 */
export function scimHandler(operation: string, fn: ScimHandlerFn) {
  const metrics = operationMetrics(operation);
  const route = routeOfOperation(operation);
  const chain =
    // middy's own early timeout is off: `withinTimeBudget` does it per request (see there).
    middy<Event, Result, Error, Context, ScimInternal>({ timeoutEarlyInMillis: 0 })
      // Never the event: its headers hold the bearer token and its body the payload.
      .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
      .use(logMetrics(metrics))
      .use(requestScope())
      .use(
        requestLog({
          operation,
          ...(route?.resourceType === undefined ? {} : { resourceType: route.resourceType }),
        }),
      )
      .use(requestMetrics(metrics))
      .use(errorMapper())
      .use(httpHeaderNormalizer())
      .use(bearerAuth())
      .handler(async (event, context) => {
        const state = requestStateOf(event);
        const request = toScimRequest(event);
        const tools: HandlerTools = {
          log: (fields) => Object.assign(state.logFields, fields),
          countServerErrors: (count) => {
            state.innerServerErrors += count;
          },
        };
        const response = await withinTimeBudget(context, (signal) =>
          withStoreStats(state.stats, () => fn(request, tools), signal),
        );
        const result = toResult(response);
        if (exposeStoreStats) {
          // Local runs and the benchmark only: lets a client count what each request cost.
          Object.assign(result.headers ?? {}, {
            'x-store-calls': String(state.stats.calls),
            'x-store-capacity': String(state.stats.capacityUnits),
            'x-store-ms': state.stats.millis.toFixed(2),
            'x-store-commands': JSON.stringify(state.stats.byCommand),
            // From the first middleware to here, DynamoDB waits included (minus x-store-ms = ours).
            'x-handler-ms': (performance.now() - state.started).toFixed(2),
          });
        }
        return result;
      });
  return Object.assign(chain, { operation });
}

function toScimRequest(event: Event): ScimRequest {
  const headers = event.headers ?? {};
  const proto = headers['x-forwarded-proto'] ?? 'https';
  const host = headers.host ?? event.requestContext?.domainName ?? 'localhost';
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    params: (event.pathParameters ?? {}) as Record<string, string>,
    path: pathBelowBase(event),
    apiPath: pathFromApiRoot(event),
    // rawQueryString, not queryStringParameters: API Gateway does not turn `+` into a space.
    query: new URLSearchParams(event.rawQueryString ?? ''),
    body: parseJsonBody(event),
    headers,
    baseUrl: configuredTenantUrl ?? `${proto}://${host}${scimBasePath(event)}`,
  };
}

/**
 * The request path up to and including the SCIM base path (`/scim/v2`), so that a custom
 * domain's mapping prefix is kept in `Location` and `$ref` URLs.
 */
function scimBasePath(event: Event): string {
  const rawPath = event.rawPath ?? '';
  const at = rawPath.indexOf(SCIM_BASE_PATH);
  return at < 0 ? SCIM_BASE_PATH : rawPath.slice(0, at + SCIM_BASE_PATH.length);
}

/** The path after the SCIM base path (`/Users/…`); the whole path when it lies outside it. */
function pathBelowBase(event: Event): string {
  const rawPath = event.rawPath ?? '';
  const at = rawPath.indexOf(SCIM_BASE_PATH);
  return at < 0 ? rawPath : rawPath.slice(at + SCIM_BASE_PATH.length);
}

/** The path from the SCIM base path on; the whole path when it lies outside it. */
function pathFromApiRoot(event: Event): string {
  const rawPath = event.rawPath ?? '';
  const at = rawPath.indexOf(SCIM_BASE_PATH);
  return at < 0 ? rawPath : rawPath.slice(at);
}

function toResult(response: ScimResponse): Result {
  return {
    statusCode: response.status,
    headers: {
      ...(response.body === undefined ? {} : { 'content-type': SCIM_CONTENT_TYPE }),
      ...(response.headers ?? {}),
    },
    body: response.body === undefined ? '' : JSON.stringify(response.body),
  };
}
