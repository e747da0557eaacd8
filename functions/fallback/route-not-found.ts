import { routeNotFound } from '../../shared/http/fallback.js';
import { scimHandler } from '../../shared/http/handler.js';
import { fallbackRoute } from '../../shared/routes.js';

/** API Gateway's `$default` route: every request no route matches (404, 405, trailing slash). */
export const handler = scimHandler(fallbackRoute.operation, async (request) =>
  routeNotFound(request),
);
