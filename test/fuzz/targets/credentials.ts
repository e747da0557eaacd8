/**
 * Fuzz targets of issue 21 (credentials):
 * - `wif-assertion`: Entra workload-identity assertions (RFC 7523) at `POST /oauth2/token`, around
 *   every rule of `shared/credentials/token-endpoint.ts`: both audience forms Microsoft shows
 *   (configured and carried), lifetimes from `iat` and from `nbf`, the clock, the subject, and
 *   replays of an assertion already exchanged. The oracle is written from the rules: 200 with a
 *   Bearer token exactly when they all hold, else 401 `invalid_client`; never anything else.
 * - `token-type`: the service's own tokens with every mix of type (`typ`), named credential
 *   (`cid`, `jti`), secret (`sid`) and expiry, sent as `GET /Users`: 200 exactly when an access
 *   token names an OAuth client with a secret it holds (or `wif`, for a client set up for it), or
 *   a Secret Token names a Secret Token credential; else 401.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { TOKEN_ISSUER, tokenAudience } from '../../../shared/config.js';
import {
  type CredentialRegistry,
  createCredentialRegistry,
} from '../../../shared/credentials/registry.js';
import { createLocalSigner, signJwt } from '../../../shared/credentials/signer.js';
import {
  JWT_BEARER_ASSERTION,
  MAX_ASSERTION_LIFETIME_SECONDS,
  MAX_FAILED_ATTEMPTS,
} from '../../../shared/credentials/token-endpoint.js';
import { ACCESS_TOKEN_TYP } from '../../../shared/credentials/tokens.js';
import { documentClient, tableName } from '../../../shared/store/client.js';
import { CaseLog } from '../case-log.js';
import { defineTarget, type FuzzContext, type FuzzTarget } from '../target.js';

/** Clock skew the endpoint tolerates on `exp`, `nbf` and `iat` (seconds). */
const TOLERANCE = 30;
const ENTRA_TENANT = '5d2e8c1a-7b3f-4e6d-9a0c-2f1e3d4c5b6a';
const SUBJECT = 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b';
const AUDIENCE = 'api://7c6b5a49-3827-4615-9d8e-1f2a3b4c5d6e';

function registry(): CredentialRegistry {
  return createCredentialRegistry({
    documents: documentClient(),
    tableName: tableName(),
    cacheMs: 0,
  });
}

/** Mostly `ok`, so that a good share of the cases keep every rule. */
function mostly<T>(ok: T, ...variants: fc.Arbitrary<T>[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant(ok) },
    ...variants.map((arbitrary) => ({ weight: 1, arbitrary })),
  );
}

const assertionShape = fc.record({
  configured: fc.constantFrom<'portal' | 'token'>('portal', 'token'),
  aud: mostly<string>(
    'base',
    fc.constantFrom('default', 'other', 'extended', 'upper', 'in-array', 'absent', 'default-slash'),
  ),
  sub: mostly<string>('ok', fc.constantFrom('other', 'absent')),
  /** Seconds from now. */
  iat: mostly<number>(-60, fc.constantFrom(0, -3_600, -86_400, 25, 29, 31, 35, 600)),
  /** Seconds from `iat`. */
  lifetime: mostly<number>(
    3_900,
    fc.constantFrom(
      60,
      3_600,
      MAX_ASSERTION_LIFETIME_SECONDS - 1,
      MAX_ASSERTION_LIFETIME_SECONDS,
      MAX_ASSERTION_LIFETIME_SECONDS + 1,
      20 * 3_600,
    ),
    fc.integer({ min: -100, max: 8_000 }),
  ),
  /** Seconds from `iat`, or none. */
  nbf: mostly<number | 'absent'>(
    0,
    fc.constantFrom<number | 'absent'>('absent', -60, -7_200, 3_600),
  ),
  id: mostly<'jti' | 'uti' | 'none' | 'replay'>(
    'jti',
    fc.constantFrom<'jti' | 'uti' | 'none' | 'replay'>('uti', 'none', 'replay', 'replay'),
  ),
});
type AssertionShape = typeof assertionShape extends fc.Arbitrary<infer T> ? T : never;

interface Built {
  readonly jwt: string;
  readonly claims: Record<string, unknown>;
  readonly replay: boolean;
}

/** Whether the endpoint must accept `built` at `now` (seconds), from the rules alone. */
function accepted(built: Built, now: number): boolean {
  const { aud, sub, iat, exp, nbf } = built.claims as {
    aud?: string | string[];
    sub?: string;
    iat: number;
    exp: number;
    nbf?: number;
  };
  const audiences = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
  const audienceOk = audiences.some(
    (value) => value === AUDIENCE || value === `${AUDIENCE}/.default`,
  );
  const from = nbf ?? iat;
  return (
    !built.replay &&
    audienceOk &&
    sub === SUBJECT &&
    exp > now - TOLERANCE &&
    from <= now + TOLERANCE &&
    iat <= now + TOLERANCE &&
    exp - iat <= MAX_ASSERTION_LIFETIME_SECONDS &&
    exp - from <= MAX_ASSERTION_LIFETIME_SECONDS
  );
}

