import { SCIM_BASE_PATH } from '../../routes.js';
import { ScimError, UniquenessError } from '../../scim/errors.js';
import {
  type IdentifierLogPolicy,
  type IdentifierLogPolicySource,
  LOGGED_IDENTIFIERS,
  tenantIdentifierLogPolicy,
  WITHHELD_POLICY,
} from '../log-identifiers.js';
import { logger } from '../logger.js';
import { filterLogFields } from '../request-log.js';
import { publishRequestRecord, REQUEST_KIND } from '../request-records.js';
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
 * `log`; a `filter` they report is reduced to what `filterLogFields` keeps; `userName`,
 * `displayName` and `externalId` are written as the tenant's policy says (`log-identifiers.ts`:
 * as sent, or as a keyed hash). Used after the metrics and before the error mapper, so it reads
 * the mapped status in `onError`.
 *
 * A hashing tenant's key is ready before the handler runs (`before`): if it cannot be derived the
 * request ends there with a 503 (`LogHashKeyUnavailableError`, counted as a 5xx), so no request
 * runs whose line could not hash its identifiers, and no line falls back to clear values.
 */
export function requestLog(
  route: RouteLogFields,
  // Read once per cold start; a bad setting fails the function's first request loudly.
  source: IdentifierLogPolicySource = tenantIdentifierLogPolicy(),
): ScimMiddleware {
  const policies = new WeakMap<object, IdentifierLogPolicy>();
  const write = (request: Parameters<NonNullable<ScimMiddleware['after']>>[0]) => {
    const { event, internal, error } = request;
    // Withheld: the key was not there, and the handler that would name identifiers did not run.
    const policy = policies.get(event) ?? WITHHELD_POLICY;
    const state = internal.scim;
    const status = request.response?.statusCode ?? 500;
    const scim = error instanceof ScimError ? error : undefined;
    const { filter, ...handlerFields } = state.logFields;
    for (const attribute of LOGGED_IDENTIFIERS) {
      const value = handlerFields[attribute];
      if (typeof value === 'string') handlerFields[attribute] = policy.write(attribute, value);
    }
    // A uniqueness conflict quotes the name it refused: written as the other identifiers are.
    const taken = error instanceof UniquenessError ? error.identifier : undefined;
    const takenAs = taken ? policy.write(taken.attribute, taken.value) : undefined;
    const detail =
      taken && takenAs !== undefined && scim
        ? scim.logDetail.split(`"${taken.value}"`).join(`"${takenAs}"`)
        : scim?.logDetail;
    const fields: LogFields = {
      // What the reports count: Entra's requests below /scim/v2 (the fallback also answers
      // other paths, such as a browser's /favicon.ico).
      kind: isScimPath(event.rawPath) ? REQUEST_KIND.scim : REQUEST_KIND.other,
      operation: route.operation,
      method: event.requestContext?.http?.method,
      route: event.routeKey,
      path: event.rawPath,
      status,
      scimType: scim?.scimType,
      // logDetail: a detail that quotes the request (a filter's values) is logged by position.
      errorDetail: status >= 400 ? (detail ?? 'internal error') : undefined,
      ...(taken && takenAs !== undefined ? { [taken.attribute]: takenAs } : {}),
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
            policy,
          )
        : {}),
    };
    if (status >= 500 && status !== 501) {
      logger.error('request failed', { ...fields, error: error as Error });
    } else {
      logger.info('request', fields);
    }
    return publishRequestRecord(fields);
  };
  return {
    before: async (request) => {
      policies.set(request.event, await source());
    },
    after: async (request) => write(request),
    onError: async (request) => write(request),
  };
}

function isScimPath(path: string | undefined): boolean {
  return path === SCIM_BASE_PATH || (path?.startsWith(`${SCIM_BASE_PATH}/`) ?? false);
}
