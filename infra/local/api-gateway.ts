/**
 * The one API Gateway stand-in: what an HTTP API (payload format 2.0) does between a client and
 * the functions, without a socket. `npm start` and the tests put a local HTTP server in front of
 * it (`server.ts`); the fuzz harness calls it directly. Both therefore match routes, build events
 * and read results the same way, and both send what no route matches to the fallback function,
 * as the deployed API's `$default` route does: the 308 for a trailing slash, the 405 and the 404
 * are that function's answers, never the stand-in's.
 *
 * Handlers read their configuration at import time, so the caller sets the environment before
 * the first request; each handler module is imported on its first request.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import {
  compileRoutePath,
  fallbackRoute,
  type Route,
  routePath,
  routes as serviceRoutes,
} from '../../shared/routes.js';
import { invokeLocally } from './invocations.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The route key API Gateway gives requests that no route matched. */
export const DEFAULT_ROUTE_KEY = '$default';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2 | string | object | undefined>;

/** The function behind the `$default` route. */
export type DefaultRoute = Pick<Route, 'operation' | 'entry'>;

export interface ApiGatewayOptions {
  /** The route table; the service's own unless a test brings fixture routes. */
  readonly routes?: readonly Route[];
  /** The `$default` route's function; the service's fallback unless a test brings its own. */
  readonly defaultRoute?: DefaultRoute;
  /** The functions' timeout, as `context.getRemainingTimeInMillis()` counts it down (10 s). */
  readonly functionTimeoutMs?: number;
  /** Function names are this prefix and the operation (`grouptalk-scim-local-getUser`). */
  readonly functionNamePrefix?: string;
}

/** One request as it reaches API Gateway. */
export interface GatewayRequest {
  readonly method: string;
  /** The path as sent on the request line: percent-encoded, without the query string. */
  readonly path: string;
  /** The query string as sent, without `?`. */
  readonly rawQueryString: string;
  /** Header lines as sent: any case, a name may repeat. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  /** The connection the request came on. */
  readonly connection: {
    readonly sourceIp: string;
    /** `https` in AWS; the local server speaks plain `http`. */
    readonly scheme: 'http' | 'https';
    readonly port: number;
    /** Used as `host` when the request has no Host header. */
    readonly host: string;
    /** `HTTP/1.1`. */
    readonly protocol: string;
  };
}

/** What API Gateway answers. */
export interface GatewayResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** `Set-Cookie` values, kept apart as the payload 2.0 result keeps them. */
  readonly cookies: readonly string[];
  readonly body: Buffer;
  /** The function threw instead of answering; API Gateway answers 500 then. */
  readonly threw?: unknown;
}

/** The route a request selects: a route of the table, or the `$default` route. */
export interface RouteSelection {
  readonly routeKey: string;
  readonly route: Route | DefaultRoute;
  /** Still percent-encoded, as matched. */
  readonly pathParameters?: Readonly<Record<string, string>>;
}

export interface ApiGateway {
  /** The route API Gateway selects for `method` and the encoded `path`. */
  select(method: string, path: string): RouteSelection;
  /** The payload 2.0 event the selected function receives. */
  event(request: GatewayRequest, selection?: RouteSelection): APIGatewayProxyEventV2;
  /** Selects the route, invokes its function with the event and reads its result. */
  invoke(request: GatewayRequest): Promise<GatewayResponse>;
}

interface CompiledRoute {
  readonly route: Route;
  readonly pattern: RegExp;
}

/**
 * Builds the stand-in for a route table.
 *
 * @example
 * const gateway = createApiGateway();
 * const answer = await gateway.invoke({ method: 'GET', path: '/scim/v2/Users/', … });
 * // 308 from the fallback function, as in AWS
 */
