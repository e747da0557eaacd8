/**
 * GroupTalk's extension attributes in a provisioning job's synchronization schema. A non-gallery
 * application's job knows only the core SCIM attributes (schema discovery is for gallery
 * applications, entra-docs use-scim-to-provision-users-and-groups.md "/Schemas"), so the five user
 * labels and the group description are added the way Microsoft's tutorial adds a target attribute:
 * an attribute definition on the target directory's object, and an attribute mapping in the rule
 * from Entra ("Azure Active Directory") to it (microsoft-graph-docs-contrib
 * concepts/synchronization-configure-with-custom-target-attributes.md). `PUT …/schema` replaces the
 * whole schema (synchronization-synchronizationschema-update.md), so this works on the schema as
 * read and leaves every other part untouched.
 */
import { GROUPTALK_GROUP_URN, GROUPTALK_USER_URN } from '../scim/schemas/grouptalk.js';
import type {
  AttributeMapping,
  DirectoryDefinition,
  ObjectMapping,
  SynchronizationRule,
  SynchronizationSchema,
} from './types.js';

/** The name of Entra's own directory in a synchronization schema. */
export const ENTRA_DIRECTORY_NAME = 'Azure Active Directory';

/** One GroupTalk attribute: its SCIM name (the target) and the Entra attribute mapped to it. */
export interface ExtensionAttribute {
  /** `User` or `Group`: the Entra object it is synchronized from. */
  readonly sourceObjectName: 'User' | 'Group';
  /** The SCIM attribute, URN-qualified as Entra names custom target attributes. */
  readonly targetAttributeName: string;
  /** The Entra attribute mapped to it by default; the admin can change it in the admin center. */
  readonly defaultSource: string;
}

/**
 * GroupTalk's attributes with their default mappings: `label1`…`label5` from Entra's
 * `extensionAttribute1`…`5` (docs/customer-admin-guide.md §1 step 6), the group description from
 * the group's `description` (step 7).
 */
export const GROUPTALK_EXTENSION_ATTRIBUTES: readonly ExtensionAttribute[] = [
  ...[1, 2, 3, 4, 5].map((n) => ({
    sourceObjectName: 'User' as const,
    targetAttributeName: `${GROUPTALK_USER_URN}:label${n}`,
    defaultSource: `extensionAttribute${n}`,
  })),
  {
    sourceObjectName: 'Group',
    targetAttributeName: `${GROUPTALK_GROUP_URN}:description`,
    defaultSource: 'description',
  },
];

/**
 * The schema with `attributes` defined on the target directory and mapped from Entra, and which
 * of them were added. An attribute already defined keeps its definition, and one already mapped
 * keeps the admin's mapping: running the connect flow twice changes nothing the second time.
 *
 * @example
 * const { schema: next, added } = withExtensionAttributes(schema);
 * if (added.length > 0) await graph.putSchema(spId, jobId, next);
 */
/** The job's schema is not shaped as a `scim` job's (no rule from Entra, no target directory). */
export class SchemaShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaShapeError';
  }
}

export function withExtensionAttributes(
  schema: SynchronizationSchema,
  attributes: readonly ExtensionAttribute[] = GROUPTALK_EXTENSION_ATTRIBUTES,
): { schema: SynchronizationSchema; added: readonly string[] } {
  const ruleIndex = schema.synchronizationRules.findIndex(
    (rule) => rule.sourceDirectoryName === ENTRA_DIRECTORY_NAME,
  );
  const rule = schema.synchronizationRules[ruleIndex];
  if (!rule) {
    throw new SchemaShapeError(
      `the schema has no synchronization rule from "${ENTRA_DIRECTORY_NAME}"`,
    );
  }
  let directories = schema.directories;
  let objectMappings = rule.objectMappings;
  const added: string[] = [];
  for (const attribute of attributes) {
    const mappingIndex = objectMappings.findIndex(
      (mapping) => mapping.sourceObjectName === attribute.sourceObjectName,
    );
    const mapping = objectMappings[mappingIndex];
    // A job whose rule does not synchronize groups has nowhere to put the group description.
    if (!mapping) continue;
    const defined = withAttributeDefinition(
      directories,
      rule.targetDirectoryName,
      mapping.targetObjectName,
      attribute.targetAttributeName,
    );
    const mapped = withAttributeMapping(mapping, attribute);
    if (defined === directories && mapped === mapping) continue;
    directories = defined;
    objectMappings = objectMappings.map((m, i) => (i === mappingIndex ? mapped : m));
    added.push(attribute.targetAttributeName);
  }
  if (added.length === 0) return { schema, added };
  const nextRule: SynchronizationRule = { ...rule, objectMappings };
  return {
    schema: {
      ...schema,
      directories,
      synchronizationRules: schema.synchronizationRules.map((r, i) =>
        i === ruleIndex ? nextRule : r,
      ),
    },
    added,
  };
}

function withAttributeDefinition(
  directories: readonly DirectoryDefinition[],
  directoryName: string,
  objectName: string,
  attributeName: string,
): readonly DirectoryDefinition[] {
  const directory = directories.find((d) => d.name === directoryName);
  if (!directory) {
    throw new SchemaShapeError(`the schema has no directory "${directoryName}"`);
  }
  const objects = directory.objects ?? [];
  const object = objects.find((o) => o.name === objectName);
  if (object?.attributes.some((a) => a.name.toLowerCase() === attributeName.toLowerCase())) {
    return directories;
  }
  // The attribute definition as the admin center's "Edit attribute list" creates one: a single
  // string, not required, not an anchor (custom non-gallery attributes can be neither reference,
  // multi-valued nor complex: entra-docs customize-application-attributes.md).
  const definition = {
    name: attributeName,
    type: 'String',
    anchor: false,
    caseExact: false,
    multivalued: false,
    mutability: 'ReadWrite',
    required: false,
    flowNullValues: false,
    referencedObjects: [],
    metadata: [],
    apiExpressions: [],
    defaultValue: null,
  };
  const nextObjects = object
    ? objects.map((o) => (o === object ? { ...o, attributes: [...o.attributes, definition] } : o))
    : [...objects, { name: objectName, attributes: [definition] }];
  return directories.map((d) => (d === directory ? { ...d, objects: nextObjects } : d));
}

function withAttributeMapping(
  mapping: ObjectMapping,
  attribute: ExtensionAttribute,
): ObjectMapping {
  const target = attribute.targetAttributeName.toLowerCase();
  if (mapping.attributeMappings.some((m) => m.targetAttributeName.toLowerCase() === target)) {
    return mapping;
  }
  const attributeMapping: AttributeMapping = {
    source: {
      expression: `[${attribute.defaultSource}]`,
      name: attribute.defaultSource,
      type: 'Attribute',
      parameters: [],
    },
    targetAttributeName: attribute.targetAttributeName,
    defaultValue: null,
    exportMissingReferences: false,
    flowBehavior: 'FlowWhenChanged',
    flowType: 'Always',
    matchingPriority: 0,
  };
  return { ...mapping, attributeMappings: [...mapping.attributeMappings, attributeMapping] };
}
