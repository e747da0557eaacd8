/**
 * The one route table. The CDK stack, the local server and the route tests all read it;
 * nothing else lists routes.
 *
 * `path` is relative to the SCIM base path (`/scim/v2`) and uses API Gateway's syntax.
 * `entry` is the handler module relative to the repository root; every entry exports `handler`.
 */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** Stable operation name: used for function names, log fields and metrics. */
  readonly operation: string;
  readonly entry: string;
  /** Whether the handler writes to the table (read-only functions get read-only grants). */
  readonly writes: boolean;
}

export const SCIM_BASE_PATH = '/scim/v2';

export const routes: readonly Route[] = [
  {
    method: 'POST',
    path: '/Users',
    operation: 'createUser',
    entry: 'functions/users/create-user.ts',
    writes: true,
  },
  {
    method: 'GET',
    path: '/Users',
    operation: 'listUsers',
    entry: 'functions/users/list-users.ts',
    writes: false,
  },
  {
    method: 'GET',
    path: '/Users/{id}',
    operation: 'getUser',
    entry: 'functions/users/get-user.ts',
    writes: false,
  },
  {
    method: 'PUT',
    path: '/Users/{id}',
    operation: 'replaceUser',
    entry: 'functions/users/replace-user.ts',
    writes: true,
  },
  {
    method: 'PATCH',
    path: '/Users/{id}',
    operation: 'patchUser',
    entry: 'functions/users/patch-user.ts',
    writes: true,
  },
  {
    method: 'DELETE',
    path: '/Users/{id}',
    operation: 'deleteUser',
    entry: 'functions/users/delete-user.ts',
    writes: true,
  },
  {
    method: 'POST',
    path: '/Groups',
    operation: 'createGroup',
    entry: 'functions/groups/create-group.ts',
    writes: true,
  },
  {
    method: 'GET',
    path: '/Groups',
    operation: 'listGroups',
    entry: 'functions/groups/list-groups.ts',
    writes: false,
  },
  {
    method: 'GET',
    path: '/Groups/{id}',
    operation: 'getGroup',
    entry: 'functions/groups/get-group.ts',
    writes: false,
  },
  {
    method: 'PUT',
    path: '/Groups/{id}',
    operation: 'replaceGroup',
    entry: 'functions/groups/replace-group.ts',
    writes: true,
  },
  {
    method: 'PATCH',
    path: '/Groups/{id}',
    operation: 'patchGroup',
    entry: 'functions/groups/patch-group.ts',
    writes: true,
  },
  {
    method: 'DELETE',
    path: '/Groups/{id}',
    operation: 'deleteGroup',
    entry: 'functions/groups/delete-group.ts',
    writes: true,
  },
];

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
