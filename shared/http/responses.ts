import { BULK_RESPONSE_URN } from '../scim/bulk.js';
import { ScimError } from '../scim/errors.js';
import { type Projection, parseProjection } from '../scim/resource.js';
import type { BulkOperationResult } from '../service/bulk.js';
import type { Presented, PresentOptions, ResourceChange } from '../service/presentation.js';
import { matchesIfNoneMatch } from '../service/versions.js';
import { errorBody } from './error-response.js';
import { logger } from './logger.js';
import type { LogFields, ScimRequest, ScimResponse } from './types.js';

/** 201 with the resource, its `Location` and `ETag` (RFC 7644 §3.3). */
export function created(resource: Presented): ScimResponse {
  return {
    status: 201,
    body: resource.body,
    headers: { Location: resource.location, ETag: resource.etag },
  };
}

/** 200 with the resource and its `ETag`. */
export function ok(resource: Presented): ScimResponse {
  return {
    status: 200,
    body: resource.body,
    headers: { Location: resource.location, ETag: resource.etag },
  };
}

/**
 * The answer to a GET of one resource: 304 with the `ETag` and no body when `If-None-Match` names
 * the current version (RFC 7644 §3.14, RFC 7232 §3.2), else 200 with the resource.
 */
export function okUnlessNotModified(resource: Presented, request: ScimRequest): ScimResponse {
  return matchesIfNoneMatch(request.headers['if-none-match'], resource.record.version)
    ? { status: 304, headers: { ETag: resource.etag, Location: resource.location } }
    : ok(resource);
}

/**
 * The answer to a successful PATCH: 204 with the new `ETag`, unless the client asked for
 * attributes back (`attributes`/`excludedAttributes`), then 200 with the resource
 * (both allowed by RFC 7644 §3.5.2; Entra accepts either and Microsoft's suite expects 204).
 */
export function patched(resource: Presented, request: ScimRequest): ScimResponse {
  return asksForAttributes(request)
    ? ok(resource)
    : { status: 204, headers: { ETag: resource.etag, Location: resource.location } };
}

export function noContent(): ScimResponse {
  return { status: 204 };
}

/** How the handlers' services present resources: the request's base URL and projection. */
export function presentOptions(request: ScimRequest): PresentOptions {
  return { baseUrl: request.baseUrl, projection: projectionOf(request) };
}

/** The request's `attributes`/`excludedAttributes` projection. */
export function projectionOf(request: ScimRequest): Projection {
  return parseProjection(
    request.query.get('attributes') ?? undefined,
    request.query.get('excludedAttributes') ?? undefined,
  );
}

export function asksForAttributes(request: ScimRequest): boolean {
  return request.query.has('attributes') || request.query.has('excludedAttributes');
}

/**
 * The ids worth a log line: the resource's id and version and the identifiers an operator looks
 * a user or group up by (externalId, userName, displayName); never other attribute values.
 */
export function resourceLogFields(resource: Presented): LogFields {
  const { externalId, userName, displayName } = resource.record.data;
  return {
    resourceType: resource.record.type,
    resourceId: resource.record.id,
    externalId: typeof externalId === 'string' ? externalId : undefined,
    ...(resource.record.type === 'User'
      ? { userName: typeof userName === 'string' ? userName : undefined }
      : { displayName: typeof displayName === 'string' ? displayName : undefined }),
    version: resource.record.version,
    ...changeLogFields(resource.change),
  };
}

/**
 * Member ids a group write's log line lists, each way: enough for the members' timelines of
 * Entra's writes (it sends a few members per PATCH) while a line stays a few kilobytes (a PUT
 * may change 500: the counts always say how many).
 */
export const MAX_LOGGED_MEMBER_IDS = 100;

/**
 * The log fields of what a write changed: `activeChange`, and the member counts with the first
 * `MAX_LOGGED_MEMBER_IDS` ids each way (ids are GroupTalk's own, never personal data).
 *
 * @example changeLogFields({ membersAdded: ['u1'], membersRemoved: [] })
 * // { membersAdded: 1, membersRemoved: 0, addedMemberIds: ['u1'] }
 */
export function changeLogFields(change: ResourceChange | undefined): LogFields {
  if (!change) return {};
  const fields: LogFields = {};
  if (change.active) fields.activeChange = change.active;
  const { membersAdded: added, membersRemoved: removed } = change;
  if (added || removed) {
    fields.membersAdded = added?.length ?? 0;
    fields.membersRemoved = removed?.length ?? 0;
    if (added?.length) fields.addedMemberIds = added.slice(0, MAX_LOGGED_MEMBER_IDS);
    if (removed?.length) fields.removedMemberIds = removed.slice(0, MAX_LOGGED_MEMBER_IDS);
  }
  return fields;
}

/**
 * The identifiers a create request names (userName or displayName, externalId), logged before
 * the create runs: a refused create (409 uniqueness, 400) is then found by the name Entra sent,
 * as the integration page's history and the saved history query look it up.
 */
export function requestedLogFields(type: 'User' | 'Group', body: unknown): LogFields {
  if (body === null || typeof body !== 'object') return {};
  const { userName, displayName, externalId } = body as Record<string, unknown>;
  const text = (value: unknown) =>
    typeof value === 'string' && value.length <= 256 ? value : undefined;
  return {
    externalId: text(externalId),
    ...(type === 'User' ? { userName: text(userName) } : { displayName: text(displayName) }),
  };
}

/**
 * 200 with a discovery resource or list (RFC 7644 §4). These endpoints ignore query parameters,
 * except that a `filter` is refused with 403, so that no client believes its conditions held.
 */
export function discovery(request: ScimRequest, body: unknown): ScimResponse {
  if (request.query.has('filter')) {
    throw new ScimError(
      403,
      'Discovery endpoints (/ServiceProviderConfig, /ResourceTypes, /Schemas) do not support filter.',
    );
  }
  return { status: 200, body };
}

/**
 * 200 with the RFC 7644 §3.7.3 BulkResponse: per operation its method, bulkId, location, version
 * and status (as a string); a failed one also carries its error body as `response`. Successful
 * operations carry no body (RFC 7644 allows omitting it; the client reads `location`). Failures
 * that are not SCIM errors are logged here, as the request's own error mapper would have.
 */
export function bulkResponse(results: readonly BulkOperationResult[]): ScimResponse {
  return {
    status: 200,
    body: {
      schemas: [BULK_RESPONSE_URN],
      Operations: results.map((result) => {
        if (result.error !== undefined && !(result.error instanceof ScimError)) {
          logger.error('bulk operation failed', {
            operationIndex: result.index,
            method: result.method,
            error: result.error as Error,
          });
        }
        return {
          method: result.method,
          ...(result.bulkId === undefined ? {} : { bulkId: result.bulkId }),
          ...(result.location === undefined ? {} : { location: result.location }),
          ...(result.version === undefined ? {} : { version: result.version }),
          status: String(result.status),
          ...(result.error === undefined ? {} : { response: errorBody(result.error) }),
        };
      }),
    },
  };
}
