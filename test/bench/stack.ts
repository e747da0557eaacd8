/**
 * The benchmark's service: an in-memory DynamoDB Local, the table from `table-design.ts`, and the
 * local server calling the real handler modules in this process, with the `x-store-*` and
 * `x-handler-ms` cost headers switched on.
 */
import { ensureTable, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { startLocalServer } from '../../infra/local/server.js';
import { generateSigningKey, issueRegisteredToken, publicJwks } from '../../infra/tokens.js';

export const BENCH_TENANT = 'bench';
export const BENCH_TABLE = 'grouptalk-scim-bench';

export interface BenchStack {
  /** The Tenant URL. */
  readonly url: string;
  readonly token: string;
  readonly endpoint: string;
  readonly tableName: string;
  stop(): Promise<void>;
}

/**
 * Starts everything and sets the environment the handlers and store modules read at import time,
 * so call it before importing any of them (the seeding code imports them dynamically after).
 */
export async function startBenchStack(): Promise<BenchStack> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dynamodb = await startDynamoDbLocal();
  try {
    await ensureTable(dynamodb.endpoint, BENCH_TABLE);
    const key = await generateSigningKey();
    Object.assign(process.env, {
      TENANT: BENCH_TENANT,
      TOKEN_PUBLIC_KEYS: JSON.stringify(publicJwks([key])),
      TABLE_NAME: BENCH_TABLE,
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      AWS_REGION: 'us-east-1',
      STORE_STATS_HEADERS: 'true',
      // As deployed: a log line and metrics per request are part of the handler's time. Their
      // output goes nowhere (see `muteStdout`).
      LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
    for (const name of ['REVOKED_TOKEN_IDS', 'TOKEN_ISSUER', 'ENTRA_TENANT_ID', 'ENTRA_JWKS_URL']) {
      delete process.env[name];
    }
    const server = await startLocalServer({ port: 0 });
    const { token } = await issueRegisteredToken(key, {
      tenant: BENCH_TENANT,
      endpoint: dynamodb.endpoint,
      tableName: BENCH_TABLE,
      createdBy: 'bench',
    });
    return {
      url: server.url,
      token,
      endpoint: dynamodb.endpoint,
      tableName: BENCH_TABLE,
      stop: async () => {
        await server.close();
        await dynamodb.stop();
      },
    };
  } catch (error) {
    await dynamodb.stop();
    throw error;
  }
}

/**
 * Discards what this process writes to stdout (the handlers' log lines and metrics, built as in
 * Lambda, written nowhere) until the returned function restores it.
 */
export function muteStdout(): () => void {
  const original = process.stdout.write;
  process.stdout.write = ((_chunk: unknown, ...rest: unknown[]) => {
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  return () => {
    process.stdout.write = original;
  };
}
