/**
 * The publisher against EventBridge's wire protocol: the real `@aws-sdk/client-eventbridge` client
 * talks HTTP to a local stand-in of PutEvents (test/support/eventbridge-stand-in.ts) that throttles,
 * fails some entries or refuses calls as the test scripts it. Nothing here mocks `send`.
 */

import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import {
  eventBridgeClient,
  eventBridgeSink,
  putEventsChunks,
  putEventsEntry,
} from '../../shared/events/eventbridge.js';
import { mapRecords, type StreamRecord } from '../../shared/events/mapping.js';
import {
  backoffDelay,
  PUBLISH_BACKOFF,
  type PublishBackoff,
  publishRecords,
} from '../../shared/events/publisher.js';
import { resourceItem } from '../../shared/store/resources.js';
import {
  type EventBridgeStandIn,
  startEventBridgeStandIn,
} from '../support/eventbridge-stand-in.js';

const BUS = 'grouptalk-scim-events';
const BASE_URL = 'https://scim.example.com/scim/v2';
/** Short waits, so a test backs off several times in well under a second. */
const QUICK: PublishBackoff = { baseDelayMs: 2, maxDelayMs: 10, reserveMs: 5_000 };
/** An invocation that has all the time it needs. */
const PLENTY = () => 60_000;

let eventBridge: EventBridgeStandIn;
beforeAll(async () => {
  eventBridge = await startEventBridgeStandIn({ buses: [BUS] });
});
afterAll(() => eventBridge?.close());
beforeEach(() => {
  eventBridge.calls.length = 0;
  eventBridge.accepted.length = 0;
  eventBridge.fallback = 'accept';
});

let sequence = 5_000;
/** The INSERT of user `u<k>` (title padded to `titleBytes`), as the stream hands it over. */
function userCreated(k: number, titleBytes = 10): StreamRecord {
  sequence += 1;
  const item = resourceItem({
    type: 'User',
    id: `u${k}`,
    version: 1,
    created: '2026-11-29T05:00:00.000Z',
    lastModified: '2026-11-29T05:00:00.000Z',
    data: { userName: `user${k}@example.com`, title: 'x'.repeat(titleBytes), active: true },
  });
  return {
    eventID: `record-${sequence}`,
    eventName: 'INSERT',
    dynamodb: {
      Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
      NewImage: marshall(item, { removeUndefinedValues: true }) as never,
      SequenceNumber: String(sequence).padStart(21, '0'),
      ApproximateCreationDateTime: 1_800_000_000,
    },
  };
}

const sink = () => eventBridgeSink(BUS, eventBridgeClient(eventBridge.clientConfig));
const acceptedIds = () =>
  eventBridge.accepted.map((entry) => (JSON.parse(entry.Detail!) as ChangeEvent).id);
const publish = (records: StreamRecord[], options: { remainingMs?: () => number } = {}) =>
  publishRecords(records, {
    tenant: 'acme',
    baseUrl: BASE_URL,
    sink: sink(),
    backoff: QUICK,
    remainingMs: PLENTY,
    ...options,
  });

