/**
 * Fuzz target entra-token (issue 10): Entra-issued bearer tokens around every rule of
 * `shared/http/auth.ts` (issuer, audience, tenant, app-only, lifetime, clock, pinned `appid`/`oid`,
 * algorithm, key id, signature), sent as `GET /Users?filter=…`. The oracle below is written from
 * those rules, not from the code: a token that keeps them all is answered 200, any other is a 401
 * with the SCIM error body; with the tenant's key set unreachable, every token that needs a key
 * of it is a 503 with Retry-After instead (never a 401, which would quarantine Entra's job).
 */
import { constants, createHash, sign } from 'node:crypto';
import fc from 'fast-check';
import { CLOCK_TOLERANCE_SECONDS, ENTRA_CUSTOM_APP_AUDIENCE } from '../../../shared/http/auth.js';
import { CaseLog } from '../case-log.js';
import type { EntraSettings, EntraSigningKey } from '../entra.js';
import { defineTarget, type FuzzContext, type FuzzTarget } from '../target.js';

/** Longest lifetime the rules allow an Entra token: a day (`exp - (nbf ?? iat)`). */
const MAX_LIFETIME_SECONDS = 24 * 60 * 60;
const TEN_YEARS = 10 * 365 * 86_400;
const OTHER_TENANT = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

type Time = number | 'absent' | 'null' | 'string';

/** Mostly `ok`, so that about a quarter of the tokens keep every rule and the rest break one or two. */
function mostly<T>(ok: T, ...variants: fc.Arbitrary<T>[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 14, arbitrary: fc.constant(ok) },
    ...variants.map((arbitrary) => ({ weight: 1, arbitrary })),
  );
}

const claimShape = fc.record({
  iss: mostly<string>(
    'tenant',
    fc.constantFrom('other-tenant', 'v2', 'no-slash', 'upper', 'absent', 'number'),
  ),
  aud: mostly<string>('app', fc.constantFrom('in-array', 'array-without', 'other', 'absent')),
  tid: mostly<string>('tenant', fc.constantFrom('other', 'upper', 'absent', 'number')),
  /** Seconds from now. */
  iat: mostly<Time>(
    -60,
    fc.constantFrom(-86_400 * 3, -1, 0, 28, 29, 30, 31, 32, 33, 29.5, 300),
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.constantFrom<Time>('absent', 'null', 'string'),
  ),
  /** Seconds from `iat` (or now), as Entra's tokens last 60 to 90 minutes. */
  exp: mostly<{ from: 'iat' | 'now'; seconds: number } | 'absent' | 'null' | 'string'>(
    { from: 'iat', seconds: 3_900 },
    fc.record({
      from: fc.constant<'iat'>('iat'),
      seconds: fc.constantFrom(86_399, 86_400, 86_401, 0, -1, TEN_YEARS),
    }),
    fc.record({
      from: fc.constant<'now'>('now'),
      seconds: fc.constantFrom(-3_600, -32, -31, -30, -29, -28, 0, 86_400),
    }),
    fc.constantFrom<'absent' | 'null' | 'string'>('absent', 'null', 'string'),
  ),
  nbf: mostly<{ from: 'iat' | 'now'; seconds: number } | 'absent' | 'null' | 'string'>(
    'absent',
    fc.constant({ from: 'iat' as const, seconds: 0 }),
    fc.constant({ from: 'iat' as const, seconds: 0 }),
    fc.record({
      from: fc.constantFrom<'iat' | 'now'>('iat', 'now'),
      seconds: fc.constantFrom(-90_000, -10, 1, 28, 29, 30, 31, 32, 86_400),
    }),
    fc.constantFrom<'null' | 'string'>('null', 'string'),
  ),
  scp: mostly<string>('absent', fc.constantFrom('User.Read', '', 'null', 'Directory.Read.All')),
  idtyp: mostly<string>(
    'app',
    fc.constantFrom('absent', 'absent', 'user', 'App', 'device', 'null'),
  ),
  appid: mostly<string>('pinned', fc.constantFrom('absent', 'other', 'null', 'upper')),
  azp: mostly<string>('absent', fc.constantFrom('pinned', 'other')),
  oid: mostly<string>('pinned', fc.constantFrom('absent', 'other', 'upper')),
  extra: fc.oneof(
    { weight: 3, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.dictionary(
        fc.constantFrom('sub', 'ver', 'uti', 'rh', 'roles', 'wids', 'scp', 'idtyp', 'azp', 'name'),
        fc.jsonValue({ maxDepth: 1 }),
        { maxKeys: 3 },
      ),
    },
  ),
});

