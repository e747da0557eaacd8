/**
 * The change feed check: the events a cycle must cause arrive, complete, and per subject in the
 * order of the changes. Where they arrive from is a `FeedReader`: the cell's verification queue in
 * AWS (`aws.ts`), the local feed's file under `npm start` (`local.ts`).
 */
import { type ChangeEvent, type EventName, eventName } from '../../shared/events/envelope.js';
import type { ExpectedEvents } from './entra-cycle.js';
import { CheckFailure } from './report.js';

export interface FeedReader {
  /** Where the events this run causes start (events already there are not read). */
  mark(): Promise<void>;
  /** The events that arrived since the last call, in arrival order; may wait up to `waitMs`. */
  receive(waitMs: number): Promise<ChangeEvent[]>;
  /** Whether arrival order is the feed's publishing order (a file: yes; EventBridge to SQS: no). */
  readonly ordered: boolean;
  /** What the operator checks when nothing arrives. */
  readonly whenSilent: string;
}

export interface FeedOutcome {
  readonly detail: string;
  /** Subjects whose events arrived in an order other than their versions' (SQS, noted only). */
  readonly reordered: readonly string[];
}

/**
 * Waits up to `timeoutMs` for every expected event of `tenant` and checks them. Events of other
 * subjects (an earlier run, another canary) are ignored.
 */
export async function awaitEvents(
  reader: FeedReader,
  tenant: string,
  expected: ExpectedEvents,
  timeoutMs: number,
  seen: Map<string, ChangeEvent[]> = new Map(),
): Promise<FeedOutcome> {
  const deadline = Date.now() + timeoutMs;
  const complete = () =>
    [...expected].every(([subject, names]) => (seen.get(subject)?.length ?? 0) >= names.length);
  while (!complete()) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    for (const event of await reader.receive(Math.min(left, 20_000))) {
      if (event.tenant !== tenant || !expected.has(event.subject)) continue;
      const list = seen.get(event.subject) ?? [];
      // A redelivered message (SQS is at least once) is the same CloudEvents id.
      if (!list.some((known) => known.id === event.id)) list.push(event);
      seen.set(event.subject, list);
    }
  }
  const missing = [...expected].flatMap(([subject, names]) => {
    const got = (seen.get(subject) ?? []).map(eventName);
    const absent = names.filter((name) => !got.includes(name));
    return absent.map((name) => `${name} of ${subject}`);
  });
  if (missing.length > 0) {
    const arrived = [...seen.values()].reduce((sum, list) => sum + list.length, 0);
    throw new CheckFailure(
      `${missing.length} change event(s) did not arrive within ${Math.round(timeoutMs / 1000)} s (e.g. ${missing.slice(0, 3).join(', ')}; ${arrived} of this run arrived)`,
      reader.whenSilent,
    );
  }
  const reordered: string[] = [];
  for (const [subject, names] of expected) {
    const events = seen.get(subject) ?? [];
    const byVersion = [...events].sort((a, b) => a.data.version - b.data.version);
    const versionOrder = byVersion.map(eventName);
    if (!sameOrder(versionOrder, names)) {
      throw new CheckFailure(
        `${subject}: the versions order its events ${versionOrder.join(', ')}, expected ${names.join(', ')}`,
        'the feed mapped the changes out of order: run npm test (test/events) on this build before deploying it',
      );
    }
    const arrivalOrder = events.map(eventName);
    if (!sameOrder(arrivalOrder, names)) {
      if (reader.ordered) {
        throw new CheckFailure(
          `${subject}: events arrived ${arrivalOrder.join(', ')}, expected ${names.join(', ')}`,
          'the feed published one subject out of order: run npm test (test/events) on this build',
        );
      }
      reordered.push(subject);
    }
  }
  const count = [...expected.values()].reduce((sum, names) => sum + names.length, 0);
  return {
    detail: `${count} event(s) of ${expected.size} subject(s) arrived in order${reordered.length > 0 ? ` of their versions (${reordered.length} delivered out of order by the queue, which consumers order by data.version)` : ''}`,
    reordered,
  };
}

/** `names` is the order of the first occurrence of each expected name in `actual`. */
function sameOrder(actual: readonly EventName[], names: readonly EventName[]): boolean {
  const relevant = actual.filter((name) => names.includes(name));
  return relevant.length === names.length && relevant.every((name, i) => name === names[i]);
}
