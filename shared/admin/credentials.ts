/**
 * The integration page's credential operations, on the tenant's credential registry
 * (`shared/credentials`): what the list shows (never a hash or a secret), a new OAuth client with
 * its secret shown once, revocation. Each change is recorded as an admin action.
 */
import type { Credential } from '../credentials/registry.js';
import { CredentialNotFoundError } from '../credentials/registry.js';
import { tenantRegistry } from '../credentials/tenant-registry.js';
import { tenantSigner } from '../credentials/tenant-signer.js';
import { issueSecretToken } from '../credentials/tokens.js';
import { recordAdminAction } from '../store/admin-items.js';
import { AdminError, type AdminRequest } from './http.js';
import { TOKEN_ENDPOINT_PATH } from './integration.js';

/** A credential as the page lists it: no hash, no secret, no throttling state. */
export type CredentialView = Pick<
  Credential,
  | 'id'
  | 'description'
  | 'createdAt'
  | 'createdBy'
  | 'lastUsedAt'
  | 'revokedAt'
  | 'revokedBy'
  | 'expiresAt'
> & {
  readonly kind: 'secretToken' | 'oauthClient';
  /** An OAuth client's client_id (its credential id). */
  readonly clientId?: string;
};

export function credentialView(credential: Credential): CredentialView {
  const {
    id,
    kind,
    description,
    createdAt,
    createdBy,
    lastUsedAt,
    revokedAt,
    revokedBy,
    expiresAt,
  } = credential;
  return {
    id,
    kind: kind === 'oauth-client' ? 'oauthClient' : 'secretToken',
    ...(kind === 'oauth-client' ? { clientId: id } : {}),
    ...(description ? { description } : {}),
    createdAt,
    createdBy,
    ...(lastUsedAt ? { lastUsedAt } : {}),
    ...(revokedAt ? { revokedAt } : {}),
    ...(revokedBy ? { revokedBy } : {}),
    ...(expiresAt ? { expiresAt } : {}),
  };
}

/** Who the registry records as the creator or revoker: the admin's sign-in name. */
export function actorOf(request: AdminRequest): { id: string; name: string } {
  const session = request.session;
  if (!session) throw new AdminError(401, 'signInRequired', 'Sign in to use the integration page.');
  return { id: session.userId, name: session.username || session.name };
}

/** Every credential, newest first. */
export async function listCredentials(): Promise<CredentialView[]> {
  const { credentials } = await tenantRegistry().list();
  return credentials.map(credentialView).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * A new Secret Token (no expiry: Entra stores it once); the token is in this answer only, the
 * registry keeps its id. It works at once: a new credential is read through the registry's cache
 * on first sight.
 */
export async function generateSecretToken(request: AdminRequest) {
  const actor = actorOf(request);
  const { token, credential } = await issueSecretToken(tenantRegistry(), tenantSigner(), {
    tenant: request.config.tenant,
    createdBy: actor.name,
    description: 'Generated on the integration page',
  });
  await recordAdminAction({
    actorId: actor.id,
    actorName: actor.name,
    action: 'generateSecretToken',
    target: credential.id,
  });
  return { credential: credentialView(credential), secretToken: token };
}

/** A new OAuth client for Entra's client-credentials method; its secret is in this answer only. */
export async function createOAuthClient(request: AdminRequest) {
  const actor = actorOf(request);
  const { credential, secret } = await tenantRegistry().createClient({
    createdBy: actor.name,
    description: 'Created on the integration page',
  });
  await recordAdminAction({
    actorId: actor.id,
    actorName: actor.name,
    action: 'createOAuthClient',
    target: credential.id,
  });
  return {
    credential: credentialView(credential),
    clientId: credential.id,
    clientSecret: secret.secret,
    secretExpiresAt: secret.expiresAt,
    tokenEndpoint: `${request.origin}${TOKEN_ENDPOINT_PATH}`,
  };
}

/** Revokes a credential; tokens it issued stop within the registry's cache window. */
export async function revokeCredential(request: AdminRequest) {
  const actor = actorOf(request);
  const id = request.params.id ?? '';
  const registry = tenantRegistry();
  if (!(await registry.get(id))) {
    throw new AdminError(404, 'notFound', 'No such credential.');
  }
  let credential: Credential;
  try {
    credential = await registry.revoke(id, actor.name);
  } catch (error) {
    if (error instanceof CredentialNotFoundError)
      throw new AdminError(404, 'notFound', 'No such credential.');
    throw error;
  }
  await recordAdminAction({
    actorId: actor.id,
    actorName: actor.name,
    action: 'revokeCredential',
    target: id,
  });
  return { credential: credentialView(credential) };
}
