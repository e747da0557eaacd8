/**
 * The integration page's request chain (its own, since it is not SCIM): cookies and the session
 * read once and checked against its record in the tenant's table (signed out, expired, role due
 * for a re-check), CSRF and origin checks on state-changing calls, security headers on every
 * answer, errors mapped in one place (JSON for the API, an HTML page for the browser's own
 * navigations) and one log line per request.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import {
  KEY_RETRY_SECONDS,
  type TenantKeySource,
  tenantKeySource,
} from '../credentials/tenant-keys.js';
import { logger } from '../http/logger.js';
import { publishRequestRecord, REQUEST_KIND } from '../http/request-records.js';
import { adminSessionKey, readAdminSession } from '../store/admin-items.js';
import { translateUnavailable } from '../store/client.js';
import { StoreUnavailableError } from '../store/errors.js';
import { type AdminConfig, adminConfig } from './config.js';
import { isLoopback } from './oidc.js';
import { errorPage } from './page.js';
import { type AdminSession, csrfMatches, openSession, roleCheckDue } from './session.js';

/** What an admin handler sees of the request. */
export interface AdminRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The parsed JSON body of a POST (an empty object when there is none). */
  readonly body: Record<string, unknown>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly cookies: ReadonlyMap<string, string>;
  /** `https://host` as the browser sees it. */
  readonly origin: string;
  readonly config: AdminConfig;
  /**
   * The key sealing the cookies: in AWS derived from the fleet's KMS HMAC key (a 503 `AdminError`
   * while KMS fails); locally from configuration or the tenant's table, where the sign-in routes
   * create it on first use.
   */
  sessionKey(): Promise<Uint8Array>;
  /** Set for routes that require a session. */
  readonly session?: AdminSession;
  /** Cookie names and attributes fit for this origin (see `cookieRules`). */
  readonly cookieRules: CookieRules;
}

export interface AdminResponse {
  readonly status: number;
  /** A JSON body… */
  readonly json?: unknown;
  /** …or an HTML page, a script or a stylesheet, with its content type. */
  readonly text?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** `Set-Cookie` values. */
  readonly cookies?: readonly string[];
}

/**
 * `public`: anyone (sign-in, callback, assets). `session`: a signed-in administrator (reads).
 * `change`: a signed-in administrator whose call carries the session's CSRF token and, when the
 * browser names one, this origin (every state-changing call).
 */
export type Access = 'public' | 'session' | 'change';

/** A browser navigation (answers HTML, redirects to sign-in) or a JSON API call. */
export type Kind = 'page' | 'api';

/** Thrown by admin handlers: a status and a message fit to show. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Headers of the answer (a 503's `retry-after`). */
    readonly headers?: Readonly<Record<string, string>>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AdminError';
  }
}

export interface CookieRules {
  readonly session: string;
  readonly signIn: string;
  /** `; Secure` except over plain http on a loopback address (`npm start`). */
  readonly attributes: string;
}

/**
 * Cookie names and attributes: `__Host-` names (Secure, whole host, no Domain) over https; plain
 * names without Secure only on a loopback address over http. SameSite=Lax: the callback arrives
 * as a top-level navigation from Entra, which must carry the sign-in cookie; CSRF tokens guard
 * every state-changing call regardless.
 */
export function cookieRules(origin: string): CookieRules {
  const url = new URL(origin);
  const insecure = url.protocol === 'http:' && isLoopback(url.hostname);
  const prefix = insecure ? '' : '__Host-';
  return {
    session: `${prefix}grouptalk-admin`,
    signIn: `${prefix}grouptalk-admin-sign-in`,
    attributes: `Path=/; HttpOnly; SameSite=Lax${insecure ? '' : '; Secure'}`,
  };
}

