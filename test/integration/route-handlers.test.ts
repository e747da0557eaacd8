/**
 * Each function declares its operation in `scimHandler('getUser', …)`; the route table names the
 * same operation for the function's entry, and the function name, log lines and metrics all use
 * it. This proves the two agree for every route, and that each route's resource type is what its
 * handler's log lines carry.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { adminRoutes, fallbackRoute, routes } from '../../shared/routes.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function declaredOperation(entry: string): Promise<unknown> {
  const module = (await import(pathToFileURL(join(REPO_ROOT, entry)).href)) as {
    handler?: { operation?: unknown };
  };
  return module.handler?.operation;
}

describe('route table and handler modules', () => {
  it.each(routes.map((route) => [route.entry, route.operation] as const))(
    '%s declares the operation %s',
    async (entry, operation) => {
      expect(await declaredOperation(entry)).toBe(operation);
    },
  );

  it.each(adminRoutes.map((route) => [route.entry, route.operation] as const))(
    'integration page: %s declares the operation %s',
    async (entry, operation) => {
      expect(await declaredOperation(entry)).toBe(operation);
    },
  );

  it('the fallback function declares the fallback operation', async () => {
    expect(await declaredOperation(fallbackRoute.entry)).toBe(fallbackRoute.operation);
  });

  it('gives every /Users and /Groups route its resource type, and no other route one', () => {
    for (const route of routes) {
      const expected = route.path.startsWith('/Users')
        ? 'User'
        : route.path.startsWith('/Groups')
          ? 'Group'
          : undefined;
      expect(route.resourceType, `${route.method} ${route.path}`).toBe(expected);
    }
  });
});
