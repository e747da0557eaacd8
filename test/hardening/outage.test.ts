/**
 * A real outage: this file runs the service on its own DynamoDB Local (data on disk), stops it in
 * the middle of a steady workload and starts it again. While it is down every answer is a fast
 * 503 with Retry-After, never a 500; once it is back the service recovers without a restart, and
 * nothing it acknowledged is lost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTable,
  type RunningDynamoDbLocal,
  startDynamoDbLocal,
} from '../../infra/local/dynamodb-local.js';
import { contractViolation, StatusTally } from '../fuzz/checks.js';
import type { Answer, Invocation } from '../fuzz/harness.js';
import { type FuzzEnvironment, fuzzEnvironmentFromTestSetup } from '../fuzz/setup.js';
import { auditTable } from '../fuzz/table.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const LABEL = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User:label1';
const WORKERS = 6;

let dataDir: string;
let port: number;
let dynamodb: RunningDynamoDbLocal | undefined;
let env: FuzzEnvironment;

beforeAll(async () => {
  // Before any handler module is imported: they read DYNAMODB_ENDPOINT once, at import time.
  dataDir = await mkdtemp(join(tmpdir(), 'grouptalk-scim-outage-'));
  port = await freePort();
  dynamodb = await startDynamoDbLocal({ port, dbPath: dataDir });
  await ensureTable(dynamodb.endpoint, process.env.TABLE_NAME as string);
  process.env.DYNAMODB_ENDPOINT = dynamodb.endpoint;
  env = await fuzzEnvironmentFromTestSetup();
}, 60_000);

afterAll(async () => {
  await env?.stop();
  await dynamodb?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as { port: number };
      server.close(() => resolve(free));
    });
  });
}

type Phase = 'before' | 'down' | 'after';

interface Outcome {
  readonly phase: Phase;
  readonly answer: Answer;
  readonly millis: number;
}

describe('DynamoDB stopped mid-run', () => {
  it('answers 503 with Retry-After while it is down, recovers when it is back, and loses nothing acknowledged', async () => {
    // Prepare: one user per worker, whose label1 each worker counts up.
    const userIds: string[] = [];
    for (let worker = 0; worker < WORKERS; worker++) {
      const created = await env.harness.invoke({
        method: 'POST',
        path: '/Users',
        body: JSON.stringify({ schemas: [USER], userName: `outage.${worker}@example.com` }),
      });
      expect(created.status).toBe(201);
      userIds.push(created.body.id);
    }
    const acknowledged = new Array<number>(WORKERS).fill(0);
    const createdIds: string[] = [];
    const outcomes: Outcome[] = [];
    let phase: Phase = 'before';
    let running = true;

    const worker = async (index: number) => {
      for (let step = 1; running; step++) {
        const userId = userIds[index] as string;
        const requests: Invocation[] = [
          {
            method: 'PATCH',
            path: `/Users/${userId}`,
            body: JSON.stringify({
              schemas: [PATCH_OP],
              Operations: [{ op: 'replace', path: LABEL, value: String(step) }],
            }),
          },
          { method: 'GET', path: `/Users/${userId}` },
          {
            method: 'POST',
            path: '/Users',
            body: JSON.stringify({
              schemas: [USER],
              userName: `outage.${index}.${step}@example.com`,
            }),
          },
          { method: 'GET', path: '/Users', query: `filter=userName%20sw%20%22outage.${index}%22` },
        ];
        const invocation = requests[step % requests.length] as Invocation;
        const seenIn = phase;
        const started = performance.now();
        const answer = await env.harness.invoke(invocation);
        outcomes.push({ phase: seenIn, answer, millis: performance.now() - started });
        if (invocation.method === 'PATCH' && answer.status === 204) {
          acknowledged[index] = Math.max(acknowledged[index] as number, step);
        }
        if (answer.status === 201) createdIds.push(answer.body.id);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    /** Waits until `count` requests started in `wanted` have been answered (not for a time). */
    const answeredIn = async (wanted: Phase, count: number) => {
      while (outcomes.filter((outcome) => outcome.phase === wanted).length < count) await sleep(20);
    };

    // Act: a steady workload; DynamoDB goes away in the middle, then comes back. Each phase lasts
    // a number of answered requests rather than a time, so a slow machine only makes it longer.
    const workers = Array.from({ length: WORKERS }, (_, index) => worker(index));
    await answeredIn('before', WORKERS * 10);
    phase = 'down';
    await dynamodb?.stop();
    await answeredIn('down', WORKERS * 10);
    dynamodb = await startDynamoDbLocal({ port, dbPath: dataDir });
    phase = 'after';
    await answeredIn('after', WORKERS * 12);
    running = false;
    await Promise.all(workers);

    // Assess
    const byPhase = (wanted: Phase) => outcomes.filter((outcome) => outcome.phase === wanted);
    const tallies = Object.fromEntries(
      (['before', 'down', 'after'] as const).map((name) => {
        const tally = new StatusTally();
        for (const outcome of byPhase(name)) tally.add(outcome.answer.status);
        return [name, tally];
      }),
    );
    const violations = outcomes
      .map((outcome) => contractViolation(outcome.answer))
      .filter((violation) => violation !== undefined);
    const down = byPhase('down');
    const slowest = Math.max(...down.map((outcome) => outcome.millis));
    const lastAfter = byPhase('after').slice(-WORKERS * 4);

    // Nothing acknowledged was lost: each user's label is at least the last acknowledged value.
    const labels: number[] = [];
    for (const userId of userIds) {
      const user = await env.harness.invoke({ method: 'GET', path: `/Users/${userId}` });
      labels.push(
        Number(user.body['urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User']?.label1 ?? 0),
      );
    }
    const missing: string[] = [];
    for (const id of createdIds) {
      const user = await env.harness.invoke({ method: 'GET', path: `/Users/${id}` });
      if (user.status !== 200) missing.push(id);
    }
    const audit = await auditTable(env.reader);
    console.log(
      `[hardening/outage] ${outcomes.length} requests: before ${tallies.before}; ` +
        `DynamoDB down ${tallies.down} (slowest ${Math.round(slowest)} ms); after restart ${tallies.after}; ` +
        `${createdIds.length} acknowledged creates all present: ${missing.length === 0}; ` +
        `table audit: ${audit.items} items, ${audit.problems.length} problems`,
    );

    expect(violations).toEqual([]);
    expect(down.length).toBeGreaterThan(0);
    expect(down.filter((outcome) => outcome.answer.status === 503).length).toBeGreaterThan(0);
    expect(
      down.every((outcome) => outcome.answer.status < 500 || outcome.answer.status === 503),
    ).toBe(true);
    // No request stalled until the function's timeout (the stand-in would have answered 500).
    expect(outcomes.filter((outcome) => outcome.answer.threw !== undefined)).toEqual([]);
    expect(lastAfter.every((outcome) => outcome.answer.status < 300)).toBe(true);
    labels.forEach((label, index) => {
      expect(label).toBeGreaterThanOrEqual(acknowledged[index] as number);
    });
    expect(missing).toEqual([]);
    expect(audit.problems).toEqual([]);
  }, 60_000);
});
