import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { readAuthConfig } from '../config.js';
import { SCIM_BASE_PATH } from '../routes.js';
import { ScimError, ServiceUnavailableError } from '../scim/errors.js';
import { newStoreStats, type StoreStats, withStoreStats } from '../store/client.js';
import { type BearerVerifier, type Caller, createBearerVerifier } from './auth.js';
import { parseJsonBody } from './body.js';
import { errorResponse, SCIM_CONTENT_TYPE } from './error-response.js';
import { logger } from './logger.js';
import { operationMetrics, recordRequest } from './metrics.js';
import { filterLogFields } from './request-log.js';
import type { LogFields, ScimRequest, ScimResponse } from './types.js';

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

/** Per-request state shared by the middlewares (kept on middy's `internal`). */
interface RequestState {
  started: number;
  stats: StoreStats;
  caller?: Caller;
  logFields: LogFields;
}

/** Lets a handler add ids to its request's log line. */
export interface HandlerTools {
  log(fields: LogFields): void;
}

export type ScimHandlerFn = (request: ScimRequest, tools: HandlerTools) => Promise<ScimResponse>;

/** Set by `npm start`, the tests and the benchmark; never by the deployed stack. */
const exposeStoreStats = process.env.STORE_STATS_HEADERS === 'true';

/**
 * How long before the function's timeout the handler gives up and answers 503 with Retry-After:
 * time enough to log and flush metrics, so that a slow DynamoDB never ends in a timed-out
 * function, which API Gateway answers with a bare 500. See `withinTimeBudget`.
 */
const TIMEOUT_MARGIN_MS = 500;

// Module scope: built once per cold start, never per request.
let verifier: BearerVerifier | undefined;
function bearerVerifier(): BearerVerifier {
  verifier ??= createBearerVerifier(readAuthConfig());
  return verifier;
}

/**
 * The middy chain every SCIM function uses: Lambda context for the logger and metrics flushing
 * (outermost) → request log, metrics and error mapping (so it sees every outcome) → header
 * normalizer → bearer auth → JSON body → the handler.
 *
 * @example
 * export const handler = scimHandler('getUser', async ({ params }) =>
 *   ({ status: 200, body: await getUser(params.id) }));
 */
export function scimHandler(operation: string, fn: ScimHandlerFn) {
  const metrics = operationMetrics(operation);
  return (
    // middy's own early timeout is off: `withinTimeBudget` does it per request (see there).
    middy<Event, Result, Error, Context>({ timeoutEarlyInMillis: 0 })
      // Never the event: its headers hold the bearer token and its body the payload.
      .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
      .use(logMetrics(metrics))
      .use(requestLog(operation, metrics))
      .use(httpHeaderNormalizer())
      .use(bearerAuth())
      .handler(async (event, context) => {
        const state = stateOf(event);
        const request = toScimRequest(event);
        const response = await withinTimeBudget(context, (signal) =>
          withStoreStats(
            state.stats,
            () => fn(request, { log: (fields) => Object.assign(state.logFields, fields) }),
            signal,
          ),
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
      })
  );
}

/**
 * Runs `work` and answers 503 with Retry-After once the function has only `TIMEOUT_MARGIN_MS`
 * left. Answering does not stop `work`: its promise runs on after the response, and on Lambda a
 * sandbox frozen after the invocation resumes it during a later one, where it would write what
 * the client already gave up on. So `work` gets a signal that is aborted when the budget runs
 * out; the store refuses to start a DynamoDB call once it is (`withStoreStats`) and cancels the
 * one in flight.
 *
 * middy's `timeoutEarlyInMillis` answers the same way but aborts one AbortController shared by
 * every invocation in the process: where invocations run concurrently in one process (the local
 * server, the tests) one request's timeout would abort all the others.
 */
async function withinTimeBudget<T>(
  context: Context,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  // Outside Lambda (a bare test call) there is no deadline.
  if (typeof context?.getRemainingTimeInMillis !== 'function') return work(controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => {
        const error = new ServiceUnavailableError(
          'The request took too long; retry later.',
          5,
          503,
        );
        reject(error);
        controller.abort(error);
      },
      Math.max(0, context.getRemainingTimeInMillis() - TIMEOUT_MARGIN_MS),
    );
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

const STATE = Symbol('scimRequestState');
function stateOf(event: Event): RequestState {
  return (event as unknown as { [STATE]: RequestState })[STATE];
}

/**
 * One log line per request (ids and outcomes, never a token or a body) and its metrics. Handlers
 * add ids through `log`; a `filter` they report is reduced to what `filterLogFields` keeps.
 */
function requestLog(operation: string, metrics: Metrics): MiddlewareObj<Event, Result> {
  const finish = (event: Event, status: number, error?: unknown) => {
    const state = stateOf(event);
    const scim = error instanceof ScimError ? error : undefined;
    const durationMs = Math.round((performance.now() - state.started) * 10) / 10;
    const { filter, ...handlerFields } = state.logFields;
    const fields = {
      operation,
      method: event.requestContext?.http?.method,
      route: event.routeKey,
      path: event.rawPath,
      status,
      scimType: scim?.scimType,
      // logDetail: a detail that quotes the request (a filter's values) is logged by position.
      errorDetail: status >= 400 ? (scim?.logDetail ?? 'internal error') : undefined,
      durationMs,
      dynamodbCalls: state.stats.calls,
      dynamodbCapacityUnits: state.stats.capacityUnits,
      dynamodbMs: Math.round(state.stats.millis * 10) / 10,
      requestId: event.requestContext?.requestId,
      callerKind: state.caller?.kind,
      callerTokenId: state.caller?.tokenId,
      ...handlerFields,
      ...(typeof filter === 'string'
        ? filterLogFields(
            filter,
            typeof handlerFields.totalResults === 'number' ? handlerFields.totalResults : undefined,
          )
        : {}),
    };
    recordRequest(metrics, status, durationMs);
    if (status >= 500) {
      logger.error('request failed', { ...fields, error: error as Error });
    } else {
      logger.info('request', fields);
    }
  };
  return {
    before: async (request) => {
      const state: RequestState = {
        started: performance.now(),
        stats: newStoreStats(),
        logFields: {},
      };
      (request.event as unknown as { [STATE]: RequestState })[STATE] = state;
    },
    after: async (request) => {
      finish(request.event, request.response?.statusCode ?? 200);
    },
    onError: async (request) => {
      const response = errorResponse(request.error);
      request.response = response;
      finish(request.event, response.statusCode ?? 500, request.error);
    },
  };
}

function bearerAuth(): MiddlewareObj<Event, Result> {
  return {
    before: async (request) => {
      stateOf(request.event).caller = await bearerVerifier()(request.event.headers?.authorization);
    },
  };
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
    baseUrl: `${proto}://${host}${scimBasePath(event)}`,
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
