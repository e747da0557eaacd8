import { request as httpRequest } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDefaultRoute, fixtureRoutes } from '../support/fixture-routes.js';
import { issueTestToken, startTestService, type TestService } from '../support/service.js';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ routes: fixtureRoutes, defaultRoute: fixtureDefaultRoute });
});
afterAll(async () => {
  await service.close();
});

/** A request with exact control over the request line and repeated headers (fetch merges them). */
function rawRequest(
  method: string,
  pathAndQuery: string,
  headers: Record<string, string | string[]>,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; json: unknown }> {
  const url = new URL(service.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, method, path: pathAndQuery, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            json: text ? JSON.parse(text) : undefined,
          });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('local server: routing', () => {
  it('answers an unknown path with a SCIM 404 error', async () => {
    // Act
    const response = await service.request('GET', '/Nothing/here');

    // Assess
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
  });

  it('answers a path outside the SCIM base path with a SCIM 404 error', async () => {
    // Act
    const response = await service.request('GET', new URL('/Things', service.url).href);

    // Assess
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
  });

  it('serves a route outside the SCIM base path at its own base, with its route key', async () => {
    // Act
    const response = await service.request(
      'POST',
      new URL('/oauth2/echo', service.url).href,
      'grant_type=client_credentials',
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    const belowScim = await service.request('POST', '/oauth2/echo', '{}');

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.event.routeKey).toBe('POST /oauth2/echo');
    expect(response.body.event.rawPath).toBe('/oauth2/echo');
    expect(response.body.event.body).toBe('grant_type=client_credentials');
    expect(belowScim.status).toBe(404);
  });

  it('answers a known path with another method with a SCIM 405 error naming the allowed ones', async () => {
    // Act
    const response = await service.request('DELETE', '/Things');

    // Assess
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET');
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '405' });
  });

  it('resolves a route written with one trailing slash, as the Postman suite sends it', async () => {
    // Act
    const response = await service.request('GET', '/Things/?filter=userName%20eq%20%22a%22');

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.baseUrl).toBe(service.url);
  });

  it('does not resolve a route written with two trailing slashes', async () => {
    // Act
    const response = await service.request('GET', '/Things//');

    // Assess
    expect(response.status).toBe(404);
  });

  it('refuses a body larger than 6 MB with a SCIM 413 error', async () => {
    // Prepare
    const body = JSON.stringify({ padding: 'x'.repeat(6 * 1024 * 1024 + 1) });

    // Act
    const response = await service.request('POST', '/Echo', body);

    // Assess
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '413' });
  });
});

describe('local server: authentication through the handler chain', () => {
  it('refuses a request without a token with a SCIM 401 error', async () => {
    // Act
    const response = await service.request('GET', '/Things', undefined, {
      authorization: undefined,
    });

    // Assess
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
  });

  it('refuses a malformed token with a SCIM 401 error', async () => {
    // Act
    const response = await service.request('GET', '/Things', undefined, {
      authorization: 'Bearer not.a.token',
    });

    // Assess
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
  });

  it("refuses another tenant's token with a SCIM 401 error", async () => {
    // Prepare
    const token = await issueTestToken({ tenant: 'someone-else' });

    // Act
    const response = await service.request('GET', '/Things', undefined, {
      authorization: `Bearer ${token}`,
    });

    // Assess
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
  });

  it('passes path parameters, the parsed body and the base URL to the handler', async () => {
    // Act
    const response = await service.request('PATCH', '/Things/abc', { Operations: [] });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(response.body).toEqual({
      params: { id: 'abc' },
      body: { Operations: [] },
      baseUrl: service.url,
    });
  });
});

describe('local server: API Gateway HTTP API payload 2.0 event', () => {
  it('builds the event the deployed function receives', async () => {
    // Prepare
    const query = 'filter=userName+eq+%22a%20b%22&x=1&x=2&aadOptscim062020';

    // Act
    const response = await rawRequest('GET', `/scim/v2/Echo/id%20one?${query}`, {
      'X-Custom': ['first', 'second'],
      'User-Agent': 'Entra-test',
      Cookie: 'a=1; b=2',
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers['x-echo']).toBe('yes');
    const { event, context } = response.json as {
      event: APIGatewayProxyEventV2;
      context: { functionName: string; awsRequestId: string; remainingTimeInMillis: number };
    };
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /scim/v2/Echo/{id}',
      rawPath: '/scim/v2/Echo/id one',
      rawQueryString: query,
      queryStringParameters: { filter: 'userName+eq+"a b"', x: '1,2', aadOptscim062020: '' },
      pathParameters: { id: 'id one' },
      cookies: ['a=1', 'b=2'],
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'GET /scim/v2/Echo/{id}',
        stage: '$default',
        domainName: '127.0.0.1',
        http: {
          method: 'GET',
          path: '/scim/v2/Echo/id one',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'Entra-test',
        },
      },
    });
    expect(event.headers).toMatchObject({
      'x-custom': 'first,second',
      'user-agent': 'Entra-test',
      'x-forwarded-proto': 'http',
      host: new URL(service.url).host,
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.timeEpoch).toBeLessThanOrEqual(Date.now());
    expect(context.functionName).toBe('grouptalk-scim-local-echoEvent');
    expect(context.remainingTimeInMillis).toBeGreaterThan(0);
    expect(context.remainingTimeInMillis).toBeLessThanOrEqual(10_000);
  });

  it('passes the body as a UTF-8 string, not base64', async () => {
    // Prepare
    const body = JSON.stringify({ displayName: 'Åsa Ölund' });

    // Act
    const response = await rawRequest(
      'POST',
      '/scim/v2/Echo',
      { 'Content-Type': 'application/scim+json' },
      body,
    );

    // Assess
    const { event } = response.json as { event: APIGatewayProxyEventV2 };
    expect(event.body).toBe(body);
    expect(event.isBase64Encoded).toBe(false);
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
    expect(event.headers['content-type']).toBe('application/scim+json');
  });
});

describe('local server: the service routes of shared/routes.ts', () => {
  let real: TestService;
  beforeAll(async () => {
    real = await startTestService();
  });
  afterAll(async () => {
    await real.close();
  });

  it('answers GET /Users/?filter=… (one trailing slash) with a ListResponse', async () => {
    // Act
    const response = await real.request(
      'GET',
      '/Users/?filter=userName+eq+%22nobody%40example.com%22',
    );

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
    });
  });

  it('refuses GET /Users without a token with a SCIM 401 error', async () => {
    // Act
    const response = await real.request('GET', '/Users', undefined, { authorization: undefined });

    // Assess
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
  });

  it('answers POST /Users with a Location on the local Tenant URL', async () => {
    // Act
    const response = await real.request('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'local.server@example.com',
      active: true,
    });

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.location).toBe(`${real.url}/Users/${response.body.id}`);
  });
});
