/**
 * API Gateway's `$default` route: the function that answers every request no route matches.
 * HTTP APIs do not match `/Users/` to the route `/Users`, so the trailing slash Microsoft's
 * Postman suite sends arrives here too. These tests call the function with the events API Gateway
 * sends it; `api-gateway.test.ts` shows the local stand-in routing such requests here.
 */
import { randomUUID } from 'node:crypto';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/fallback/route-not-found.js';
import { issueTestToken } from '../support/service.js';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const HOST = 'abc123.execute-api.eu-west-1.amazonaws.com';

let token: string;
beforeAll(async () => {
  token = await issueTestToken();
});

/** The payload 2.0 event of a request that reached the `$default` route. */
function event(
  method: string,
  rawPath: string,
  rawQueryString = '',
  authorization: string | null = `Bearer ${token}`,
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: {
      host: HOST,
      'x-forwarded-proto': 'https',
      ...(authorization ? { authorization } : {}),
    },
    requestContext: {
      accountId: '111111111111',
      apiId: 'abc123',
      domainName: HOST,
      domainPrefix: 'abc123',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: '' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: '26/Nov/2026:13:34:00 +0000',
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}

const context = {
  functionName: 'route-not-found',
  awsRequestId: randomUUID(),
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

async function invoke(e: APIGatewayProxyEventV2) {
  const result = (await handler(e, context)) as APIGatewayProxyStructuredResultV2;
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
}

describe('$default route', () => {
  it('redirects GET /Users/?filter=… (one trailing slash) to /Users with the same query, 308', async () => {
    // Act
    const response = await invoke(
      event('GET', '/scim/v2/Users/', 'filter=DisplayName+eq+%22BobIsAmazing%22'),
    );

    // Assess: 308 keeps the method and body, unlike 301/302.
    expect(response.statusCode).toBe(308);
    expect(response.headers?.location).toBe(
      `https://${HOST}/scim/v2/Users?filter=DisplayName+eq+%22BobIsAmazing%22`,
    );
  });

  it('redirects PATCH /Users/{id}/ to the resource', async () => {
    const response = await invoke(event('PATCH', '/scim/v2/Users/2819c223/'));

    expect(response.statusCode).toBe(308);
    expect(response.headers?.location).toBe(`https://${HOST}/scim/v2/Users/2819c223`);
  });

  it('answers a known path with another method with a SCIM 405 naming the allowed ones', async () => {
    const response = await invoke(event('PUT', '/scim/v2/Users'));

    expect(response.statusCode).toBe(405);
    expect(response.headers?.Allow).toBe('POST, GET');
    expect(response.json).toMatchObject({ schemas: [ERROR_SCHEMA], status: '405' });
  });

  it('answers an unknown path, inside or outside the SCIM base path, with a SCIM 404', async () => {
    for (const path of ['/scim/v2/Nothing', '/scim/v2/Users//', '/favicon.ico', '/scim/v1/Users']) {
      const response = await invoke(event('GET', path));

      expect(response.statusCode, path).toBe(404);
      expect(response.headers?.['content-type']).toMatch(/^application\/scim\+json/);
      expect(response.json, path).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
    }
  });

  it('answers 401 before anything else when the token is missing', async () => {
    const response = await invoke(event('GET', '/scim/v2/Users/', '', null));

    expect(response.statusCode).toBe(401);
    expect(response.json).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
  });
});
