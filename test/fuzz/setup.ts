/**
 * The service in-process for fuzzing: a DynamoDB Local table, the environment the handler
 * modules read at import time (Entra-issued tokens turned on, see `entra.ts`), a token, the
 * direct-call harness and a reader of the table.
 */
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { ensureTable, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { generateSigningKey, issueRegisteredToken, publicJwks } from '../../infra/tokens.js';
import { type EntraSettings, startEntraKeySet } from './entra.js';
import { createHarness, type Harness } from './harness.js';
import { type TableReader, tableReader } from './table.js';

export interface FuzzEnvironment {
  readonly harness: Harness;
  readonly reader: TableReader;
  readonly endpoint: string;
  readonly tableName: string;
  /** The tenant's Entra settings and signing keys: Entra tokens are accepted beside its own. */
  readonly entra: EntraSettings;
  /** A harness whose functions have `timeoutMs` left when called (default 10 s). */
  withTimeout(timeoutMs: number): Harness;
  stop(): Promise<void>;
}

/** Quiet handlers: no metrics lines (one per request), warnings and errors only in the logs. */
function quiet(): void {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.LOG_LEVEL = process.env.FUZZ_LOG_LEVEL ?? 'ERROR';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

/**
 * Inside a vitest file: `test/support/environment.ts` already set the table, endpoint and key;
 * this issues a token with that key and builds the harness.
 */
export async function fuzzEnvironmentFromTestSetup(
  entraKeySet: EntraSettings['keySet'] = 'reachable',
): Promise<FuzzEnvironment> {
  quiet();
  const entra = await startEntraKeySet(entraKeySet);
  const key = JSON.parse(required('TEST_SIGNING_KEY')) as JWK;
  const endpoint = required('DYNAMODB_ENDPOINT');
  const tableName = required('TABLE_NAME');
  const { token } = await issueRegisteredToken(key, {
    tenant: required('TENANT'),
    endpoint,
    tableName,
    createdBy: 'fuzz',
  });
  const reader = tableReader(endpoint, tableName);
  return {
    harness: createHarness(token),
    reader,
    endpoint,
    tableName,
    entra: entra.settings,
    withTimeout: (timeoutMs) => createHarness(token, { timeoutMs }),
    stop: async () => {
      reader.destroy();
      await entra.stop();
    },
  };
}

/**
 * Standalone (`npm run fuzz`): starts an in-memory DynamoDB Local (or uses `DYNAMODB_ENDPOINT`
 * when set), creates a fresh table and sets the environment before any handler is imported.
 */
export async function startFuzzEnvironment(
  entraKeySet: EntraSettings['keySet'] = 'reachable',
): Promise<FuzzEnvironment> {
  quiet();
  const external = process.env.DYNAMODB_ENDPOINT;
  const dynamodb = external ? undefined : await startDynamoDbLocal();
  const endpoint = external ?? (dynamodb?.endpoint as string);
  const tableName = `grouptalk-scim-fuzz-${randomUUID()}`;
  await ensureTable(endpoint, tableName);
  const key = await generateSigningKey();
  const tenant = 'fuzz-tenant';
  Object.assign(process.env, {
    TENANT: tenant,
    TOKEN_PUBLIC_KEYS: JSON.stringify(publicJwks([key])),
    // The token endpoint signs with it (KMS in AWS); the token-type target too.
    TOKEN_SIGNING_KEY: JSON.stringify(key),
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
  });
  for (const name of ['REVOKED_TOKEN_IDS', 'TOKEN_ISSUER']) delete process.env[name];
  const entra = await startEntraKeySet(entraKeySet);
  const { token } = await issueRegisteredToken(key, {
    tenant,
    endpoint,
    tableName,
    createdBy: 'fuzz',
  });
  const reader = tableReader(endpoint, tableName);
  return {
    harness: createHarness(token),
    reader,
    endpoint,
    tableName,
    entra: entra.settings,
    withTimeout: (timeoutMs) => createHarness(token, { timeoutMs }),
    stop: async () => {
      reader.destroy();
      await entra.stop();
      await dynamodb?.stop();
    },
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: is test/support/environment.ts a setupFile?`);
  return value;
}
