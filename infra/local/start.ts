/**
 * `npm start`: the whole service on this machine for tenant `local`. DynamoDB Local keeps its data
 * in `.local/dynamodb-data/` (or `DYNAMODB_ENDPOINT` names one already running), the signing key
 * and Secret Token persist in `.local/keys/` (mode 0600), and the Tenant URL, Secret Token, token
 * endpoint and an OAuth client are printed last: the client keeps its id, and gets a fresh secret
 * on every start (the previous ones revoked), so no secret of it is ever written to a file.
 * `ENTRA_TENANT_ID` and `ENTRA_JWKS_URL`, when set, let tokens issued by that Entra tenant in,
 * only with the caller pinned (`ENTRA_APP_ID` and/or `ENTRA_OBJECT_ID`); without a pin the start
 * stops before anything runs.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { assertEntraPinned } from '../../shared/config.js';
import { createCredentialRegistry, isActive } from '../../shared/credentials/registry.js';
import { adminRoutes, routes } from '../../shared/routes.js';
import {
  generateSigningKey,
  issueRegisteredToken,
  localDocumentClient,
  publicJwks,
  type SigningKey,
} from '../tokens.js';
import { startLocalAdmin } from './admin.js';
import { ensureTable, type RunningDynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.js';
import { startLocalServer } from './server.js';

const TENANT = 'local';
// LOCAL_TABLE_NAME: a test's own table, so that parallel runs never share the local OAuth client.
const TABLE_NAME = process.env.LOCAL_TABLE_NAME ?? 'grouptalk-scim-local';
const LOCAL_DIR = fileURLToPath(new URL('../../.local/', import.meta.url));
const KEYS_DIR = join(LOCAL_DIR, 'keys');
const KEY_FILE = join(KEYS_DIR, `${TENANT}.private.jwk.json`);
const TOKEN_FILE = join(KEYS_DIR, `${TENANT}.secret-token.txt`);

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  throw new Error(`PORT must be a TCP port number, got ${process.env.PORT}`);
}

// Entra-issued tokens need a pinned caller: said now, not at the first request.
assertEntraPinned({
  entraTenantId: process.env.ENTRA_TENANT_ID || undefined,
  entraAppId: process.env.ENTRA_APP_ID || undefined,
  entraObjectId: process.env.ENTRA_OBJECT_ID || undefined,
});

const key = await signingKey();

let dynamodb: RunningDynamoDbLocal | undefined;
let endpoint = process.env.DYNAMODB_ENDPOINT;
if (!endpoint) {
  const dbPath = join(LOCAL_DIR, 'dynamodb-data');
  dynamodb = await startDynamoDbLocal({ dbPath });
  endpoint = dynamodb.endpoint;
  console.log(`DynamoDB Local: ${endpoint} (data in .local/dynamodb-data/)`);
}
await ensureTable(endpoint, TABLE_NAME);
const token = await secretToken(key, endpoint);
const oauthClient = await localOAuthClient(endpoint);

// The integration page: a local OpenID provider stands in for the customer's Entra ID.
const admin = await startLocalAdmin({
  requestLogFile: join(LOCAL_DIR, 'logs', 'requests.jsonl'),
  sessionKeyFile: join(KEYS_DIR, `${TENANT}.admin-session.key`),
  tenantDisplayName: 'Local tenant',
});

// Before the first request imports a handler: handlers read their configuration at import time.
Object.assign(process.env, {
  ...admin.environment,
  TENANT,
  TOKEN_PUBLIC_KEYS: JSON.stringify(publicJwks([key])),
  // The token endpoint signs with the local key (KMS in AWS).
  TOKEN_SIGNING_KEY: JSON.stringify(key),
  TABLE_NAME,
  DYNAMODB_ENDPOINT: endpoint,
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
});

const server = await startLocalServer({
  port,
  host: '127.0.0.1',
  routes: [...routes, ...adminRoutes],
}).catch(async (error) => {
  await admin.close();
  await dynamodb?.stop();
  throw error;
});

// The change feed: the stream publisher, writing each event as one JSON line to a file
// (`EVENTS_FILE` elsewhere), its stream position kept beside it.
const EVENTS_FILE = process.env.EVENTS_FILE ?? join(LOCAL_DIR, 'events.jsonl');
const { fileSink, startLocalFeed } = await import('./event-feed.js');
const feed = await startLocalFeed({
  endpoint,
  tableName: TABLE_NAME,
  tenant: TENANT,
  baseUrl: server.url,
  sink: fileSink(EVENTS_FILE),
  checkpointFile: `${EVENTS_FILE}.checkpoint.json`,
});

console.log(`Tenant URL: ${server.url}`);
console.log(`Secret Token: ${token}`);
console.log(`Token endpoint: ${new URL('/oauth2/token', server.url).href}`);
console.log(`Client ID: ${oauthClient.clientId}`);
console.log(`Client Secret: ${oauthClient.secret}`);
console.log(`Events: ${EVENTS_FILE}`);
console.log(
  `Admin URL: ${new URL('/admin', server.url).href} (signs in as the test administrator ${admin.testAdministrator} through the local OpenID provider ${admin.provider.issuer})`,
);

// In AWS an EventBridge schedule runs the membership sweeper; locally it runs every minute.
const SWEEP_INTERVAL_MS = 60_000;
const sweeper = setInterval(async () => {
  const { handler: sweep } = await import('../../functions/groups/sweep-memberships.js');
  await sweep({}).catch((error: unknown) => console.error('membership sweep failed', error));
}, SWEEP_INTERVAL_MS);
sweeper.unref();

let stopping = false;
const shutdown = async () => {
  if (stopping) process.exit(1); // A second Ctrl-C does not wait.
  stopping = true;
  clearInterval(sweeper);
  await server.close();
  await feed.stop();
  await admin.close();
  await dynamodb?.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

/** The local tenant's signing key: created on the first start, reused afterwards. */
async function signingKey(): Promise<SigningKey> {
  if (existsSync(KEY_FILE)) return JSON.parse(await readFile(KEY_FILE, 'utf8')) as SigningKey;
  const created = await generateSigningKey();
  await mkdir(KEYS_DIR, { recursive: true, mode: 0o700 });
  await writeFile(KEY_FILE, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600 });
  return created;
}

