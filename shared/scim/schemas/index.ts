/**
 * The service's schemas and resource types (RFC 7643 §6, §7), and the one place that turns an
 * attribute path a client wrote into the attribute it names and where that attribute is stored.
 *
 * Stored and serialized resources share one layout, so `ResolvedAttribute.location` addresses both:
 * core and common attributes at the top level under their canonical names, each extension's
 * attributes in an object under the extension's schema URN.
 */
import type { ResourceTypeName } from '../../common/resource-types.js';
import type { AttributePath } from '../filter/ast.js';
import { commonAttributes } from './common.js';
import { ENTERPRISE_USER_URN, enterpriseUserSchema } from './enterprise-user.js';
import { CORE_GROUP_URN, groupSchema } from './group.js';
import {
  GROUPTALK_GROUP_URN,
  GROUPTALK_USER_URN,
  grouptalkGroupSchema,
  grouptalkUserSchema,
} from './grouptalk.js';
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from './types.js';
import { CORE_USER_URN, userSchema } from './user.js';

export { coerceAttributeValue, keepSinglePrimary } from './coerce.js';
export { commonAttributes, externalIdAttribute, idAttribute, metaAttribute } from './common.js';
export type { ResourceTypeName };
export {
  CORE_GROUP_URN,
  CORE_USER_URN,
  ENTERPRISE_USER_URN,
  enterpriseUserSchema,
  GROUPTALK_GROUP_URN,
  GROUPTALK_USER_URN,
  groupSchema,
  grouptalkGroupSchema,
  grouptalkUserSchema,
  userSchema,
};

export const userResourceType: ResourceTypeDefinition = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: userSchema,
  extensions: [
    { schema: enterpriseUserSchema, required: false },
    { schema: grouptalkUserSchema, required: false },
  ],
};

export const groupResourceType: ResourceTypeDefinition = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: groupSchema,
  extensions: [{ schema: grouptalkGroupSchema, required: false }],
};

export const resourceTypes: readonly ResourceTypeDefinition[] = [
  userResourceType,
  groupResourceType,
];

/** Every schema `/Schemas` serves, core schemas first. */
export const allSchemas: readonly SchemaDefinition[] = [
  userSchema,
  groupSchema,
  enterpriseUserSchema,
  grouptalkUserSchema,
  grouptalkGroupSchema,
];

/** The resource type named `name` (`User`, `Group`; case-insensitive), if any. */
export function resourceTypeByName(name: string): ResourceTypeDefinition | undefined {
  const wanted = name.toLowerCase();
  return resourceTypes.find((type) => type.name.toLowerCase() === wanted);
}

/** The schema whose URN is `urn` (case-insensitive), if the service has it. */
export function schemaByUrn(urn: string): SchemaDefinition | undefined {
  const wanted = urn.toLowerCase();
  return allSchemas.find((schema) => schema.id.toLowerCase() === wanted);
}

/** The extension schema of `resourceType` whose URN is `urn` (case-insensitive), if any. */
export function extensionSchema(
  resourceType: ResourceTypeName,
  urn: string,
): SchemaDefinition | undefined {
  const wanted = urn.toLowerCase();
  return resourceTypeDefinition(resourceType).extensions.find(
    (extension) => extension.schema.id.toLowerCase() === wanted,
  )?.schema;
}

/** The definition of `resourceType`. */
export function resourceTypeDefinition(resourceType: ResourceTypeName): ResourceTypeDefinition {
  return resourceType === 'User' ? userResourceType : groupResourceType;
}

/**
 * The attribute (or sub-attribute) named `name` among `definitions`, matched case-insensitively
 * as RFC 7643 §2.1 requires.
 */
export function findAttribute(
  definitions: readonly AttributeDefinition[] | undefined,
  name: string,
): AttributeDefinition | undefined {
  if (definitions === undefined) return undefined;
  const wanted = name.toLowerCase();
  return definitions.find((definition) => definition.name.toLowerCase() === wanted);
}

/** What an attribute path names, as `resolveAttribute` answers it. */
export interface ResolvedAttribute {
  /**
   * The schema that defines the attribute. Common attributes (`id`, `externalId`, `meta`) belong
   * to no schema (RFC 7643 §3.1); they report the resource type's core schema and `common: true`.
   */
  readonly schema: SchemaDefinition;
  /** Whether the attribute is one of RFC 7643 §3.1's common attributes. */
  readonly common: boolean;
  /** Whether `schema` is an extension, i.e. the value is stored under `location[0]` = its URN. */
  readonly extension: boolean;
  /** The top-level attribute. */
  readonly attribute: AttributeDefinition;
  /** The sub-attribute, when the path named one. */
  readonly subAttribute?: AttributeDefinition;
  /** The definition of the value the path addresses: `subAttribute ?? attribute`. */
  readonly definition: AttributeDefinition;
  /**
   * Canonical path of the value in a stored or serialized resource, e.g. `['userName']`,
   * `['name', 'givenName']`, `['emails', 'value']` (a sub-attribute of each element of a
   * multi-valued attribute), `['meta', 'created']`,
   * `['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'manager', 'value']`.
   */
  readonly location: readonly string[];
}

/**
 * Resolves an attribute path of a filter, PATCH path or `attributes` parameter against a resource
 * type's schemas. Names and URNs match case-insensitively. Without a schema URN the core schema
 * and the common attributes are searched first, then the resource type's extensions in their
 * declared order, so a bare `manager` or `costCenter` names the enterprise extension's attribute.
 * A URN that is the core schema's also reaches the common attributes.
 *
 * @returns undefined when the path names nothing this resource type has (unknown attribute,
 *   unknown or foreign schema URN, sub-attribute of a simple attribute or an unknown one).
 *
 * @example
 * resolveAttribute('User', { attribute: 'name', subAttribute: 'GivenName' })?.location
 * // → ['name', 'givenName']
 * resolveAttribute('User', { attribute: 'manager' })?.location
 * // → ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'manager']
 */
export function resolveAttribute(
  resourceType: ResourceTypeName,
  path: AttributePath,
): ResolvedAttribute | undefined {
  const type = resourceTypeDefinition(resourceType);
  const coreMatches =
    path.schema === undefined || path.schema.toLowerCase() === type.schema.id.toLowerCase();
  if (coreMatches) {
    const common = findAttribute(commonAttributes, path.attribute);
    if (common !== undefined) return resolved(type.schema, true, false, common, path.subAttribute);
    const core = findAttribute(type.schema.attributes, path.attribute);
    if (core !== undefined) return resolved(type.schema, false, false, core, path.subAttribute);
    if (path.schema !== undefined) return undefined;
  }
  for (const { schema } of type.extensions) {
    if (path.schema !== undefined && path.schema.toLowerCase() !== schema.id.toLowerCase())
      continue;
    const found = findAttribute(schema.attributes, path.attribute);
    if (found !== undefined) return resolved(schema, false, true, found, path.subAttribute);
  }
  return undefined;
}

function resolved(
  schema: SchemaDefinition,
  common: boolean,
  extension: boolean,
  attribute: AttributeDefinition,
  subAttributeName: string | undefined,
): ResolvedAttribute | undefined {
  const base = extension ? [schema.id, attribute.name] : [attribute.name];
  if (subAttributeName === undefined) {
    return { schema, common, extension, attribute, definition: attribute, location: base };
  }
  const subAttribute = findAttribute(attribute.subAttributes, subAttributeName);
  if (subAttribute === undefined) return undefined;
  return {
    schema,
    common,
    extension,
    attribute,
    subAttribute,
    definition: subAttribute,
    location: [...base, subAttribute.name],
  };
}
