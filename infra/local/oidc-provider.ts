/**
 * A local OpenID provider standing in for the customer's Entra ID (oauth2-mock-server): it signs
 * ID tokens shaped like Entra's (`oid`, `tid`, `name`, `preferred_username`, `roles`, `wids`) for
 * a few test users, and signs in at once, without a login form. The page passes Entra's
 * `login_hint` through, which picks the user; without one the test administrator signs in. Tests
 * change a user's roles as an Entra administrator would (`setRoles`: the next ID token carries
 * them) and end the users' sign-in at the provider (`setSignedIn(false)`: a `prompt=none` request
 * then gets `login_required`, as from Entra).
 *
 * It also stands in for Entra's incremental consent to Microsoft Graph: an authorization request
 * naming Graph scopes (`https://graph.microsoft.com/<permission>`) gets, after the user's consent,
 * an access token for Graph (`aud` `https://graph.microsoft.com`, `scp` the granted permissions
 * separated by spaces, as Entra's v2 tokens carry them, signed with the provider's keys), which the
 * local Graph stand-in verifies through the provider's JWKS. Tests decline the consent
 * (`setConsent('decline')`: `access_denied`, as Entra answers a user's "Cancel"), limit what a
 * user may be granted (`setGrantable`), and read which Graph tokens were issued
 * (`graphTokens()`, to check that none lands where it must not).
 *
 * As Entra's ID token claims reference says (MicrosoftDocs/entra-docs,
 * docs/identity-platform/id-token-claims-reference.md), `oid`, `name` and `preferred_username`
 * come only with the `profile` scope, and `sub` is pairwise (unique per application): a request
 * without `profile` gets an ID token without them and with a `sub` that is not the user's object id.
 */
import { createHash } from 'node:crypto';
import { OAuth2Server } from 'oauth2-mock-server';

/** The directory id of the local provider's users (the tenant's "Entra tenant"). */
export const LOCAL_DIRECTORY_ID = '00000000-0000-4000-8000-00000000c0de';
/** The app role that lets a user in locally (`ADMIN_ROLE=appRole:GroupTalk.Admin`). */
export const LOCAL_ADMIN_ROLE = 'GroupTalk.Admin';
/** The client id of the page's app registration locally. */
export const LOCAL_CLIENT_ID = 'grouptalk-admin-local';
/** Microsoft Graph's resource URI: the audience of its access tokens and its scopes' prefix. */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

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
  /**
   * How the next consents to Graph permissions go: `grant` (the default) or `decline` (the user
   * cancels Entra's consent page: `error=access_denied`).
   */
  setConsent(answer: 'grant' | 'decline'): void;
  /**
   * The Graph permissions `username` may be granted (undefined: any requested); others requested
   * are left out of the token, as when an admin without the right role consents for themselves.
   */
  setGrantable(username: string, permissions: readonly string[] | undefined): void;
  /** The Graph permissions `username` has consented to so far. */
  consented(username: string): readonly string[];
  /** Every Graph access token issued so far (tests check that none is stored or shown). */
  graphTokens(): readonly string[];
  close(): Promise<void>;
}

