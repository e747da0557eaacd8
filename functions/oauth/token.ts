/**
 * POST /oauth2/token: the tenant's OAuth 2.0 token endpoint (client credentials, RFC 6749 §4.4),
 * where Entra exchanges a client id and secret (or its workload-identity assertion) for an access
 * token. The logic is `shared/credentials/token-endpoint.ts`; this is its Lambda glue.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { readAuthConfig } from '../../shared/config.js';
import { tenantRegistry } from '../../shared/credentials/tenant-registry.js';
import { tenantSigner } from '../../shared/credentials/tenant-signer.js';
import { createTokenEndpoint } from '../../shared/credentials/token-endpoint.js';
import { logger } from '../../shared/http/logger.js';
import { operationMetrics, recordRequest } from '../../shared/http/metrics.js';
import { publishRequestRecord, REQUEST_KIND } from '../../shared/http/request-records.js';
import type { LogFields } from '../../shared/http/types.js';
import { isUnavailable } from '../../shared/service/errors.js';

const OPERATION = 'issueAccessToken';
const metrics = operationMetrics(OPERATION);
let endpoint: ReturnType<typeof createTokenEndpoint> | undefined;

const chain = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
  // Never the event: its body holds the client secret.
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    const started = performance.now();
    endpoint ??= createTokenEndpoint({
      tenant: readAuthConfig().tenant,
      registry: tenantRegistry(),
      signer: tenantSigner,
      ...(process.env.ENTRA_AUTHORITY_URL
        ? { entraAuthority: process.env.ENTRA_AUTHORITY_URL }
        : {}),
    });
    const headers = Object.fromEntries(
      Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
    const body =
      event.body !== undefined && event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
    let result: APIGatewayProxyStructuredResultV2;
    let fields: Record<string, unknown>;
    try {
      const outcome = await endpoint({
        method: event.requestContext?.http?.method ?? 'POST',
        headers,
        body,
        sourceIp: event.requestContext?.http?.sourceIp ?? 'unknown',
      });
      const { status, headers: responseHeaders, body: responseBody } = outcome.response;
      result = { statusCode: status, headers: responseHeaders, body: responseBody };
      fields = {
        clientId: outcome.clientId,
        clientAuthentication: outcome.method,
        oauthError: outcome.error,
        errorDetail: outcome.reason,
      };
    } catch (error) {
      // DynamoDB or KMS could not answer: retryable, and never a detail of why.
      const retryable = isUnavailable(error);
      result = {
        statusCode: retryable ? 503 : 500,
        headers: {
          'content-type': 'application/json;charset=UTF-8',
          'cache-control': 'no-store',
          ...(retryable ? { 'retry-after': '5' } : {}),
        },
        body: JSON.stringify({
          error: retryable ? 'temporarily_unavailable' : 'server_error',
          error_description: 'The token could not be issued; retry later.',
        }),
      };
      fields = { error: error as Error };
    }
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const status = result.statusCode ?? 500;
    recordRequest(metrics, status, durationMs);
    const line = {
      kind: REQUEST_KIND.token,
      operation: OPERATION,
      method: event.requestContext?.http?.method,
      route: event.routeKey,
      path: event.rawPath,
      status,
      durationMs,
      requestId: event.requestContext?.requestId,
      ...fields,
    };
    if (status >= 500) logger.error('token request failed', line);
    else logger.info('token request', line);
    // Locally the record stream carries every line the log group would (the reports skip these).
    await publishRequestRecord({ ...(line as LogFields), error: undefined });
    return result;
  });

/** Names its route's operation, as `scimHandler` does (test/integration/route-handlers.test.ts). */
export const handler = Object.assign(chain, { operation: OPERATION });
