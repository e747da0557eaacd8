/**
 * Resources in, without I/O: a POST/PUT body becomes the attributes the store keeps
 * (`normalizeResource`: names, coercion, identifiers, value caps), a PUT is checked against the
 * stored resource's immutable values (`checkImmutable`), and member lists are read
 * (`normalizeMembers`). The way out is `resource-output.ts`.
 *
 * Stored layout (the same one `resolveAttribute` locations address): core attributes at the top
 * level under their canonical names, each extension's attributes in an object under its schema
 * URN; no `id`, `schemas` or `meta` (the store keeps those as item metadata) and no Group
 * `members` (memberships are items of their own).
 */
import { DEFAULT_LIMITS, type Limits } from '../common/limits.js';
import { foldCase, isObject } from '../common/values.js';
import { InvalidSyntaxError, InvalidValueError, MutabilityError } from './errors.js';
import { checkIdentifier } from './identifier.js';
import {
  coerceAttributeValue,
  commonAttributes,
  findAttribute,
  groupSchema,
  type ResourceTypeName,
  resourceTypeDefinition,
} from './schemas/index.js';
import type { AttributeDefinition, SchemaDefinition, ScimResource } from './schemas/types.js';

/** One member named by a Group body: the member's id and, when the client said, its type. */
export interface MemberInput {
  readonly value: string;
  readonly type?: 'User' | 'Group';
}

export interface NormalizedResource {
  /** The attributes to store (see the stored layout above). */
  readonly resource: ScimResource;
  /**
   * Group only. The members the body listed, each id once, in the body's order; `[]` when the
   * body had `"members": []` or `null`; undefined when the body did not mention `members` (a PUT
   * that omits it leaves the choice of keeping or clearing members to the store).
   */
  readonly members?: readonly MemberInput[];
}

/**
 * Validates and canonicalizes a POST or PUT body (RFC 7644 §3.3, §3.5.1) for `resourceType`.
 *
 * Accepted the way Entra and Microsoft's test suite send them: attribute and sub-attribute names
 * in any case (`"Primary"`, `"Department"`, `"Manager": {"Value": …}`), rewritten to canonical
 * names; extension data under its URN even when `schemas` does not list it, as flat
 * URN-qualified keys (`"urn:…:grouptalk:2.0:User:label1": "x"`) or as bare extension attribute
 * names (`"department"`, as in Entra's legacy example); for one attribute a URN object wins over a
 * flat key, which wins over a bare name. `"True"`/`"False"` strings for booleans; a single object
 * for a multi-valued attribute; a bare id for the enterprise `manager`; core attributes inside an
 * object under the core schema URN, as if at the top level (a top-level value wins).
 *
 * Ignored: `schemas` (recomputed on output), `id`, `meta` and every other readOnly value
 * (`groups`, `manager.displayName`; RFC 7644 §3.3), unknown attributes, unknown or misspelt
 * schema URNs and their data, nulls and empty strings (unassigned, RFC 7643 §2.5). `password` is
 * accepted but not kept: GroupTalk does not authenticate SCIM users, and a value that is never
 * returned and never used is safest not stored.
 *
 * Multi-valued attributes keep every element as sent, including repeated `type` values (the
 * Microsoft suite posts two `work` e-mails and expects 201; a `[type eq "work"]` lookup then sees
 * the first); only the first `primary: true` survives.
 *
 * @throws InvalidSyntaxError when the body is not a JSON object.
 * @throws InvalidValueError when a value has the wrong type (the detail names the attribute) or
 *   a required attribute (User `userName`, Group `displayName`) is missing or empty.
 *
 * @example
 * normalizeResource('User', { UserName: 'bjensen', active: 'True' }).resource
 * // → { userName: 'bjensen', active: true }
 */
