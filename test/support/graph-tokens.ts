/**
 * Delegated Microsoft Graph access tokens for the tests of the Graph client and stand-in: RS256
 * tokens shaped like Entra's v1 tokens for Graph (`aud` Graph's URI, `scp` the space-separated
 * delegated permissions), signed by a throwaway key whose set a local JWKS server publishes.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { type JwksServer, startJwksServer } from './jwks-server.js';

export interface GraphTokenIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  /** A token holding `scopes` (`aud` defaults to `https://graph.microsoft.com`). */
  token(scopes: readonly string[], options?: { audience?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startGraphTokenIssuer(): Promise<GraphTokenIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwks: JwksServer = await startJwksServer([
    { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  ]);
  const issuer = `${jwks.origin}/00000000-0000-4000-8000-00000000c0de/v2.0`;
  return {
    issuer,
    jwksUri: jwks.url,
    token: (scopes, options = {}) =>
      new SignJWT({
        scp: scopes.join(' '),
        oid: '11111111-1111-4111-8111-111111111111',
        tid: '00000000-0000-4000-8000-00000000c0de',
      })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(issuer)
        .setAudience(options.audience ?? 'https://graph.microsoft.com')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
    close: () => jwks.close(),
  };
}