/** A local stand-in for the Entra tenant's key set, unref'd so it never holds a run open. */
async function keySetServer(jwk: JWK): Promise<string> {
  const path = `/${ENTRA_TENANT}/discovery/v2.0/keys`;
  const server: Server = createServer((request, response) => {
    if (request.url !== path) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Builds `wif-assertion`. Sets `ENTRA_AUTHORITY_URL` for the token endpoint, so it must be built
 * before the endpoint's first request (the handler reads it once).
 */
export async function assertionTarget(context: FuzzContext): Promise<FuzzTarget> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'fuzz-wif-1';
  process.env.ENTRA_AUTHORITY_URL = await keySetServer({
    ...(await exportJWK(publicKey)),
    kid,
    alg: 'RS256',
  });
  const identity = { entraTenantId: ENTRA_TENANT, subject: SUBJECT };
  /** A client per configured form, replaced before its own throttle would answer 429. */
  const clients = new Map<'portal' | 'token', { id: string; refused: number }>();
  const clientFor = async (form: 'portal' | 'token') => {
    const current = clients.get(form);
    if (current && current.refused < MAX_FAILED_ATTEMPTS - 1) return current;
    const audience = form === 'portal' ? `${AUDIENCE}/.default` : AUDIENCE;
    const { credential } = await registry().createClient({
      createdBy: 'fuzz',
      workloadIdentity: { ...identity, audience },
    });
    const fresh = { id: credential.id, refused: 0 };
    clients.set(form, fresh);
    return fresh;
  };
  let lastAccepted: string | undefined;
  let counter = 0;

  const build = async (input: AssertionShape, now: number): Promise<Built> => {
    if (input.id === 'replay' && lastAccepted !== undefined) {
      const claims = JSON.parse(Buffer.from(lastAccepted.split('.')[1]!, 'base64url').toString());
      return { jwt: lastAccepted, claims, replay: true };
    }
    const iat = now + input.iat;
    const aud = {
      base: AUDIENCE,
      default: `${AUDIENCE}/.default`,
      'default-slash': `${AUDIENCE}/.default/`,
      other: 'api://some-other-resource',
      extended: `${AUDIENCE}0`,
      upper: AUDIENCE.toUpperCase(),
      'in-array': ['api://some-other-resource', AUDIENCE],
      absent: undefined,
    }[input.aud];
    counter += 1;
    const unique = `fuzz-${Date.now().toString(36)}-${counter}`;
    const claims: Record<string, unknown> = {
      iss: `https://login.microsoftonline.com/${ENTRA_TENANT}/v2.0`,
      tid: ENTRA_TENANT,
      iat,
      exp: iat + input.lifetime,
      ...(input.nbf === 'absent' ? {} : { nbf: iat + input.nbf }),
      ...(aud === undefined ? {} : { aud }),
      ...(input.sub === 'absent' ? {} : { sub: input.sub === 'ok' ? SUBJECT : unique }),
      ...(input.id === 'jti' ? { jti: unique } : input.id === 'uti' ? { uti: unique } : {}),
      // Without jti or uti, the signature tells assertions apart: vary the claims it covers.
      ver: '2.0',
      rh: unique,
    };
    const jwt = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .sign(privateKey);
    return { jwt, claims, replay: false };
  };

  return defineTarget({
    name: 'wif-assertion',
    description: `POST /oauth2/token with Entra assertions around every rule (audience forms configured and carried, lifetime from iat and nbf up to ${MAX_ASSERTION_LIFETIME_SECONDS} s, clock, subject, replays): 200 exactly when they hold, else 401 invalid_client`,
    arbitrary: assertionShape,
    async run(input) {
      const problems: { kind: 'server-error' | 'unexpected'; detail: string }[] = [];
      const before = Math.floor(Date.now() / 1000);
      const client = await clientFor(input.configured);
      const built = await build(input, before);
      const answer = await context.harness.invoke({
        method: 'POST',
        base: '',
        path: '/oauth2/token',
        headers: { authorization: undefined, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: client.id,
          client_assertion_type: JWT_BEARER_ASSERTION,
          client_assertion: built.jwt,
          scope: 'scim',
        }).toString(),
      });
      const after = Math.floor(Date.now() / 1000);
      const verdicts = new Set([accepted(built, before), accepted(built, after)]);
      const shown = `claims ${JSON.stringify(built.claims)}${built.replay ? ' (replayed)' : ''}`;
      if (answer.status >= 500 || answer.threw !== undefined) {
        problems.push({ kind: 'server-error', detail: `${answer.status} for ${shown}` });
      } else if (answer.status === 200 && verdicts.has(true)) {
        if (answer.body?.token_type !== 'Bearer' || typeof answer.body?.access_token !== 'string') {
          problems.push({
            kind: 'unexpected',
            detail: `200 without a Bearer token: ${answer.text}`,
          });
        }
        lastAccepted = built.jwt;
      } else if (answer.status === 401 && verdicts.has(false)) {
        client.refused += 1;
        if (answer.body?.error !== 'invalid_client' || !answer.headers['www-authenticate']) {
          problems.push({ kind: 'unexpected', detail: `401 not invalid_client: ${answer.text}` });
        }
      } else {
        client.refused += 1;
        problems.push({
          kind: 'unexpected',
          detail: `${answer.status} ${answer.text.slice(0, 160)}; the rules say ${[...verdicts].map((ok) => (ok ? 200 : 401)).join(' or ')} for ${shown}`,
        });
      }
      return { statuses: [answer.status], problems };
    },
    async reset() {},
  });
}

const tokenShape = fc.record({
  typ: mostly<string>(ACCESS_TOKEN_TYP, fc.constantFrom('JWT', 'AT+JWT', 'application/at+jwt')),
  cid: fc.constantFrom('absent', 'client', 'wif-client', 'secret-token', 'unknown'),
  jti: fc.constantFrom('secret-token', 'client', 'random'),
  sid: fc.constantFrom('absent', 'secret', 'wif', 'other'),
  exp: mostly<'future' | 'absent' | 'past'>(
    'future',
    fc.constantFrom<'future' | 'absent' | 'past'>('absent', 'past'),
  ),
});
type TokenShape = typeof tokenShape extends fc.Arbitrary<infer T> ? T : never;

/** Builds `token-type`: signs with the tenant's own key (`TOKEN_SIGNING_KEY`). */
export async function tokenTypeTarget(context: FuzzContext): Promise<FuzzTarget> {
  const key = process.env.TOKEN_SIGNING_KEY;
  if (!key) throw new Error('TOKEN_SIGNING_KEY is not set: the token-type target signs with it');
  const signer = createLocalSigner(JSON.parse(key) as JWK);
  const tenant = process.env.TENANT as string;
  const secretToken = await registry().createSecretToken({ createdBy: 'fuzz' });
  const { credential: client, secret } = await registry().createClient({ createdBy: 'fuzz' });
  const { credential: wifClient } = await registry().createClient({
    createdBy: 'fuzz',
    workloadIdentity: { entraTenantId: ENTRA_TENANT, subject: SUBJECT, audience: AUDIENCE },
  });
  const ids = {
    'secret-token': secretToken.id,
    client: client.id,
    'wif-client': wifClient.id,
    unknown: 'f0000000-0000-4000-8000-000000000000',
  } as const;
  const query = `filter=${encodeURIComponent('userName eq "token.type@none.test"')}&count=1`;

  /** From the rules alone: which tokens name a credential of their own kind, rightly. */
  const accepted = (input: TokenShape): boolean => {
    if (input.exp === 'past') return false;
    if (input.typ === ACCESS_TOKEN_TYP) {
      if (input.exp !== 'future') return false;
      if (input.cid === 'client') return input.sid === 'secret';
      if (input.cid === 'wif-client') return input.sid === 'wif';
      return false;
    }
    return input.cid === 'absent' && input.jti === 'secret-token';
  };

  return defineTarget({
    name: 'token-type',
    description:
      "GET /Users with the service's own tokens mixing typ, cid, jti, sid and exp across a Secret Token credential, an OAuth client and a workload-identity client: 200 exactly when the token's type names a credential of its kind, else 401",
    arbitrary: tokenShape,
    async run(input) {
      const log = new CaseLog(context.harness);
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: TOKEN_ISSUER,
        aud: tokenAudience(tenant),
        tenant,
        iat: now - 5,
        jti: input.jti === 'random' ? `fuzz-${now}-${Math.random()}` : ids[input.jti],
        ...(input.cid === 'absent' ? {} : { cid: ids[input.cid] }),
        ...(input.sid === 'absent'
          ? {}
          : {
              sid: input.sid === 'secret' ? secret.secretId : input.sid === 'wif' ? 'wif' : 'x0',
            }),
        ...(input.exp === 'absent'
          ? {}
          : { exp: input.exp === 'past' ? now - 3_600 : now + 3_600 }),
      };
      const token = await signJwt(signer, payload, { typ: input.typ });
      const answer = await log.send({
        method: 'GET',
        path: '/Users',
        query,
        headers: { authorization: `Bearer ${token}` },
      });
      const expected = accepted(input) ? 200 : 401;
      if (answer.status !== expected) {
        log.problem(
          'unexpected',
          `${JSON.stringify(input)} answered ${answer.status}, the rules say ${expected}: ${answer.text.slice(0, 160)}`,
        );
      }
      return log.outcome();
    },
    async reset() {},
  });
}