export function normalizeResource(
  resourceType: ResourceTypeName,
  body: unknown,
  limits: Pick<Limits, 'maxMultiValues'> = DEFAULT_LIMITS,
): NormalizedResource {
  if (!isObject(body)) {
    throw new InvalidSyntaxError(
      `The request body must be a JSON object representing a ${resourceType}.`,
    );
  }
  const type = resourceTypeDefinition(resourceType);
  const resource: ScimResource = {};
  let members: MemberInput[] | undefined;
  const extensionInputs = new Map<SchemaDefinition, ExtensionInput>();
  const inputFor = (schema: SchemaDefinition): ExtensionInput => {
    let input = extensionInputs.get(schema);
    if (input === undefined) {
      input = { bare: {}, flat: {}, object: {} };
      extensionInputs.set(schema, input);
    }
    return input;
  };

  for (const [key, value] of withCoreObjectFlattened(body, type.schema.id)) {
    const core = findAttribute(commonAttributes, key) ?? findAttribute(type.schema.attributes, key);
    if (core !== undefined) {
      if (resourceType === 'Group' && core.name === 'members') members = normalizeMembers(value);
      else assign(resource, core, value, core.name);
      continue;
    }
    const extensionKey = matchExtensionKey(type.extensions, key);
    if (extensionKey !== undefined) {
      const input = inputFor(extensionKey.schema);
      if (extensionKey.rest === undefined)
        collectExtensionObject(extensionKey.schema, value, input);
      else collectFlatKey(extensionKey.schema, extensionKey.rest, value, input);
      continue;
    }
    for (const { schema } of type.extensions) {
      const attribute = findAttribute(schema.attributes, key);
      if (attribute !== undefined) {
        inputFor(schema).bare[attribute.name] = value;
        break;
      }
    }
  }

  for (const [schema, input] of extensionInputs) {
    const extension: ScimResource = {};
    for (const attribute of schema.attributes) {
      const raw = pickByPrecedence(input, attribute.name);
      if (raw !== undefined) assign(extension, attribute, raw, `${schema.id}:${attribute.name}`);
    }
    if (Object.keys(extension).length > 0) resource[schema.id] = extension;
  }

  requirePresent(resourceType, type.schema.attributes, resource);
  checkIdentifiers(type.schema.attributes, resource);
  refuseTooManyValues(resource, '', limits.maxMultiValues);
  for (const { schema } of type.extensions) {
    const extension = resource[schema.id];
    if (isObject(extension)) {
      requirePresent(resourceType, schema.attributes, extension);
      refuseTooManyValues(extension, `${schema.id}:`, limits.maxMultiValues);
    }
  }
  return members === undefined ? { resource } : { resource, members };
}

/**
 * The mutability rule of a PUT for immutable attributes (RFC 7644 §3.5.1): once an immutable
 * attribute has a value, the replacement must carry the same value (strings compared per
 * `caseExact`); with no current value any value may be set. Checked for core and extension
 * attributes and for the immutable sub-attributes of single-valued complex attributes. Elements of
 * a multi-valued attribute (a Group's `members`, whose `value`, `$ref` and `type` are immutable)
 * have no identity beyond those values: a PUT adds and removes elements but cannot change one in
 * place, so they always pass. readOnly attributes need no check: `normalizeResource` ignores them.
 *
 * @param current the stored attributes; `next` the normalized PUT body (both in the stored layout).
 * @throws MutabilityError naming the first attribute whose value would change.
 *
 * @example
 * checkImmutable('Group', group.data, normalizeResource('Group', body).resource)
 */
export function checkImmutable(
  resourceType: ResourceTypeName,
  current: ScimResource,
  next: ScimResource,
): void {
  const type = resourceTypeDefinition(resourceType);
  checkImmutableAttributes(type.schema.attributes, current, next, '');
  checkImmutableAttributes(commonAttributes, current, next, '');
  for (const { schema } of type.extensions) {
    const before = current[schema.id];
    const after = next[schema.id];
    checkImmutableAttributes(
      schema.attributes,
      isObject(before) ? before : {},
      isObject(after) ? after : {},
      `${schema.id}:`,
    );
  }
}

