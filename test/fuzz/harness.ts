/**
 * Calls the real handler modules through the API Gateway stand-in (`infra/local/api-gateway.ts`),
 * the one `npm start` and the tests use, without a socket in between: fast enough for fuzzing.
 * Handler modules read their configuration at import time, so the environment (table, endpoint,
 * keys) must be set before the first `invoke`.
 */
import { createApiGateway } from '../../infra/local/api-gateway.js';
import { SCIM_BASE_PATH } from '../../shared/routes.js';

const HOST = 'fuzz.example.com';

/** One request, path below the SCIM base path (`/Users/abc`), query string as sent. */
export interface Invocation {
  readonly method: string;
  /** What `path` is below: the SCIM base path unless given (`''` for `/oauth2/token`). */
  readonly base?: string;
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
  /** The handler threw instead of answering (API Gateway answers 500). */
  readonly threw?: unknown;
}

export interface Harness {
  invoke(invocation: Invocation): Promise<Answer>;
}

/**
 * A harness whose requests carry `token` as bearer unless they bring their own `authorization`.
 * `timeoutMs` is what `context.getRemainingTimeInMillis()` counts down from (the functions' 10 s).
 */
export function createHarness(token: string, options: { timeoutMs?: number } = {}): Harness {
  const gateway = createApiGateway({
    functionNamePrefix: 'grouptalk-scim-fuzz-',
    ...(options.timeoutMs === undefined ? {} : { functionTimeoutMs: options.timeoutMs }),
  });

  return {
    async invoke(invocation) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        'content-type': 'application/scim+json',
        host: HOST,
      };
      for (const [name, value] of Object.entries(invocation.headers ?? {})) {
        delete headers[name.toLowerCase()];
        if (value !== undefined) headers[name] = value;
      }
      const answer = await gateway.invoke({
        method: invocation.method,
        path: (invocation.base ?? SCIM_BASE_PATH) + invocation.path,
        rawQueryString: invocation.query ?? '',
        headers: Object.entries(headers),
        ...(invocation.body === undefined ? {} : { body: invocation.body }),
        ...(invocation.isBase64Encoded === undefined
          ? {}
          : { isBase64Encoded: invocation.isBase64Encoded }),
        connection: {
          sourceIp: '127.0.0.1',
          scheme: 'https',
          port: 443,
          host: HOST,
          protocol: 'HTTP/1.1',
        },
      });
      const text = answer.body.toString('utf8');
      return {
        status: answer.status,
        headers: answer.headers,
        text,
        body: parseJson(text),
        ...(answer.threw === undefined ? {} : { threw: answer.threw }),
      };
    },
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