/** A `Set-Cookie` value; `maxAgeSeconds` 0 deletes the cookie. */
export function setCookie(
  rules: CookieRules,
  name: string,
  value: string,
  maxAgeSeconds: number,
): string {
  return `${name}=${value}; ${rules.attributes}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}

/** What every answer carries: no framing, no sniffing, no referrer, scripts from here only. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/**
 * HSTS, on answers over https to a name that is not a loopback address (in AWS, every answer:
 * API Gateway serves only https). A year, the host's subdomains included, no preload (that list
 * is for a whole registrable domain, which a tenant's API host is not). Not sent over plain http:
 * browsers ignore it there (RFC 6797 §8.1), so `npm start` gets none; nor to a loopback name,
 * where it would pin every local port of `localhost` to https in the developer's browser.
 */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

function transportHeaders(origin: string): Record<string, string> {
  const hsts = { 'strict-transport-security': STRICT_TRANSPORT_SECURITY };
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    // A Host header no URL can hold (never from API Gateway): the error page still gets HSTS.
    return hsts;
  }
  return url.protocol === 'https:' && !isLoopback(url.hostname) ? hsts : {};
}

export type AdminHandlerFn = (request: AdminRequest) => Promise<AdminResponse>;

let derivedKey: TenantKeySource | undefined;
let sealingKey: Promise<Uint8Array | undefined> | undefined;
/**
 * The cookie-sealing key. In AWS (`sessionKmsKeyId`) derived once per cold start and never read
 * from the table, which every function of the tenant can read; a KMS failure is a 503, never a
 * cookie sealed or opened with another key. Locally: the configured key, or the table's.
 */
async function sessionKey(config: AdminConfig, create: boolean): Promise<Uint8Array | undefined> {
  if (config.sessionKey) return config.sessionKey;
  if (config.sessionKmsKeyId) {
    derivedKey ??= tenantKeySource({
      keyId: config.sessionKmsKeyId,
      purpose: 'admin-session',
      tenant: config.tenant,
    });
    try {
      return await derivedKey();
    } catch (error) {
      throw new AdminError(
        503,
        'keyUnavailable',
        'The integration page is unavailable for a moment. Try again in a minute.',
        { 'retry-after': String(KEY_RETRY_SECONDS) },
        { cause: error },
      );
    }
  }
  sealingKey ??= adminSessionKey(create);
  const key = await sealingKey.catch((error: unknown) => {
    sealingKey = undefined;
    throw error;
  });
  // Not there yet: ask again next time (a sign-in may create it meanwhile).
  if (!key) sealingKey = undefined;
  return key;
}

/**
 * Wraps an admin handler in the page's chain.
 *
 * @example
 * export const handler = adminHandler('listAudit', { access: 'session', kind: 'api' },
 *   async () => json(200, { actions: await listAdminActions() }));
 */
export function adminHandler(
  operation: string,
  options: { access: Access; kind: Kind },
  fn: AdminHandlerFn,
) {
  const chain = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .handler(async (event) => {
      const started = performance.now();
      const headers = lowerCaseHeaders(event);
      let session: AdminSession | undefined;
      let response: AdminResponse;
      let failure: unknown;
      try {
        const request = await toRequest(event);
        const checked = await authorize(request, options);
        session = checked.session;
        response = await fn(checked);
      } catch (error) {
        failure = unavailableAsAdminError(error);
        response = errorResponse(failure, options.kind);
      }
      const fields = {
        kind: REQUEST_KIND.admin,
        operation,
        method: event.requestContext?.http?.method,
        path: event.rawPath,
        status: response.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        adminUserId: session?.userId,
        ...(failure instanceof AdminError ? { adminError: failure.code } : {}),
      };
      if (response.status >= 500)
        logger.error('admin request failed', { ...fields, error: failure as Error });
      else logger.info('admin request', fields);
      // Locally the record stream carries every line the log group would (the reports skip these).
      await publishRequestRecord(fields);
      return toResult(response, originOf(headers, event));
    });
  // As `scimHandler` does: the route table's operation, checked by the route-handler test.
  return Object.assign(chain, { operation });
}

function lowerCaseHeaders(event: APIGatewayProxyEventV2): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

/** `https://host` as the browser sees it (API Gateway sets `x-forwarded-proto`). */
function originOf(
  headers: Readonly<Record<string, string | undefined>>,
  event: APIGatewayProxyEventV2,
): string {
  const proto = headers['x-forwarded-proto'] ?? 'https';
  const host = headers.host ?? event.requestContext?.domainName ?? 'localhost';
  return `${proto}://${host}`;
}

async function toRequest(event: APIGatewayProxyEventV2): Promise<AdminRequest> {
  const config = adminConfig();
  const headers = lowerCaseHeaders(event);
  const origin = originOf(headers, event);
  const cookies = new Map<string, string>();
  for (const cookie of event.cookies ?? []) {
    const at = cookie.indexOf('=');
    if (at > 0) cookies.set(cookie.slice(0, at).trim(), cookie.slice(at + 1).trim());
  }
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath ?? '/',
    params: (event.pathParameters ?? {}) as Record<string, string>,
    query: new URLSearchParams(event.rawQueryString ?? ''),
    body: parseBody(event),
    headers,
    cookies,
    origin,
    config,
    sessionKey: async () => {
      const key = await sessionKey(config, true);
      if (!key) throw new Error('no session key');
      return key;
    },
    cookieRules: cookieRules(origin),
  };
}

function parseBody(event: APIGatewayProxyEventV2): Record<string, unknown> {
  if (!event.body) return {};
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : event.body;
  if (text.length > 16_384) throw new AdminError(413, 'tooLarge', 'The request body is too large.');
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // Falls through to the 400 below.
  }
  throw new AdminError(400, 'invalidBody', 'The request body must be a JSON object.');
}