/** {@link checkImmutable} over one list of definitions (exported for schemas to come). */
export function checkImmutableAttributes(
  definitions: readonly AttributeDefinition[],
  current: Record<string, unknown>,
  next: Record<string, unknown>,
  prefix: string,
): void {
  for (const definition of definitions) {
    if (definition.multiValued) continue;
    const before = current[definition.name];
    const after = next[definition.name];
    if (definition.mutability === 'immutable') {
      if (before !== undefined && !sameValue(definition, before, after)) {
        throw new MutabilityError(
          `${prefix}${definition.name} is immutable: a PUT must repeat its current value.`,
        );
      }
    } else if (definition.type === 'complex' && isObject(before)) {
      checkImmutableAttributes(
        definition.subAttributes ?? [],
        before,
        isObject(after) ? after : {},
        `${prefix}${definition.name}.`,
      );
    }
  }
}

function sameValue(definition: AttributeDefinition, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && !definition.caseExact) {
    return foldCase(a) === foldCase(b);
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Reads the member list of a Group body or of a PATCH `members` value: an array or a single
 * element; elements are `{value, type?}` objects (`display`, `$ref` and unknown keys ignored,
 * names in any case) or bare id strings (Microsoft's suite sends those). Elements without a value
 * are dropped, repeated ids kept once.
 *
 * @throws InvalidValueError when a value is not a string or `type` is neither User nor Group.
 */
export function normalizeMembers(value: unknown, attributeName = 'members'): MemberInput[] {
  const coerced = coerceAttributeValue(membersDefinition, value, attributeName);
  if (!Array.isArray(coerced)) return [];
  const seen = new Set<string>();
  const members: MemberInput[] = [];
  coerced.forEach((element: Record<string, unknown>, index) => {
    const id = element.value as string;
    const type = memberType(element.type, `${attributeName}[${index}].type`);
    if (seen.has(id)) return;
    seen.add(id);
    members.push(type === undefined ? { value: id } : { value: id, type });
  });
  return members;
}

interface ExtensionInput {
  /** Values by canonical attribute name, from the three places a body may put them. */
  readonly bare: Record<string, unknown>;
  readonly flat: Record<string, unknown>;
  readonly object: Record<string, unknown>;
}

const membersDefinition = findAttribute(groupSchema.attributes, 'members') as AttributeDefinition;

/**
 * The body's keys with the content of an object under the core schema URN
 * (`{"urn:…:core:2.0:User": {"userName": …}}`, as some clients send it) read as top-level keys,
 * placed first so that a top-level key of the same attribute wins. One level only: a URN key
 * inside that object is an unknown attribute.
 */
function withCoreObjectFlattened(
  body: Record<string, unknown>,
  coreUrn: string,
): [string, unknown][] {
  const wanted = coreUrn.toLowerCase();
  const nested: [string, unknown][] = [];
  const topLevel: [string, unknown][] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === wanted && isObject(value)) nested.push(...Object.entries(value));
    else topLevel.push([key, value]);
  }
  return nested.length === 0 ? topLevel : [...nested, ...topLevel];
}

/** Stores the coerced value, or nothing for values a client may not set or the service never returns. */
function assign(
  target: ScimResource,
  definition: AttributeDefinition,
  value: unknown,
  attributeName: string,
): void {
  if (definition.mutability === 'readOnly' || definition.returned === 'never') return;
  const coerced = coerceAttributeValue(definition, value, attributeName);
  if (coerced === undefined) delete target[definition.name];
  else target[definition.name] = coerced;
}

