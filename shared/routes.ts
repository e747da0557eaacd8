/**
 * The one route table. The CDK stack, the local server and the route tests all read it;
 * nothing else lists routes.
 *
 * `path` is relative to the route's `base` (the SCIM base path `/scim/v2` unless the route says
 * otherwise) and uses API Gateway's syntax; `routePath(route)` is the whole path.
 * `entry` is the handler module relative to the repository root; every entry exports `handler`.
 */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * The prefix `path` lives under: `SCIM_BASE_PATH` when omitted, `''` for a route at the API's
   * root (the OAuth token endpoint `/oauth2/token`, the admin page), or another prefix.
   */
  readonly base?: string;
  readonly path: string;
  /** Stable operation name: used for function names, log fields and metrics. */
  readonly operation: string;
  /** The SCIM resource type the route serves, logged with each of its requests. */
  readonly resourceType?: 'User' | 'Group';
  readonly entry: string;
  /** What the handler does with the table; its function is granted exactly that. */
  readonly table: TableAccess;
  /**
   * The function's timeout in seconds when a route needs longer than a request's default (the
   * Entra callback's run of Graph calls); always under API Gateway's 29 s.
   */
  readonly timeoutSeconds?: number;
}

/**
 * A function's use of the table: `none` (discovery: no grant at all), `read` (GetItem,
 * BatchGetItem, Query) or `write` (reads plus conditional and transactional writes).
 */
export type TableAccess = 'none' | 'read' | 'write';

/**
 * The function behind API Gateway's `$default` route, which receives every request no route
 * matches: a wrong method (405), an unknown path (404) or a known path with one trailing slash,
 * which HTTP APIs do not match (308 to the path without it).
 */
export const fallbackRoute = {
  operation: 'routeNotFound',
  entry: 'functions/fallback/route-not-found.ts',
  table: 'none',
} as const satisfies Pick<Route, 'operation' | 'entry' | 'table'>;

export const SCIM_BASE_PATH = '/scim/v2';

/**
 * The customer's integration page (`/admin`) and the JSON API it uses (`/admin/api/…`), served at
 * the API's root beside `/scim/v2` for a tenant whose settings enable it (it needs the customer's
 * Entra app registration); `npm start` serves them with a local OpenID provider. See `shared/admin`.
 */
export const ADMIN_BASE_PATH = '/admin';

