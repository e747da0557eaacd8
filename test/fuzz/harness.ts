/**
 * Calls the real handler modules directly with API Gateway HTTP API (payload 2.0) events, the way
 * `infra/local/server.ts` builds them, without a socket in between: fast enough for fuzzing.
 * Handler modules read their configuration at import time, so the environment (table, endpoint,
 * keys) must be set before the first `invoke`.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { localLambdaContext } from '../../infra/local/server.js';
import {
  compileRoutePath,
  fallbackRoute,
  type Route,
  routePath,
  routes,
  SCIM_BASE_PATH,
} from '../../shared/routes.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOST = 'fuzz.example.com';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** One request, path below the SCIM base path (`/Users/abc`), query string as sent. */
export interface Invocation {
  readonly method: string;
  readonly path: string;
  readonly query?: string;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  /** Sent as given; `authorization` is added unless present (an undefined value drops it). */
  readonly headers?: Readonly<Record<string, string | undefined>>;
}

export interface Answer {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: fuzz checks read into bodies freely.
  readonly body: any;
  /** The handler threw instead of answering (API Gateway would answer 500). */
  readonly threw?: unknown;
}

export interface Harness {
  invoke(invocation: Invocation): Promise<Answer>;
}

const compiled = [...routes]
  .sort((a, b) => parameterCount(a.path) - parameterCount(b.path))
  .map((route) => ({ route, pattern: compileRoutePath(routePath(route)) }));

/**
 * A harness whose requests carry `token` as bearer unless they bring their own `authorization`.
 * `timeoutMs` is what `context.getRemainingTimeInMillis()` counts down from (the functions' 10 s).
 */
export function createHarness(token: string, options: { timeoutMs?: number } = {}): Harness {
  const loaded = new Map<string, Promise<Handler>>();
  const load = (entry: string) => {
    let handler = loaded.get(entry);
    if (!handler) {
      handler = import(pathToFileURL(join(REPO_ROOT, entry)).href).then(
        (module) => module.handler as Handler,
      );
      loaded.set(entry, handler);
    }
    return handler;
  };
  const timeoutMs = options.timeoutMs ?? 10_000;

  return {
    async invoke(invocation) {
      const rawPath = SCIM_BASE_PATH + invocation.path;
      const decodedPath = decode(rawPath);
      const candidates = compiled
        .map(({ route, pattern }) => ({ route, match: pattern.exec(rawPath) }))
        .filter((candidate) => candidate.match !== null);
      const found = candidates.find((candidate) => candidate.route.method === invocation.method);
      const route: Pick<Route, 'entry' | 'operation'> = found?.route ?? fallbackRoute;
      const routeKey = found ? `${found.route.method} ${routePath(found.route)}` : '$default';
      const params = found?.match?.groups
        ? Object.fromEntries(
            Object.entries(found.match.groups).map(([name, value]) => [name, decode(value)]),
          )
        : undefined;
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        'content-type': 'application/scim+json',
        host: HOST,
        'x-forwarded-proto': 'https',
      };
      for (const [name, value] of Object.entries(invocation.headers ?? {})) {
        // API Gateway lower-cases names; a test may still send mixed case to the normalizer.
        delete headers[name.toLowerCase()];
        if (value !== undefined) headers[name] = value;
      }
      const event: APIGatewayProxyEventV2 = {
        version: '2.0',
        routeKey,
        rawPath: decodedPath,
        rawQueryString: invocation.query ?? '',
        headers,
        ...(params ? { pathParameters: params } : {}),
        requestContext: {
          accountId: '000000000000',
          apiId: 'fuzz',
          domainName: HOST,
          domainPrefix: 'fuzz',
          http: {
            method: invocation.method,
            path: decodedPath,
            protocol: 'HTTP/1.1',
            sourceIp: '127.0.0.1',
            userAgent: 'fuzz',
          },
          requestId: randomUUID(),
          routeKey,
          stage: '$default',
          time: new Date().toUTCString(),
          timeEpoch: Date.now(),
        },
        ...(invocation.body === undefined ? {} : { body: invocation.body }),
        isBase64Encoded: invocation.isBase64Encoded ?? false,
      };
      try {
        const handler = await load(route.entry);
        const result = await handler(
          event,
          localLambdaContext(`grouptalk-scim-fuzz-${route.operation}`, timeoutMs, 'fuzz'),
        );
        const text = result.body ?? '';
        return {
          status: result.statusCode ?? 200,
          headers: Object.fromEntries(
            Object.entries(result.headers ?? {}).map(([name, value]) => [
              name.toLowerCase(),
              String(value),
            ]),
          ),
          text,
          body: parseJson(text),
        };
      } catch (error) {
        return { status: 500, headers: {}, text: '', body: undefined, threw: error };
      }
    },
  };
}

function parameterCount(path: string): number {
  return path.split('/').filter((segment) => /^\{\w+\}$/.test(segment)).length;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