/** `key` as an extension URN (`rest` undefined) or a URN-qualified attribute (`rest` = `attr[.sub]`). */
function matchExtensionKey(
  extensions: readonly { readonly schema: SchemaDefinition }[],
  key: string,
): { schema: SchemaDefinition; rest?: string } | undefined {
  const lower = key.toLowerCase();
  for (const { schema } of extensions) {
    const urn = schema.id.toLowerCase();
    if (lower === urn) return { schema };
    // ':' is RFC 7644 §3.10; '.' is the pre-2019 Entra (customappsso) notation.
    if (lower.startsWith(urn) && (lower[urn.length] === ':' || lower[urn.length] === '.')) {
      return { schema, rest: key.slice(urn.length + 1) };
    }
  }
  return undefined;
}

function collectExtensionObject(
  schema: SchemaDefinition,
  value: unknown,
  input: ExtensionInput,
): void {
  if (value === null || value === undefined) return;
  if (!isObject(value)) {
    throw new InvalidValueError(
      `${schema.id} must be an object holding the extension's attributes.`,
    );
  }
  for (const [key, raw] of Object.entries(value)) {
    const attribute = findAttribute(schema.attributes, key);
    if (attribute !== undefined) input.object[attribute.name] = raw;
  }
}

function collectFlatKey(
  schema: SchemaDefinition,
  rest: string,
  value: unknown,
  input: ExtensionInput,
): void {
  const [attributeName, subAttributeName, ...more] = rest.split('.');
  const attribute = findAttribute(schema.attributes, attributeName ?? '');
  if (attribute === undefined || more.length > 0) return;
  if (subAttributeName === undefined) {
    input.flat[attribute.name] = value;
    return;
  }
  const sub = findAttribute(attribute.subAttributes, subAttributeName);
  if (sub === undefined) return;
  const current = input.flat[attribute.name];
  input.flat[attribute.name] = { ...(isObject(current) ? current : {}), [sub.name]: value };
}

function pickByPrecedence(input: ExtensionInput, name: string): unknown {
  if (name in input.object) return input.object[name];
  if (name in input.flat) return input.flat[name];
  return input.bare[name];
}

function requirePresent(
  resourceType: ResourceTypeName,
  attributes: readonly AttributeDefinition[],
  target: ScimResource,
): void {
  for (const attribute of attributes) {
    if (attribute.required && target[attribute.name] === undefined) {
      throw new InvalidValueError(
        `A ${resourceType} requires a non-empty ${attribute.name}; the request has none.`,
      );
    }
  }
}

/**
 * Applies the identifier profile to the unique names among `attributes` (`userName`, Group
 * `displayName`: string, not caseExact, uniqueness server) that `resource` holds. With `before`
 * (a PATCH), only a name that changes is checked, so a name stored before the profile existed
 * does not block changes to other attributes.
 *
 * @throws InvalidValueError naming the attribute and the problem.
 */
export function checkIdentifiers(
  attributes: readonly AttributeDefinition[],
  resource: ScimResource,
  before?: ScimResource,
): void {
  for (const attribute of attributes) {
    if (attribute.uniqueness !== 'server' || attribute.caseExact || attribute.type !== 'string') {
      continue;
    }
    const name = resource[attribute.name];
    if (typeof name !== 'string' || (before !== undefined && before[attribute.name] === name)) {
      continue;
    }
    checkIdentifier(name, attribute.name);
  }
}

/** 400 invalidValue when an attribute of `attributes` holds more than `max` values. */
function refuseTooManyValues(attributes: ScimResource, prefix: string, max: number): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (Array.isArray(value) && value.length > max) {
      throw new InvalidValueError(
        `${prefix}${name} holds ${value.length} values; an attribute holds at most ${max}.`,
      );
    }
  }
}

function memberType(value: unknown, attributeName: string): 'User' | 'Group' | undefined {
  if (value === undefined) return undefined;
  const lower = typeof value === 'string' ? value.toLowerCase() : undefined;
  if (lower === 'user') return 'User';
  if (lower === 'group') return 'Group';
  throw new InvalidValueError(`${attributeName} must be "User" or "Group".`);
}