/**
 * The same non-expiring token on every start, so a client configured once keeps working, as long
 * as the registry still holds it as active (a table kept in `.local/`); otherwise a new one,
 * registered. The file is the operator's own copy (mode 0600), like a password manager entry.
 */
async function secretToken(current: SigningKey, dynamodbEndpoint: string): Promise<string> {
  if (existsSync(TOKEN_FILE)) {
    const saved = (await readFile(TOKEN_FILE, 'utf8')).trim();
    const jti = signedBy(saved, current);
    if (jti && (await stillActive(jti, dynamodbEndpoint))) return saved;
  }
  const { token: issued } = await issueRegisteredToken(current, {
    tenant: TENANT,
    endpoint: dynamodbEndpoint,
    tableName: TABLE_NAME,
    createdBy: 'npm start',
    description: 'Secret Token printed by npm start',
  });
  await writeFile(TOKEN_FILE, `${issued}\n`, { mode: 0o600 });
  await chmod(TOKEN_FILE, 0o600);
  return issued;
}

/** The token's id when `key` signed it. */
function signedBy(token: string, key: SigningKey): string | undefined {
  try {
    if (decodeProtectedHeader(token).kid !== key.kid) return undefined;
    const { jti } = decodeJwt(token);
    return typeof jti === 'string' ? jti : undefined;
  } catch {
    return undefined; // Not a JWT any more: issue a new one.
  }
}

/**
 * The OAuth client of `npm start`: the same client id on every start (while the table keeps it),
 * and a fresh secret each time, the previous ones revoked, so that no secret is ever written to
 * a file.
 */
async function localOAuthClient(
  dynamodbEndpoint: string,
): Promise<{ clientId: string; secret: string }> {
  const documents = localDocumentClient(dynamodbEndpoint);
  try {
    const registry = createCredentialRegistry({ documents, tableName: TABLE_NAME });
    const { credentials } = await registry.list();
    const existing = credentials.find(
      (credential) =>
        credential.kind === 'oauth-client' &&
        credential.createdBy === 'npm start' &&
        isActive(credential, Date.now()),
    );
    if (existing) {
      const { secret } = await registry.rotateSecret(existing.id, { revokeOthers: true });
      return { clientId: existing.id, secret };
    }
    const { credential, secret } = await registry.createClient({
      createdBy: 'npm start',
      description: 'OAuth client printed by npm start',
    });
    return { clientId: credential.id, secret: secret.secret };
  } finally {
    documents.destroy();
  }
}

async function stillActive(id: string, dynamodbEndpoint: string): Promise<boolean> {
  const documents = localDocumentClient(dynamodbEndpoint);
  try {
    const registry = createCredentialRegistry({ documents, tableName: TABLE_NAME });
    const credential = await registry.get(id);
    return credential !== undefined && isActive(credential, Date.now());
  } finally {
    documents.destroy();
  }
}
