/**
 * The OAuth 2.0 token endpoint over HTTP against DynamoDB Local: Entra's client-credentials flow
 * end to end (token, then `GET /Users?startIndex=1&count=1` as Microsoft's validator does), every
 * RFC 6749 §5.2 error the endpoint produces and its two "retry later" answers, secret rotation
 * with two active secrets, expiry, revocation and the tenant's cut-off within the (shortened)
 * cache window, throttling per client and per address, and Entra's workload-identity assertion
 * (RFC 7523) from a local JWKS, accepted only from the configured Entra tenant, subject and
 * audience, for at most 90 minutes, and once.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalSigner } from '../../shared/credentials/signer.js';
import {
  JWT_BEARER_ASSERTION,
  MAX_ASSERTION_LIFETIME_SECONDS,
  MAX_FAILED_ATTEMPTS,
  MAX_FAILED_PER_ADDRESS,
} from '../../shared/credentials/token-endpoint.js';
import { signAccessToken } from '../../shared/credentials/tokens.js';
import { usedAssertionHash } from '../../shared/store/assertions.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import { keys } from '../../shared/store/keys.js';
import { TEST_TENANT } from '../support/environment.js';
import { type JwksServer, startJwksServer } from '../support/jwks-server.js';
import { startTestService, type TestService, testRegistry } from '../support/service.js';

const CACHE_SECONDS = 1;
const ENTRA_TENANT = '3c8a1f2e-5b6d-4e7f-9a0b-1c2d3e4f5a6b';
const OTHER_ENTRA_TENANT = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';
const WIF_SUBJECT = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const WIF_AUDIENCE = 'api://4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let service: TestService;
let jwks: JwksServer;
let entraKey: { privateKey: PrivateKey; publicJwk: JWK };
let tokenUrl: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for every instance's cached registry read to have expired. */
const afterCacheWindow = () => sleep(CACHE_SECONDS * 1000 + 150);

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  entraKey = {
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid: 'entra-wif-1', alg: 'RS256' },
  };
  jwks = await startJwksServer(
    [entraKey.publicJwk],
    [ENTRA_TENANT, OTHER_ENTRA_TENANT].map((tenant) => `/${tenant}/discovery/v2.0/keys`),
  );
  // Read by the handlers on their first request.
  process.env.CREDENTIAL_CACHE_SECONDS = String(CACHE_SECONDS);
  process.env.ENTRA_AUTHORITY_URL = jwks.origin;
  service = await startTestService();
  tokenUrl = new URL('/oauth2/token', service.url).href;
});
afterAll(async () => {
  await service?.close();
  await jwks?.close();
});

interface TokenAnswer {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read into the JSON answer freely.
  body: any;
}

/** POSTs a form to the token endpoint. */
async function tokenRequest(
  form: Record<string, string> | string,
  headers: Record<string, string> = {},
): Promise<TokenAnswer> {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: text ? JSON.parse(text) : undefined,
  };
}

function basic(clientId: string, secret: string): Record<string, string> {
  const encode = (value: string) => encodeURIComponent(value);
  return {
    authorization: `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`,
  };
}

function usersWith(accessToken: string) {
  return service.request('GET', '/Users?startIndex=1&count=1', undefined, {
    authorization: `Bearer ${accessToken}`,
  });
}

async function newClient(
  options: Parameters<ReturnType<typeof testRegistry>['createClient']>[0] = { createdBy: 'test' },
) {
  const { credential, secret } = await testRegistry().createClient(options);
  return { clientId: credential.id, secret: secret.secret, secretId: secret.secretId };
}

