/**
 * Vitest setup file: runs in each test file's process before the file is imported, so modules that
 * read their configuration at import time (the store client, the handler chain) see this file's
 * own table, tenant and signing key, even when a test imports them statically.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTable } from '../../infra/local/dynamodb-local.js';
import { generateSigningKey, publicJwks } from '../../infra/tokens.js';
import { forgetDeveloperVariables } from './shell-environment.js';

export const TEST_TENANT = 'test-tenant';

const endpoint = inject('dynamodbEndpoint');
const signingKey = await generateSigningKey();
const tableName = `grouptalk-scim-test-${randomUUID()}`;

Object.assign(process.env, {
  TENANT: TEST_TENANT,
  TOKEN_PUBLIC_KEYS: JSON.stringify(publicJwks([signingKey])),
  // Read back by `service.ts` to issue tokens; a throwaway key of this test process only.
  TEST_SIGNING_KEY: JSON.stringify(signingKey),
  // What the token endpoint signs with (KMS in AWS).
  TOKEN_SIGNING_KEY: JSON.stringify(signingKey),
  TABLE_NAME: tableName,
  DYNAMODB_ENDPOINT: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  // A DynamoDB Local on a loaded 2-core machine can take seconds to answer; AWS's 1 s / 2 s
  // budgets would turn that into 503s and make the suite depend on the machine's load. The
  // functions' own time budget (10 s, counted by the stand-in's context) still applies, and the
  // tests of timeouts and outages set their own values.
  DYNAMODB_CONNECTION_TIMEOUT_MS: '5000',
  DYNAMODB_REQUEST_TIMEOUT_MS: '8000',
});
// Nothing from the developer's shell may change what the tests see.
forgetDeveloperVariables();
// One JSON line per request would drown the test report; `LOG_LEVEL=INFO npx vitest` shows them.
process.env.LOG_LEVEL ??= 'WARN';
process.env.STORE_STATS_HEADERS = 'true';
// Metrics (EMF lines on stdout) are for CloudWatch; test/integration/logging.test.ts turns them on.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

// No stream: only the change-feed tests read one, and they turn it on (test/events/support.ts).
await ensureTable(endpoint, tableName, { stream: false });
