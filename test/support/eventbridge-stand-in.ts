/**
 * EventBridge has no local engine: tests run the real `@aws-sdk/client-eventbridge` client against
 * this small HTTP stand-in of the PutEvents wire protocol (AWS JSON 1.1: `POST /`,
 * `Content-Type: application/x-amz-json-1.1`, `X-Amz-Target: AWSEvents.PutEvents`, errors as
 * `{"__type": …, "message": …}` with a 4xx or 5xx status). It checks what EventBridge checks
 * (a signed request, 1 to 10 entries, 256 KB per request, the bus exists, each entry has a
 * source, a detail type and a JSON detail) and answers each call as the test scripts it:
 * accepted, throttled, failing for some entries, or refused as a whole.
 *
 * @example
 * const eventBridge = await startEventBridgeStandIn({ buses: ['grouptalk-scim-events'] });
 * eventBridge.script({ error: 'ThrottlingException' }, { entryErrors: ['InternalFailure'] });
 * const client = eventBridgeClient(eventBridge.clientConfig);
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One entry as the client sent it (JSON field names of the wire protocol). */
export interface WireEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly EventBusName?: string;
  readonly Time?: number;
}

/** How the stand-in answers one PutEvents call. */
export type PutEventsAnswer =
  /** Every valid entry accepted. */
  | 'accept'
  /** No answer at all (the connection stays open until the client gives up or `close`). */
  | 'stall'
  /** The whole call refused: `ThrottlingException` (400), `AccessDeniedException` (400), … */
  | { readonly error: string; readonly status?: number; readonly message?: string }
  /**
   * A partial failure: entry k gets `entryErrors[k]` as its ErrorCode (undefined: accepted;
   * entries past the list's end are accepted).
   */
  | { readonly entryErrors: readonly (string | undefined)[] };

export interface PutEventsCall {
  readonly entries: readonly WireEntry[];
  readonly answer: PutEventsAnswer;
}

export interface EventBridgeStandIn {
  readonly endpoint: string;
  /** What a client needs to reach the stand-in (endpoint, region, static credentials). */
  readonly clientConfig: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  /** Every PutEvents call received, with the answer it got. */
  readonly calls: PutEventsCall[];
  /** Every entry accepted onto a bus, in order of acceptance. */
  readonly accepted: WireEntry[];
  /** The answers of the next calls, in order; once spent, calls get `fallback`. */
  script(...answers: PutEventsAnswer[]): void;
  /** The answer of calls past the script (default `accept`). */
  fallback: PutEventsAnswer;
  close(): Promise<void>;
}

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const ENTRY_MESSAGES: Record<string, string> = {
  ThrottlingException: 'Rate exceeded.',
  InternalFailure: 'Internal Failure',
  MalformedDetail: 'Detail is malformed.',
  InvalidArgument: 'Parameter(s) Source, DetailType or Detail is not valid.',
  NotAuthorizedForSourceException: 'Not authorized for the source.',
};

/** Starts the stand-in on a free local port. */
export async function startEventBridgeStandIn(
  options: { readonly buses?: readonly string[] } = {},
): Promise<EventBridgeStandIn> {
  const buses = new Set(options.buses ?? ['default']);
  const calls: PutEventsCall[] = [];
  const accepted: WireEntry[] = [];
  const scripted: PutEventsAnswer[] = [];

  const fail = (response: ServerResponse, status: number, type: string, message: string) => {
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
    });
    response.end(JSON.stringify({ __type: type, message }));
  };

  const handle = (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    if (request.method !== 'POST' || request.url !== '/') {
      return fail(response, 404, 'UnknownOperationException', 'Not found');
    }
    if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      return fail(response, 400, 'MissingAuthenticationTokenException', 'Request is not signed');
    }
    if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
      return fail(response, 400, 'UnknownOperationException', 'Only PutEvents is stood in');
    }
    if (request.headers['content-type'] !== 'application/x-amz-json-1.1') {
      return fail(response, 400, 'SerializationException', 'Expected AWS JSON 1.1');
    }
    let input: { Entries?: WireEntry[] };
    try {
      input = JSON.parse(body.toString('utf8')) as { Entries?: WireEntry[] };
    } catch {
      return fail(response, 400, 'SerializationException', 'Body is not JSON');
    }
    const entries = input.Entries ?? [];
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      return fail(
        response,
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      );
    }
    const size = entries.reduce(
      (sum, entry) =>
        sum +
        14 +
        Buffer.byteLength(entry.Source ?? '') +
        Buffer.byteLength(entry.DetailType ?? '') +
        Buffer.byteLength(entry.Detail ?? ''),
      0,
    );
    if (size > MAX_REQUEST_BYTES) {
      return fail(response, 400, 'ValidationException', 'Total size of the entries exceeds 256KB');
    }
    const unknownBus = entries.find((entry) => !buses.has(entry.EventBusName ?? 'default'));
    if (unknownBus) {
      return fail(
        response,
        400,
        'ResourceNotFoundException',
        `Event bus ${unknownBus.EventBusName} does not exist.`,
      );
    }
    const answer = scripted.shift() ?? standIn.fallback;
    calls.push({ entries, answer });
    if (answer === 'stall') return;
    if (typeof answer === 'object' && 'error' in answer) {
      return fail(response, answer.status ?? 400, answer.error, answer.message ?? answer.error);
    }
    const scriptedErrors = answer === 'accept' ? [] : answer.entryErrors;
    const results = entries.map((entry, index) => {
      const code = scriptedErrors[index] ?? entryError(entry);
      if (code) return { ErrorCode: code, ErrorMessage: ENTRY_MESSAGES[code] ?? code };
      accepted.push(entry);
      return { EventId: randomUUID() };
    });
    response.writeHead(200, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
    });
    response.end(
      JSON.stringify({
        FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
        Entries: results,
      }),
    );
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const standIn: EventBridgeStandIn = {
    endpoint,
    clientConfig: {
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'stand-in', secretAccessKey: 'stand-in' },
    },
    calls,
    accepted,
    script: (...answers) => {
      scripted.push(...answers);
    },
    fallback: 'accept',
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return standIn;
}

/** What EventBridge refuses in one entry: no source or detail type, a detail that is not JSON. */
function entryError(entry: WireEntry): string | undefined {
  if (!entry.Source || !entry.DetailType) return 'InvalidArgument';
  try {
    const detail = JSON.parse(entry.Detail ?? '');
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return 'MalformedDetail';
    }
  } catch {
    return 'MalformedDetail';
  }
  return undefined;
}
