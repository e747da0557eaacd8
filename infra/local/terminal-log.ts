/**
 * What `npm start`'s terminal shows of the functions' log: one short line per request (time,
 * method, path, status, milliseconds and the error type when there is one) and one per warning or
 * error, while every JSON log line goes whole to a file, as the Lambda runtime sends a function's
 * output to CloudWatch. The printed block (Tenant URL, Secret Token, …) stays on screen instead of
 * scrolling away under a kilobyte of JSON per request. `LOG_FORMAT=json` prints the JSON lines
 * as they are (and still keeps the file).
 *
 * The functions write through Powertools' logger, one `write` per line on stdout or stderr; any
 * other output (DynamoDB Local, a stack trace of the server) passes through untouched.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type TerminalLogFormat = 'short' | 'json';

export interface TerminalLogOptions {
  /** JSON-lines file that receives every log line (created with mode 0600: ids, user names). */
  readonly file: string;
  readonly format: TerminalLogFormat;
}

/** `LOG_FORMAT`: `json` for the functions' own lines on the terminal; short lines otherwise. */
export function terminalLogFormat(value: string | undefined): TerminalLogFormat {
  return value?.toLowerCase() === 'json' ? 'json' : 'short';
}

type Write = typeof process.stdout.write;

/** Routes the process's log lines as described above until the returned function is called. */
export function routeLogLines(options: TerminalLogOptions): () => void {
  mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
  const fd = openSync(options.file, 'a', 0o600);
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write);
  const toStdout = originals[0]!.bind(process.stdout) as (text: string) => boolean;
  streams.forEach((stream, index) => {
    const write = originals[index]!.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const record = logRecord(chunk);
      if (!record) return write(chunk, ...rest);
      writeSync(fd, chunkText(chunk) ?? '');
      if (options.format === 'json') return write(chunk, ...rest);
      // The short line goes to stdout whichever stream the logger chose (errors: stderr).
      const shown = shortLine(record);
      if (shown !== undefined) toStdout(shown);
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as Write;
  });
  return () => {
    streams.forEach((stream, index) => {
      stream.write = originals[index]!;
    });
    closeSync(fd);
  };
}

type LogRecord = Record<string, unknown>;

/** The chunk as a Powertools JSON log line (one `{…}` line with a level), or undefined. */
function logRecord(chunk: unknown): LogRecord | undefined {
  const text = chunkText(chunk);
  if (text === undefined || !text.startsWith('{') || !text.endsWith('}\n')) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const record = parsed as LogRecord;
    return typeof record.level === 'string' && typeof record.timestamp === 'string'
      ? record
      : undefined;
  } catch {
    return undefined;
  }
}

function chunkText(chunk: unknown): string | undefined {
  if (typeof chunk === 'string') return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk).toString('utf8');
  return undefined;
}

/**
 * The terminal's line for a log record: a request's
 * `14:03:07 GET /scim/v2/Users 400 12 ms invalidFilter`, a warning's or error's
 * `14:03:07 ERROR token signing keys unavailable`, or undefined (in the file only).
 *
 * @example
 * shortLine({ level: 'INFO', timestamp: '2026-12-07T14:03:07.120Z', message: 'request',
 *   method: 'GET', path: '/scim/v2/Users', status: 400, durationMs: 12, scimType: 'invalidFilter' })
 */
export function shortLine(record: LogRecord): string | undefined {
  const time = clock(record.timestamp);
  const { method, path, status } = record;
  if (typeof method === 'string' && typeof path === 'string' && typeof status === 'number') {
    const ms = typeof record.durationMs === 'number' ? ` ${Math.round(record.durationMs)} ms` : '';
    const kind = [record.scimType, record.oauthError, record.adminError].find(
      (value) => typeof value === 'string',
    );
    return `${time} ${method} ${path} ${status}${ms}${kind ? ` ${kind}` : ''}\n`;
  }
  if (record.level === 'INFO' || record.level === 'DEBUG') return undefined;
  return `${time} ${record.level} ${String(record.message ?? '')}\n`;
}

/** `HH:MM:SS` in local time. */
function clock(timestamp: unknown): string {
  const date = new Date(typeof timestamp === 'string' ? timestamp : Date.now());
  return date.toTimeString().slice(0, 8);
}
