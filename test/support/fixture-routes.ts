/**
 * A route table of fixtures for the local server's tests, with its own `$default` function
 * (`fixture-fallback-handler.ts`) that answers from this table as the service's fallback answers
 * from the service's.
 */
import type { DefaultRoute } from '../../infra/local/api-gateway.js';
import type { Route } from '../../shared/routes.js';

/**
 * Fixture routes: one echoing the raw event (also at the API's root, outside the SCIM base path,
 * as the token endpoint is), one behind the real SCIM handler chain.
 */
export const fixtureRoutes: readonly Route[] = [
  {
    method: 'POST',
    base: '',
    path: '/oauth2/echo',
    operation: 'echoRoot',
    entry: 'test/support/echo-event-handler.ts',
    table: 'none',
  },
  {
    method: 'GET',
    path: '/Echo/{id}',
    operation: 'echoEvent',
    entry: 'test/support/echo-event-handler.ts',
    table: 'none',
  },
  {
    method: 'POST',
    path: '/Echo',
    operation: 'echoEvent',
    entry: 'test/support/echo-event-handler.ts',
    table: 'none',
  },
  {
    method: 'GET',
    path: '/Things',
    operation: 'echoScim',
    entry: 'test/support/echo-scim-handler.ts',
    table: 'none',
  },
  {
    method: 'PATCH',
    path: '/Things/{id}',
    operation: 'echoScim',
    entry: 'test/support/echo-scim-handler.ts',
    table: 'none',
  },
];

/** The `$default` route of the fixture table. */
export const fixtureDefaultRoute: DefaultRoute = {
  operation: 'fixtureRouteNotFound',
  entry: 'test/support/fixture-fallback-handler.ts',
};