const tokenShape = fc.record({
  authorization: mostly<string>(
    'Bearer',
    fc.constantFrom('bearer', 'BEARER', 'tab', 'trailing', 'Basic', 'no-scheme', 'padded', 'four'),
  ),
  signer: fc.oneof(
    { weight: 12, arbitrary: fc.constant('current') },
    { weight: 3, arbitrary: fc.constant('rollover') },
    {
      weight: 1,
      arbitrary: fc.constantFrom('rogue', 'tampered', 'unsigned', 'garbage', 'service'),
    },
  ),
  alg: mostly<string>('RS256', fc.constantFrom('RS384', 'PS256', 'ES256', 'HS256', 'none')),
  kid: mostly<string>('signer', fc.constantFrom('absent', 'other-published', 'unknown', 'number')),
  typ: mostly<string | undefined>('JWT', fc.constantFrom(undefined, 'at+jwt')),
  crit: mostly(false, fc.constant(true)),
  /** A signed payload that is not a claims object. */
  payload: mostly<string | undefined>(
    undefined,
    fc.constantFrom('[]', 'null', '"claims"', '{', '12'),
  ),
  garbage: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
  claims: claimShape,
});

export type EntraCase = typeof tokenShape extends fc.Arbitrary<infer T> ? T : never;

/** A token as Entra provisioning sends it, keeping every rule. */
export const VALID_ENTRA_CASE: EntraCase = {
  authorization: 'Bearer',
  signer: 'current',
  alg: 'RS256',
  kid: 'signer',
  typ: 'JWT',
  crit: false,
  payload: undefined,
  garbage: 'x',
  claims: {
    iss: 'tenant',
    aud: 'app',
    tid: 'tenant',
    iat: -60,
    exp: { from: 'iat', seconds: 3_900 },
    nbf: 'absent',
    scp: 'absent',
    idtyp: 'app',
    appid: 'pinned',
    azp: 'absent',
    oid: 'pinned',
    extra: {},
  },
};

/** What the service must answer a token: accept it, refuse it (401), or ask to retry (503). */
type Verdict = 'accept' | 'refuse' | 'retry';

interface BuiltToken {
  /** Undefined: the harness's own service token. */
  readonly authorization: string | undefined;
  readonly header: Record<string, unknown> | undefined;
  readonly claims: Record<string, unknown> | undefined;
  readonly signatureValid: boolean;
  readonly formatValid: boolean;
}

const b64 = (text: string) => Buffer.from(text).toString('base64url');

function signature(alg: string, input: string, key: EntraSigningKey): string {
  const data = Buffer.from(input);
  if (alg === 'none') return '';
  if (alg === 'RS384') return sign('sha384', data, key.privateKey).toString('base64url');
  if (alg === 'PS256') {
    return sign('sha256', data, {
      key: key.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    }).toString('base64url');
  }
  // RS256, and the RS256 signature under a header that names ES256 or HS256.
  return sign('sha256', data, key.privateKey).toString('base64url');
}

function timeValue(time: Time, now: number): unknown {
  if (time === 'absent') return undefined;
  if (time === 'null') return null;
  if (time === 'string') return String(now);
  return now + time;
}

