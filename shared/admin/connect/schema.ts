/**
 * GroupTalk's extension attributes in the provisioning job's schema: `label1`…`label5` on users
 * and `description` on groups, each added to the target directory's object (non-gallery apps have
 * no schema discovery, so Entra does not know them) and mapped from the usual Entra source, as
 * docs/customer-admin-guide.md §1 steps 6 and 7 have the admin do by hand. Pure: the job's schema
 * in, the edited schema out, with what was added (nothing when everything is already there).
 */
import { GROUPTALK_GROUP_URN, GROUPTALK_USER_URN } from '../../scim/schemas/grouptalk.js';
import type { SynchronizationSchema } from './graph-port.js';

/** Target attribute (full name, as Entra's SCIM client names extension attributes) ← source. */
export const DEFAULT_MAPPINGS: readonly {
  readonly object: 'User' | 'Group';
  readonly target: string;
  readonly source: string;
}[] = [
  ...[1, 2, 3, 4, 5].map((n) => ({
    object: 'User' as const,
    target: `${GROUPTALK_USER_URN}:label${n}`,
    source: `extensionAttribute${n}`,
  })),
  { object: 'Group', target: `${GROUPTALK_GROUP_URN}:description`, source: 'description' },
];

type Json = Record<string, unknown>;

function list(value: unknown): Json[] {
  return Array.isArray(value)
    ? (value.filter((item) => item && typeof item === 'object') as Json[])
    : [];
}

const same = (a: unknown, b: string) =>
  typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

/** A string attribute definition as the schema's directories list them. */
function attributeDefinition(name: string): Json {
  return {
    name,
    type: 'String',
    anchor: false,
    apiExpressions: [],
    caseExact: false,
    defaultValue: null,
    flowNullValues: false,
    metadata: [],
    multivalued: false,
    mutability: 'ReadWrite',
    referencedObjects: [],
    required: false,
  };
}

/** An attribute mapping from a source attribute, flowing always (the portal's default). */
function attributeMapping(source: string, target: string): Json {
  return {
    defaultValue: '',
    exportMissingReferences: false,
    flowBehavior: 'FlowWhenChanged',
    flowType: 'Always',
    matchingPriority: 0,
    source: { expression: `[${source}]`, name: source, parameters: [], type: 'Attribute' },
    targetAttributeName: target,
  };
}

/**
 * The schema with GroupTalk's extension attributes defined and mapped. The synchronization rule
 * is the first one whose object mappings target `User` (the `scim` template has one); its target
 * directory receives the definitions. Throws when the schema has no such rule.
 */
export function withGroupTalkAttributes(schema: SynchronizationSchema): {
  schema: SynchronizationSchema;
  added: string[];
  ruleId: string | undefined;
} {
  const copy = structuredClone(schema) as Json;
  const rules = list(copy.synchronizationRules);
  const rule = rules.find((candidate) =>
    list(candidate.objectMappings).some((mapping) => same(mapping.targetObjectName, 'User')),
  );
  if (!rule) throw new Error('the job schema has no synchronization rule for users');
  const directory = list(copy.directories).find((candidate) =>
    same(candidate.name, String(rule.targetDirectoryName ?? '')),
  );
  const added: string[] = [];
  for (const { object, target, source } of DEFAULT_MAPPINGS) {
    const mapping = list(rule.objectMappings).find((candidate) =>
      same(candidate.targetObjectName, object),
    );
    // A rule without group mappings (groups not provisioned): nothing to map for groups.
    if (!mapping) continue;
    const objectDefinition = directory
      ? list(directory.objects).find((candidate) => same(candidate.name, object))
      : undefined;
    let changed = false;
    if (objectDefinition) {
      const attributes = list(objectDefinition.attributes);
      if (!attributes.some((attribute) => same(attribute.name, target))) {
        objectDefinition.attributes = [...attributes, attributeDefinition(target)];
        changed = true;
      }
    }
    const mappings = list(mapping.attributeMappings);
    if (!mappings.some((candidate) => same(candidate.targetAttributeName, target))) {
      mapping.attributeMappings = [...mappings, attributeMapping(source, target)];
      changed = true;
    }
    if (changed) added.push(target.slice(target.lastIndexOf(':') + 1));
  }
  return {
    schema: copy as SynchronizationSchema,
    added,
    ruleId: typeof rule.id === 'string' ? rule.id : undefined,
  };
}
