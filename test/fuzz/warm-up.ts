/**
 * One request to every SCIM route before the cases are measured, so that no case's CPU counts a
 * handler module's import (the API Gateway stand-in imports a function on its first request, as
 * a Lambda cold start does) or the first fetch of the tenant's Entra key set.
 */
import { routes } from '../../shared/routes.js';
import type { EntraSettings } from './entra.js';
import type { Harness } from './harness.js';
import { buildToken, VALID_ENTRA_CASE } from './targets/entra-token.js';

export async function warmUp(harness: Harness, entra: EntraSettings): Promise<void> {
  for (const route of routes) {
    if (route.base !== undefined) continue;
    // An id nothing has and an empty body: 400s and 404s, nothing written.
    await harness.invoke({
      method: route.method,
      path: route.path.replace(/\{[^}]+\}/g, 'warm-up-none'),
      ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: '{}' }),
    });
  }
  const token = buildToken(VALID_ENTRA_CASE, entra, Math.floor(Date.now() / 1000));
  await harness.invoke({
    method: 'GET',
    path: '/Users',
    query: 'count=1',
    headers: { authorization: token.authorization },
  });
}