function claimsOf(shape: EntraCase['claims'], entra: EntraSettings, now: number) {
  const issued = typeof shape.iat === 'number' ? now + shape.iat : now - 60;
  const relative = (
    value: { from: 'iat' | 'now'; seconds: number } | 'absent' | 'null' | 'string',
  ): unknown =>
    value === 'absent'
      ? undefined
      : value === 'null'
        ? null
        : value === 'string'
          ? String(issued + 3_600)
          : (value.from === 'iat' ? issued : now) + value.seconds;
  const pick = <T>(value: string, choices: Record<string, T>): T | undefined | null =>
    value === 'absent' ? undefined : value === 'null' ? null : choices[value];
  const claims: Record<string, unknown> = {
    ...shape.extra,
    iss: pick(shape.iss, {
      tenant: `https://sts.windows.net/${entra.tenantId}/`,
      'other-tenant': `https://sts.windows.net/${OTHER_TENANT}/`,
      v2: `https://login.microsoftonline.com/${entra.tenantId}/v2.0`,
      'no-slash': `https://sts.windows.net/${entra.tenantId}`,
      upper: `https://sts.windows.net/${entra.tenantId.toUpperCase()}/`,
      number: 42,
    }),
    aud: pick(shape.aud, {
      app: ENTRA_CUSTOM_APP_AUDIENCE,
      'in-array': ['api://other', ENTRA_CUSTOM_APP_AUDIENCE],
      'array-without': ['api://other'],
      other: '00000003-0000-0000-c000-000000000000',
    }),
    tid: pick(shape.tid, {
      tenant: entra.tenantId,
      other: OTHER_TENANT,
      upper: entra.tenantId.toUpperCase(),
      number: 7,
    }),
    iat: timeValue(shape.iat, now),
    exp: relative(shape.exp),
    nbf: relative(shape.nbf),
    oid: pick(shape.oid, {
      pinned: entra.objectId,
      other: 'c1d2e3f4-0000-4000-8000-0000000000ff',
      upper: entra.objectId.toUpperCase(),
    }),
    appid: pick(shape.appid, {
      pinned: entra.appId,
      other: '11111111-2222-3333-4444-555555555555',
      upper: entra.appId.toUpperCase(),
    }),
  };
  // Claims a token usually leaves out: absent unless the case (or its extra claims) sets them.
  for (const [name, value] of Object.entries({
    scp: pick(shape.scp, { 'User.Read': 'User.Read', '': '', 'Directory.Read.All': 'x' }),
    idtyp: pick(shape.idtyp, { app: 'app', user: 'user', App: 'App', device: 'device' }),
    azp: pick(shape.azp, { pinned: entra.appId, other: 'another-app' }),
  })) {
    if (value !== undefined) claims[name] = value;
  }
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) delete claims[name];
  }
  return claims;
}

/** Builds the token (and Authorization header) a case describes, its times counted from `now`. */
export function buildToken(input: EntraCase, entra: EntraSettings, now: number): BuiltToken {
  if (input.signer === 'service') {
    return {
      authorization: undefined,
      header: undefined,
      claims: undefined,
      signatureValid: true,
      formatValid: true,
    };
  }
  const key =
    input.signer === 'rollover'
      ? entra.rollover
      : input.signer === 'rogue'
        ? entra.rogue
        : entra.current;
  const header: Record<string, unknown> = { alg: input.alg };
  if (input.typ !== undefined) header.typ = input.typ;
  const kid = {
    signer: key.kid,
    'other-published': key === entra.rollover ? entra.current.kid : entra.rollover.kid,
    unknown: 'kid-nobody-published',
    number: 7,
    absent: undefined,
  }[input.kid];
  if (kid !== undefined) header.kid = kid;
  if (input.crit) header.crit = ['exp'];
  const claims = claimsOf(input.claims, entra, now);
  const payloadText = input.payload ?? JSON.stringify(claims);
  let token: string;
  let signatureValid = false;
  if (input.signer === 'garbage') {
    token = `${b64(JSON.stringify(header))}.${input.garbage}.${b64(input.garbage)}`;
  } else {
    const signingInput = `${b64(JSON.stringify(header))}.${b64(payloadText)}`;
    const signed = signature(input.alg, signingInput, key);
    if (input.signer === 'tampered') {
      // The claims changed after signing: a longer lifetime, as a forger would want.
      token = `${b64(JSON.stringify(header))}.${b64(JSON.stringify({ ...claims, exp: now + TEN_YEARS }))}.${signed}`;
    } else if (input.signer === 'unsigned') {
      token = `${signingInput}.`;
    } else {
      token = `${signingInput}.${signed}`;
      // A published key named by its kid. Without a kid, both published keys match and the key
      // set refuses to guess (jose's JWKSMultipleMatchingKeys): Entra's tokens always name theirs.
      signatureValid = key !== entra.rogue && input.alg === 'RS256' && input.kid === 'signer';
    }
  }
  const authorization = {
    Bearer: `Bearer ${token}`,
    bearer: `bearer ${token}`,
    BEARER: `BEARER ${token}`,
    tab: `Bearer\t${token}`,
    trailing: `Bearer ${token}  `,
    Basic: `Basic ${token}`,
    'no-scheme': token,
    padded: `Bearer ${token}==`,
    four: `Bearer ${token}.${b64('more')}`,
  }[input.authorization];
  // RFC 6750: the scheme, case-insensitive, whitespace, then the three base64url parts of a JWS.
  const formatValid =
    ['Bearer', 'bearer', 'BEARER', 'tab', 'trailing'].includes(input.authorization) &&
    token.split('.').every((part) => part.length > 0);
  return {
    authorization,
    header,
    claims: input.payload === undefined ? claims : undefined,
    signatureValid,
    formatValid,
  };
}