export function createApiGateway(options: ApiGatewayOptions = {}): ApiGateway {
  // API Gateway prefers a literal segment to a `{param}` (`/Users/.search` over `/Users/{id}`);
  // trying routes with fewer parameters first does the same here (the sort is stable).
  const compiled: CompiledRoute[] = [...(options.routes ?? serviceRoutes)]
    .sort((a, b) => parameterCount(a.path) - parameterCount(b.path))
    .map((route) => ({ route, pattern: compileRoutePath(routePath(route)) }));
  const defaultRoute = options.defaultRoute ?? fallbackRoute;
  const timeoutMs = options.functionTimeoutMs ?? 10_000;
  const namePrefix = options.functionNamePrefix ?? 'grouptalk-scim-local-';
  const handlers = new Map<string, Promise<Handler>>();

  const loadHandler = (entry: string): Promise<Handler> => {
    let loaded = handlers.get(entry);
    if (!loaded) {
      loaded = import(pathToFileURL(join(REPO_ROOT, entry)).href).then((module) => {
        if (typeof module.handler !== 'function') throw new Error(`${entry} exports no handler`);
        return module.handler as Handler;
      });
      // A failed import (e.g. a syntax error being fixed) is retried on the next request.
      loaded.catch(() => handlers.delete(entry));
      handlers.set(entry, loaded);
    }
    return loaded;
  };

  const select = (method: string, path: string): RouteSelection => {
    for (const { route, pattern } of compiled) {
      if (route.method !== method) continue;
      const match = pattern.exec(path);
      if (match) {
        return {
          routeKey: `${route.method} ${routePath(route)}`,
          route,
          ...(match.groups ? { pathParameters: { ...match.groups } } : {}),
        };
      }
    }
    return { routeKey: DEFAULT_ROUTE_KEY, route: defaultRoute };
  };

  return {
    select,
    event: (request, selection = select(request.method, request.path)) =>
      toEvent(request, selection),
    async invoke(request) {
      const selection = select(request.method, request.path);
      const event = toEvent(request, selection);
      const { route } = selection;
      let timer: NodeJS.Timeout | undefined;
      try {
        const handler = await loadHandler(route.entry);
        // As in AWS, a function still running at its timeout is stopped and API Gateway answers
        // 500: a stalled request fails as it would deployed, whatever the machine's speed.
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new FunctionTimeoutError(namePrefix + route.operation, timeoutMs)),
            timeoutMs,
          );
          timer.unref();
        });
        const context = localLambdaContext(namePrefix + route.operation, timeoutMs);
        const result = await Promise.race([
          // Its own scope: concurrent requests share this process and its logger.
          invokeLocally(context, () => handler(event, context)),
          timedOut,
        ]);
        return readResult(result);
      } catch (error) {
        // What API Gateway answers when the function fails rather than returning a response.
        const body = Buffer.from(JSON.stringify({ message: 'Internal Server Error' }));
        return {
          status: 500,
          headers: { 'content-type': 'application/json' },
          cookies: [],
          body,
          threw: error,
        };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** What Lambda reports when a function outlasts its timeout ("Task timed out after …"). */
export class FunctionTimeoutError extends Error {
  override readonly name = 'FunctionTimeoutError';
  constructor(functionName: string, timeoutMs: number) {
    super(`${functionName}: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

function parameterCount(path: string): number {
  return path.split('/').filter((segment) => /^\{\w+\}$/.test(segment)).length;
}

/** The event as API Gateway HTTP API builds it (payload format 2.0). */
function toEvent(request: GatewayRequest, selection: RouteSelection): APIGatewayProxyEventV2 {
  const { connection } = request;
  const { headers, cookies } = eventHeaders(request.headers);
  const now = new Date();
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${connection.sourceIp}`
    : connection.sourceIp;
  // Handlers build Location and $ref URLs from these.
  headers['x-forwarded-proto'] = connection.scheme;
  headers['x-forwarded-port'] = String(connection.port);
  headers.host ??= connection.host;
  headers['x-amzn-trace-id'] =
    `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const domainName = headers.host.replace(/:\d+$/, '');
  // HTTP APIs hand the function the decoded path, in rawPath as in requestContext.http.path.
  const path = decode(request.path);
  const pathParameters = selection.pathParameters
    ? Object.fromEntries(
        Object.entries(selection.pathParameters).map(([name, value]) => [name, decode(value)]),
      )
    : undefined;

  return {
    version: '2.0',
    routeKey: selection.routeKey,
    rawPath: path,
    rawQueryString: request.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(request.rawQueryString
      ? { queryStringParameters: queryParameters(request.rawQueryString) }
      : {}),
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method,
        path,
        protocol: connection.protocol,
        sourceIp: connection.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: selection.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(request.body === undefined ? {} : { body: request.body }),
    isBase64Encoded: request.isBase64Encoded ?? false,
  };
}

/** Lower-case names; repeated headers joined with commas; cookies apart, as API Gateway does. */
function eventHeaders(lines: GatewayRequest['headers']): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [rawName, value] of lines) {
    const name = rawName.toLowerCase();
    if (name === 'cookie') {
      cookies.push(...value.split(/;\s*/).filter(Boolean));
    } else {
      headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
    }
  }
  return { headers, cookies };
}

/** Decoded values, repeated names joined with commas; `+` stays a `+`, as API Gateway leaves it. */
function queryParameters(rawQueryString: string): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decode(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? '' : decode(pair.slice(equals + 1));
    parameters[name] = parameters[name] === undefined ? value : `${parameters[name]},${value}`;
  }
  return parameters;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `26/Nov/2025:13:34:00 +0000`, the format of `requestContext.time`. */
function apiGatewayTime(date: Date): string {
  const [, day, month, year, time] =
    /^\w+, (\d+) (\w+) (\d+) ([\d:]+)/.exec(date.toUTCString()) ?? [];
  return `${day}/${month}/${year}:${time} +0000`;
}

/**
 * A Lambda context for a locally invoked handler: the function name and a countdown of
 * `timeoutMs` for `getRemainingTimeInMillis` (the handler chain's time budget reads it).
 */
export function localLambdaContext(
  functionName: string,
  timeoutMs: number,
  logStreamName = `local/[$LATEST]${randomBytes(16).toString('hex')}`,
): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = () => {
    throw new Error('callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/**
 * Reads what the function returned the way API Gateway does: a structured result as is;
 * anything else (payload 2.0's shorthand) as a 200 JSON body.
 */
function readResult(result: Awaited<ReturnType<Handler>>): GatewayResponse {
  if (!isStructured(result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(body, 'utf8'),
    };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    headers[name.toLowerCase()] = String(value);
  }
  const body = result.body ?? '';
  return {
    status: result.statusCode ?? 200,
    headers,
    cookies: result.cookies ?? [],
    body: result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
  };
}

function isStructured(result: unknown): result is APIGatewayProxyStructuredResultV2 {
  return (
    typeof result === 'object' &&
    result !== null &&
    typeof (result as { statusCode?: unknown }).statusCode === 'number'
  );
}
