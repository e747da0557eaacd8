import { compileRoutePath, isScimRoute, type Route, routes } from '../routes.js';
import { RouteNotFoundError, ScimError } from '../scim/errors.js';
import type { ScimRequest, ScimResponse } from './types.js';

/**
 * The answer to a request no route matched (API Gateway's `$default` route):
 * - a known path with one trailing slash, which HTTP APIs do not match (`GET /Users/?filter=…`,
 *   as Microsoft's Postman suite sends it): 308 to the same URL without the slash, which keeps
 *   the method and the body;
 * - a known path with another method: 405 with `Allow`;
 * - anything else: 404.
 *
 * @example
 * routeNotFound({ method: 'GET', path: '/Users/', query, baseUrl, … })
 * // { status: 308, headers: { location: 'https://host/scim/v2/Users?filter=…' } }
 */
export function routeNotFound(
  request: ScimRequest,
  table: readonly Route[] = routes,
): ScimResponse {
  const { method, path } = request;
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : undefined;
  if (trimmed !== undefined && methodsOf(trimmed, table).includes(method)) {
    const query = request.query.toString();
    return {
      status: 308,
      headers: { location: `${request.baseUrl}${trimmed}${query ? `?${query}` : ''}` },
    };
  }
  const allowed = methodsOf(path, table);
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
  throw new RouteNotFoundError(method, path);
}

/**
 * The methods of the SCIM routes whose path matches `path` (below the SCIM base path). Routes
 * outside it (the token endpoint) are left out: `path` cannot tell `/oauth2/token` from
 * `/scim/v2/oauth2/token`, and a 405 naming the route's own method would mislead.
 */
function methodsOf(path: string, table: readonly Route[]): string[] {
  return [
    ...new Set(
      table
        .filter((route) => isScimRoute(route) && compileRoutePath(route.path).test(path))
        .map((route) => route.method),
    ),
  ];
}
