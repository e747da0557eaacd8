import { compileRoutePath, type Route, routePath, routes, SCIM_BASE_PATH } from '../routes.js';
import { RouteNotFoundError, ScimError } from '../scim/errors.js';
import type { ScimRequest, ScimResponse } from './types.js';

/**
 * The answer to a request no route matched (API Gateway's `$default` route):
 * - a known path with one trailing slash, which HTTP APIs do not match (`GET /Users/?filter=…`,
 *   as Microsoft's Postman suite sends it): 308 to the same URL without the slash, which keeps
 *   the method and the body;
 * - a known path with another method: 405 with `Allow`;
 * - `/Me` (RFC 7644 §3.11) and `/.search` at the root (§3.4.3), SCIM features the service does
 *   not implement: 501, as §3.11 asks (tokens name a provisioning client, not a user);
 * - anything else: 404.
 *
 * @example
 * routeNotFound({ method: 'GET', apiPath: '/scim/v2/Users/', query, baseUrl, … })
 * // { status: 308, headers: { location: 'https://host/scim/v2/Users?filter=…' } }
 */
export function routeNotFound(
  request: ScimRequest,
  table: readonly Route[] = routes,
): ScimResponse {
  // The whole path (`/scim/v2/Users/`, `/oauth2/token/`), compared with each route's whole path:
  // `/Users` outside the SCIM base path is not the route `/scim/v2/Users`.
  const { method, apiPath } = request;
  refuseUnsupportedFeature(apiPath);
  const trimmed = apiPath.length > 1 && apiPath.endsWith('/') ? apiPath.slice(0, -1) : undefined;
  if (trimmed !== undefined && methodsOf(trimmed, table).includes(method)) {
    const query = request.query.toString();
    // baseUrl ends in the SCIM base path; what precedes it is the origin and any mapping prefix.
    const origin = request.baseUrl.slice(0, request.baseUrl.length - SCIM_BASE_PATH.length);
    return {
      status: 308,
      headers: { location: `${origin}${encodePath(trimmed)}${query ? `?${query}` : ''}` },
    };
  }
  const allowed = methodsOf(apiPath, table);
  if (allowed.length > 0) {
    throw new ScimError(
      405,
      `${method} is not supported here; use ${allowed.join(', ')}.`,
      undefined,
      {
        Allow: allowed.join(', '),
      },
    );
  }
  throw new RouteNotFoundError(method, request.path);
}

/** The methods of the routes whose whole path (base included) matches `apiPath`. */
function methodsOf(apiPath: string, table: readonly Route[]): string[] {
  return [
    ...new Set(
      table
        .filter((route) => compileRoutePath(routePath(route)).test(apiPath))
        .map((route) => route.method),
    ),
  ];
}

const ME = `${SCIM_BASE_PATH}/Me`;
const ROOT_SEARCH = `${SCIM_BASE_PATH}/.search`;

/** 501 for the SCIM endpoints RFC 7644 defines that the service does not implement. */
function refuseUnsupportedFeature(apiPath: string): void {
  const path = apiPath.length > 1 && apiPath.endsWith('/') ? apiPath.slice(0, -1) : apiPath;
  if (path === ME || path.startsWith(`${ME}/`)) {
    throw new ScimError(
      501,
      'GroupTalk does not implement /Me (RFC 7644 §3.11): its tokens name a provisioning client, not a user.',
    );
  }
  if (path === ROOT_SEARCH) {
    throw new ScimError(
      501,
      'GroupTalk does not implement /.search at the root (RFC 7644 §3.4.3); use /Users/.search or /Groups/.search.',
    );
  }
}

/**
 * `path` (decoded, as API Gateway gives it) fit for a `Location` header: every character outside
 * RFC 3986's path characters percent-encoded as UTF-8 (a decoded `%` too), so CR, LF or a space
 * in an id cannot end or split the header.
 */
function encodePath(path: string): string {
  return path.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/gu, (character) =>
    [...Buffer.from(character, 'utf8')]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}