describe('client credentials (RFC 6749 §4.4), as Entra and its validator use them', () => {
  it('issues a 1-hour Bearer token for client_secret_post that reads /Users', async () => {
    const { clientId, secret } = await newClient();

    const answer = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
      scope: 'scim',
    });
    const users = await usersWith(answer.body.access_token);

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers.pragma).toBe('no-cache');
    expect(answer.body).toEqual({
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      token_type: 'Bearer',
      expires_in: 3600,
    });
    expect(users.status).toBe(200);
    expect(users.body.startIndex).toBe(1);
    const client = await testRegistry().get(clientId);
    expect(client?.lastUsedAt).toBeDefined();
  });

  it('issues a token for client_secret_basic (form-encoded id and secret), with the configured lifetime', async () => {
    const { clientId, secret } = await newClient({
      createdBy: 'test',
      accessTokenSeconds: 6 * 3600,
    });

    const answer = await tokenRequest(
      { grant_type: 'client_credentials' },
      basic(clientId, secret),
    );

    expect(answer.status).toBe(200);
    expect(answer.body.expires_in).toBe(21_600);
    expect((await usersWith(answer.body.access_token)).status).toBe(200);
  });
});

describe('errors as RFC 6749 §5.2 has them, and its two "retry later" answers', () => {
  it('answers each malformed request with 400 and its error code', async () => {
    const { clientId, secret } = await newClient();
    const post = { client_id: clientId, client_secret: secret };
    const cases: [string, Promise<TokenAnswer>, string][] = [
      ['no grant_type', tokenRequest(post), 'invalid_request'],
      [
        'another grant type',
        tokenRequest({ ...post, grant_type: 'password' }),
        'unsupported_grant_type',
      ],
      [
        'the authorization-code grant',
        tokenRequest({ ...post, grant_type: 'authorization_code', code: 'x' }),
        'unsupported_grant_type',
      ],
      [
        'a repeated parameter',
        tokenRequest(
          `grant_type=client_credentials&grant_type=client_credentials&client_id=${clientId}&client_secret=${secret}`,
        ),
        'invalid_request',
      ],
      [
        'two authentication methods',
        tokenRequest({ ...post, grant_type: 'client_credentials' }, basic(clientId, secret)),
        'invalid_request',
      ],
      [
        'a JSON body',
        tokenRequest(JSON.stringify({ ...post, grant_type: 'client_credentials' }), {
          'content-type': 'application/json',
        }),
        'invalid_request',
      ],
      [
        'a secret without client_id',
        tokenRequest({ grant_type: 'client_credentials', client_secret: secret }),
        'invalid_request',
      ],
      [
        'an assertion of another type',
        tokenRequest({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_assertion_type: 'urn:example:saml',
          client_assertion: 'x',
        }),
        'invalid_request',
      ],
    ];

    for (const [name, pending, error] of cases) {
      const answer = await pending;
      expect(answer.status, name).toBe(400);
      expect(answer.body.error, name).toBe(error);
      expect(answer.body.error_description, name).toBeTypeOf('string');
      expect(answer.headers['cache-control'], name).toBe('no-store');
    }
  });

  it('answers every failed client authentication with 401 invalid_client and a Basic challenge', async () => {
    const { clientId, secret } = await newClient();
    const grant = { grant_type: 'client_credentials' };
    const cases: [string, Promise<TokenAnswer>][] = [
      ['no client authentication', tokenRequest(grant)],
      [
        'an unknown client',
        tokenRequest({ ...grant, client_id: randomUUID(), client_secret: secret }),
      ],
      [
        'a wrong secret (post)',
        tokenRequest({ ...grant, client_id: clientId, client_secret: 'x' }),
      ],
      ['a wrong secret (basic)', tokenRequest(grant, basic(clientId, `${secret}x`))],
      ['another scheme', tokenRequest(grant, { authorization: `Bearer ${secret}` })],
      [
        'a Secret Token id as client',
        tokenRequest(
          grant,
          basic((await testRegistry().createSecretToken({ createdBy: 'test' })).id, secret),
        ),
      ],
    ];

    for (const [name, pending] of cases) {
      const answer = await pending;
      expect(answer.status, name).toBe(401);
      expect(answer.body.error, name).toBe('invalid_client');
      expect(answer.headers['www-authenticate'], name).toMatch(/^Basic realm=/);
    }
  });

  it('throttles wrong secrets after repeated failures with 429 and Retry-After, and still gives the right secret its token', async () => {
    const { clientId, secret } = await newClient();
    const grant = { grant_type: 'client_credentials', client_id: clientId };
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) {
      expect((await tokenRequest({ ...grant, client_secret: `wrong-${i}` })).status).toBe(401);
    }

    const wrong = await tokenRequest({ ...grant, client_secret: 'wrong-again' });
    const right = await tokenRequest({ ...grant, client_secret: secret });

    // Someone who knows the client id cannot lock Entra out by sending wrong secrets.
    expect(wrong.status).toBe(429);
    expect(wrong.body.error).toBe('slow_down');
    expect(Number(wrong.headers['retry-after'])).toBeGreaterThan(0);
    expect(right.status).toBe(200);
    expect(right.body.access_token).toEqual(expect.any(String));
    // Throttled failures are not written: the count stays where the throttle began.
    expect((await testRegistry().get(clientId))?.failedAttempts).toBe(MAX_FAILED_ATTEMPTS);
  });
});

