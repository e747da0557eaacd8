/**
 * The service under test, over real HTTP: the local server (the same API Gateway v2 events and
 * handler modules as in AWS) in front of this test file's own DynamoDB Local table.
 */
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import type { DefaultRoute } from '../../infra/local/api-gateway.js';
import { type LocalServer, startLocalServer } from '../../infra/local/server.js';
import { type IssueOptions, issueToken } from '../../infra/tokens.js';
import {
  type CredentialRegistry,
  createCredentialRegistry,
} from '../../shared/credentials/registry.js';
import type { Route } from '../../shared/routes.js';
import { documentClient, tableName as storeTableName } from '../../shared/store/client.js';

export interface TestResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read into response bodies freely.
  readonly body: any;
  readonly text: string;
}

export interface TestService {
  /** The Tenant URL, e.g. `http://127.0.0.1:41234/scim/v2`. */
  readonly url: string;
  /** A valid Secret Token for the test tenant. */
  readonly token: string;
  readonly tableName: string;
  /**
   * Sends `method url+path` with the token and `content-type: application/scim+json`; an object
   * body is sent as JSON, a string as is. A header set to undefined is not sent.
   */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Readonly<Record<string, string | undefined>>,
  ): Promise<TestResponse>;
  close(): Promise<void>;
}

/**
 * Starts the service for one test file (call it once per file, e.g. in `beforeAll`): handler
 * modules are imported once per file, with the configuration `environment.ts` set for it.
 */
export async function startTestService(
  options: {
    routes?: readonly Route[];
    defaultRoute?: DefaultRoute;
    /**
     * How the client authenticates: a registered Secret Token (the default), or an access token
     * from the tenant's token endpoint for a new OAuth client, as Entra's client-credentials
     * method gets one.
     */
    credential?: 'secret-token' | 'client-credentials';
  } = {},
): Promise<TestService> {
  const { credential = 'secret-token', ...serverOptions } = options;
  const tableName = requiredEnv('TABLE_NAME');
  const server: LocalServer = await startLocalServer({ port: 0, ...serverOptions });
  const token =
    credential === 'client-credentials'
      ? await clientCredentialsToken(server.url)
      : await issueTestToken();

  return {
    url: server.url,
    token,
    tableName,
    close: () => server.close(),
    request: async (method, path, body, headers = {}) => {
      const merged: Record<string, string | undefined> = {
        authorization: `Bearer ${token}`,
        'content-type': 'application/scim+json',
        ...headers,
      };
      const response = await fetch(path.startsWith('http') ? path : `${server.url}${path}`, {
        method,
        headers: Object.fromEntries(
          Object.entries(merged).filter(
            (entry): entry is [string, string] => entry[1] !== undefined,
          ),
        ),
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: parseJson(text),
        text,
      };
    },
  };
}

/**
 * Registers a new OAuth client and fetches an access token for it from the token endpoint beside
 * `tenantUrl` (`client_secret_post`, as Entra sends it).
 */
export async function clientCredentialsToken(tenantUrl: string): Promise<string> {
  const { credential, secret } = await testRegistry().createClient({ createdBy: 'test' });
  const response = await fetch(new URL('/oauth2/token', tenantUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credential.id,
      client_secret: secret.secret,
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !body.access_token) {
    throw new Error(`the token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.access_token;
}

let registry: CredentialRegistry | undefined;

/**
 * The credential registry of this test file's table, as an operator's tool sees it (no cache):
 * register, revoke, rotate. The service reads the same items through its own cache.
 */
export function testRegistry(): CredentialRegistry {
  registry ??= createCredentialRegistry({
    documents: documentClient(),
    tableName: storeTableName(),
    cacheMs: 0,
  });
  return registry;
}

/**
 * Issues another token for this test file's key (another tenant, an expiry, a chosen jti) and
 * registers its jti as an active Secret Token, as `npm run token -- issue` does, unless
 * `register` is false (a token the registry does not know).
 */
export async function issueTestToken(
  options: Partial<IssueOptions> & { register?: boolean } = {},
): Promise<string> {
  const { register = true, ...issue } = options;
  const key = JSON.parse(requiredEnv('TEST_SIGNING_KEY')) as JWK;
  const jti = issue.jti ?? randomUUID();
  if (register) {
    await testRegistry().createSecretToken({ id: jti, createdBy: 'test', keyId: key.kid });
  }
  return issueToken(key, { tenant: requiredEnv('TENANT'), ...issue, jti });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: is test/support/environment.ts a setupFile?`);
  return value;
}
