/**
 * The integration page's credential operations, on the tenant's credential registry
 * (`shared/credentials`): what the list shows (never a hash or a secret), a new OAuth client with
 * its secret shown once, a client's secret rotation (a new secret shown once, an old one revoked)
 * and revocation. Each change is recorded as an admin action.
 */
import type { ClientSecret, Credential, IssuedSecret } from '../credentials/registry.js';
import { CredentialNotFoundError, isActive } from '../credentials/registry.js';
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
  /** An OAuth client's secrets, oldest first: ids and dates, never a hash. */
  readonly secrets?: readonly SecretView[];
};

/** One secret of an OAuth client as the page lists it. */
export type SecretView = Pick<ClientSecret, 'id' | 'createdAt' | 'expiresAt' | 'revokedAt'>;

function secretView({ id, createdAt, expiresAt, revokedAt }: ClientSecret): SecretView {
  return { id, createdAt, expiresAt, ...(revokedAt ? { revokedAt } : {}) };
}

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
    secrets,
  } = credential;
  return {
    id,
    kind: kind === 'oauth-client' ? 'oauthClient' : 'secretToken',
    ...(kind === 'oauth-client' ? { clientId: id, secrets: (secrets ?? []).map(secretView) } : {}),
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

/** The OAuth client a page call names, read now; a 404 for anything else. */
async function oauthClient(request: AdminRequest): Promise<Credential> {
  const client = await tenantRegistry().get(request.params.id ?? '');
  if (client?.kind !== 'oauth-client') {
    throw new AdminError(404, 'notFound', 'No such OAuth client.');
  }
  return client;
}

/**
 * A new secret for an OAuth client, shown in this answer only with its expiry. The client's other
 * secrets stay valid, so Entra is switched to the new one without a gap; the old one is revoked
 * afterwards (`revokeClientSecret`).
 */
export async function addClientSecret(request: AdminRequest) {
  const actor = actorOf(request);
  const client = await oauthClient(request);
  if (client.revokedAt) {
    throw new AdminError(409, 'revoked', 'This OAuth client is revoked: create a new one.');
  }
  let issued: IssuedSecret;
  try {
    issued = await tenantRegistry().rotateSecret(client.id);
  } catch (error) {
    // Revoked or gone between the read and the write.
    if (error instanceof CredentialNotFoundError) {
      throw new AdminError(409, 'revoked', 'This OAuth client is revoked: create a new one.');
    }
    throw error;
  }
  await recordAdminAction({
    actorId: actor.id,
    actorName: actor.name,
    action: 'addClientSecret',
    target: client.id,
    detail: `secret ${issued.secretId}`,
  });
  const updated = (await tenantRegistry().get(client.id)) ?? client;
  return {
    credential: credentialView(updated),
    clientId: client.id,
    secretId: issued.secretId,
    clientSecret: issued.secret,
    secretExpiresAt: issued.expiresAt,
    tokenEndpoint: `${request.origin}${TOKEN_ENDPOINT_PATH}`,
  };
}

/**
 * Revokes one secret of an OAuth client: the token endpoint refuses it, and access tokens
 * obtained with it stop within the registry's cache window. The client's last usable secret is
 * refused (Entra would lose access): add a new one first, or revoke the client.
 */
export async function revokeClientSecret(request: AdminRequest) {
  const actor = actorOf(request);
  const client = await oauthClient(request);
  const secretId = request.params.secretId ?? '';
  const secrets = client.secrets ?? [];
  const secret = secrets.find((candidate) => candidate.id === secretId);
  if (!secret) throw new AdminError(404, 'notFound', 'No such secret of this OAuth client.');
  // Already revoked: nothing to do or record.
  if (secret.revokedAt) return { credential: credentialView(client) };
  const at = Date.now();
  const usable = (candidate: ClientSecret) =>
    !candidate.revokedAt && Date.parse(candidate.expiresAt) > at;
  if (
    isActive(client, at) &&
    usable(secret) &&
    !secrets.some((other) => other.id !== secretId && usable(other))
  ) {
    throw new AdminError(
      409,
      'lastSecret',
      'This is the client’s only valid secret: add a new secret first, or revoke the client.',
    );
  }
  try {
    await tenantRegistry().revokeSecret(client.id, secretId);
  } catch (error) {
    if (error instanceof CredentialNotFoundError)
      throw new AdminError(404, 'notFound', 'No such secret of this OAuth client.');
    throw error;
  }
  await recordAdminAction({
    actorId: actor.id,
    actorName: actor.name,
    action: 'revokeClientSecret',
    target: client.id,
    detail: `secret ${secretId}`,
  });
  const updated = (await tenantRegistry().get(client.id)) ?? client;
  return { credential: credentialView(updated) };
}
