/**
 * Builders for the schema definitions in this folder. They fill in RFC 7643 §2.2's defaults so
 * each definition only states what differs from them, and keep the key order of RFC 7643 §8.7 so
 * `/Schemas` reads like the RFC.
 */
import type { AttributeDefinition, AttributeType } from './types.js';

type Characteristics = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

/**
 * One attribute with RFC 7643 §2.2 defaults: single-valued, optional, case-insensitive,
 * readWrite, returned by default, no uniqueness.
 */
export function attribute(
  name: string,
  type: AttributeType,
  description: string,
  characteristics: Characteristics = {},
): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...characteristics,
  };
}

/** A complex attribute with its sub-attributes. */
export function complexAttribute(
  name: string,
  description: string,
  subAttributes: readonly AttributeDefinition[],
  characteristics: Characteristics = {},
): AttributeDefinition {
  return attribute(name, 'complex', description, { ...characteristics, subAttributes });
}

/** The `display` sub-attribute of RFC 7643 §2.4 multi-valued attributes. */
export function displaySubAttribute(characteristics: Characteristics = {}): AttributeDefinition {
  return attribute(
    'display',
    'string',
    'A human-readable name, primarily used for display purposes. READ-ONLY.',
    characteristics,
  );
}

/** The `primary` sub-attribute of RFC 7643 §2.4 multi-valued attributes. */
export function primarySubAttribute(example?: string): AttributeDefinition {
  const e = example === undefined ? '' : `, e.g., ${example}`;
  return attribute(
    'primary',
    'boolean',
    `A Boolean value indicating the 'primary' or preferred attribute value for this attribute${e}. The primary attribute value 'true' MUST appear no more than once.`,
  );
}

/** The `type` sub-attribute of RFC 7643 §2.4 multi-valued attributes. */
export function typeSubAttribute(
  description: string,
  canonicalValues?: readonly string[],
): AttributeDefinition {
  return attribute(
    'type',
    'string',
    description,
    canonicalValues === undefined ? {} : { canonicalValues },
  );
}
