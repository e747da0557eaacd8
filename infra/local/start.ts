/**
 * `npm start`: the whole service on this machine for tenant `local`. DynamoDB Local keeps its data
 * in `.local/dynamodb-data/` (or `DYNAMODB_ENDPOINT` names one already running), the signing key,
 * the Secret Token and the OAuth client's secret persist in `.local/keys/` (mode 0600), and the
 * Tenant URL, Secret Token, token endpoint and the OAuth client are printed: the same ones on
 * every start while the registry holds them as active. `.local/service.json` then tells the local
 * commands (`token`, `simulate`, `log-hash`, `migrate-names` with `--local`) where it all is.
 * The terminal shows one short line per request; the functions' JSON log lines go to
 * `.local/logs/service.jsonl` (`LOG_FORMAT=json` shows them instead).
 * `ENTRA_TENANT_ID` and `ENTRA_JWKS_URL`, when set, let tokens issued by that Entra tenant in,
 * only with the caller pinned (`ENTRA_APP_ID` and/or `ENTRA_OBJECT_ID`); without a pin the start
 * stops before anything runs.
 * A local Microsoft Graph stand-in (`infra/local/graph-stand-in.ts`) serves the page's Connect to
 * Microsoft Entra; its URL is printed.
 * `SCIM_LOCAL_DIR` puts everything of `.local/` but DynamoDB Local's jar elsewhere (the tests).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { assertEntraPinned } from '../../shared/config.js';
import {
  createCredentialRegistry,
  isActive,
  matchSecret,
} from '../../shared/credentials/registry.js';
import { adminRoutes, routes } from '../../shared/routes.js';
import { tableDesign } from '../../shared/store/table-design.js';
import {
  generateSigningKey,
  issueRegisteredToken,
  localDocumentClient,
  publicJwks,
  type SigningKey,
} from '../tokens.js';
import { startLocalAdmin } from './admin.js';
import { ensureTable, type RunningDynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.js';
import { invokeLocally } from './invocations.js';
import { LOCAL_DIRECTORY_ID } from './oidc-provider.js';
import { localLambdaContext, startLocalServer } from './server.js';
import { localStateDir, readServiceRecord, writeServiceRecord } from './service-record.js';
import { routeLogLines, terminalLogFormat } from './terminal-log.js';

const TENANT = 'local';
// LOCAL_TABLE_NAME: a test's own table, so that parallel runs never share the local OAuth client.
const TABLE_NAME = process.env.LOCAL_TABLE_NAME ?? 'grouptalk-scim-local';
const LOCAL_DIR = localStateDir();
const KEYS_DIR = join(LOCAL_DIR, 'keys');
const KEY_FILE = join(KEYS_DIR, `${TENANT}.private.jwk.json`);
const TOKEN_FILE = join(KEYS_DIR, `${TENANT}.secret-token.txt`);
const CLIENT_FILE = join(KEYS_DIR, `${TENANT}.oauth-client.json`);
const LOG_FILE = join(LOCAL_DIR, 'logs', 'service.jsonl');
const REQUEST_LOG_FILE = join(LOCAL_DIR, 'logs', 'requests.jsonl');

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  exitWith(`PORT must be a TCP port number (e.g. PORT=8081 npm start), got "${process.env.PORT}"`);
}
// Entra-issued tokens need a pinned caller: said in one line now, not at the first request.
try {
  assertEntraPinned({
    entraTenantId: process.env.ENTRA_TENANT_ID || undefined,
    entraAppId: process.env.ENTRA_APP_ID || undefined,
    entraObjectId: process.env.ENTRA_OBJECT_ID || undefined,
  });
} catch (error) {
  exitWith((error as Error).message);
}

// Before anything is read or written: a second npm start must leave the first one's secrets be.
if (port !== 0) {
  const taken = await portProblem(port);
  if (taken) exitWith(taken);
}

const stopLogLines = routeLogLines({
  file: LOG_FILE,
  format: terminalLogFormat(process.env.LOG_FORMAT),
});

const key = await signingKey();

let dynamodb: RunningDynamoDbLocal | undefined;
let endpoint = process.env.DYNAMODB_ENDPOINT;
if (!endpoint) {
  const dbPath = join(LOCAL_DIR, 'dynamodb-data');
  dynamodb = await startDynamoDbLocal({ dbPath });
  endpoint = dynamodb.endpoint;
  console.log(`DynamoDB Local: ${endpoint} (data in ${shown(dbPath)}/)`);
}
const { addedIndexes } = await ensureTable(endpoint, TABLE_NAME);
const token = await secretToken(key, endpoint);
const oauthClient = await localOAuthClient(endpoint);

// The integration page: a local OpenID provider stands in for the customer's Entra ID.
const admin = await startLocalAdmin({
  requestLogFile: REQUEST_LOG_FILE,
  sessionKeyFile: join(KEYS_DIR, `${TENANT}.admin-session.key`),
  tenantDisplayName: 'Local tenant',
});

// Microsoft Graph for "Connect to Microsoft Entra": a local stand-in with a small directory, which
// accepts the local provider's Graph tokens and provisions into this service as Entra would.
const { LOCAL_GRAPH_DIRECTORY, startGraphStandIn } = await import('./graph-stand-in.js');
const graph = await startGraphStandIn({
  issuer: admin.provider.issuer,
  jwksUri: `${admin.provider.issuer}/jwks`,
  tenantId: LOCAL_DIRECTORY_ID,
  users: LOCAL_GRAPH_DIRECTORY.users,
  groups: LOCAL_GRAPH_DIRECTORY.groups,
});

// Before the first request imports a handler: handlers read their configuration at import time.
Object.assign(process.env, {
  ...admin.environment,
  GRAPH_BASE_URL: graph.url,
  TENANT,
  TOKEN_PUBLIC_KEYS: JSON.stringify(publicJwks([key])),
  // The token endpoint signs with the local key (KMS in AWS).
  TOKEN_SIGNING_KEY: JSON.stringify(key),
  TABLE_NAME,
  DYNAMODB_ENDPOINT: endpoint,
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
});

if (addedIndexes.includes(tableDesign.indexes.bySearch.name)) {
  // Data kept from an npm start before the integration page's directory: its users and groups
  // get their search items and deactivated count now (`npm run migrate-directory` in AWS).
  const { migrateDirectory } = await import('../../shared/store/migrate-directory.js');
  const report = await migrateDirectory();
  console.log(
    `Directory: the table gained its search index; ${report.migrated} users and groups stored before it are searchable now.`,
  );
}

const server = await startLocalServer({
  port,
  host: '127.0.0.1',
  routes: [...routes, ...adminRoutes],
}).catch(async (error: NodeJS.ErrnoException) => {
  await graph.close();
  await admin.close();
  await dynamodb?.stop();
  // Taken between the check above and now (another npm start starting at the same moment).
  if (error.code === 'EADDRINUSE') {
    exitWith(
      (await portProblem(port)) ??
        `Port ${port} is in use: stop it, or PORT=<another port> npm start`,
    );
  }
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

const tokenEndpoint = new URL('/oauth2/token', server.url).href;
const adminUrl = new URL('/admin', server.url).href;
console.log(`Tenant URL: ${server.url}`);
console.log(`Secret Token: ${token}`);
console.log(`Token endpoint: ${tokenEndpoint}`);
console.log(`Client ID: ${oauthClient.clientId}`);
console.log(`Client Secret: ${oauthClient.secret}`);
console.log(`Events: ${EVENTS_FILE}`);
console.log(
  `Admin URL: ${adminUrl} (signs in as the test administrator ${admin.testAdministrator} through the local OpenID provider ${admin.provider.issuer})`,
);
console.log(
  `Logs: ${shown(LOG_FILE)} (here: one line per request; LOG_FORMAT=json npm start for the JSON)`,
);
console.log(
  `Microsoft Graph stand-in: ${graph.url} (Connect to Microsoft Entra on the Admin URL configures its provisioning job; ${LOCAL_GRAPH_DIRECTORY.users.length} users and ${LOCAL_GRAPH_DIRECTORY.groups.length} group, most assigned to the application)`,
);
console.log('Local commands: npm run token -- list --local, npm run simulate -- --local, …');

// What the local commands read to find this service (no secret: the files holding them are named).
const serviceRecord = {
  tenant: TENANT,
  tenantUrl: server.url,
  tokenEndpoint,
  adminUrl,
  dynamodbEndpoint: endpoint,
  tableName: TABLE_NAME,
  eventsFile: EVENTS_FILE,
  requestLogFile: REQUEST_LOG_FILE,
  logFile: LOG_FILE,
  secretTokenFile: TOKEN_FILE,
  signingKeyFile: KEY_FILE,
  logIdentifiers: process.env.LOG_IDENTIFIERS === 'hmac' ? ('hmac' as const) : ('clear' as const),
  pid: process.pid,
  startedAt: new Date().toISOString(),
};
await writeServiceRecord(serviceRecord, join(LOCAL_DIR, 'service.json'));

// In AWS an EventBridge schedule runs the membership sweeper; locally it runs every minute, as an
// invocation of its own (its log lines name it, not the last request's function).
const SWEEP_INTERVAL_MS = 60_000;
const sweeper = setInterval(async () => {
  const { handler: sweep } = await import('../../functions/groups/sweep-memberships.js');
  const context = localLambdaContext('grouptalk-scim-local-sweepMemberships', SWEEP_INTERVAL_MS);
  await invokeLocally(context, () => sweep({}, context)).catch((error: unknown) =>
    console.error('membership sweep failed', error),
  );
}, SWEEP_INTERVAL_MS);
sweeper.unref();

let stopping = false;
const shutdown = async () => {
  if (stopping) process.exit(1); // A second Ctrl-C does not wait.
  stopping = true;
  clearInterval(sweeper);
  await server.close();
  await feed.stop();
  await graph.close();
  await admin.close();
  await dynamodb?.stop();
  // Only this process's record: a later npm start (on another port) may have written its own.
  const record = await readServiceRecord(join(LOCAL_DIR, 'service.json'), { alive: false });
  if (record?.pid === process.pid) await rm(join(LOCAL_DIR, 'service.json'), { force: true });
  stopLogLines();
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
 * The OAuth client of `npm start`: the same client id and secret on every start, kept like the
 * Secret Token in a 0600 file, as long as the registry still holds both as active; otherwise the
 * client gets a fresh secret (its other secrets revoked), or a new client is registered, and the
 * file is rewritten. So a restart never breaks an Entra job or a script configured with it.
 */
