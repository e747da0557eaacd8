/**
 * The service on one machine: an HTTP server that turns each request into the API Gateway HTTP API
 * (payload 2.0) event the deployed functions receive, from the same route table, and calls the
 * same handler modules. Handlers read their configuration at import time, so the caller sets the
 * environment before the first request; each handler module is imported on its first request.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import {
  compileRoutePath,
  type Route,
  routePath,
  routes as routeTable,
  SCIM_BASE_PATH,
} from '../../shared/routes.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Bodies above this are refused here. API Gateway's own limit is 10 MB; the handler chain enforces
 * the much smaller SCIM limit with its own 413, so this only protects the local process.
 */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
/** A client still sending after this much is cut off rather than drained. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2 | string | object | undefined>;

export interface LocalServerOptions {
  /** 0 or undefined picks a free port. */
  readonly port?: number;
  /** Interface to listen on; `127.0.0.1` by default. */
  readonly host?: string;
  /** The route table; the service's own unless a test brings fixture routes. */
  readonly routes?: readonly Route[];
  /** The functions' timeout, as `context.getRemainingTimeInMillis()` counts it down. */
  readonly functionTimeoutMs?: number;
}

export interface LocalServer {
  /** The Tenant URL, e.g. `http://127.0.0.1:8080/scim/v2`. */
  readonly url: string;
  close(): Promise<void>;
}

interface CompiledRoute {
  readonly route: Route;
  readonly pattern: RegExp;
}

