/**
 * What the change-feed tests share: a sink that keeps events in memory, a validator of events
 * against the JSON Schema files in `shared/events/schemas/`, the local feed on this test file's
 * table, and a consumer that applies events the way the README tells consumers to.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ensureTable } from '../../infra/local/dynamodb-local.js';
import { type LocalFeed, startLocalFeed } from '../../infra/local/event-feed.js';
import { type ChangeEvent, EVENT_NAMES, eventName } from '../../shared/events/envelope.js';
import type { EventSink } from '../../shared/events/publisher.js';
import { SCHEMA_DIR } from '../../shared/events/schemas.js';
import { TEST_TENANT } from '../support/environment.js';

export interface MemorySink extends EventSink {
  readonly events: ChangeEvent[];
}

export function memorySink(): MemorySink {
  const events: ChangeEvent[] = [];
  return {
    events,
    async put(batch) {
      events.push(...batch);
      return [];
    },
  };
}

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const validators = new Map(
  EVENT_NAMES.map((name) => [
    name,
    ajv.compile(JSON.parse(readFileSync(`${SCHEMA_DIR}${name}.json`, 'utf8'))),
  ]),
);

/** The schema errors of an event (empty when it validates against its type's schema file). */
export function schemaErrors(event: ChangeEvent): string[] {
  const validate = validators.get(eventName(event));
  if (!validate) return [`no schema for type ${event.type}`];
  if (validate(event)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

/** The local publisher on this test file's table, into `sink`. */
export async function startTestFeed(sink: EventSink, baseUrl: string): Promise<LocalFeed> {
  // The test environment creates tables without a stream; the feed needs this one's.
  await ensureTable(process.env.DYNAMODB_ENDPOINT!, process.env.TABLE_NAME!, { stream: true });
  return startLocalFeed({
    endpoint: process.env.DYNAMODB_ENDPOINT!,
    tableName: process.env.TABLE_NAME!,
    tenant: TEST_TENANT,
    baseUrl,
    sink,
    pollMs: 20,
    onError: (error) => {
      throw error;
    },
  });
}

/** A consumer's view: de-duplicated by event id, ignoring state events older than held. */
export class Consumer {
  readonly seen = new Set<string>();
  readonly users = new Map<string, { version: number; active: boolean; deleted: boolean }>();
  readonly groups = new Map<string, { version: number; members: Set<string>; deleted: boolean }>();
  duplicates = 0;

  apply(event: ChangeEvent): void {
    if (this.seen.has(event.id)) {
      this.duplicates += 1;
      return;
    }
    this.seen.add(event.id);
    const { id, version, resource, members } = event.data;
    const name = eventName(event);
    if (name.startsWith('User.')) {
      const held = this.users.get(id);
      if (held && version < held.version) return;
      this.users.set(id, {
        version,
        active: name === 'User.Deleted' ? false : resource?.active !== false,
        deleted: name === 'User.Deleted',
      });
      return;
    }
    const held = this.groups.get(id) ?? { version: 0, members: new Set<string>(), deleted: false };
    if (name === 'Group.MembersAdded') for (const member of members ?? []) held.members.add(member);
    else if (name === 'Group.MembersRemoved') {
      for (const member of members ?? []) held.members.delete(member);
    } else if (version < held.version) return;
    if (name === 'Group.Deleted') {
      held.deleted = true;
      held.members.clear();
    }
    held.version = Math.max(held.version, version);
    this.groups.set(id, held);
  }
}