/**
 * The rules an Entra token must keep (issue 10 and `docs/`): its own tenant's v1 issuer and
 * `tid`, the custom-app audience, app-only (no `scp`, `idtyp` absent or `app`), `exp` and `iat`
 * present, not expired, not issued or valid only in the future beyond the clock tolerance, a
 * lifetime of at most a day from `nbf` (or `iat`), and the pinned `appid` (or `azp`) and `oid`.
 */
export function verdict(token: BuiltToken, entra: EntraSettings, now: number): Verdict {
  if (token.authorization === undefined) return 'accept';
  if (!token.formatValid) return 'refuse';
  const header = token.header ?? {};
  if (header.alg !== 'RS256' || header.crit !== undefined) return 'refuse';
  // Any well-formed RS256 token needs a key of the tenant's set before anything else is read.
  if (entra.keySet === 'unreachable') return 'retry';
  if (!token.signatureValid) return 'refuse';
  const claims = token.claims;
  if (!claims) return 'refuse';
  const tolerance = CLOCK_TOLERANCE_SECONDS;
  const { iat, exp, nbf, aud } = claims;
  const audienceOk =
    aud === ENTRA_CUSTOM_APP_AUDIENCE ||
    (Array.isArray(aud) && aud.includes(ENTRA_CUSTOM_APP_AUDIENCE));
  if (
    claims.iss !== `https://sts.windows.net/${entra.tenantId}/` ||
    !audienceOk ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    (nbf !== undefined && typeof nbf !== 'number')
  ) {
    return 'refuse';
  }
  const start = typeof nbf === 'number' ? nbf : iat;
  const appId = claims.appid ?? claims.azp;
  const keeps =
    exp > now - tolerance &&
    iat <= now + tolerance &&
    (typeof nbf !== 'number' || nbf <= now + tolerance) &&
    exp - start <= MAX_LIFETIME_SECONDS &&
    claims.tid === entra.tenantId &&
    claims.scp === undefined &&
    (claims.idtyp === undefined || claims.idtyp === 'app') &&
    appId === entra.appId &&
    claims.oid === entra.objectId;
  return keeps ? 'accept' : 'refuse';
}

const EXPECTED_STATUS: Record<Verdict, number> = { accept: 200, refuse: 401, retry: 503 };

/** The entra-token target, for a tenant whose Entra settings `entra` describes. */
export function entraTokenTarget(context: FuzzContext, entra: EntraSettings): FuzzTarget {
  const query = `filter=${encodeURIComponent('userName eq "entra.fuzz@none.test"')}&count=1`;
  return defineTarget({
    name: entra.keySet === 'reachable' ? 'entra-token' : 'entra-keys-unreachable',
    description:
      entra.keySet === 'reachable'
        ? 'GET /Users?filter=… with Entra-issued tokens around every rule (issuer, audience, tid, scp/idtyp, lifetime, clock, pinned appid/oid) and header, key and signature variants: 200 exactly when the rules hold, else 401'
        : 'the same tokens with the tenant key set unreachable: 503 with Retry-After for every well-formed RS256 token, 401 for the rest, 200 for the service token',
    arbitrary: tokenShape,
    async run(input) {
      const log = new CaseLog(context.harness);
      const before = Math.floor(Date.now() / 1000);
      const token = buildToken(input, entra, before);
      const answer = await log.send(
        {
          method: 'GET',
          path: '/Users',
          query,
          ...(token.authorization === undefined
            ? {}
            : { headers: { authorization: token.authorization } }),
        },
        { retryExpected: entra.keySet === 'unreachable' },
      );
      const after = Math.floor(Date.now() / 1000);
      // A second may tick between signing and checking: judge only what both instants agree on.
      const expected = new Set([verdict(token, entra, before), verdict(token, entra, after)]);
      const statuses = [...expected].map((verdict) => EXPECTED_STATUS[verdict]);
      if (!statuses.includes(answer.status)) {
        log.problem(
          'unexpected',
          `token ${fingerprint(token)} answered ${answer.status}, the rules say ${statuses.join(' or ')}: ${answer.text.slice(0, 160)}`,
        );
      }
      return log.outcome();
    },
    async reset() {},
  });
}

/** The claims and header of a token, short enough for a failure line. */
function fingerprint(token: BuiltToken): string {
  const digest = createHash('sha256')
    .update(token.authorization ?? '')
    .digest('hex')
    .slice(0, 8);
  return `${digest} ${JSON.stringify({ header: token.header, claims: token.claims })}`;
}
