/**
 * Who may call a tenant's service: its own Secret Tokens (ES256, bound to the tenant, accepted only
 * while their credential is active in the registry) and, where the tenant enables it, tokens Entra
 * itself issues to the provisioning service (RS256, keys from a JWKS that a local HTTP server
 * stands in for). Every refusal is the same 401; keys that cannot be fetched are a 503.
 */
import { randomUUID } from 'node:crypto';
import {
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, issueToken, publicJwks, type SigningKey } from '../../infra/tokens.js';
import {
  type AuthConfig,
  readAuthConfig,
  TOKEN_ISSUER,
  tokenAudience,
} from '../../shared/config.js';
import {
  createBearerVerifier,
  ENTRA_CUSTOM_APP_AUDIENCE,
  RefusedCredentialError,
} from '../../shared/http/auth.js';
import { isScimRoute, routes } from '../../shared/routes.js';
import { ServiceUnavailableError, UnauthorizedError } from '../../shared/scim/errors.js';
import { TEST_TENANT } from '../support/environment.js';
import { type JwksServer, startJwksServer } from '../support/jwks-server.js';
import {
  issueTestToken,
  startTestService,
  type TestService,
  testRegistry,
} from '../support/service.js';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const ENTRA_TENANT_ID = '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b';
const OTHER_ENTRA_TENANT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const REVOKED_JTI = 'revoked-token-id';
/** The service's registry cache window in this file (seconds): revocations show within it. */
const CACHE_SECONDS = 1;

const ENTRA_PROVISIONING_OID = 'f0e1d2c3-0000-4000-8000-000000000001';
const ENTRA_PROVISIONING_APPID = '00000014-0000-0000-c000-000000000000';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** An Entra signing key: RS256, published with a `kid`. */
async function entraKey(kid: string): Promise<{ privateKey: PrivateKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  };
}

/** A token shaped like the ones Entra provisioning sends when the Secret Token is left blank. */
function entraToken(
  key: { privateKey: PrivateKey; publicJwk: JWK },
  /** `exp: null` leaves the expiry out; `claims` adds or replaces claims (`undefined` drops one). */
  overrides: {
    tid?: string;
    iss?: string;
    aud?: string;
    exp?: number | null;
    iat?: number;
    claims?: Record<string, unknown>;
  } = {},
): Promise<string> {
  const tid = overrides.tid ?? ENTRA_TENANT_ID;
  const now = Math.floor(Date.now() / 1000);
  const iat = overrides.iat ?? now - 60;
  const token = new SignJWT({
    tid,
    oid: ENTRA_PROVISIONING_OID,
    appid: ENTRA_PROVISIONING_APPID,
    idtyp: 'app',
    ...overrides.claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.publicJwk.kid!, typ: 'JWT' })
    .setIssuer(overrides.iss ?? `https://sts.windows.net/${tid}/`)
    .setAudience(overrides.aud ?? ENTRA_CUSTOM_APP_AUDIENCE)
    .setIssuedAt(iat)
    .setNotBefore(iat);
  if (overrides.exp !== null) token.setExpirationTime(overrides.exp ?? now + 3600);
  return token.sign(key.privateKey);
}

