import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, issueToken, publicJwks } from '../../infra/tokens.js';
import { type AuthConfig, TOKEN_ISSUER, tokenAudience } from '../../shared/config.js';
import { createLocalSigner } from '../../shared/credentials/signer.js';
import { signAccessToken } from '../../shared/credentials/tokens.js';
import { createBearerVerifier } from '../../shared/http/auth.js';
import { UnauthorizedError } from '../../shared/scim/errors.js';
import { testRegistry } from '../support/service.js';

function authConfig(tenant: string, keys: Parameters<typeof publicJwks>[0]): AuthConfig {
  return {
    tenant,
    issuer: TOKEN_ISSUER,
    publicKeys: JSON.stringify(publicJwks(keys)),
    kmsKeyIds: [],
  };
}

/** A verifier over this test file's registry (DynamoDB Local). */
function verifier(config: AuthConfig) {
  return createBearerVerifier(config, { registry: testRegistry() });
}

/** Registers token ids as active Secret Tokens, as the operator's `issue` does. */
async function register(...ids: string[]): Promise<void> {
  for (const id of ids) await testRegistry().createSecretToken({ id, createdBy: 'test' });
}

describe('Secret Tokens', () => {
  it('issues a token the service verifies for its tenant', async () => {
    // Prepare
    const key = await generateSigningKey();
    const verify = verifier(authConfig('acme', [key]));
    await register('token-1');

    // Act
    const token = await issueToken(key, { tenant: 'acme', jti: 'token-1' });

    // Assess
    await expect(verify(`Bearer ${token}`)).resolves.toEqual({
      kind: 'service-token',
      tokenId: 'token-1',
    });
  });

  it('binds the token to the tenant with issuer, audience and claims, and names its key', async () => {
    // Prepare
    const key = await generateSigningKey();

    // Act
    const token = await issueToken(key, { tenant: 'acme' });

    // Assess
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid: key.kid });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: TOKEN_ISSUER,
      aud: tokenAudience('acme'),
      tenant: 'acme',
    });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.iat).toBeTypeOf('number');
    expect(claims.exp).toBeUndefined();
  });

  it("refuses another tenant's token signed with the same key", async () => {
    // Prepare
    const key = await generateSigningKey();
    const verify = verifier(authConfig('acme', [key]));
    const token = await issueToken(key, { tenant: 'globex' });

    // Act
    const outcome = verify(`Bearer ${token}`);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses a token whose credential is revoked, or was never registered', async () => {
    // Prepare
    const key = await generateSigningKey();
    const verify = verifier(authConfig('acme', [key]));
    await register('revoked-1');
    await testRegistry().revoke('revoked-1', 'test');
    const token = await issueToken(key, { tenant: 'acme', jti: 'revoked-1' });
    const unregistered = await issueToken(key, { tenant: 'acme', jti: 'never-registered' });
    await expect(verify(`Bearer ${unregistered}`)).rejects.toBeInstanceOf(UnauthorizedError);

    // Act
    const outcome = verify(`Bearer ${token}`);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses an expired token', async () => {
    // Prepare: expired a minute ago, beyond the verifier's 30 s clock tolerance.
    const key = await generateSigningKey();
    const verify = verifier(authConfig('acme', [key]));
    const token = await issueToken(key, { tenant: 'acme', expiresIn: '-60s' });

    // Act
    const outcome = verify(`Bearer ${token}`);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('accepts a token that has not expired yet', async () => {
    // Prepare
    const key = await generateSigningKey();
    const verify = verifier(authConfig('acme', [key]));
    await register('token-2');
    const token = await issueToken(key, { tenant: 'acme', expiresIn: '90d', jti: 'token-2' });

    // Act
    const caller = await verify(`Bearer ${token}`);

    // Assess
    expect(caller.tokenId).toBe('token-2');
    expect(decodeJwt(token).exp).toBeGreaterThan(Date.now() / 1000 + 89 * 86_400);
  });

  it('refuses a token signed by a key that is not configured', async () => {
    // Prepare
    const configured = await generateSigningKey();
    const other = await generateSigningKey();
    const verify = verifier(authConfig('acme', [configured]));
    const token = await issueToken(other, { tenant: 'acme' });

    // Act
    const outcome = verify(`Bearer ${token}`);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('verifies tokens of every configured key during a rotation', async () => {
    // Prepare
    const previous = await generateSigningKey();
    const next = await generateSigningKey();
    const verify = verifier(authConfig('acme', [previous, next]));
    await register('old', 'new');

    // Act
    const callers = await Promise.all([
      verify(`Bearer ${await issueToken(previous, { tenant: 'acme', jti: 'old' })}`),
      verify(`Bearer ${await issueToken(next, { tenant: 'acme', jti: 'new' })}`),
    ]);

    // Assess
    expect(callers.map((caller) => caller.tokenId)).toEqual(['old', 'new']);
  });
});

describe("a token's type against its credential's kind", () => {
  it('accepts each type for a credential of its kind only', async () => {
    // Prepare: one credential of each kind, and a token of each type naming each.
    const key = await generateSigningKey();
    const verify = verifier(authConfig('acme', [key]));
    const signer = createLocalSigner(key);
    const secretToken = await testRegistry().createSecretToken({ createdBy: 'test' });
    const { credential: client, secret } = await testRegistry().createClient({
      createdBy: 'test',
    });
    const accessToken = async (clientId: string, secretId: string) =>
      (
        await signAccessToken(signer, {
          tenant: 'acme',
          clientId,
          secretId,
          lifetimeSeconds: 3_600,
        })
      ).accessToken;

    // Act
    const right = {
      secretToken: await issueToken(key, { tenant: 'acme', jti: secretToken.id }),
      accessToken: await accessToken(client.id, secret.secretId),
    };
    const crossed = {
      'a Secret Token naming an OAuth client': await issueToken(key, {
        tenant: 'acme',
        jti: client.id,
      }),
      'an access token naming a Secret Token credential': await accessToken(secretToken.id, 'wif'),
      'an access token by assertion for a client without workload identity': await accessToken(
        client.id,
        'wif',
      ),
    };

    // Assess
    await expect(verify(`Bearer ${right.secretToken}`)).resolves.toEqual({
      kind: 'service-token',
      tokenId: secretToken.id,
    });
    await expect(verify(`Bearer ${right.accessToken}`)).resolves.toEqual({
      kind: 'access-token',
      tokenId: client.id,
    });
    for (const [name, token] of Object.entries(crossed)) {
      await expect(verify(`Bearer ${token}`), name).rejects.toBeInstanceOf(UnauthorizedError);
    }
  });
});

describe('publicJwks', () => {
  it('publishes the public key only, with its kid', async () => {
    // Prepare
    const key = await generateSigningKey();

    // Act
    const jwks = publicJwks([key]);

    // Assess
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: key.x,
      y: key.y,
      kid: key.kid,
      alg: 'ES256',
      use: 'sig',
    });
  });
});
