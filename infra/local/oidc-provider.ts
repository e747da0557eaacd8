/**
 * A local OpenID provider standing in for the customer's Entra ID (oauth2-mock-server): it signs
 * ID tokens shaped like Entra's (`oid`, `tid`, `name`, `preferred_username`, `roles`, `wids`) for
 * a few test users, and signs in at once, without a login form. The page passes Entra's
 * `login_hint` through, which picks the user; without one the test administrator signs in. Tests
 * change a user's roles as an Entra administrator would (`setRoles`: the next ID token carries
 * them) and end the users' sign-in at the provider (`setSignedIn(false)`: a `prompt=none` request
 * then gets `login_required`, as from Entra).
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
  /** The app roles `username`'s next ID tokens carry (undefined: back to `LOCAL_USERS`). */
  setRoles(username: string, roles: readonly string[] | undefined): void;
  /**
   * Whether the users are signed in at the provider (the default): when not, a `prompt=none`
   * request is answered `login_required`; an interactive one signs in and restores it.
   */
  setSignedIn(signedIn: boolean): void;
  close(): Promise<void>;
}

/** Starts the provider on `port` (0: any free port) of the loopback interface. */
export async function startLocalOidcProvider(port = 0): Promise<LocalOidcProvider> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  // Which user each authorization code was issued to.
  const users = new Map<string, LocalUser>();
  // Roles changed by a test, by username.
  const roles = new Map<string, readonly string[]>();
  let signedIn = true;
  server.service.on('beforeAuthorizeRedirect', ({ url }, request) => {
    const query = new URL(request.url ?? '/', 'http://local').searchParams;
    if (query.get('prompt') === 'none' && !signedIn) {
      url.searchParams.delete('code');
      url.searchParams.set('error', 'login_required');
      return;
    }
    signedIn = true;
    const hint = query.get('login_hint');
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
      roles: [...(roles.get(user.username) ?? user.roles)],
      ...(user.wids ? { wids: [...user.wids] } : {}),
    });
  });
  await server.start(port, '127.0.0.1');
  const issuer = server.issuer.url;
  if (!issuer) throw new Error('the local OpenID provider did not start');
  return {
    issuer,
    setRoles: (username, changed) => {
      if (changed) roles.set(username, changed);
      else roles.delete(username);
    },
    setSignedIn: (value) => {
      signedIn = value;
    },
    close: () => server.stop(),
  };
}
