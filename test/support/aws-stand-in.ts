/**
 * A small local HTTP stand-in of AWS services without a local engine, answering the real SDK
 * clients in each service's own wire protocol, so the SDK's serialisation, paging, checksums and
 * error parsing run as against AWS:
 * - AWS JSON 1.0 (SQS, CloudWatch): `POST /`, the operation in `x-amz-target`;
 * - REST JSON (Lambda): the operation in the method and path;
 * - AWS Query (CloudFormation): a form body with `Action`, an XML answer.
 * Each test gives the answers; the stand-in records every request it got.
 *
 * @example
 * const aws = await startAwsStandIn({ 'AmazonSQS.ReceiveMessage': () => ({ Messages: [] }) });
 * new SQSClient({ endpoint: aws.url, region: 'eu-west-1', credentials: aws.credentials });
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRequest {
  readonly method: string;
  readonly path: string;
  /** `x-amz-target`, the REST `METHOD /path`, or the Query `Action`. */
  readonly operation: string;
  /** The JSON body, or the Query form's fields. */
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are read field by field.
  readonly input: any;
}

/** An answer: a status and body (JSON object, or XML string for Query), and headers. */
export interface StandInAnswer {
  readonly status?: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A JSON object, an XML string (Query), or a full answer with status and headers. */
export type StandInHandler = (
  // biome-ignore lint/suspicious/noExplicitAny: handlers read the input field by field.
  input: any,
  request: StandInRequest,
) => StandInAnswer | object | string;

export interface AwsStandIn {
  readonly url: string;
  readonly requests: StandInRequest[];
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

async function read(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the stand-in. `handlers` are keyed by JSON target (`AmazonSQS.ReceiveMessage`), REST
 * route (`GET /2015-03-31/functions/{name}/configuration`, `{…}` one path segment) or Query
 * action (`DescribeStacks`).
 */
export async function startAwsStandIn(
  handlers: Readonly<Record<string, StandInHandler>>,
): Promise<AwsStandIn> {
  const requests: StandInRequest[] = [];
  const server = createServer(async (request, response) => {
    const text = await read(request);
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const target = request.headers['x-amz-target'];
    let operation: string;
    let input: unknown;
    let handler: StandInHandler | undefined;
    if (typeof target === 'string') {
      operation = target;
      input = text ? JSON.parse(text) : {};
      handler = handlers[target];
    } else if ((request.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) {
      const form = new URLSearchParams(text);
      operation = form.get('Action') ?? '';
      input = Object.fromEntries(form);
      handler = handlers[operation];
    } else {
      operation = `${request.method} ${url.pathname}`;
      input = text ? JSON.parse(text) : {};
      const match = Object.entries(handlers).find(([route]) => {
        const [method, pattern] = route.split(' ');
        if (method !== request.method || !pattern) return false;
        const expression = new RegExp(`^${pattern.replace(/\{[^}]+\}/g, '[^/]+')}$`);
        return expression.test(url.pathname);
      });
      handler = match?.[1];
    }
    const recorded = { method: request.method ?? '', path: url.pathname, operation, input };
    requests.push(recorded);
    if (!handler) {
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: 'UnknownOperationException', message: operation }));
      return;
    }
    const result = handler(input, recorded);
    const answer: StandInAnswer =
      typeof result === 'string'
        ? { body: result }
        : 'body' in result
          ? (result as StandInAnswer)
          : { body: result };
    const xml = typeof answer.body === 'string';
    response.writeHead(answer.status ?? 200, {
      'content-type': xml
        ? 'text/xml'
        : typeof target === 'string'
          ? 'application/x-amz-json-1.0'
          : 'application/json',
      'x-amzn-requestid': `stand-in-${requests.length}`,
      ...answer.headers,
    });
    response.end(xml ? (answer.body as string) : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    credentials: { accessKeyId: 'stand-in', secretAccessKey: 'stand-in' },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
