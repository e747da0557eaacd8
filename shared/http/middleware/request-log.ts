import { ScimError } from '../../scim/errors.js';
import { logger } from '../logger.js';
import { filterLogFields } from '../request-log.js';
import { publishRequestRecord } from '../request-records.js';
import type { LogFields } from '../types.js';
import { durationOf, type ScimMiddleware } from './request-scope.js';

/** What the route table says about the request's route, for its log line. */
export interface RouteLogFields {
  readonly operation: string;
  /** `User` or `Group` for the routes of those resources. */
  readonly resourceType?: string;
}

/**
 * One log line per request: ids and outcomes, never a token or a body. Handlers add ids through
 * `log`; a `filter` they report is reduced to what `filterLogFields` keeps. Used after the
 * metrics and before the error mapper, so it reads the mapped status in `onError`.
 */
export function requestLog(route: RouteLogFields): ScimMiddleware {
  const write = (request: Parameters<NonNullable<ScimMiddleware['after']>>[0]) => {
    const { event, internal, error } = request;
    const state = internal.scim;
    const status = request.response?.statusCode ?? 500;
    const scim = error instanceof ScimError ? error : undefined;
    const { filter, ...handlerFields } = state.logFields;
    const fields: LogFields = {
      operation: route.operation,
      method: event.requestContext?.http?.method,
      route: event.routeKey,
      path: event.rawPath,
      status,
      scimType: scim?.scimType,
      // logDetail: a detail that quotes the request (a filter's values) is logged by position.
      errorDetail: status >= 400 ? (scim?.logDetail ?? 'internal error') : undefined,
      durationMs: durationOf(state),
      dynamodbCalls: state.stats.calls,
      dynamodbCapacityUnits: state.stats.capacityUnits,
      dynamodbMs: Math.round(state.stats.millis * 10) / 10,
      requestId: event.requestContext?.requestId,
      callerKind: state.caller?.kind,
      callerTokenId: state.caller?.tokenId,
      ...(route.resourceType === undefined ? {} : { resourceType: route.resourceType }),
      ...(route.resourceType !== undefined && event.pathParameters?.id !== undefined
        ? { resourceId: event.pathParameters.id }
        : {}),
      ...(state.innerServerErrors > 0 ? { innerServerErrors: state.innerServerErrors } : {}),
      ...handlerFields,
      ...(typeof filter === 'string'
        ? filterLogFields(
            filter,
            typeof handlerFields.totalResults === 'number' ? handlerFields.totalResults : undefined,
          )
        : {}),
    };
    if (status >= 500) {
      logger.error('request failed', { ...fields, error: error as Error });
    } else {
      logger.info('request', fields);
    }
    publishRequestRecord(fields);
  };
  return {
    after: async (request) => write(request),
    onError: async (request) => write(request),
  };
}
