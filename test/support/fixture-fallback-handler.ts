/** The fixture table's `$default` function: the service's fallback, over the fixture routes. */
import { routeNotFound } from '../../shared/http/fallback.js';
import { scimHandler } from '../../shared/http/handler.js';
import { fixtureRoutes } from './fixture-routes.js';

export const handler = scimHandler('fixtureRouteNotFound', async (request) =>
  routeNotFound(request, fixtureRoutes),
);
