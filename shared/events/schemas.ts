/**
 * The JSON Schema (draft 2020-12) of each event type, written to `shared/events/schemas/` by
 * `npx tsx shared/events/schemas.ts && npx biome format --write shared/events/schemas` (a test
 * keeps the files equal to this). Consumers validate
 * against the files; `dataschema` in every event names its schema's `$id`.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  EVENT_NAMES,
  EVENT_TYPE_PREFIX,
  type EventName,
  eventSource,
  MAX_EVENT_BYTES,
  MAX_MEMBERS_PER_EVENT,
  schemaUrl,
} from './envelope.js';

type Schema = Record<string, unknown>;

const ISO_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$';
const CORE_URN: Record<'User' | 'Group', string> = {
  User: 'urn:ietf:params:scim:schemas:core:2.0:User',
  Group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
};

function representation(type: 'User' | 'Group', extra: Schema = {}): Schema {
  return {
    type: 'object',
    description: `The ${type}'s SCIM representation as GET returns it (without ${type === 'User' ? 'groups' : 'members'}).`,
    required: ['schemas', 'id', 'meta', type === 'User' ? 'userName' : 'displayName'],
    properties: {
      schemas: { type: 'array', contains: { const: CORE_URN[type] } },
      id: { type: 'string' },
      externalId: { type: 'string' },
      meta: {
        type: 'object',
        required: ['resourceType', 'created', 'lastModified', 'location', 'version'],
        properties: {
          resourceType: { const: type },
          location: { type: 'string' },
          version: { type: 'string', pattern: '^W/"\\d+"$' },
        },
      },
      ...(type === 'User' ? { userName: { type: 'string' } } : { displayName: { type: 'string' } }),
      ...(type === 'Group' ? { members: false } : { groups: false }),
      ...extra,
    },
  };
}

function dataSchema(name: EventName): Schema {
  const type = name.startsWith('User.') ? 'User' : 'Group';
  const kind = name.slice(type.length + 1);
  const properties: Schema = {
    tenant: { type: 'string', minLength: 1 },
    resourceType: { const: type },
    id: { type: 'string', minLength: 1 },
    externalId: { type: ['string', 'null'] },
    version: { type: 'integer', minimum: 1 },
  };
  const required = ['tenant', 'resourceType', 'id', 'externalId', 'version'];
  const withResource = (extra: Schema = {}) => {
    properties.resource = representation(type, extra);
    properties.resourceOmitted = {
      const: true,
      description: `Set instead of resource when the event would exceed ${MAX_EVENT_BYTES} bytes.`,
    };
  };
  const oneOfResource = { oneOf: [{ required: ['resource'] }, { required: ['resourceOmitted'] }] };
  const changed = {
    type: 'array',
    minItems: 1,
    uniqueItems: true,
    items: { type: 'string', minLength: 1 },
    description: 'The attribute paths the write changed, e.g. name.givenName, emails.',
  };
  switch (kind) {
    case 'Created':
      withResource();
      return {
        type: 'object',
        required,
        properties,
        additionalProperties: false,
        ...oneOfResource,
      };
    case 'Updated':
    case 'Deactivated':
    case 'Reactivated': {
      const active = kind === 'Updated' ? {} : { active: { const: kind === 'Reactivated' } };
      withResource(active);
      properties.changedAttributes =
        kind === 'Updated' ? changed : { ...changed, contains: { const: 'active' } };
      return {
        type: 'object',
        required: [...required, 'changedAttributes'],
        properties,
        additionalProperties: false,
        ...oneOfResource,
      };
    }
    case 'Deleted':
      return { type: 'object', required, properties, additionalProperties: false };
    default:
      properties.externalId = {
        type: ['string', 'null'],
        description: "The group's externalId when the event was published, or null.",
      };
      properties.members = {
        type: 'array',
        minItems: 1,
        maxItems: MAX_MEMBERS_PER_EVENT,
        uniqueItems: true,
        items: { type: 'string', minLength: 1 },
        description: `Member (User) ids ${kind === 'MembersAdded' ? 'added to' : 'removed from'} the group.`,
      };
      return {
        type: 'object',
        required: [...required, 'members'],
        properties,
        additionalProperties: false,
      };
  }
}

/** The JSON Schema of one event type. */
export function eventSchema(name: EventName): Schema {
  const type = name.startsWith('User.') ? 'Users' : 'Groups';
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: schemaUrl(name),
    title: `GroupTalk SCIM ${name}`,
    description:
      'A CloudEvents 1.0 event (structured JSON) of the GroupTalk SCIM change feed; on EventBridge it is the detail of an event with source grouptalk.scim and detail-type ' +
      `${name}.`,
    type: 'object',
    required: [
      'specversion',
      'id',
      'source',
      'type',
      'subject',
      'time',
      'datacontenttype',
      'dataschema',
      'tenant',
      'data',
    ],
    properties: {
      specversion: { const: '1.0' },
      id: {
        type: 'string',
        minLength: 1,
        description:
          'Names the content: a redelivered event has the same id only when it has the same content (a member event re-cut by a retry gets another id). Consumers de-duplicate by it.',
      },
      source: { type: 'string', pattern: `^${eventSource('')}[^\\s]+$` },
      type: { const: `${EVENT_TYPE_PREFIX}${name}` },
      subject: { type: 'string', pattern: `^${type}/.+$` },
      time: { type: 'string', pattern: ISO_TIME },
      datacontenttype: { const: 'application/json' },
      dataschema: { const: schemaUrl(name) },
      tenant: { type: 'string', minLength: 1 },
      data: dataSchema(name),
    },
    additionalProperties: false,
  };
}

/** Every event type's schema, by name. */
export function eventSchemas(): Record<EventName, Schema> {
  return Object.fromEntries(EVENT_NAMES.map((name) => [name, eventSchema(name)])) as Record<
    EventName,
    Schema
  >;
}

/** Where the schema files live. */
export const SCHEMA_DIR = fileURLToPath(new URL('./schemas/', import.meta.url));

/** The file content of a schema (what `shared/events/schemas/<name>.json` holds). */
export function schemaFileContent(name: EventName): string {
  return `${JSON.stringify(eventSchema(name), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const name of EVENT_NAMES) {
    await writeFile(`${SCHEMA_DIR}${name}.json`, schemaFileContent(name));
  }
  console.log(`Wrote ${EVENT_NAMES.length} schemas to ${SCHEMA_DIR}`);
}
