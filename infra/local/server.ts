/**
 * The service on one machine: an HTTP server in front of the API Gateway stand-in
 * (`api-gateway.ts`), which turns each request into the payload 2.0 event the deployed functions
 * receive, from the same route table, and calls the same handler modules. Routing, events, the
 * `$default` route and the reading of results all live there; this file only speaks HTTP.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SCIM_BASE_PATH } from '../../shared/routes.js';
import { type ApiGateway, type ApiGatewayOptions, createApiGateway } from './api-gateway.js';

export { localLambdaContext } from './api-gateway.js';

/**
 * Bodies above this are refused here. API Gateway's own limit is 10 MB; the handler chain enforces
 * the much smaller SCIM limit with its own 413, so this only protects the local process.
 */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
/** A client still sending after this much is cut off rather than drained. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface LocalServerOptions extends ApiGatewayOptions {
  /** 0 or undefined picks a free port. */
  readonly port?: number;
  /** Interface to listen on; `127.0.0.1` by default. */
  readonly host?: string;
}

export interface LocalServer {
  /** The Tenant URL, e.g. `http://127.0.0.1:8080/scim/v2`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the local API Gateway stand-in and resolves once it listens. */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  // CloudWatch metrics (EMF lines on stdout) mean nothing here; set it to false to see them.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const host = options.host ?? '127.0.0.1';
  const gateway = createApiGateway(options);

  const server = createServer((request, response) => {
    serve(request, response, gateway).catch((error: unknown) => {
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
  gateway: ApiGateway,
): Promise<void> {
  const target = request.url ?? '/';
  const queryAt = target.indexOf('?');
  const body = await readBody(request);
  if (body === 'too large') {
    return sendJson(
      response,
      413,
      {
        schemas: [ERROR_SCHEMA],
        status: '413',
        detail: `The request body exceeds ${MAX_BODY_BYTES} bytes.`,
      },
      { 'content-type': 'application/scim+json; charset=utf-8' },
    );
  }
  const rawHeaders: [string, string][] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    rawHeaders.push([request.rawHeaders[i] as string, request.rawHeaders[i + 1] as string]);
  }
  const port = request.socket.localPort ?? 0;
  const answer = await gateway.invoke({
    method: request.method ?? 'GET',
    path: queryAt < 0 ? target : target.slice(0, queryAt),
    rawQueryString: queryAt < 0 ? '' : target.slice(queryAt + 1),
    headers: rawHeaders,
    ...(body === undefined ? {} : { body }),
    connection: {
      sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      scheme: 'http',
      port,
      host: `${request.socket.localAddress ?? '127.0.0.1'}:${port}`,
      protocol: `HTTP/${request.httpVersion}`,
    },
  });
  if (answer.threw !== undefined) {
    console.error(`${request.method} ${target} threw instead of answering:`, answer.threw);
  }
  const headers: Record<string, string | string[]> = { ...answer.headers };
  if (answer.cookies.length > 0) headers['set-cookie'] = [...answer.cookies];
  headers['content-length'] = String(answer.body.length);
  response.writeHead(answer.status, headers);
  response.end(answer.body);
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
