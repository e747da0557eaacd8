import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ScimError } from '../scim/errors.js';
import { scimErrorOf } from '../service/errors.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * The one place an error becomes an HTTP response (RFC 7644 §3.12). A `ScimError` keeps its status,
 * scimType and detail, a store error the answer `scimErrorOf` gives it; anything else is a 500
 * that says nothing about its cause.
 */
export function errorResponse(thrown: unknown): APIGatewayProxyStructuredResultV2 {
  const error = scimErrorOf(thrown);
  const scim = error instanceof ScimError ? error : undefined;
  const status = scim?.status ?? 500;
  const body = errorBody(error);
  return {
    statusCode: status,
    headers: { 'content-type': SCIM_CONTENT_TYPE, ...(scim?.headers ?? {}) },
    body: JSON.stringify(body),
  };
}

/** The RFC 7644 §3.12 error body of `error` (also used for failed `POST /Bulk` operations). */
export function errorBody(thrown: unknown) {
  const error = scimErrorOf(thrown);
  const scim = error instanceof ScimError ? error : undefined;
  return {
    schemas: [ERROR_SCHEMA],
    status: String(scim?.status ?? 500),
    ...(scim?.scimType ? { scimType: scim.scimType } : {}),
    detail: scim?.detail ?? 'Internal server error',
  };
}
