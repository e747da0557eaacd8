/**
 * The API Gateway stand-in (`infra/local/api-gateway.ts`) that `npm start`, the tests and the
 * fuzz harness share: routes selected as an HTTP API selects them, and every request no route
 * matches handed to the fallback function with the `$default` route key, whose answers (308, 405,
 * 404) reach the client unchanged.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiGateway,
  createApiGateway,
  DEFAULT_ROUTE_KEY,
  FunctionTimeoutError,
  type GatewayRequest,
} from '../../infra/local/api-gateway.js';
import { fallbackRoute, routePath, routes } from '../../shared/routes.js';
import { issueTestToken } from '../support/service.js';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const HOST = 'abc123.execute-api.eu-west-1.amazonaws.com';

let token: string;
let gateway: ApiGateway;
beforeAll(async () => {
  token = await issueTestToken();
  gateway = createApiGateway();
});

function request(method: string, target: string, body?: string): GatewayRequest {
  const [path = '', query = ''] = target.split('?');
  return {
    method,
    path,
    rawQueryString: query,
    headers: [
      ['Host', HOST],
      ['Authorization', `Bearer ${token}`],
      ['Content-Type', 'application/scim+json'],
    ],
    ...(body === undefined ? {} : { body }),
    connection: {
      sourceIp: '203.0.113.7',
      scheme: 'https',
      port: 443,
      host: HOST,
      protocol: 'HTTP/1.1',
    },
  };
}

async function invoke(method: string, target: string, body?: string) {
  const answer = await gateway.invoke(request(method, target, body));
  const text = answer.body.toString('utf8');
  return { ...answer, json: text ? JSON.parse(text) : undefined };
}

describe('API Gateway stand-in: route selection', () => {
  it('selects every route of the table by its method and whole path', () => {
    for (const route of routes) {
      // Prepare: a concrete path for the route's template.
      const path = routePath(route).replace(/\{\w+\}/g, 'x1');

      // Act
      const selection = gateway.select(route.method, path);

      // Assess
      expect(selection.routeKey, path).toBe(`${route.method} ${routePath(route)}`);
      expect(selection.route).toBe(route);
    }
  });

  it('prefers a literal segment to a path parameter (/Users/.search over /Users/{id})', () => {
    expect(gateway.select('POST', '/scim/v2/Users/.search').routeKey).toBe(
      'POST /scim/v2/Users/.search',
    );
    expect(gateway.select('GET', '/scim/v2/Users/.search')).toMatchObject({
      routeKey: 'GET /scim/v2/Users/{id}',
      pathParameters: { id: '.search' },
    });
  });

  it('hands a trailing slash, another method, a lower-case method and an unknown path to $default', () => {
    for (const [method, path] of [
      ['GET', '/scim/v2/Users/'],
      ['PUT', '/scim/v2/Users'],
      ['get', '/scim/v2/Users'],
      ['GET', '/Users'],
      ['GET', '/scim/v2/Nothing'],
    ] as const) {
      const selection = gateway.select(method, path);

      expect(selection.routeKey, `${method} ${path}`).toBe(DEFAULT_ROUTE_KEY);
      expect(selection.route).toBe(fallbackRoute);
      expect(selection.pathParameters).toBeUndefined();
    }
  });
});

describe('API Gateway stand-in: the payload 2.0 event', () => {
  it('builds the event of a matched route: decoded path and parameters, lower-case headers', () => {
    // Act
    const event: APIGatewayProxyEventV2 = gateway.event(
      request('GET', '/scim/v2/Users/a%20b?attributes=userName&x=1&x=2'),
    );

    // Assess
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /scim/v2/Users/{id}',
      rawPath: '/scim/v2/Users/a b',
      rawQueryString: 'attributes=userName&x=1&x=2',
      queryStringParameters: { attributes: 'userName', x: '1,2' },
      pathParameters: { id: 'a b' },
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'GET /scim/v2/Users/{id}',
        stage: '$default',
        domainName: HOST,
        domainPrefix: 'abc123',
        http: { method: 'GET', path: '/scim/v2/Users/a b', sourceIp: '203.0.113.7' },
      },
    });
    expect(event.headers).toMatchObject({
      host: HOST,
      authorization: `Bearer ${token}`,
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      'x-forwarded-for': '203.0.113.7',
    });
    expect(event.requestContext.time).toMatch(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(event.body).toBeUndefined();
  });

  it('builds the $default event without route parameters', () => {
    // Act
    const event = gateway.event(request('PATCH', '/scim/v2/Users/2819c223/', '{}'));

    // Assess
    expect(event.routeKey).toBe('$default');
    expect(event.requestContext.routeKey).toBe('$default');
    expect(event.pathParameters).toBeUndefined();
    expect(event.rawPath).toBe('/scim/v2/Users/2819c223/');
    expect(event.body).toBe('{}');
  });
});

describe('API Gateway stand-in: unmatched requests answered by the fallback function', () => {
  it('answers a trailing slash with the fallback 308 to the path without it', async () => {
    // Act
    const response = await invoke('GET', '/scim/v2/Users/?filter=userName+eq+%22a%22');

    // Assess
    expect(response.status).toBe(308);
    expect(response.headers.location).toBe(
      `https://${HOST}/scim/v2/Users?filter=userName+eq+%22a%22`,
    );
  });

  it('answers another method on a known path with the fallback 405 and Allow', async () => {
    // Act
    const response = await invoke('PUT', '/scim/v2/Users', '{}');

    // Assess
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST, GET');
    expect(response.json).toMatchObject({ schemas: [ERROR_SCHEMA], status: '405' });
  });

  it('answers a SCIM path outside the SCIM base path with the fallback 404', async () => {
    for (const path of ['/Users', '/scim/v2/Nothing', '/scim/v2/Users//']) {
      // Act
      const response = await invoke('GET', path);

      // Assess
      expect(response.status, path).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(response.json, path).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
    }
  });

  it('answers 401 from the fallback when the token is missing, as the deployed function does', async () => {
    // Act
    const answer = await gateway.invoke({
      ...request('GET', '/scim/v2/Nothing'),
      headers: [['Host', HOST]],
    });

    // Assess
    expect(answer.status).toBe(401);
    expect(answer.threw).toBeUndefined();
  });
});

describe('API Gateway stand-in: the function timeout', () => {
  it('stops a function still running at its timeout and answers 500, as AWS does', async () => {
    // Prepare: a function that never answers, and one that does, with a short timeout.
    const stalled = createApiGateway({
      functionTimeoutMs: 300,
      routes: [
        {
          method: 'GET',
          path: '/Stalled',
          operation: 'stalled',
          entry: 'test/support/stalled-handler.ts',
          table: 'none',
        },
        {
          method: 'GET',
          path: '/Echo/{id}',
          operation: 'echoEvent',
          entry: 'test/support/echo-event-handler.ts',
          table: 'none',
        },
      ],
    });

    // Act
    const timedOut = await stalled.invoke(request('GET', '/scim/v2/Stalled'));
    const answered = await stalled.invoke(request('GET', '/scim/v2/Echo/1'));

    // Assess
    expect(timedOut.status).toBe(500);
    expect(JSON.parse(timedOut.body.toString('utf8'))).toEqual({
      message: 'Internal Server Error',
    });
    expect(timedOut.threw).toBeInstanceOf(FunctionTimeoutError);
    expect(String(timedOut.threw)).toContain('Task timed out after 0.30 seconds');
    expect(answered.status).toBe(200);
    expect(answered.threw).toBeUndefined();
  });
});