export const adminRoutes: readonly Route[] = [
  {
    method: 'GET',
    base: '',
    path: '/admin',
    operation: 'adminPage',
    entry: 'functions/admin/page.ts',
    table: 'read',
  },
  {
    method: 'GET',
    base: ADMIN_BASE_PATH,
    path: '/assets/{name}',
    operation: 'adminAsset',
    entry: 'functions/admin/asset.ts',
    table: 'none',
  },
  {
    method: 'GET',
    base: ADMIN_BASE_PATH,
    path: '/sign-in',
    operation: 'adminSignIn',
    entry: 'functions/admin/sign-in.ts',
    // Writes nothing in AWS (the cookie-sealing key is derived from KMS); locally, where no key is
    // configured, it may create that key in the table on first use, which IAM does not govern.
    table: 'read',
  },
  {
    method: 'GET',
    base: ADMIN_BASE_PATH,
    path: '/callback',
    operation: 'adminCallback',
    entry: 'functions/admin/callback.ts',
    table: 'write',
  },
  {
    method: 'POST',
    base: ADMIN_BASE_PATH,
    path: '/sign-out',
    operation: 'adminSignOut',
    entry: 'functions/admin/sign-out.ts',
    table: 'write',
  },
  {
    method: 'GET',
    base: ADMIN_BASE_PATH,
    path: '/api/session',
    operation: 'adminSession',
    entry: 'functions/admin/get-session.ts',
    table: 'read',
  },
  {
    method: 'GET',
    base: ADMIN_BASE_PATH,
    path: '/api/audit',
    operation: 'listAdminActions',
    entry: 'functions/admin/list-audit.ts',
    table: 'read',
  },
  {
    method: 'GET',
    base: ADMIN_BASE_PATH,
    path: '/api/reports',
    operation: 'getProvisioningReport',
    entry: 'functions/admin/get-report.ts',
    table: 'read',
  },
  {
    method: 'GET',
    base: ADMIN_BASE_PATH,
    path: '/api/history',
    operation: 'getResourceHistory',
    entry: 'functions/admin/get-history.ts',
    table: 'read',
  },
  {
    method: 'GET',
    base: ADMIN_BASE_PATH,
    path: '/api/directory',
    operation: 'searchDirectory',
    entry: 'functions/admin/search-directory.ts',
    table: 'read',
  },
  {
    method: 'GET',
    base: ADMIN_BASE_PATH,
    path: '/api/directory/{type}/{id}',
    operation: 'getDirectoryResource',
    entry: 'functions/admin/get-directory-resource.ts',
    table: 'read',
  },
  {
    method: 'GET',
    base: ADMIN_BASE_PATH,
    path: '/api/credentials',
    operation: 'listCredentials',
    entry: 'functions/admin/list-credentials.ts',
    table: 'read',
  },
  {
    method: 'POST',
    base: ADMIN_BASE_PATH,
    path: '/api/tokens',
    operation: 'generateSecretToken',
    entry: 'functions/admin/create-token.ts',
    table: 'write',
  },
  {
    method: 'POST',
    base: ADMIN_BASE_PATH,
    path: '/api/clients',
    operation: 'createOAuthClient',
    entry: 'functions/admin/create-client.ts',
    table: 'write',
  },
  {
    method: 'POST',
    base: ADMIN_BASE_PATH,
    path: '/api/credentials/{id}/revoke',
    operation: 'revokeCredential',
    entry: 'functions/admin/revoke-credential.ts',
    table: 'write',
  },
  {
    method: 'POST',
    base: ADMIN_BASE_PATH,
    path: '/api/clients/{id}/secrets',
    operation: 'addClientSecret',
    entry: 'functions/admin/add-client-secret.ts',
    table: 'write',
  },
  {
    method: 'POST',
    base: ADMIN_BASE_PATH,
    path: '/api/clients/{id}/secrets/{secretId}/revoke',
    operation: 'revokeClientSecret',
    entry: 'functions/admin/revoke-client-secret.ts',
    table: 'write',
  },
  {
    method: 'GET',
    base: ADMIN_BASE_PATH,
    path: '/api/entra',
    operation: 'getEntraConnection',
    entry: 'functions/admin/get-entra-connection.ts',
    table: 'read',
  },
  {
    // Starts the consent round-trip of a button that needs Microsoft Graph (connect, disconnect,
    // a job action, a log read): a POST with the CSRF token, never a link another site could use.
    method: 'POST',
    base: ADMIN_BASE_PATH,
    path: '/api/entra/authorize',
    operation: 'authorizeEntraAction',
    entry: 'functions/admin/authorize-entra-action.ts',
    table: 'read',
  },
  {
    // Entra's answer: runs the action with the Graph token of this one request (registers and
    // revokes the credential put in Entra, so it manages credentials and signs Secret Tokens).
    method: 'GET',
    base: ADMIN_BASE_PATH,
    path: '/entra/callback',
    operation: 'entraCallback',
    entry: 'functions/admin/entra-callback.ts',
    table: 'write',
    timeoutSeconds: 28,
  },
];

/**
 * Routes whose functions read the request records of the SCIM functions with Logs Insights: only
 * the history's deep search (`source=logs`), on demand. The reports and the ordinary history read
 * the aggregated report items in the table (`shared/store/reports.ts`).
 */
export const REPORT_OPERATIONS: ReadonlySet<string> = new Set(['getResourceHistory']);

/**
 * Routes whose functions manage the credential registry (the `CREDENTIALS` partition): create and
 * revoke credentials and secrets, count the token endpoint's failed attempts. Every other function
 * may only stamp a credential's `lastUsedAt` there (IAM: `dynamodb:LeadingKeys` with
 * `lambda:SourceFunctionArn`).
 */
export const CREDENTIAL_OPERATIONS: ReadonlySet<string> = new Set([
  'issueAccessToken',
  'generateSecretToken',
  'createOAuthClient',
  'revokeCredential',
  'addClientSecret',
  'revokeClientSecret',
  'entraCallback',
]);

/**
 * Integration-page routes that neither open nor seal a cookie (the page's static files): their
 * functions are not allowed to derive the page's session key.
 */
export const SESSIONLESS_OPERATIONS: ReadonlySet<string> = new Set(['adminAsset']);