/** A service token signed with `key`, with any claim or header changed. */
async function ownToken(
  key: SigningKey,
  claims: JWTPayload & { tenant?: string } = {},
  header: { alg?: string; kid?: string; typ?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant: TEST_TENANT, jti: 'jti-1', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT', ...header })
    .setIssuer((claims.iss as string | undefined) ?? TOKEN_ISSUER)
    .setAudience((claims.aud as string | undefined) ?? tokenAudience(TEST_TENANT))
    .setIssuedAt(now)
    .sign(await importJWK({ ...key, alg: 'ES256' }, 'ES256'));
}

function config(tenant: string, key: SigningKey, extra: Partial<AuthConfig> = {}): AuthConfig {
  return {
    tenant,
    issuer: TOKEN_ISSUER,
    publicKeys: JSON.stringify(publicJwks([key])),
    kmsKeyIds: [],
    ...extra,
  };
}

/** A verifier over this test file's registry (DynamoDB Local, read without a cache). */
function verifier(authConfig: AuthConfig) {
  return createBearerVerifier(authConfig, { registry: testRegistry() });
}

/** A Secret Token of `key` whose credential is registered (as `npm run token -- issue` does). */
async function registeredToken(key: SigningKey, tenant: string): Promise<string> {
  const credential = await testRegistry().createSecretToken({ createdBy: 'test' });
  return issueToken(key, { tenant, jti: credential.id });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

let service: TestService;
let jwks: JwksServer;
let entra: { privateKey: PrivateKey; publicJwk: JWK };
/** This test file's own signing key (`environment.ts`), the one the service trusts. */
const testKey = JSON.parse(process.env.TEST_SIGNING_KEY ?? '{}') as SigningKey;

beforeAll(async () => {
  entra = await entraKey('entra-key-1');
  jwks = await startJwksServer([entra.publicJwk]);
  // Read when the handler chain builds its verifier, on the first request.
  process.env.ENTRA_TENANT_ID = ENTRA_TENANT_ID;
  process.env.ENTRA_JWKS_URL = jwks.url;
  // Entra-issued tokens are accepted only with the caller pinned (issue 21).
  process.env.ENTRA_OBJECT_ID = ENTRA_PROVISIONING_OID;
  process.env.CREDENTIAL_CACHE_SECONDS = String(CACHE_SECONDS);
  await testRegistry().createSecretToken({ id: REVOKED_JTI, createdBy: 'test' });
  await testRegistry().revoke(REVOKED_JTI, 'test');
  service = await startTestService();
});
afterAll(async () => {
  await service?.close();
  await jwks?.close();
});

describe('Secret Tokens of two tenants', () => {
  it("refuses one tenant's token at the other tenant, and accepts each at its own", async () => {
    // Prepare: two deployments, each with its own key.
    const acmeKey = await generateSigningKey({ kid: 'acme-1' });
    const contosoKey = await generateSigningKey({ kid: 'contoso-1' });
    const acme = verifier(config('acme', acmeKey));
    const contoso = verifier(config('contoso', contosoKey));
    const acmeToken = await registeredToken(acmeKey, 'acme');
    const contosoToken = await registeredToken(contosoKey, 'contoso');

    // Act / Assess
    await expect(acme(`Bearer ${acmeToken}`)).resolves.toMatchObject({ kind: 'service-token' });
    await expect(contoso(`Bearer ${contosoToken}`)).resolves.toMatchObject({
      kind: 'service-token',
    });
    await expect(acme(`Bearer ${contosoToken}`)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(contoso(`Bearer ${acmeToken}`)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses a token for another tenant even when both tenants trust the same key', async () => {
    // Prepare: an operator reusing one key for two tenants must still not mix them up.
    const shared = await generateSigningKey({ kid: 'shared-1' });
    const acme = verifier(config('acme', shared));
    const contosoToken = await registeredToken(shared, 'contoso');
    const forged = await ownToken(shared, { tenant: 'contoso', aud: tokenAudience('acme') });

    // Act / Assess: the audience names contoso, or the tenant claim does.
    await expect(acme(`Bearer ${contosoToken}`)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(acme(`Bearer ${forged}`)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it("refuses over HTTP a valid token of another tenant's deployment", async () => {
    // Prepare
    const otherKey = await generateSigningKey({ kid: 'other-1' });
    const token = await issueToken(otherKey, { tenant: 'other-tenant' });

    // Act
    const response = await service.request('GET', '/Users', undefined, {
      authorization: `Bearer ${token}`,
    });

    // Assess
    expect(response.status).toBe(401);
  });
});

describe('the registry: an allow-list', () => {
  it('accepts a token only while its credential is registered and not revoked', async () => {
    // Prepare
    const key = await generateSigningKey({ kid: 'acme-1' });
    const verify = verifier(config('acme', key));
    const revoked = await issueToken(key, { tenant: 'acme', jti: REVOKED_JTI });
    const unregistered = await issueToken(key, { tenant: 'acme', jti: 'never-registered' });
    const current = await registeredToken(key, 'acme');

    // Act / Assess
    await expect(verify(`Bearer ${revoked}`)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verify(`Bearer ${unregistered}`)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verify(`Bearer ${current}`)).resolves.toEqual({
      kind: 'service-token',
      tokenId: decodeJwt(current).jti,
    });
  });

  it('refuses over HTTP a token once its credential is revoked, within the cache window', async () => {
    // Prepare
    const token = await issueTestToken();
    const jti = decodeJwt(token).jti as string;
    const call = () =>
      service.request('GET', '/Users?startIndex=1&count=1', undefined, {
        authorization: `Bearer ${token}`,
      });
    const before = await call();

    // Act
    await testRegistry().revoke(jti, 'test');
    await sleep(CACHE_SECONDS * 1000 + 100);
    const after = await call();

    // Assess
    expect(before.status).toBe(200);
    expect(after.status).toBe(401);
    expect((await testRegistry().get(jti))?.lastUsedAt).toBeDefined();
  });

  it('refuses over HTTP a token that was never registered', async () => {
    // Act
    const response = await service.request('GET', '/Users', undefined, {
      authorization: `Bearer ${await issueTestToken({ register: false })}`,
    });

    // Assess
    expect(response.status).toBe(401);
  });
});

/** A verifier of this file's tenant that accepts Entra tokens of ENTRA_TENANT_ID. */
function entraVerifier(extra: Partial<AuthConfig> = {}) {
  return verifier(
    config(TEST_TENANT, testKey, {
      entraTenantId: ENTRA_TENANT_ID,
      entraJwksUrl: jwks.url,
      entraObjectId: ENTRA_PROVISIONING_OID,
      ...extra,
    }),
  );
}

describe('tokens issued by Entra', () => {
  it('accepts over HTTP an Entra token of the tenant that ENTRA_TENANT_ID names', async () => {
    // Prepare
    const token = await entraToken(entra);

    // Act
    const response = await service.request('GET', '/Users?filter=userName eq "nobody"', undefined, {
      authorization: `Bearer ${token}`,
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(0);
  });

  it('refuses an Entra token where the tenant has not enabled Entra tokens', async () => {
    // Prepare
    const key = await generateSigningKey({ kid: 'acme-1' });
    const verify = verifier(config('acme', key, { entraJwksUrl: jwks.url }));

    // Act / Assess
    await expect(verify(`Bearer ${await entraToken(entra)}`)).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
  });

  it('refuses an Entra token of another Entra tenant, or signed by a key not in the JWKS', async () => {
    // Prepare
    const verify = entraVerifier();
    const otherTenant = await entraToken(entra, { tid: OTHER_ENTRA_TENANT_ID });
    // The right issuer but the other tenant's tid claim.
    const mixed = await entraToken(entra, {
      tid: OTHER_ENTRA_TENANT_ID,
      iss: `https://sts.windows.net/${ENTRA_TENANT_ID}/`,
    });
    const rogue = await entraToken(await entraKey('entra-key-1'));
    const wrongAudience = await entraToken(entra, { aud: 'api://some-other-app' });
    const expired = await entraToken(entra, { exp: Math.floor(Date.now() / 1000) - 3600 });

    // Act / Assess
    for (const token of [otherTenant, mixed, rogue, wrongAudience, expired]) {
      await expect(verify(`Bearer ${token}`)).rejects.toBeInstanceOf(UnauthorizedError);
    }
    await expect(verify(`Bearer ${await entraToken(entra)}`)).resolves.toMatchObject({
      kind: 'entra-token',
    });
  });

  it("names the caller of a refused token the tenant's Entra signed, and of no stranger's", async () => {
    // Prepare
    const verify = entraVerifier();
    const expired = await entraToken(entra, { exp: Math.floor(Date.now() / 1000) - 3600 });
    const otherPrincipal = await entraToken(entra, { claims: { oid: 'another-object' } });
    const otherTenant = await entraToken(entra, { tid: OTHER_ENTRA_TENANT_ID });
    const rogue = await entraToken(await entraKey('entra-key-1'));
    const refusal = (token: string) =>
      verify(`Bearer ${token}`).then(
        () => undefined,
        (error: unknown) => error,
      );

    // Act / Assess: the same 401, the caller kept for the log line only where Entra signed it.
    expect(await refusal(expired)).toMatchObject({
      status: 401,
      caller: { kind: 'entra-token', tokenId: ENTRA_PROVISIONING_OID },
    });
    expect(await refusal(otherPrincipal)).toMatchObject({
      caller: { kind: 'entra-token', tokenId: 'another-object' },
    });
    for (const token of [otherTenant, rogue]) {
      const error = await refusal(token);
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect(error).not.toBeInstanceOf(RefusedCredentialError);
    }
  });

  it('refuses an Entra token without an expiry, which would otherwise be valid forever', async () => {
    // Prepare
    const verify = entraVerifier();
    const perpetual = await entraToken(entra, { exp: null });

    // Act / Assess
    await expect(verify(`Bearer ${perpetual}`)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses a delegated token: scp present, or idtyp other than app', async () => {
    // Prepare
    const verify = entraVerifier();
    const delegated = await entraToken(entra, { claims: { scp: 'User.Read', idtyp: undefined } });
    const userType = await entraToken(entra, { claims: { idtyp: 'user' } });
    const withoutIdtyp = await entraToken(entra, { claims: { idtyp: undefined } });

    // Act / Assess
    await expect(verify(`Bearer ${delegated}`)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verify(`Bearer ${userType}`)).rejects.toBeInstanceOf(UnauthorizedError);
    // Entra emits idtyp only as an optional claim: its absence alone is no delegation.
    await expect(verify(`Bearer ${withoutIdtyp}`)).resolves.toMatchObject({ kind: 'entra-token' });
  });

  it('refuses a token living longer than 24 hours, or issued in the future', async () => {
    // Prepare
    const verify = entraVerifier();
    const now = Math.floor(Date.now() / 1000);
    const tenYears = await entraToken(entra, { exp: now + 10 * 365 * 86_400 });
    const justOverADay = await entraToken(entra, { iat: now - 60, exp: now - 60 + 86_401 });
    const future = await entraToken(entra, { iat: now + 300, exp: now + 3_900 });
    const aDay = await entraToken(entra, { iat: now - 60, exp: now - 60 + 86_400 });

    // Act / Assess
    for (const token of [tenYears, justOverADay, future]) {
      await expect(verify(`Bearer ${token}`)).rejects.toBeInstanceOf(UnauthorizedError);
    }
    await expect(verify(`Bearer ${aDay}`)).resolves.toMatchObject({ kind: 'entra-token' });
  });

  it('refuses a configuration without a pinned caller, saying where the operator finds one', () => {
    // Prepare
    const unpinned = config(TEST_TENANT, testKey, { entraTenantId: ENTRA_TENANT_ID });
    const saved = process.env.ENTRA_OBJECT_ID;
    delete process.env.ENTRA_OBJECT_ID;

    // Act / Assess: at runtime configuration and when a verifier is built from any other.
    try {
      expect(() => readAuthConfig()).toThrow(/ENTRA_APP_ID or ENTRA_OBJECT_ID/);
    } finally {
      process.env.ENTRA_OBJECT_ID = saved;
    }
    expect(() => verifier(unpinned)).toThrow(
      /Enterprise apps > All applications > the GroupTalk application > Properties: Application ID, Object ID/,
    );
    expect(readAuthConfig().entraObjectId).toBe(ENTRA_PROVISIONING_OID);
  });

  it('accepts with the appid alone pinned only tokens of that app', async () => {
    // Prepare
    const verify = entraVerifier({
      entraObjectId: undefined,
      entraAppId: ENTRA_PROVISIONING_APPID,
    });
    const otherApp = await entraToken(entra, { claims: { appid: randomUUID() } });

    // Act / Assess
    await expect(verify(`Bearer ${otherApp}`)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verify(`Bearer ${await entraToken(entra)}`)).resolves.toMatchObject({
      kind: 'entra-token',
    });
  });

  it('accepts only the pinned appid and oid when the tenant pins them', async () => {
    // Prepare
    const verify = entraVerifier({
      entraAppId: ENTRA_PROVISIONING_APPID,
      entraObjectId: ENTRA_PROVISIONING_OID,
    });
    const otherApp = await entraToken(entra, { claims: { appid: 'another-app' } });
    const otherPrincipal = await entraToken(entra, { claims: { oid: 'another-object' } });

    // Act / Assess
    await expect(verify(`Bearer ${otherApp}`)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verify(`Bearer ${otherPrincipal}`)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verify(`Bearer ${await entraToken(entra)}`)).resolves.toEqual({
      kind: 'entra-token',
      tokenId: ENTRA_PROVISIONING_OID,
    });
  });

  it('answers 503 with Retry-After, logged as its own event, when the key set is unreachable', async () => {
    // Prepare: a port nothing listens on any more.
    const gone = await startJwksServer([]);
    await gone.close();
    const verify = entraVerifier({ entraJwksUrl: gone.url });
    // The logger writes errors to stderr.
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;

    // Act
    let outcome: unknown;
    try {
      await verify(`Bearer ${await entraToken(entra)}`);
    } catch (error) {
      outcome = error;
    } finally {
      process.stderr.write = write;
    }

    // Assess
    expect(outcome).toBeInstanceOf(ServiceUnavailableError);
    expect((outcome as ServiceUnavailableError).status).toBe(503);
    expect((outcome as ServiceUnavailableError).headers['Retry-After']).toMatch(/^\d+$/);
    const events = lines.flatMap((line) => line.split('\n')).filter(Boolean);
    expect(
      events.some((line) => JSON.parse(line).message === 'Entra signing keys unavailable'),
    ).toBe(true);
  });

  it("caches Entra's key set instead of fetching it for every token", async () => {
    // Prepare
    const verify = entraVerifier();
    const before = jwks.fetches;

    // Act
    for (let i = 0; i < 5; i += 1) await verify(`Bearer ${await entraToken(entra)}`);

    // Assess
    expect(jwks.fetches - before).toBe(1);
  });
});

describe('401 for every bad token, with one SCIM body', () => {
  /** Every way a bearer token can be wrong, and the header that carries it. */
  async function badAuthorizations(): Promise<Record<string, string | undefined>> {
    const now = Math.floor(Date.now() / 1000);
    const otherKey = await generateSigningKey({ kid: 'someone-else' });
    const sameKidOtherKey = await generateSigningKey({ kid: testKey.kid });
    const valid = await issueTestToken();
    const [header, payload] = valid.split('.');
    const publicJwk = JSON.stringify(publicJwks([testKey]).keys[0]);
    // Active credentials of each kind, to be named by a token of the other type.
    const secretToken = await testRegistry().createSecretToken({ createdBy: 'test' });
    const { credential: client } = await testRegistry().createClient({ createdBy: 'test' });
    const accessTokenClaims = { jti: 'at-1', exp: now + 3600, sid: 'wif' };
    const hs256WithPublicKey = await new SignJWT({ tenant: TEST_TENANT, jti: 'hs' })
      .setProtectedHeader({ alg: 'HS256', kid: testKey.kid })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(tokenAudience(TEST_TENANT))
      .sign(new TextEncoder().encode(publicJwk));

    return {
      'no Authorization header': undefined,
      'an empty Authorization header': '',
      'another scheme': `Basic ${Buffer.from('admin:admin').toString('base64')}`,
      'Bearer without a token': 'Bearer ',
      'a malformed token': 'Bearer not.a-jwt',
      'a token with two parts': `Bearer ${header}.${payload}`,
      'alg none without a signature': `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      'alg none with a signature': `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.c2ln`,
      'HS256 signed with the public key': `Bearer ${hs256WithPublicKey}`,
      'a signature by another key with the same kid': `Bearer ${await ownToken(sameKidOtherKey)}`,
      'an unknown kid': `Bearer ${await ownToken(otherKey)}`,
      'an altered payload': `Bearer ${header}.${base64url({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), tenant: 'x' })}.${valid.split('.')[2]}`,
      'an expired token': `Bearer ${await ownToken(testKey, { exp: now - 3600 })}`,
      'a token not yet valid': `Bearer ${await ownToken(testKey, { nbf: now + 3600 })}`,
      'the wrong issuer': `Bearer ${await ownToken(testKey, { iss: 'https://scim.example.com' })}`,
      'the wrong audience': `Bearer ${await ownToken(testKey, { aud: tokenAudience('other') })}`,
      'the wrong tenant claim': `Bearer ${await ownToken(testKey, { tenant: 'other' })}`,
      'no jti': `Bearer ${await ownToken(testKey, { jti: undefined })}`,
      'a revoked jti': `Bearer ${await ownToken(testKey, { jti: REVOKED_JTI })}`,
      'an unregistered jti': `Bearer ${await ownToken(testKey, { jti: 'never-registered' })}`,
      'an access-token type without a client': `Bearer ${await ownToken(testKey, { jti: REVOKED_JTI }, { typ: 'at+jwt' })}`,
      'an access token naming a Secret Token credential': `Bearer ${await ownToken(testKey, { ...accessTokenClaims, cid: secretToken.id }, { typ: 'at+jwt' })}`,
      "a Secret Token naming an OAuth client's credential": `Bearer ${await ownToken(testKey, { jti: client.id })}`,
      'an Entra token with delegated scopes': `Bearer ${await entraToken(entra, { claims: { scp: 'Directory.Read.All' } })}`,
      'an Entra token of another Entra tenant': `Bearer ${await entraToken(entra, { tid: OTHER_ENTRA_TENANT_ID })}`,
    };
  }

  it('answers each with 401, WWW-Authenticate and the same error body', async () => {
    // Prepare
    const cases = await badAuthorizations();
    const reference = await service.request('GET', '/Users', undefined, {
      authorization: undefined,
    });

    // Assess the reference answer
    expect(reference.status).toBe(401);
    expect(reference.headers['www-authenticate']).toBe('Bearer realm="scim"');
    expect(reference.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(reference.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '401',
      detail: 'Authentication failed: a valid bearer token is required.',
    });

    for (const [name, authorization] of Object.entries(cases)) {
      // Act
      const response = await service.request('GET', '/Users', undefined, { authorization });

      // Assess
      expect(response.status, name).toBe(401);
      expect(response.headers['www-authenticate'], name).toBe('Bearer realm="scim"');
      expect(response.text, name).toBe(reference.text);
    }
  });

  it('answers every route of the route table with the same 401 when the token is missing', async () => {
    // Prepare
    const reference = await service.request('GET', '/Users', undefined, {
      authorization: undefined,
    });
    expect(reference.status).toBe(401);

    for (const route of routes.filter(isScimRoute)) {
      const path = route.path.replace(/\{\w+\}/g, '2819c223-7f76-453a-919d-413861904646');
      const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;

      // Act
      const response = await service.request(route.method, path, body, {
        authorization: undefined,
      });

      // Assess
      const name = `${route.method} ${route.path}`;
      expect(response.status, name).toBe(401);
      expect(response.headers['www-authenticate'], name).toBe('Bearer realm="scim"');
      expect(response.text, name).toBe(reference.text);
    }
  });

  it('answers the same 401 on a write, before reading the body', async () => {
    // Act
    const response = await service.request('POST', '/Users', '{ not json', {
      authorization: 'Bearer nope',
    });

    // Assess
    expect(response.status).toBe(401);
    expect(response.body.detail).toBe('Authentication failed: a valid bearer token is required.');
  });
});
