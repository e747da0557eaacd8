import type { MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { newStoreStats, type StoreStats } from '../../common/request-context.js';
import type { Caller } from '../auth.js';
import type { LogFields } from '../types.js';

/**
 * What one request's middlewares and handler share: written by the one that knows it (the
 * caller by bearer auth, log fields by the handler), read by the log line and the metrics.
 */
export interface RequestState {
  /** `performance.now()` when the chain started on the request. */
  readonly started: number;
  /** The DynamoDB work done for the request (`withStoreStats`). */
  readonly stats: StoreStats;
  /** Fields the handler adds to the request's log line. */
  readonly logFields: LogFields;
  /** The authenticated caller, once bearer auth has run. */
  caller?: Caller;
  /**
   * Failures inside an answer that is not itself a 5xx (a Bulk operation that failed with an
   * internal error): they count in the 5xx metric all the same.
   */
  innerServerErrors: number;
  /** Milliseconds from `started` to the answer; set once, by the first middleware to ask. */
  durationMs?: number;
}

/** middy's per-request `internal`, typed: every middleware of the chain reads the same state. */
export interface ScimInternal extends Record<string, unknown> {
  scim: RequestState;
}

export type ScimMiddleware = MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Error,
  Context,
  ScimInternal
>;

/**
 * middy hands the handler only the event and the context, not `internal`: the handler finds the
 * same state by its event here. A WeakMap, so the state goes when the event does.
 */
const handlerStates = new WeakMap<APIGatewayProxyEventV2, RequestState>();

/**
 * The first middleware of the chain: creates the request's state in middy's `internal`.
 *
 * @example
 * middy<Event, Result, Error, Context, ScimInternal>().use(requestScope()).use(…)
 */
export function requestScope(): ScimMiddleware {
  return {
    before: async (request) => {
      const state: RequestState = {
        started: performance.now(),
        stats: newStoreStats(),
        logFields: {},
        innerServerErrors: 0,
      };
      request.internal.scim = state;
      handlerStates.set(request.event, state);
    },
  };
}

/**
 * The state `requestScope` created for `event`, for the handler at the end of the chain.
 *
 * @example
 * .handler(async (event) => { const state = requestStateOf(event); … })
 */
export function requestStateOf(event: APIGatewayProxyEventV2): RequestState {
  const state = handlerStates.get(event);
  if (!state) throw new Error('requestScope() must be the first middleware of the chain');
  return state;
}

/** The request's duration, fixed the first time it is asked for, so the log and metric agree. */
export function durationOf(state: RequestState): number {
  state.durationMs ??= Math.round((performance.now() - state.started) * 10) / 10;
  return state.durationMs;
}
