/**
 * Graph's errors as one class. Graph answers an error with a status and a JSON body
 * `{ "error": { "code", "message", "innerError": { "request-id", "date", … } } }`
 * (microsoft-graph-docs-contrib concepts/errors.md); the connect flow branches on `code` (never on
 * `message`, which Microsoft says may change) and shows `message` and `requestId` to the admin as
 * what Entra said.
 */

export class GraphError extends Error {
  override readonly name = 'GraphError';
  /** The HTTP status; 0 when Graph could not be reached. */
  readonly status: number;
  /** Graph's error code, e.g. `Authorization_RequestDenied`. */
  readonly code: string;
  /** The `request-id` Microsoft support asks for (the body's, else the response header's). */
  readonly requestId: string | undefined;
  readonly innerError: Record<string, unknown> | undefined;
  /** Seconds the `Retry-After` header asked to wait (429 and 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(input: {
    status: number;
    code: string;
    message: string;
    requestId?: string;
    innerError?: Record<string, unknown>;
    retryAfterSeconds?: number;
  }) {
    super(input.message);
    this.status = input.status;
    this.code = input.code;
    this.requestId = input.requestId;
    this.innerError = input.innerError;
    this.retryAfterSeconds = input.retryAfterSeconds;
  }
}

/** The `GraphError` of a non-2xx response whose body is `text`. */
export function graphErrorOf(response: Response, text: string): GraphError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error =
    typeof body === 'object' && body !== null && 'error' in body
      ? ((body as { error: unknown }).error as Record<string, unknown> | undefined)
      : undefined;
  const inner = (error?.innerError ?? error?.innererror) as Record<string, unknown> | undefined;
  const requestId =
    (typeof inner?.['request-id'] === 'string' ? inner['request-id'] : undefined) ??
    response.headers.get('request-id') ??
    undefined;
  const retryAfterSeconds = retryAfter(response.headers.get('retry-after'));
  return new GraphError({
    status: response.status,
    code: typeof error?.code === 'string' ? error.code : `HTTP${response.status}`,
    message:
      typeof error?.message === 'string'
        ? error.message
        : `Microsoft Graph answered ${response.status} ${response.statusText}`.trim(),
    ...(requestId ? { requestId } : {}),
    ...(inner ? { innerError: inner } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}

/** Graph could not be reached at all (DNS, TLS, connection refused). */
export function networkError(method: string, url: string, cause: unknown): GraphError {
  const error = new GraphError({
    status: 0,
    code: 'NetworkError',
    message: `Microsoft Graph could not be reached (${method} ${new URL(url).pathname}): ${
      cause instanceof Error ? cause.message : String(cause)
    }`,
  });
  error.cause = cause;
  return error;
}

/** `Retry-After` as seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP-date). */
function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