/** Starts the provider on `port` (0: any free port) of the loopback interface. */
export async function startLocalOidcProvider(port = 0): Promise<LocalOidcProvider> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  // Which user each authorization code was issued to.
  const users = new Map<string, LocalUser>();
  // The codes whose request asked for `profile` (the ID token then carries oid, name, username).
  const withProfile = new Set<string>();
  // Roles changed by a test, by username.
  const roles = new Map<string, readonly string[]>();
  let signedIn = true;
  let consentAnswer: 'grant' | 'decline' = 'grant';
  // Graph permissions granted with each authorization code, and consented to by each user.
  const grantedByCode = new Map<string, readonly string[]>();
  const consents = new Map<string, Set<string>>();
  const grantable = new Map<string, readonly string[]>();
  const issuedGraphTokens: string[] = [];
  server.service.on('beforeAuthorizeRedirect', ({ url }, request) => {
    const query = new URL(request.url ?? '/', 'http://local').searchParams;
    const refuse = (error: string, description: string) => {
      url.searchParams.delete('code');
      url.searchParams.set('error', error);
      url.searchParams.set('error_description', description);
    };
    if (query.get('prompt') === 'none' && !signedIn) {
      refuse(
        'login_required',
        'AADSTS50058: A silent sign-in request was sent but no user is signed in.',
      );
      return;
    }
    const hint = query.get('login_hint');
    const user =
      Object.values(LOCAL_USERS).find((candidate) => candidate.username === hint) ??
      (hint && hint in LOCAL_USERS ? LOCAL_USERS[hint as keyof typeof LOCAL_USERS] : undefined) ??
      LOCAL_USERS.admin;
    const requested = graphPermissions(query.get('scope'));
    if (requested.length > 0) {
      const consented = consents.get(user.username) ?? new Set<string>();
      const missing = requested.filter((permission) => !consented.has(permission));
      if (missing.length > 0 && query.get('prompt') === 'none') {
        // Entra's answer to a silent request that needs the consent page (AADSTS65001).
        refuse(
          'consent_required',
          'AADSTS65001: The user or administrator has not consented to use the application.',
        );
        return;
      }
      if (missing.length > 0 && consentAnswer === 'decline') {
        refuse('access_denied', 'AADSTS65004: User declined to consent to access the app.');
        return;
      }
      const allowed = grantable.get(user.username);
      const granted = requested.filter((permission) => !allowed || allowed.includes(permission));
      for (const permission of granted) consented.add(permission);
      consents.set(user.username, consented);
      const code = url.searchParams.get('code');
      if (code) grantedByCode.set(code, granted);
    }
    signedIn = true;
    const code = url.searchParams.get('code');
    if (code) users.set(code, user);
    if (code && (query.get('scope') ?? '').split(' ').includes('profile')) withProfile.add(code);
  });
  server.service.on('beforeTokenSigning', (token, request) => {
    const code = (request.body as { code?: unknown }).code;
    const user = typeof code === 'string' ? users.get(code) : undefined;
    if (!user) return;
    const profile = typeof code === 'string' && withProfile.has(code);
    Object.assign(token.payload, {
      tid: user.tid,
      roles: [...(roles.get(user.username) ?? user.roles)],
      ...(user.wids ? { wids: [...user.wids] } : {}),
    });
    if (profile) {
      Object.assign(token.payload, {
        sub: user.oid,
        oid: user.oid,
        name: user.name,
        preferred_username: user.username,
      });
    } else {
      // Entra's `sub` is pairwise: derived here from the user and the client, never the oid.
      const client = (request.body as { client_id?: unknown }).client_id;
      token.payload.sub = createHash('sha256')
        .update(`${user.oid}/${String(client ?? LOCAL_CLIENT_ID)}`)
        .digest('base64url')
        .slice(0, 43);
    }
    const granted = typeof code === 'string' ? grantedByCode.get(code) : undefined;
    // The access token (the ID token is the one addressed to the client): for Graph, as Entra's.
    if (granted && token.payload.aud === undefined) {
      delete token.payload.scope;
      Object.assign(token.payload, {
        aud: GRAPH_RESOURCE,
        scp: granted.join(' '),
        idtyp: 'user',
        ver: '1.0',
      });
    }
  });
  server.service.on('beforeResponse', (response, request) => {
    const code = (request.body as { code?: unknown }).code;
    const granted = typeof code === 'string' ? grantedByCode.get(code) : undefined;
    if (!granted || typeof code !== 'string') return;
    grantedByCode.delete(code);
    const body = response.body as Record<string, unknown>;
    // Entra answers with the granted scopes, and a refresh token only for `offline_access`.
    body.scope = granted.map((permission) => `${GRAPH_RESOURCE}/${permission}`).join(' ');
    delete body.refresh_token;
    if (typeof body.access_token === 'string') issuedGraphTokens.push(body.access_token);
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
    setConsent: (answer) => {
      consentAnswer = answer;
    },
    setGrantable: (username, permissions) => {
      if (permissions) grantable.set(username, permissions);
      else grantable.delete(username);
    },
    consented: (username) => [...(consents.get(username) ?? [])],
    graphTokens: () => [...issuedGraphTokens],
    close: () => server.stop(),
  };
}

/** The Graph permissions a `scope` parameter names (`https://graph.microsoft.com/X` → `X`). */
function graphPermissions(scope: string | null): string[] {
  const prefix = `${GRAPH_RESOURCE}/`;
  return (scope ?? '')
    .split(' ')
    .filter((item) => item.startsWith(prefix))
    .map((item) => item.slice(prefix.length))
    .filter(Boolean);
}