describe('rotation, expiry, revocation and the cut-off', () => {
  it('accepts two active secrets during a rotation, then refuses the revoked one and its tokens', async () => {
    const { clientId, secret: first, secretId: firstId } = await newClient();
    const second = await testRegistry().rotateSecret(clientId);
    const grant = { grant_type: 'client_credentials', client_id: clientId };

    const withFirst = await tokenRequest({ ...grant, client_secret: first });
    const withSecond = await tokenRequest({ ...grant, client_secret: second.secret });
    expect([withFirst.status, withSecond.status]).toEqual([200, 200]);
    await testRegistry().revokeSecret(clientId, firstId);
    await afterCacheWindow();

    const firstAgain = await tokenRequest({ ...grant, client_secret: first });
    const secondAgain = await tokenRequest({ ...grant, client_secret: second.secret });
    expect(firstAgain.status).toBe(401);
    expect(secondAgain.status).toBe(200);
    expect((await usersWith(withFirst.body.access_token)).status).toBe(401);
    expect((await usersWith(withSecond.body.access_token)).status).toBe(200);
  });

  it('refuses an expired secret, and an expired access token', async () => {
    const { clientId, secret } = await newClient({
      createdBy: 'test',
      secretExpiresAt: new Date(Date.now() - 1_000).toISOString(),
    });
    const live = await newClient();
    const signer = createLocalSigner(JSON.parse(process.env.TOKEN_SIGNING_KEY as string));
    const { accessToken: expired } = await signAccessToken(signer, {
      tenant: TEST_TENANT,
      clientId: live.clientId,
      secretId: live.secretId,
      lifetimeSeconds: -120,
    });

    const answer = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
    });

    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('invalid_client');
    expect((await usersWith(expired)).status).toBe(401);
  });

  it('refuses the tokens of a revoked client within the cache window, and issues it no more', async () => {
    const { clientId, secret } = await newClient();
    const grant = { grant_type: 'client_credentials', client_id: clientId, client_secret: secret };
    const { body } = await tokenRequest(grant);
    expect((await usersWith(body.access_token)).status).toBe(200);

    await testRegistry().revoke(clientId, 'test');
    await afterCacheWindow();

    expect((await usersWith(body.access_token)).status).toBe(401);
    expect((await tokenRequest(grant)).status).toBe(401);
  });

  it("refuses tokens issued before the tenant's cut-off, and accepts those issued after", async () => {
    const { clientId, secret } = await newClient();
    const grant = { grant_type: 'client_credentials', client_id: clientId, client_secret: secret };
    const before = (await tokenRequest(grant)).body.access_token;
    // `iat` has whole seconds: the cut-off is the next whole second.
    const cutOff = Math.floor(Date.now() / 1000) * 1000 + 1000;
    await testRegistry().refuseIssuedBefore(new Date(cutOff).toISOString(), 'test');
    await sleep(Math.max(cutOff - Date.now(), 0) + CACHE_SECONDS * 1000 + 150);

    const after = (await tokenRequest(grant)).body.access_token;
    const refused = await usersWith(before);
    const accepted = await usersWith(after);
    await testRegistry().refuseIssuedBefore(new Date(0).toISOString(), 'test');

    expect(refused.status).toBe(401);
    expect(accepted.status).toBe(200);
  });
});