/** Starts the local API Gateway stand-in and resolves once it listens. */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  // CloudWatch metrics (EMF lines on stdout) mean nothing here; set it to false to see them.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const host = options.host ?? '127.0.0.1';
  // API Gateway prefers a literal segment to a `{param}` (`/Users/.search` over `/Users/{id}`);
  // trying routes with fewer parameters first does the same here (the sort is stable).
  const compiled: CompiledRoute[] = [...(options.routes ?? routeTable)]
    .sort((a, b) => parameterCount(a.path) - parameterCount(b.path))
    .map((route) => ({ route, pattern: compileRoutePath(routePath(route)) }));
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
  const timeoutMs = options.functionTimeoutMs ?? 10_000;

  const server = createServer((request, response) => {
    serve(request, response, compiled, loadHandler, timeoutMs).catch((error: unknown) => {
      console.error('local server failed to answer', error);
      if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}${SCIM_BASE_PATH}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  compiled: readonly CompiledRoute[],
  loadHandler: (entry: string) => Promise<Handler>,
  timeoutMs: number,
): Promise<void> {
  const method = request.method ?? 'GET';
  const target = request.url ?? '/';
  const queryAt = target.indexOf('?');
  const encodedPath = queryAt < 0 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? '' : target.slice(queryAt + 1);
  // The Microsoft Postman suite sends `GET /Users/?filter=…`: one trailing slash names the same
  // resource.
  const matchPath =
    encodedPath.length > 1 && encodedPath.endsWith('/') ? encodedPath.slice(0, -1) : encodedPath;

  const candidates = compiled
    .map(({ route, pattern }) => ({ route, match: pattern.exec(matchPath) }))
    .filter((candidate) => candidate.match !== null);
  const found = candidates.find((candidate) => candidate.route.method === method);
  if (!found?.match) {
    request.resume();
    if (candidates.length === 0) {
      return sendScimError(response, 404, `No SCIM endpoint for ${method} ${decode(encodedPath)}`);
    }
    const allowed = [...new Set(candidates.map((candidate) => candidate.route.method))];
    return sendScimError(
      response,
      405,
      `${method} is not supported here; use ${allowed.join(', ')}`,
      {
        allow: allowed.join(', '),
      },
    );
  }

  const body = await readBody(request);
  if (body === 'too large') {
    return sendScimError(response, 413, `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
  }

  const { route, match } = found;
  const routeKey = `${route.method} ${routePath(route)}`;
  const event = toEvent(request, {
    routeKey,
    encodedPath,
    rawQueryString,
    pathParameters: match.groups,
    body,
  });
  const context = localLambdaContext(`grouptalk-scim-local-${route.operation}`, timeoutMs);

  let result: Awaited<ReturnType<Handler>>;
  try {
    const handler = await loadHandler(route.entry);
    result = await handler(event, context);
  } catch (error) {
    // What API Gateway answers when the function fails rather than returning a response.
    console.error(`${routeKey} (${route.entry}) threw instead of answering:`, error);
    return sendJson(response, 500, { message: 'Internal Server Error' });
  }
  writeResult(response, result);
}

function parameterCount(path: string): number {
  return path.split('/').filter((segment) => /^\{\w+\}$/.test(segment)).length;
}

/** The body as UTF-8, undefined when empty, or 'too large' beyond the local limit. */
function readBody(request: IncomingMessage): Promise<string | undefined | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > MAX_DRAIN_BYTES) request.destroy();
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) resolve('too large');
      else resolve(size === 0 ? undefined : Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

interface EventParts {
  readonly routeKey: string;
  readonly encodedPath: string;
  readonly rawQueryString: string;
  readonly pathParameters: Record<string, string> | undefined;
  readonly body: string | undefined;
}

/** The event as API Gateway HTTP API builds it (payload format 2.0). */
function toEvent(request: IncomingMessage, parts: EventParts): APIGatewayProxyEventV2 {
  const { headers, cookies } = eventHeaders(request);
  const now = new Date();
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${sourceIp}`
    : sourceIp;
  // Handlers build Location and $ref URLs from these; locally the scheme is plain http.
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(request.socket.localPort ?? '');
  headers.host ??= `${request.socket.localAddress ?? '127.0.0.1'}:${request.socket.localPort}`;
  headers['x-amzn-trace-id'] =
    `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const domainName = headers.host.replace(/:\d+$/, '');
  // HTTP APIs hand the function the decoded path, in rawPath as in requestContext.http.path.
  const path = decode(parts.encodedPath);
  const pathParameters = parts.pathParameters
    ? Object.fromEntries(
        Object.entries(parts.pathParameters).map(([name, value]) => [name, decode(value)]),
      )
    : undefined;

  return {
    version: '2.0',
    routeKey: parts.routeKey,
    rawPath: path,
    rawQueryString: parts.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(parts.rawQueryString
      ? { queryStringParameters: queryParameters(parts.rawQueryString) }
      : {}),
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method ?? 'GET',
        path,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: parts.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(parts.body === undefined ? {} : { body: parts.body }),
    isBase64Encoded: false,
  };
}

/** Lower-case names; repeated headers joined with commas; cookies apart, as API Gateway does. */
function eventHeaders(request: IncomingMessage): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
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
 * Writes what the function returned the way API Gateway reads it: a structured result as is;
 * anything else (payload 2.0's shorthand) as a 200 JSON body.
 */
function writeResult(response: ServerResponse, result: Awaited<ReturnType<Handler>>): void {
  if (!isStructured(result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    headers[name.toLowerCase()] = String(value);
  }
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = result.body ?? '';
  const bytes = result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  headers['content-length'] = String(bytes.length);
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(bytes);
}

function isStructured(result: unknown): result is APIGatewayProxyStructuredResultV2 {
  return (
    typeof result === 'object' &&
    result !== null &&
    typeof (result as { statusCode?: unknown }).statusCode === 'number'
  );
}

function sendScimError(
  response: ServerResponse,
  status: number,
  detail: string,
  headers: Record<string, string> = {},
): void {
  sendJson(
    response,
    status,
    { schemas: [ERROR_SCHEMA], status: String(status), detail },
    { 'content-type': 'application/scim+json; charset=utf-8', ...headers },
  );
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
  response.end(text);
}
