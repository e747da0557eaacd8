/**
 * Vitest setup file of the `unit` project: the configuration modules read (tenant, table name),
 * with no DynamoDB behind it. The store builds its client on first use, so a unit test that
 * only builds parameters never opens a connection; one that sent a call would reach a port
 * where nothing listens and fail at once, never a real AWS account.
 */
import { forgetDeveloperVariables } from './shell-environment.js';

Object.assign(process.env, {
  TENANT: 'unit-tenant',
  TABLE_NAME: 'grouptalk-scim-unit',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_METRICS_DISABLED: 'true',
});
// Nothing from the developer's shell may change what the tests see.
forgetDeveloperVariables(['TOKEN_PUBLIC_KEYS']);
process.env.LOG_LEVEL ??= 'WARN';
