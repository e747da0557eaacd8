/**
 * A local OpenID provider standing in for the customer's Entra ID (oauth2-mock-server): it signs
 * ID tokens shaped like Entra's (`oid`, `tid`, `name`, `preferred_username`, `roles`, `wids`) for
 * a few test users, and signs in at once, without a login form. The page passes Entra's
 * `login_hint` through, which picks the user; without one the test administrator signs in.
 */
import { OAuth2Server } from 'oauth2-mock-server';

/** The directory id of the local provider's users (the tenant's "Entra tenant"). */
export const LOCAL_DIRECTORY_ID = '00000000-0000-4000-8000-00000000c0de';
/** The app role that lets a user in locally (`ADMIN_ROLE=appRole:GroupTalk.Admin`). */
export const LOCAL_ADMIN_ROLE = 'GroupTalk.Admin';
/** The client id of the page's app registration locally. */
export const LOCAL_CLIENT_ID = 'grouptalk-admin-local';

export interface LocalUser {
  readonly oid: string;
  readonly name: string;
  readonly username: string;
  readonly tid: string;
  readonly roles: readonly string[];
  readonly wids?: readonly string[];
}

/** The test users, by the `login_hint` that picks them. */
export const LOCAL_USERS = {
  /** Holds the admin role: gets in. The default. */
  admin: {
    oid: '11111111-1111-4111-8111-111111111111',
    name: 'Ada Admin',
    username: 'ada.admin@contoso.test',
    tid: LOCAL_DIRECTORY_ID,
    roles: [LOCAL_ADMIN_ROLE],
  },
  /** A user of the directory without the role: refused. */
  member: {
    oid: '22222222-2222-4222-8222-222222222222',
    name: 'Max Member',
    username: 'max.member@contoso.test',
    tid: LOCAL_DIRECTORY_ID,
    roles: [],
  },
  /** Holds a role of the same name in another directory: refused. */
  outsider: {
    oid: '33333333-3333-4333-8333-333333333333',
    name: 'Olga Outsider',
    username: 'olga@fabrikam.test',
    tid: '99999999-9999-4999-8999-999999999999',
    roles: [LOCAL_ADMIN_ROLE],
  },
} as const satisfies Record<string, LocalUser>;

export interface LocalOidcProvider {
  /** The issuer URL, e.g. `http://127.0.0.1:41234`. */
  readonly issuer: string;
  close(): Promise<void>;
}

/** Starts the provider on `port` (0: any free port) of the loopback interface. */
export async function startLocalOidcProvider(port = 0): Promise<LocalOidcProvider> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  // Which user each authorization code was issued to.
  const users = new Map<string, LocalUser>();
  server.service.on('beforeAuthorizeRedirect', ({ url }, request) => {
    const hint = new URL(request.url ?? '/', 'http://local').searchParams.get('login_hint');
    const user =
      Object.values(LOCAL_USERS).find((candidate) => candidate.username === hint) ??
      (hint && hint in LOCAL_USERS ? LOCAL_USERS[hint as keyof typeof LOCAL_USERS] : undefined) ??
      LOCAL_USERS.admin;
    const code = url.searchParams.get('code');
    if (code) users.set(code, user);
  });
  server.service.on('beforeTokenSigning', (token, request) => {
    const code = (request.body as { code?: unknown }).code;
    const user = typeof code === 'string' ? users.get(code) : undefined;
    if (!user) return;
    Object.assign(token.payload, {
      sub: user.oid,
      oid: user.oid,
      tid: user.tid,
      name: user.name,
      preferred_username: user.username,
      roles: [...user.roles],
      ...(user.wids ? { wids: [...user.wids] } : {}),
    });
  });
  await server.start(port, '127.0.0.1');
  const issuer = server.issuer.url;
  if (!issuer) throw new Error('the local OpenID provider did not start');
  return { issuer, close: () => server.stop() };
}