describe('change feed publisher against the PutEvents wire protocol', () => {
  it('sends PutEvents of at most 10 entries and 256 KB, every entry once on the bus', async () => {
    // Prepare: 23 users, every other one with a 60 KB title.
    const records = Array.from({ length: 23 }, (_, k) => userCreated(k, k % 2 ? 60_000 : 10));

    // Act
    const result = await publish(records);

    // Assess
    expect(result).toEqual({ published: 23, retries: 0 });
    for (const { entries } of eventBridge.calls) {
      expect(entries.length).toBeLessThanOrEqual(10);
      expect(entries.every((entry) => entry.EventBusName === BUS)).toBe(true);
      expect(entries.every((entry) => entry.Source === 'grouptalk.scim')).toBe(true);
    }
    const events = mapRecords(records, { tenant: 'acme', baseUrl: BASE_URL, groups: new Map() });
    expect(acceptedIds()).toEqual(events.map((mapped) => mapped.event.id));
    expect(eventBridge.calls.length).toBe(
      putEventsChunks(events.map(({ event }) => ({ entry: putEventsEntry(event, BUS) }))).length,
    );
    // The stand-in refuses a request over 256 KB: size, not the 10 entries, cut some calls.
    expect(eventBridge.calls.slice(0, -1).some(({ entries }) => entries.length < 10)).toBe(true);
  });

  it('backs off on throttling (whole calls and entries) and publishes every event once', async () => {
    // Prepare: 12 users make one wave of two calls (10 + 2 entries).
    const records = Array.from({ length: 12 }, (_, k) => userCreated(k));
    eventBridge.script(
      { error: 'ThrottlingException', message: 'Rate exceeded' },
      { error: 'ThrottlingException', message: 'Rate exceeded' },
      { entryErrors: ['ThrottlingException', undefined, 'InternalFailure'] },
      { entryErrors: [undefined, 'ThrottlingException'] },
      { error: 'InternalException', status: 500 },
    );

    // Act
    const result = await publish(records);

    // Assess: nothing left for Lambda, each event accepted exactly once.
    expect(result.retryFrom).toBeUndefined();
    expect(result.permanent).toBeUndefined();
    expect(result.published).toBe(12);
    expect(result.retries).toBeGreaterThanOrEqual(3);
    const ids = acceptedIds();
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    expect(eventBridge.calls.length).toBeGreaterThan(2);
  });

  it("stops backing off when the invocation's time is spent, and asks Lambda to retry from the first event not published", async () => {
    // Prepare: EventBridge throttles every call; the invocation has time for two more tries.
    const records = [userCreated(1), userCreated(2)];
    eventBridge.fallback = { error: 'ThrottlingException', message: 'Rate exceeded' };
    const remainingMs = () => (eventBridge.calls.length < 3 ? 60_000 : QUICK.reserveMs - 1);

    // Act
    const result = await publish(records, { remainingMs });

    // Assess
    expect(result).toEqual({
      published: 0,
      retries: 2,
      retryFrom: records[0]!.dynamodb.SequenceNumber,
    });
    expect(eventBridge.calls).toHaveLength(3);
    expect(eventBridge.accepted).toEqual([]);
  });

  it.each([
    ['AccessDeniedException', { error: 'AccessDeniedException', message: 'not authorized' }],
    ['ValidationException', { error: 'ValidationException', message: 'invalid' }],
    [
      'NotAuthorizedForSourceException',
      { entryErrors: [undefined, 'NotAuthorizedForSourceException'] },
    ],
  ] as const)(
    'does not retry a permanent refusal (%s) within the invocation, and says which',
    async (code, answer) => {
      // Prepare
      const records = [userCreated(1), userCreated(2), userCreated(3)];
      eventBridge.script(answer);

      // Act
      const result = await publish(records);

      // Assess: one call, the refused event (and those after it) left to Lambda's retry.
      expect(eventBridge.calls).toHaveLength(1);
      expect(result.permanent?.code).toBe(code);
      expect(result.retries).toBe(0);
      const firstRefused = 'entryErrors' in answer ? 1 : 0;
      expect(result.retryFrom).toBe(records[firstRefused]!.dynamodb.SequenceNumber);
      expect(result.published).toBe(firstRefused === 1 ? 2 : 0);
    },
  );

  it('treats an unknown bus (ResourceNotFoundException) as permanent and an unreachable endpoint as retryable', async () => {
    // Prepare
    const events = mapRecords([userCreated(1)], {
      tenant: 'acme',
      baseUrl: BASE_URL,
      groups: new Map(),
    }).map(({ event }) => event);
    const unreachable = await startEventBridgeStandIn();
    const closedEndpoint = unreachable.clientConfig;
    await unreachable.close();

    // Act
    const [missingBus] = await eventBridgeSink(
      'no-such-bus',
      eventBridgeClient(eventBridge.clientConfig),
    ).put(events);
    const [offline] = await eventBridgeSink(BUS, eventBridgeClient(closedEndpoint)).put(events);

    // Assess
    expect(missingBus).toMatchObject({ code: 'ResourceNotFoundException', retryable: false });
    expect(offline?.retryable).toBe(true);
  });

  it("gives up on a call EventBridge never answers, within the publisher's reserve, as retryable", async () => {
    // Prepare
    const [event] = mapRecords([userCreated(1)], {
      tenant: 'acme',
      baseUrl: BASE_URL,
      groups: new Map(),
    }).map((mapped) => mapped.event);
    eventBridge.script('stall');

    // Act: the client as the publisher builds it (its own timeouts).
    const [stalled] = await sink().put([event!]);

    // Assess
    expect(eventBridge.calls.map((call) => call.answer)).toEqual(['stall']);
    expect(stalled).toMatchObject({ retryable: true });
    expect(stalled?.code).toMatch(/Timeout/i);
  });

  it('waits longer after each throttled attempt, at least half of each step, up to the cap', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const step = Math.min(
        PUBLISH_BACKOFF.maxDelayMs,
        PUBLISH_BACKOFF.baseDelayMs * 2 ** (attempt - 1),
      );
      const delay = backoffDelay(attempt);
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThanOrEqual(step);
    }
    expect(backoffDelay(30)).toBeLessThanOrEqual(PUBLISH_BACKOFF.maxDelayMs);
  });
});

describe('the publisher function (functions/events/publish.ts) on a throttled bus', () => {
  it("reports the first record not published once the invocation's time is nearly spent", async () => {
    // Prepare: the handler's own client, pointed at the stand-in by the SDK's endpoint variable.
    Object.assign(process.env, {
      EVENT_BUS_NAME: BUS,
      TENANT_URL: BASE_URL,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
      AWS_ACCESS_KEY_ID: 'stand-in',
      AWS_SECRET_ACCESS_KEY: 'stand-in',
    });
    const { handler } = await import('../../functions/events/publish.js');
    const records = [userCreated(1), userCreated(2)];
    const event = { Records: records } as unknown as DynamoDBStreamEvent;
    eventBridge.fallback = { error: 'ThrottlingException', message: 'Rate exceeded' };
    // Lambda's clock: less than the publisher's reserve left after the first call.
    const context = {
      getRemainingTimeInMillis: () =>
        eventBridge.calls.length === 0 ? 60_000 : PUBLISH_BACKOFF.reserveMs - 1,
    };

    // Act
    const throttled = await handler(event, context);
    eventBridge.fallback = 'accept';
    const retried = await handler(event, { getRemainingTimeInMillis: () => 60_000 });

    // Assess
    expect(throttled).toEqual({
      batchItemFailures: [{ itemIdentifier: records[0]!.dynamodb.SequenceNumber }],
    });
    expect(retried).toEqual({ batchItemFailures: [] });
    expect(acceptedIds()).toHaveLength(2);
  });
});