async function localOAuthClient(
  dynamodbEndpoint: string,
): Promise<{ clientId: string; secret: string }> {
  const documents = localDocumentClient(dynamodbEndpoint);
  try {
    const registry = createCredentialRegistry({ documents, tableName: TABLE_NAME });
    const saved = await savedClient();
    if (saved) {
      const client = await registry.get(saved.clientId);
      const at = Date.now();
      if (client && isActive(client, at) && matchSecret(client, saved.secret, at)) return saved;
    }
    const { credentials } = await registry.list();
    const existing = credentials.find(
      (credential) =>
        credential.kind === 'oauth-client' &&
        credential.createdBy === 'npm start' &&
        isActive(credential, Date.now()),
    );
    let issued: { clientId: string; secret: string };
    if (existing) {
      const { secret } = await registry.rotateSecret(existing.id, { revokeOthers: true });
      issued = { clientId: existing.id, secret };
    } else {
      const { credential, secret } = await registry.createClient({
        createdBy: 'npm start',
        description: 'OAuth client printed by npm start',
      });
      issued = { clientId: credential.id, secret: secret.secret };
    }
    await mkdir(KEYS_DIR, { recursive: true, mode: 0o700 });
    await writeFile(CLIENT_FILE, `${JSON.stringify(issued, null, 2)}\n`, { mode: 0o600 });
    await chmod(CLIENT_FILE, 0o600);
    return issued;
  } finally {
    documents.destroy();
  }
}

