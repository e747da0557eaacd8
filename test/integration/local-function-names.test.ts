/**
 * The local server runs every function in one process, with the one logger their modules share.
 * Each log line must still name the function that wrote it, when requests to different functions
 * overlap and when the sweeper runs after them (it once carried the last request's function).
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeLocally } from '../../infra/local/invocations.js';
import { localLambdaContext } from '../../infra/local/server.js';
import { startTestService, type TestService } from '../support/service.js';

// Before the first request imports a handler: the logger reads it then.
process.env.LOG_LEVEL = 'INFO';

const PREFIX = 'grouptalk-scim-local-';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

type LogLine = Record<string, unknown>;

const captured: string[] = [];
const originalWrites = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};
function capture() {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
}

function jsonLines(): LogLine[] {
  return captured
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
  process.stdout.write = capture();
  process.stderr.write = capture();
});
afterAll(async () => {
  process.stdout.write = originalWrites.stdout;
  process.stderr.write = originalWrites.stderr;
  await service.close();
});

describe('log lines of the local server', () => {
  it('name their own function when requests to different functions overlap', async () => {
    // Prepare: three functions, each called many times at once.
    const calls = Array.from({ length: 12 }, (_, i) => [
      service.request('POST', '/Users', { schemas: [USER], userName: `overlap-${i}@example.com` }),
      service.request('GET', `/Users?filter=${encodeURIComponent(`userName eq "overlap-${i}"`)}`),
      service.request('GET', '/ServiceProviderConfig'),
    ]).flat();

    // Act
    const responses = await Promise.all(calls);

    // Assess
    expect(responses.map((response) => response.status).sort()).toEqual(
      [...Array(12).fill(200), ...Array(12).fill(200), ...Array(12).fill(201)].sort(),
    );
    const requests = jsonLines().filter((line) => line.message === 'request');
    expect(requests).toHaveLength(36);
    const operations = new Set(requests.map((line) => line.operation));
    expect(operations).toEqual(new Set(['createUser', 'listUsers', 'getServiceProviderConfig']));
    for (const line of requests) {
      expect(line.function_name, `${line.operation} line`).toBe(`${PREFIX}${line.operation}`);
    }
  });

  it('name the sweeper on its own runs, not the function of the last request', async () => {
    // Prepare: a request leaves its function's context behind, if anything does.
    expect((await service.request('GET', '/ServiceProviderConfig')).status).toBe(200);
    const { handler: sweep } = await import('../../functions/groups/sweep-memberships.js');
    const context: Context = localLambdaContext(`${PREFIX}sweepMemberships`, 60_000);
    captured.length = 0;

    // Act: as npm start runs it every minute.
    await invokeLocally(context, () => sweep({}, context));

    // Assess
    const runs = jsonLines().filter((line) => line.message === 'scheduled run');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      operation: 'sweepMemberships',
      function_name: `${PREFIX}sweepMemberships`,
    });
  });
});
