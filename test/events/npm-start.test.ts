/**
 * `npm start` runs the change feed: it prints `Events: <path>` and appends each published event
 * to that file as one JSON line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import { schemaErrors } from './support.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let child: ChildProcess;
let folder: string;
const printed = new Map<string, string>();

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'feed-start-'));
  child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      EVENTS_FILE: join(folder, 'events.jsonl'),
      // The test run's DynamoDB Local, not the developer's `.local/dynamodb-data`.
      DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      for (const line of output.split('\n')) {
        const match = /^([A-Za-z ]+): (.+)$/.exec(line);
        if (match) printed.set(match[1]!, match[2]!);
      }
      if (printed.has('Events') && printed.has('Secret Token')) resolve();
    });
  });
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(folder, { recursive: true, force: true });
});

it('prints Events: <file> and appends each published event there as one JSON line', async () => {
  // Prepare
  const file = printed.get('Events')!;
  expect(file).toBe(join(folder, 'events.jsonl'));
  const userName = `npm-start-${Date.now()}@example.com`;

  // Act
  const response = await fetch(`${printed.get('Tenant URL')}/Users`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${printed.get('Secret Token')}`,
      'content-type': 'application/scim+json',
    },
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName,
      externalId: 'npm-start',
    }),
  });
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: string };

  // Assess: the line appears (polled: the feed publishes asynchronously).
  let event: ChangeEvent | undefined;
  while (!event) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    event = lines
      .map((line) => JSON.parse(line) as ChangeEvent)
      .find((candidate) => candidate.data.id === id);
    if (!event) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(event).toMatchObject({
    type: 'com.grouptalk.scim.User.Created',
    tenant: 'local',
    data: { externalId: 'npm-start', resource: { userName } },
  });
  expect(schemaErrors(event)).toEqual([]);
});