/** The client id and secret of the previous start, if its file is there and readable. */
async function savedClient(): Promise<{ clientId: string; secret: string } | undefined> {
  try {
    const saved = JSON.parse(await readFile(CLIENT_FILE, 'utf8')) as Record<string, unknown>;
    return typeof saved.clientId === 'string' && typeof saved.secret === 'string'
      ? { clientId: saved.clientId, secret: saved.secret }
      : undefined;
  } catch {
    return undefined; // None yet, or damaged: a new secret replaces it.
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

/**
 * Why `port` cannot be listened on, as one line that says what to do, or undefined when it is
 * free. Tried on the same interface the server uses.
 */
async function portProblem(wanted: number): Promise<string | undefined> {
  const code = await tryListen(wanted);
  if (code === undefined) return undefined;
  let free: number | undefined;
  for (let next = wanted + 1; next <= Math.min(wanted + 20, 65_535) && !free; next++) {
    if ((await tryListen(next)) === undefined) free = next;
  }
  const instead = free ? `PORT=${free} npm start` : 'PORT=<another port> npm start';
  return code === 'EADDRINUSE'
    ? `Port ${wanted} is in use (another npm start?): stop it, or ${instead}`
    : `Port ${wanted} cannot be used (${code}): ${instead}`;
}

/** undefined when `candidate` could be listened on (and was released), else the error code. */
function tryListen(candidate: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    probe.listen(candidate, '127.0.0.1', () => probe.close(() => resolve(undefined)));
  });
}

/** Ends npm start with one line on stderr and no stack trace. */
function exitWith(message: string): never {
  console.error(message);
  process.exit(1);
}

/** A path as the developer reads it: relative to the current folder when inside it. */
function shown(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside.startsWith('..') ? path : inside;
}