async function authorize(
  request: AdminRequest,
  options: { access: Access; kind: Kind },
): Promise<AdminRequest> {
  if (options.access === 'public') return request;
  const value = request.cookies.get(request.cookieRules.session);
  // Without a key nothing was ever sealed: signed out, and nothing to create here.
  const key = value ? await sessionKey(request.config, false) : undefined;
  const session = key ? await openSession(value, key, request.config.tenant) : undefined;
  // The cookie names a session; its record says whether it is still open (one strongly
  // consistent GetItem per request, no cache: a sign-out holds at once for every function).
  const record = session && (await readAdminSession(session.userId, session.sessionId));
  if (!session || !record) {
    throw new AdminError(401, 'signInRequired', 'Sign in to use the integration page.');
  }
  if (roleCheckDue(record.roleCheckedAt)) {
    // The page then goes through the provider with prompt=none (see `beginSignIn`).
    throw new AdminError(
      401,
      'roleCheckRequired',
      'Your role is being checked with Entra again: reload the page.',
    );
  }
  if (options.access === 'change') {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== request.origin) {
      throw new AdminError(403, 'crossOrigin', 'This call must come from the integration page.');
    }
    if (!csrfMatches(session, request.headers['x-csrf-token'])) {
      throw new AdminError(
        403,
        'csrf',
        'The call lacks the page’s CSRF token: reload the page and try again.',
      );
    }
  }
  return { ...request, session };
}

/** The callback's refusals of an answer it cannot use (expired, replayed or reloaded, unverifiable). */
const SIGN_IN_ERRORS: ReadonlySet<string> = new Set([
  'signInExpired',
  'signInFailed',
  'providerError',
]);

/** Seconds a browser is asked to wait when the table cannot answer (as the SCIM API's 503). */
const STORE_RETRY_SECONDS = 5;

/**
 * DynamoDB throttled, failing or unreachable (after the SDK's retries) is a passing fault: a 503
 * with Retry-After and "try again", as the SCIM API answers it, not a bare 500.
 */
function unavailableAsAdminError(error: unknown): unknown {
  if (error instanceof AdminError) return error;
  const translated = translateUnavailable(error);
  if (!(translated instanceof StoreUnavailableError)) return error;
  return new AdminError(
    503,
    'storageUnavailable',
    'The integration page is unavailable for a moment. Try again in a minute.',
    { 'retry-after': String(STORE_RETRY_SECONDS) },
    { cause: error },
  );
}

/** The one place an error becomes an answer. Anything but an `AdminError` is a bare 500. */
function errorResponse(error: unknown, kind: Kind): AdminResponse {
  const known = error instanceof AdminError ? error : undefined;
  const status = known?.status ?? 500;
  const message = known?.message ?? 'Something went wrong on our side. Try again in a minute.';
  if (kind === 'page') {
    if (known?.code === 'signInRequired') {
      return { status: 302, headers: { location: '/admin/sign-in' } };
    }
    if (known?.code === 'roleCheckRequired') {
      return { status: 302, headers: { location: '/admin/sign-in?prompt=none' } };
    }
    const heading =
      status === 500
        ? 'Something went wrong'
        : status === 503
          ? 'Temporarily unavailable'
          : known && SIGN_IN_ERRORS.has(known.code)
            ? 'Sign-in not completed'
            : 'Not possible';
    // Every error page links to signing in again (errorPage adds it); a passing fault also to the page.
    const actions = status >= 500 ? [{ href: '/admin', label: 'Try again' }] : [];
    return {
      ...html(status, errorPage(heading, message, actions)),
      headers: known?.headers ?? {},
    };
  }
  return {
    ...json(status, { error: known?.code ?? 'internal', message }),
    headers: known?.headers ?? {},
  };
}

export function json(status: number, body: unknown, cookies?: readonly string[]): AdminResponse {
  return { status, json: body, ...(cookies ? { cookies } : {}) };
}

export function html(status: number, text: string, cookies?: readonly string[]): AdminResponse {
  return { status, text, contentType: 'text/html; charset=utf-8', ...(cookies ? { cookies } : {}) };
}

export function redirect(location: string, cookies?: readonly string[]): AdminResponse {
  return { status: 302, headers: { location }, ...(cookies ? { cookies } : {}) };
}

function toResult(response: AdminResponse, origin: string): APIGatewayProxyStructuredResultV2 {
  const body = response.json !== undefined ? JSON.stringify(response.json) : (response.text ?? '');
  const contentType =
    response.json !== undefined
      ? 'application/json; charset=utf-8'
      : response.text !== undefined
        ? (response.contentType ?? 'text/plain; charset=utf-8')
        : undefined;
  return {
    statusCode: response.status,
    headers: {
      ...SECURITY_HEADERS,
      ...transportHeaders(origin),
      ...(contentType ? { 'content-type': contentType } : {}),
      ...(response.headers ?? {}),
    },
    ...(response.cookies?.length ? { cookies: [...response.cookies] } : {}),
    body,
  };
}
