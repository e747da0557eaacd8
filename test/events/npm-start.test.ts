/**
 * `npm start` runs the change feed: it prints `Events: <path>` and appends each published event
 * to that file as one JSON line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import { type RunningNpmStart, startNpmStart } from '../support/npm-start.js';
import { schemaErrors } from './support.js';

let npmStart: RunningNpmStart | undefined;
let folder: string;
let printed: ReadonlyMap<string, string>;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'feed-start-'));
  npmStart = await startNpmStart({ EVENTS_FILE: join(folder, 'events.jsonl') }, [
    'Events',
    'Secret Token',
  ]);
  printed = npmStart.printed;
}, 120_000);

afterAll(async () => {
  await npmStart?.stop();
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
