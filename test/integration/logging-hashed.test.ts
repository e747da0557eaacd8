/**
 * A tenant whose log lines write identifiers as a keyed hash (`LOG_IDENTIFIERS=hmac`): no line
 * holds a userName, displayName or externalId in clear, and `npm run log-hash` turns a value into
 * the hash the saved history query finds its lines by.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

const KEY = randomBytes(32).toString('base64url');
// Before the first request imports a handler: the log policy is read at cold start.
process.env.LOG_LEVEL = 'INFO';
process.env.LOG_IDENTIFIERS = 'hmac';
process.env.LOG_HASH_KEY = KEY;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const suffix = randomUUID().slice(0, 8);
const userName = `Hash.Alice.${suffix}@example.com`;
const externalId = `ext-alice-${suffix}`;
const groupName = `Hashed Group ${suffix}`;

type LogLine = Record<string, unknown>;
const written: string[] = [];
const originalWrite = process.stdout.write.bind(process.stdout);
const originalErrorWrite = process.stderr.write.bind(process.stderr);
function capture() {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    (rest.find((arg) => typeof arg === 'function') as (() => void) | undefined)?.();
    return true;
  }) as typeof process.stdout.write;
}
function requestLines(): LogLine[] {
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.message === 'request' || line.message === 'request failed');
}

/** What `npm run log-hash -- <value>` prints for the value's name and externalId hashes. */
function helperHashes(value: string): { name: string; exact: string } {
  const child = spawnSync(
    join(REPO_ROOT, 'node_modules/.bin/tsx'),
    [join(REPO_ROOT, 'infra/cli/log-hash.ts'), value],
    { cwd: REPO_ROOT, env: { ...process.env, LOG_HASH_KEY: KEY }, encoding: 'utf8' },
  );
  expect(child.status, child.stderr).toBe(0);
  const name = /userName \/ displayName: (hmac:[0-9a-f]{32})/.exec(child.stdout)?.[1];
  const exact = /externalId: +(hmac:[0-9a-f]{32})/.exec(child.stdout)?.[1];
  if (!name || !exact) throw new Error(`unexpected helper output: ${child.stdout}`);
  return { name, exact };
}

let service: TestService;
beforeAll(async () => {
  process.stdout.write = capture();
  process.stderr.write = capture();
  service = await startTestService();
});
afterAll(async () => {
  process.stdout.write = originalWrite;
  process.stderr.write = originalErrorWrite;
  await service?.close();
});

describe('log lines of a tenant with LOG_IDENTIFIERS=hmac', () => {
  it('hold no userName, displayName or externalId in clear, and the helper finds them', async () => {
    // Act: a create, lookups (one comparison and a masked filter), a 409, a group.
    const created = await service.request('POST', '/Users', {
      schemas: [USER],
      userName,
      externalId,
      displayName: 'Alice Hashed',
    });
    const lookup = await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${userName.toLowerCase()}"`)}`,
    );
    const masked = await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${userName}" and active eq true`)}`,
    );
    const conflict = await service.request('POST', '/Users', { schemas: [USER], userName });
    const group = await service.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName: groupName,
    });

    // Assess: the requests did what they do with the setting off.
    expect([created.status, lookup.status, masked.status, conflict.status, group.status]).toEqual([
      201, 200, 200, 409, 201,
    ]);
    expect(lookup.body.totalResults).toBe(1);
    // No clear identifier anywhere in what the service wrote, in any case.
    const text = written.join('').toLowerCase();
    for (const clear of [userName, externalId, groupName]) {
      expect(text).not.toContain(clear.toLowerCase());
    }
    // The helper's hashes find the user's lines: create, both lookups and the 409.
    const user = helperHashes(userName);
    const lines = requestLines();
    const history = lines.filter(
      (line) =>
        line.userName === user.name ||
        line.filterValue === user.name ||
        (typeof line.filter === 'string' && line.filter.includes(user.name)),
    );
    expect(history.map((line) => `${line.operation} ${line.status}`)).toEqual([
      'createUser 201',
      'listUsers 200',
      'listUsers 200',
      'createUser 409',
    ]);
    const conflictLine = history[3] as LogLine;
    expect(conflictLine.errorDetail).toContain(user.name);
    expect(lines.find((line) => line.operation === 'createUser')?.externalId).toBe(
      helperHashes(externalId).exact,
    );
    expect(lines.find((line) => line.operation === 'createGroup')?.displayName).toBe(
      helperHashes(groupName).name,
    );
  });
});
