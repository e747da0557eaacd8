/**
 * A small SCIM client for the simulator: bearer token, Entra's `+`-encoded query strings, retries
 * of 429/5xx like a patient client, and a record of every request (operation, status, latency and,
 * when the service exposes them, its DynamoDB cost headers).
 */

export interface ScimResponse {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: SCIM bodies are read field by field.
  readonly body: any;
  readonly headers: Headers;
}

/** The DynamoDB cost a response reported in its `x-store-*` headers (local runs only). */
export interface StoreCost {
  readonly calls: number;
  readonly capacity: number;
  readonly storeMs: number;
  /** From `x-handler-ms`, when present. */
  readonly handlerMs?: number;
  readonly commands: Readonly<Record<string, number>>;
}

export interface RequestRecord {
  readonly operation: string;
  readonly status: number;
  readonly ms: number;
  readonly cost?: StoreCost;
}

export interface ErrorSample {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly detail: string;
}

export interface OperationStats {
  count: number;
  readonly statuses: Map<number, number>;
  readonly latencies: number[];
  errors: number;
  storeCalls: number;
  storeCapacity: number;
  /** Responses that carried `x-store-*` headers. */
  costed: number;
}

const MAX_ERROR_SAMPLES = 20;

/** Everything the simulator sent, by operation. */
export class Recorder {
  readonly operations = new Map<string, OperationStats>();
  readonly errorSamples: ErrorSample[] = [];
  requests = 0;
  errors = 0;
  retries = 0;
  /** Called with every record, e.g. by the benchmark. */
  onRecord?: (record: RequestRecord) => void;

  record(record: RequestRecord): void {
    let stats = this.operations.get(record.operation);
    if (!stats) {
      stats = {
        count: 0,
        statuses: new Map(),
        latencies: [],
        errors: 0,
        storeCalls: 0,
        storeCapacity: 0,
        costed: 0,
      };
      this.operations.set(record.operation, stats);
    }
    stats.count += 1;
    stats.statuses.set(record.status, (stats.statuses.get(record.status) ?? 0) + 1);
    stats.latencies.push(record.ms);
    if (record.cost) {
      stats.costed += 1;
      stats.storeCalls += record.cost.calls;
      stats.storeCapacity += record.cost.capacity;
    }
    this.requests += 1;
    this.onRecord?.(record);
  }

  error(sample: ErrorSample): void {
    this.errors += 1;
    const stats = this.operations.get(sample.operation);
    if (stats) stats.errors += 1;
    if (this.errorSamples.length < MAX_ERROR_SAMPLES) this.errorSamples.push(sample);
  }
}

export interface ScimClientOptions {
  /** The Tenant URL, e.g. `https://host/scim/v2` or `http://127.0.0.1:8080/scim/v2?aadOptscim062020`. */
  readonly url: string;
  readonly token: string;
  readonly recorder: Recorder;
  /** Attempts for 429, 5xx and network failures; default 4. */
  readonly attempts?: number;
  /** Per-request timeout; Entra gives up after 60 s. */
  readonly timeoutMs?: number;
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Statuses that are success for this request (default: any 2xx). */
  readonly expect?: readonly number[];
}

const RETRIED = new Set([429, 500, 502, 503, 504]);

export class ScimClient {
  private readonly base: string;
  /** The Tenant URL's own query (e.g. `aadOptscim062020`), kept on every request, as sent. */
  private readonly tenantQuery: string;
  private readonly authorization: string;
  readonly recorder: Recorder;
  private readonly attempts: number;
  private readonly timeoutMs: number;

  constructor(options: ScimClientOptions) {
    const url = new URL(options.url);
    this.tenantQuery = url.search.slice(1);
    url.search = '';
    this.base = url.href.replace(/\/+$/, '');
    this.authorization = `Bearer ${options.token}`;
    this.recorder = options.recorder;
    this.attempts = options.attempts ?? 4;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** Sends one SCIM request, retrying what a client should retry, and records each attempt. */
  async request(
    operation: string,
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ScimResponse> {
    // URLSearchParams writes spaces as `+`, as Entra does on the wire.
    const own = new URLSearchParams(options.query ?? {}).toString();
    const search = [this.tenantQuery, own].filter(Boolean).join('&');
    const url = `${this.base}${path}${search ? `?${search}` : ''}`;
    const init: RequestInit = {
      method,
      headers: {
        authorization: this.authorization,
        accept: 'application/scim+json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/scim+json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    };

    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let response: ScimResponse;
      try {
        response = await this.send(url, init);
      } catch (error) {
        this.recorder.record({ operation, status: 0, ms: performance.now() - started });
        if (attempt < this.attempts) {
          this.recorder.retries += 1;
          await sleep(backoff(attempt));
          continue;
        }
        this.recorder.error({
          operation,
          method,
          path: url,
          status: 0,
          detail: (error as Error).message,
        });
        return { status: 0, body: undefined, headers: new Headers() };
      }
      const ms = performance.now() - started;
      this.recorder.record({ operation, status: response.status, ms, cost: costOf(response) });
      if (RETRIED.has(response.status) && attempt < this.attempts) {
        this.recorder.retries += 1;
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(
          Number.isFinite(retryAfter) && retryAfter > 0
            ? Math.min(retryAfter, 10) * 1000
            : backoff(attempt),
        );
        continue;
      }
      const expected = options.expect
        ? options.expect.includes(response.status)
        : response.status >= 200 && response.status < 300;
      if (!expected) {
        this.recorder.error({
          operation,
          method,
          path: `${path}${search ? `?${decodeURIComponent(search.replace(/\+/g, ' '))}` : ''}`,
          status: response.status,
          detail: errorDetail(response.body),
        });
      }
      return response;
    }
  }

  private async send(url: string, init: RequestInit): Promise<ScimResponse> {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    const text = await response.text();
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.status, body, headers: response.headers };
  }
}

function costOf(response: ScimResponse): StoreCost | undefined {
  const calls = response.headers.get('x-store-calls');
  if (calls === null) return undefined;
  const handlerMs = response.headers.get('x-handler-ms');
  let commands: Record<string, number> = {};
  try {
    commands = JSON.parse(response.headers.get('x-store-commands') ?? '{}');
  } catch {
    // Leave the breakdown empty; the totals still count.
  }
  return {
    calls: Number(calls),
    capacity: Number(response.headers.get('x-store-capacity') ?? 0),
    storeMs: Number(response.headers.get('x-store-ms') ?? 0),
    ...(handlerMs === null ? {} : { handlerMs: Number(handlerMs) }),
    commands,
  };
}

function errorDetail(body: unknown): string {
  if (body && typeof body === 'object') {
    const { detail, scimType } = body as { detail?: unknown; scimType?: unknown };
    if (typeof detail === 'string') return scimType ? `${scimType}: ${detail}` : detail;
  }
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

const backoff = (attempt: number) => 250 * 2 ** (attempt - 1) * (0.5 + Math.random());

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