describe("Entra's workload-identity assertion (RFC 7523)", () => {
  interface AssertionClaims {
    iss?: string;
    sub?: string;
    aud?: string;
    tid?: string;
    /** Seconds relative to now. */
    iat?: number;
    nbf?: number;
    exp?: number;
    /** `null`: no such claim. */
    jti?: string | null;
    uti?: string;
  }

  /**
   * An assertion shaped like Entra's (facts file, R-WIF: `aud` is `api://{appid}`), with any claim
   * changed; a fresh `jti` each time unless told.
   */
  function assertion(claims: AssertionClaims = {}) {
    const tid = claims.tid ?? ENTRA_TENANT;
    const now = Math.floor(Date.now() / 1000);
    const jti = claims.jti === undefined ? randomUUID() : claims.jti;
    return new SignJWT({
      tid,
      ...(jti === null ? {} : { jti }),
      ...(claims.uti ? { uti: claims.uti } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', kid: entraKey.publicJwk.kid!, typ: 'JWT' })
      .setIssuer(claims.iss ?? `https://login.microsoftonline.com/${tid}/v2.0`)
      .setSubject(claims.sub ?? WIF_SUBJECT)
      .setAudience(claims.aud ?? WIF_AUDIENCE)
      .setIssuedAt(now + (claims.iat ?? -30))
      .setNotBefore(now + (claims.nbf ?? claims.iat ?? -30))
      .setExpirationTime(now + (claims.exp ?? 600))
      .sign(entraKey.privateKey);
  }

  /** As the operator copies it from Entra's portal: `api://{appid}/.default`. */
  const workloadIdentity = {
    entraTenantId: ENTRA_TENANT,
    subject: WIF_SUBJECT,
    audience: `${WIF_AUDIENCE}/.default`,
  };

  function assertionRequest(clientId: string, jwt: string) {
    return tokenRequest({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_assertion_type: JWT_BEARER_ASSERTION,
      client_assertion: jwt,
      scope: 'scim',
    });
  }

  it('issues a token for an assertion of the configured Entra tenant and subject', async () => {
    const { clientId } = await newClient({ createdBy: 'test', workloadIdentity });

    const answer = await assertionRequest(clientId, await assertion());

    expect(answer.status).toBe(200);
    expect(answer.body.token_type).toBe('Bearer');
    expect((await usersWith(answer.body.access_token)).status).toBe(200);
  });

  it('accepts both audience forms Microsoft shows, whichever the operator configured', async () => {
    const portalForm = await newClient({ createdBy: 'test', workloadIdentity });
    const tokenForm = await newClient({
      createdBy: 'test',
      workloadIdentity: { ...workloadIdentity, audience: WIF_AUDIENCE },
    });

    const answers: [string, TokenAnswer][] = [];
    for (const [name, client] of [
      ['configured api://{appid}/.default', portalForm.clientId],
      ['configured api://{appid}', tokenForm.clientId],
    ] as const) {
      for (const aud of [WIF_AUDIENCE, `${WIF_AUDIENCE}/.default`]) {
        answers.push([
          `${name}, aud ${aud}`,
          await assertionRequest(client, await assertion({ aud })),
        ]);
      }
    }

    for (const [name, answer] of answers) expect(answer.status, name).toBe(200);
  });

  it('refuses an assertion of another tenant, subject or audience, and a client without the setting', async () => {
    const { clientId } = await newClient({ createdBy: 'test', workloadIdentity });
    const { clientId: plain } = await newClient();
    const cases: [string, string, Promise<string>][] = [
      ['another Entra tenant', clientId, assertion({ tid: OTHER_ENTRA_TENANT })],
      [
        'the right issuer, another tid',
        clientId,
        assertion({
          iss: `https://login.microsoftonline.com/${ENTRA_TENANT}/v2.0`,
          tid: OTHER_ENTRA_TENANT,
        }),
      ],
      ['another subject', clientId, assertion({ sub: randomUUID() })],
      ['another audience', clientId, assertion({ aud: 'api://someone-else' })],
      [
        'an audience extending the configured one',
        clientId,
        assertion({ aud: `${WIF_AUDIENCE}x` }),
      ],
      // The issue's reproduction: another resource's token, valid 20 hours.
      [
        'another resource, 20 hours',
        clientId,
        assertion({ aud: 'api://some-other-resource', exp: 20 * 3600 }),
      ],
      ['a client not set up for it', plain, assertion()],
    ];

    for (const [name, client, pending] of cases) {
      const answer = await assertionRequest(client, await pending);
      expect(answer.status, name).toBe(401);
      expect(answer.body.error, name).toBe('invalid_client');
    }
  });

  it("accepts Entra's lifetimes up to 90 minutes, measured from iat and from nbf, and refuses longer ones", async () => {
    const { clientId } = await newClient({ createdBy: 'test', workloadIdentity });
    const max = MAX_ASSERTION_LIFETIME_SECONDS;
    const accepted: [string, Promise<string>][] = [
      // Microsoft's example assertion: iat 1772175916, exp 1772179816.
      ["Microsoft's example, 65 minutes", assertion({ iat: -60, exp: 3_900 - 60 })],
      ['exactly the maximum', assertion({ iat: -60, exp: max - 60 })],
    ];
    const refused: [string, Promise<string>][] = [
      ['a second over, from iat', assertion({ iat: -60, exp: max - 59 })],
      ['over, from nbf alone', assertion({ iat: -60, nbf: -2 * 3600, exp: 600 })],
      ['20 hours', assertion({ exp: 20 * 3600 })],
    ];

    for (const [name, pending] of accepted) {
      expect((await assertionRequest(clientId, await pending)).status, name).toBe(200);
    }
    for (const [name, pending] of refused) {
      const answer = await assertionRequest(clientId, await pending);
      expect(answer.status, name).toBe(401);
      expect(answer.body.error, name).toBe('invalid_client');
    }
  });

  it('refuses an assertion used before, by any client, and remembers it in the table until it expires', async () => {
    const first = await newClient({ createdBy: 'test', workloadIdentity });
    const second = await newClient({ createdBy: 'test', workloadIdentity });
    const jti = randomUUID();
    const jwt = await assertion({ jti, exp: 900 });
    const exp = Math.floor(Date.now() / 1000) + 900;

    const once = await assertionRequest(first.clientId, jwt);
    const again = await assertionRequest(first.clientId, jwt);
    const elsewhere = await assertionRequest(second.clientId, jwt);
    const fresh = await assertionRequest(first.clientId, await assertion());

    expect(once.status).toBe(200);
    // RFC 7523 §3.2: a client assertion refused, for any reason, is invalid_client.
    for (const answer of [again, elsewhere]) {
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('invalid_client');
    }
    expect(fresh.status).toBe(200);
    const issuer = `https://login.microsoftonline.com/${ENTRA_TENANT}/v2.0`;
    const { Item } = await documentClient().send(
      new GetCommand({
        TableName: tableName(),
        Key: keys.usedAssertion(usedAssertionHash(issuer, `jti:${jti}`)),
        ConsistentRead: true,
      }),
    );
    expect(Item).toMatchObject({ clientId: first.clientId, usedAt: expect.any(String) });
    // Until it expires, with the clock tolerance: then DynamoDB's TTL may delete it.
    expect(Math.abs((Item?.ttl as number) - (exp + 30))).toBeLessThanOrEqual(2);
  });

  it("refuses a replay of an assertion without jti, by Entra's uti or by its signature", async () => {
    const { clientId } = await newClient({ createdBy: 'test', workloadIdentity });
    const withUti = await assertion({ jti: null, uti: randomUUID() });
    const bare = await assertion({ jti: null });
    // The same signature spelled with the last base64url character's spare bits set: a
    // decoder that ignores them would accept it as the same token.
    const [head, body, signature] = bare.split('.') as [string, string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature.at(-1)!);
    const respelled = `${head}.${body}.${signature.slice(0, -1)}${alphabet[last | 0b11]}`;

    const answers = [
      await assertionRequest(clientId, withUti),
      await assertionRequest(clientId, withUti),
      await assertionRequest(clientId, bare),
      await assertionRequest(clientId, bare),
      await assertionRequest(clientId, respelled),
    ].map((answer) => answer.status);

    expect(answers).toEqual([200, 401, 200, 401, 401]);
  });

  it('refuses to set up a workload identity without an audience, or with one Entra never issues', async () => {
    const { audience: _none, ...withoutAudience } = workloadIdentity;

    await expect(
      testRegistry().createClient({
        createdBy: 'test',
        workloadIdentity: withoutAudience as typeof workloadIdentity,
      }),
    ).rejects.toThrow(/workloadIdentity.audience is required/);
    await expect(
      testRegistry().createClient({
        createdBy: 'test',
        workloadIdentity: { ...workloadIdentity, audience: 'https://example.com' },
      }),
    ).rejects.toThrow(/api:\/\/<workload identity app id>/);
  });

  // Last in the file: it leaves 127.0.0.1 throttled for unknown clients.
  it(`lets the right secret and assertion through after ${MAX_FAILED_PER_ADDRESS + 5} unknown client ids from one address, and throttles only unknown clients`, async () => {
    // Prepare: every request of this file comes from 127.0.0.1.
    const { clientId, secret } = await newClient();
    const wif = await newClient({ createdBy: 'test', workloadIdentity });
    const grant = { grant_type: 'client_credentials' };
    const unknown: number[] = [];
    for (let i = 0; i < MAX_FAILED_PER_ADDRESS + 5; i++) {
      const answer = await tokenRequest({ ...grant, client_id: randomUUID(), client_secret: 'x' });
      unknown.push(answer.status);
    }

    // Act
    const right = await tokenRequest({ ...grant, client_id: clientId, client_secret: secret });
    const rightAssertion = await assertionRequest(wif.clientId, await assertion());
    const wrong = await tokenRequest({ ...grant, client_id: clientId, client_secret: 'wrong' });
    const anotherUnknown = await tokenRequest({
      ...grant,
      client_id: randomUUID(),
      client_secret: 'x',
    });

    // Assess
    // Earlier tests of this file sent a few unknown clients too: 401s, then only 429s.
    const firstThrottled = unknown.indexOf(429);
    expect(firstThrottled).toBeGreaterThan(0);
    expect(firstThrottled).toBeLessThanOrEqual(MAX_FAILED_PER_ADDRESS);
    expect(new Set(unknown.slice(0, firstThrottled))).toEqual(new Set([401]));
    expect(new Set(unknown.slice(firstThrottled))).toEqual(new Set([429]));
    expect(right.status).toBe(200);
    expect(rightAssertion.status).toBe(200);
    expect((await usersWith(right.body.access_token)).status).toBe(200);
    // A known client's wrong secret is its own throttle's business: 401, counted for the client.
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect((await testRegistry().get(clientId))?.failedAttempts).toBe(1);
    expect(anotherUnknown.status).toBe(429);
    expect(anotherUnknown.body.error).toBe('slow_down');
    expect(Number(anotherUnknown.headers['retry-after'])).toBeGreaterThan(0);
  });
});
