import { type Projection, parseProjection } from '../scim/resource.js';
import type { Presented } from '../service/resources.js';
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

/** The ids worth a log line: never attribute values beyond the external id. */
export function resourceLogFields(resource: Presented): LogFields {
  const externalId = resource.record.data.externalId;
  return {
    resourceType: resource.record.type,
    resourceId: resource.record.id,
    externalId: typeof externalId === 'string' ? externalId : undefined,
    version: resource.record.version,
  };
}