export const routes: readonly Route[] = [
  {
    method: 'POST',
    path: '/Users',
    operation: 'createUser',
    resourceType: 'User',
    entry: 'functions/users/create-user.ts',
    table: 'write',
  },
  {
    method: 'GET',
    path: '/Users',
    operation: 'listUsers',
    resourceType: 'User',
    entry: 'functions/users/list-users.ts',
    table: 'read',
  },
  {
    method: 'POST',
    path: '/Users/.search',
    operation: 'searchUsers',
    resourceType: 'User',
    entry: 'functions/users/search-users.ts',
    table: 'read',
  },
  {
    method: 'GET',
    path: '/Users/{id}',
    operation: 'getUser',
    resourceType: 'User',
    entry: 'functions/users/get-user.ts',
    table: 'read',
  },
  {
    method: 'PUT',
    path: '/Users/{id}',
    operation: 'replaceUser',
    resourceType: 'User',
    entry: 'functions/users/replace-user.ts',
    table: 'write',
  },
  {
    method: 'PATCH',
    path: '/Users/{id}',
    operation: 'patchUser',
    resourceType: 'User',
    entry: 'functions/users/patch-user.ts',
    table: 'write',
  },
  {
    method: 'DELETE',
    path: '/Users/{id}',
    operation: 'deleteUser',
    resourceType: 'User',
    entry: 'functions/users/delete-user.ts',
    table: 'write',
  },
  {
    method: 'POST',
    path: '/Groups',
    operation: 'createGroup',
    resourceType: 'Group',
    entry: 'functions/groups/create-group.ts',
    table: 'write',
  },
  {
    method: 'GET',
    path: '/Groups',
    operation: 'listGroups',
    resourceType: 'Group',
    entry: 'functions/groups/list-groups.ts',
    table: 'read',
  },
  {
    method: 'POST',
    path: '/Groups/.search',
    operation: 'searchGroups',
    resourceType: 'Group',
    entry: 'functions/groups/search-groups.ts',
    table: 'read',
  },
  {
    method: 'GET',
    path: '/Groups/{id}',
    operation: 'getGroup',
    resourceType: 'Group',
    entry: 'functions/groups/get-group.ts',
    table: 'read',
  },
  {
    method: 'PUT',
    path: '/Groups/{id}',
    operation: 'replaceGroup',
    resourceType: 'Group',
    entry: 'functions/groups/replace-group.ts',
    table: 'write',
  },
  {
    method: 'PATCH',
    path: '/Groups/{id}',
    operation: 'patchGroup',
    resourceType: 'Group',
    entry: 'functions/groups/patch-group.ts',
    table: 'write',
  },
  {
    method: 'DELETE',
    path: '/Groups/{id}',
    operation: 'deleteGroup',
    resourceType: 'Group',
    entry: 'functions/groups/delete-group.ts',
    table: 'write',
  },
  {
    method: 'POST',
    path: '/Bulk',
    operation: 'bulk',
    entry: 'functions/bulk/bulk.ts',
    table: 'write',
  },
  {
    // The OAuth 2.0 token endpoint (client credentials) Entra fetches access tokens from.
    method: 'POST',
    base: '',
    path: '/oauth2/token',
    operation: 'issueAccessToken',
    entry: 'functions/oauth/token.ts',
    // Reads the client, records failed attempts and last use.
    table: 'write',
  },
  {
    method: 'GET',
    path: '/ServiceProviderConfig',
    operation: 'getServiceProviderConfig',
    entry: 'functions/discovery/get-service-provider-config.ts',
    table: 'none',
  },
  {
    method: 'GET',
    path: '/ResourceTypes',
    operation: 'listResourceTypes',
    entry: 'functions/discovery/list-resource-types.ts',
    table: 'none',
  },
  {
    method: 'GET',
    path: '/ResourceTypes/{id}',
    operation: 'getResourceType',
    entry: 'functions/discovery/get-resource-type.ts',
    table: 'none',
  },
  {
    method: 'GET',
    path: '/Schemas',
    operation: 'listSchemas',
    entry: 'functions/discovery/list-schemas.ts',
    table: 'none',
  },
  {
    method: 'GET',
    path: '/Schemas/{id}',
    operation: 'getSchema',
    entry: 'functions/discovery/get-schema.ts',
    table: 'none',
  },
];

/**
 * The route's whole path below the API's root: its base then its path.
 *
 * @example
 * routePath({ path: '/Users/{id}', … }) // '/scim/v2/Users/{id}'
 * routePath({ base: '', path: '/oauth2/token', … }) // '/oauth2/token'
 */
export function routePath(route: Pick<Route, 'base' | 'path'>): string {
  return `${route.base ?? SCIM_BASE_PATH}${route.path}`;
}

/** Whether the route lives below the SCIM base path (SCIM resources and discovery). */
export function isScimRoute(route: Pick<Route, 'base'>): boolean {
  return (route.base ?? SCIM_BASE_PATH) === SCIM_BASE_PATH;
}

/**
 * The route of an operation (`getUser`), or undefined for one the table does not hold (the
 * fallback, test fixtures).
 *
 * @example
 * routeOfOperation('getUser')?.resourceType // 'User'
 */
export function routeOfOperation(operation: string): Route | undefined {
  return routes.find((route) => route.operation === operation);
}

/** Builds a matcher for a route path such as `/Users/{id}` (case-sensitive, like API Gateway). */
export function compileRoutePath(path: string): RegExp {
  const pattern = path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      return param ? `(?<${param[1]}>[^/]+)` : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${pattern}$`);
}
