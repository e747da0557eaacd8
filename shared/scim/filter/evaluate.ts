/**
 * Evaluates a parsed filter against a stored resource (RFC 7644 §3.4.2.2 semantics).
 *
 * A filter is compiled once (`compileFilter`): every attribute path is resolved against the schema
 * and every operator checked against the attribute's type before any resource is read, so a bad
 * filter fails the same way whether the table holds no resource or a million.
 *
 * Semantics, where the RFC leaves room:
 * - Attribute names and schema URNs match case-insensitively (the resolver's job). Strings compare
 *   per the attribute's `caseExact`: when it is false, after Unicode NFC normalization and
 *   lower-casing (`foldCase`, as the store's keys); `gt`/`ge`/`lt`/`le` on strings are
 *   lexicographic by UTF-16 code unit. Stored keys are canonical; reading them falls back to a
 *   case-insensitive match for data written otherwise.
 * - `dateTime` compares as instants (any offset, any number of fraction digits); `co`/`sw`/`ew`
 *   on a dateTime compare its text. booleans accept `true`/`false` and the strings
 *   `"True"`/`"False"` in any case, on either side; numbers accept numeric strings.
 * - A multi-valued attribute matches when any element matches. A complex attribute compared
 *   without a sub-attribute compares its `value` sub-attribute (`emails eq "x"`,
 *   `manager eq "id"`); one without a `value` sub-attribute (`name eq "x"`) is 400 invalidFilter.
 * - `ne` is the negation of `eq`: it matches when no value equals the operand, including when the
 *   attribute is absent. `eq null` matches an unassigned attribute and `ne null` an assigned one
 *   (RFC 7643 §2.5: null and unassigned are the same state).
 * - `pr` matches a value that is not null, not `""`, not `[]` and, for complex values, has at
 *   least one sub-attribute that is present.
 * - `gt`/`ge`/`lt`/`le` on booleans, binary or complex attributes, `co`/`sw`/`ew` on booleans or
 *   numbers, and an operand of the wrong type (`active eq "maybe"`) are 400 invalidFilter.
 * - An attribute this resource type does not define is 400 invalidFilter, not "matches nothing":
 *   RFC 7644 Table 9 names "the specified attribute and filter comparison combination is not
 *   supported" as invalidFilter, and silently matching nothing would make Entra's matching step
 *   believe a user is missing and create it again.
 * - Values are read where `resolve` says they are stored; `members` of a Group are not stored in
 *   the resource, so a membership term only matches if the caller puts the relevant
 *   `members: [{ value }]` on the resource it evaluates.
 */

import { foldIdentifier } from '../../common/identifier.js';
import { foldCase, isObject, isPresent, readKey } from '../../common/values.js';
import { InvalidFilterError } from '../errors.js';
import {
  findAttribute,
  type ResolvedAttribute,
  type ResourceTypeName,
  resolveAttribute,
} from '../schemas/index.js';
import type { AttributeDefinition, ScimResource } from '../schemas/types.js';
import type { AttributePath, CompareOperator, FilterNode, FilterValue } from './ast.js';

/** What the evaluator needs to know about an attribute path. */
export type FilterAttribute = Pick<ResolvedAttribute, 'attribute' | 'subAttribute' | 'location'>;

/**
 * Resolves an attribute path of a filter to its definition and storage location, or `undefined`
 * when the resource type has no such attribute. `resolveAttribute` from `shared/scim/schemas`
 * bound to a resource type is one (see {@link attributeResolver}).
 */
export type AttributeResolver = (path: AttributePath) => FilterAttribute | undefined;

/** A compiled filter: whether one resource (or one element, for value filters) matches. */
export type FilterPredicate = (resource: ScimResource) => boolean;

/**
 * The resolver for a resource type's schemas (core, common and extension attributes), plus
 * `schemas` itself (RFC 7644 §3.4.2.2's `schemas eq "urn:…:enterprise:2.0:User"` example): a
 * multi-valued URI the resource being filtered must carry, as its representation would.
 */
export function attributeResolver(resourceType: ResourceTypeName): AttributeResolver {
  return (path) =>
    path.schema === undefined &&
    path.subAttribute === undefined &&
    path.attribute.toLowerCase() === 'schemas'
      ? schemasAttribute
      : resolveAttribute(resourceType, path);
}

const schemasAttribute: FilterAttribute = {
  attribute: {
    name: 'schemas',
    type: 'reference',
    multiValued: true,
    description: 'The schema URIs of the resource (RFC 7643 §3).',
    required: true,
    // Schema URNs are matched case-insensitively everywhere else in the service.
    caseExact: false,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'none',
    referenceTypes: ['uri'],
  },
  location: ['schemas'],
};

/**
 * Resolves and type-checks `filter` once and returns a predicate over resources.
 *
 * @throws InvalidFilterError for unknown attributes and operator/type combinations the RFC refuses.
 *
 * @example
 * const matches = compileFilter(parseFilter('emails[type eq "work"].value eq "a@x.com"'), attributeResolver('User'));
 * matches({ emails: [{ type: 'work', value: 'A@x.com' }] }); // true (emails.value is not caseExact)
 */
export function compileFilter(filter: FilterNode, resolve: AttributeResolver): FilterPredicate {
  return compile(filter, resolve);
}

/**
 * Whether `resource` matches `filter`. Compiles the filter on each call; use
 * {@link compileFilter} to test many resources.
 *
 * @example
 * evaluateFilter(parseFilter('userName eq "BJensen"'), { userName: 'bjensen' }, attributeResolver('User')); // true
 */
export function evaluateFilter(
  filter: FilterNode,
  resource: ScimResource,
  resolve: AttributeResolver,
): boolean {
  return compile(filter, resolve)(resource);
}

/**
 * Compiles the filter inside a value path's brackets (`type eq "work"` in
 * `emails[type eq "work"]`) against the sub-attributes of `parent`; the predicate takes one
 * element of the multi-valued attribute. The PATCH engine selects elements with it.
 *
 * @throws InvalidFilterError as {@link compileFilter}.
 */
export function compileValueFilter(
  filter: FilterNode,
  parent: AttributeDefinition,
): FilterPredicate {
  return compile(filter, elementResolver(parent));
}

function elementResolver(parent: AttributeDefinition): AttributeResolver {
  return (path) => {
    if (path.schema !== undefined || path.subAttribute !== undefined) return undefined;
    const sub = findAttribute(parent.subAttributes, path.attribute);
    return sub === undefined ? undefined : { attribute: sub, location: [sub.name] };
  };
}

function compile(node: FilterNode, resolve: AttributeResolver): FilterPredicate {
  switch (node.kind) {
    case 'and': {
      const left = compile(node.left, resolve);
      const right = compile(node.right, resolve);
      return (resource) => left(resource) && right(resource);
    }
    case 'or': {
      const left = compile(node.left, resolve);
      const right = compile(node.right, resolve);
      return (resource) => left(resource) || right(resource);
    }
    case 'not': {
      const inner = compile(node.filter, resolve);
      return (resource) => !inner(resource);
    }
    case 'present': {
      const values = valuesOf(resolveOrFail(node.path, resolve), false);
      return (resource) => values(resource).some(isPresent);
    }
    case 'compare':
      return compileComparison(node, resolve);
    case 'valuePath': {
      const resolved = resolveOrFail(node.path, resolve);
      if (resolved.subAttribute !== undefined || resolved.attribute.type !== 'complex') {
        throw new InvalidFilterError(
          `"${label(node.path)}[...]" needs a complex attribute before the bracket; "${label(node.path)}" is not one.`,
        );
      }
      const element = compileValueFilter(node.filter, resolved.attribute);
      const elements = valuesOf(resolved, false);
      return (resource) => elements(resource).some((item) => isObject(item) && element(item));
    }
  }
}

function compileComparison(
  node: Extract<FilterNode, { kind: 'compare' }>,
  resolve: AttributeResolver,
): FilterPredicate {
  const resolved = resolveOrFail(node.path, resolve);
  let definition = resolved.subAttribute ?? resolved.attribute;
  let projectValue = false;
  if (definition.type === 'complex') {
    const value = findAttribute(definition.subAttributes, 'value');
    if (value === undefined) {
      throw new InvalidFilterError(
        `"${label(node.path)}" is complex; compare one of its sub-attributes, e.g. "${label(node.path)}.${definition.subAttributes?.[0]?.name ?? 'value'}".`,
      );
    }
    definition = value;
    projectValue = true;
  }
  const values = valuesOf(resolved, projectValue);
  if (node.value === null) {
    if (node.op === 'eq') return (resource) => !values(resource).some(isPresent);
    if (node.op === 'ne') return (resource) => values(resource).some(isPresent);
    throw new InvalidFilterError(
      `"${node.op} null" is not a comparison; use "eq null" or "ne null".`,
    );
  }
  if (node.op === 'ne') {
    const equals = comparator(definition, 'eq', node.value, node.raw, label(node.path));
    return (resource) => !values(resource).some(equals);
  }
  const matches = comparator(definition, node.op, node.value, node.raw, label(node.path));
  return (resource) => values(resource).some(matches);
}

function resolveOrFail(path: AttributePath, resolve: AttributeResolver): FilterAttribute {
  const resolved = resolve(path);
  if (resolved === undefined) {
    throw new InvalidFilterError(
      `The filter names "${label(path)}", which is not an attribute of this resource type.`,
    );
  }
  return resolved;
}

/**
 * The values a path addresses in one resource, flattened over multi-valued attributes; with
 * `projectValue`, each complex value's `value` sub-attribute instead of the value itself.
 */
function valuesOf(
  resolved: FilterAttribute,
  projectValue: boolean,
): (resource: ScimResource) => unknown[] {
  const sub = resolved.subAttribute?.name;
  const location = sub === undefined ? resolved.location : resolved.location.slice(0, -1);
  return (resource) => {
    let values = asArray(readPath(resource, location));
    if (sub !== undefined) values = values.flatMap((item) => asArray(readKey(item, sub)));
    if (projectValue) values = values.flatMap((item) => asArray(readKey(item, 'value')));
    return values;
  };
}

function readPath(resource: unknown, location: readonly string[]): unknown {
  let current = resource;
  for (const key of location) current = readKey(current, key);
  return current;
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value)
    ? value.filter((item) => item !== undefined && item !== null)
    : [value];
}

type Order = Exclude<CompareOperator, 'ne'>;

function comparator(
  definition: AttributeDefinition,
  op: Order,
  operand: Exclude<FilterValue, null>,
  raw: string | undefined,
  name: string,
): (value: unknown) => boolean {
  switch (definition.type) {
    case 'boolean': {
      if (op !== 'eq') {
        throw new InvalidFilterError(
          `"${name}" is a boolean; only eq, ne and pr apply to it, not ${op}.`,
        );
      }
      const wanted = toBoolean(operand);
      if (wanted === undefined) {
        throw new InvalidFilterError(`"${name}" is a boolean; compare it with true or false.`);
      }
      return (value) => toBoolean(value) === wanted;
    }
    case 'integer':
    case 'decimal': {
      if (op === 'co' || op === 'sw' || op === 'ew') {
        throw new InvalidFilterError(`"${name}" is a number; ${op} applies to strings only.`);
      }
      const wanted = toNumber(operand);
      if (wanted === undefined) {
        throw new InvalidFilterError(`"${name}" is a number; compare it with a number.`);
      }
      return (value) => {
        const number = toNumber(value);
        return number !== undefined && ordered(op, number, wanted);
      };
    }
    case 'dateTime': {
      if (op === 'co' || op === 'sw' || op === 'ew') {
        return stringComparator(op, operand, raw, foldCase);
      }
      const wanted = typeof operand === 'string' ? parseInstant(operand) : undefined;
      if (wanted === undefined) {
        throw new InvalidFilterError(
          `"${name}" is a dateTime; compare it with a value such as "2011-05-13T04:42:34Z".`,
        );
      }
      return (value) => {
        const instant = typeof value === 'string' ? parseInstant(value) : undefined;
        return instant !== undefined && ordered(op, instant, wanted);
      };
    }
    case 'binary':
    case 'complex':
      if (op === 'gt' || op === 'ge' || op === 'lt' || op === 'le') {
        throw new InvalidFilterError(
          `"${name}" is ${definition.type}; ${op} does not apply to it.`,
        );
      }
      return stringComparator(op, operand, raw, normalizerOf(definition));
    default:
      return stringComparator(op, operand, raw, normalizerOf(definition));
  }
}

/**
 * How values of `definition` compare: as sent when caseExact; unique names (`userName`, Group
 * `displayName`) through the identifier profile, as their guard keys are folded; other strings
 * folded as the store folds its lookup keys. A key lookup's find is then one the re-check keeps.
 */
function normalizerOf(definition: AttributeDefinition): (text: string) => string {
  if (definition.caseExact) return (text) => text;
  return definition.uniqueness === 'server' ? foldIdentifier : foldCase;
}

function stringComparator(
  op: Order,
  operand: string | number | boolean,
  raw: string | undefined,
  normalize: (text: string) => string,
): (value: unknown) => boolean {
  // An unquoted `externalId eq 1.50` parsed as a number still means the text the client typed.
  const text = typeof operand === 'string' ? operand : (raw ?? String(operand));
  const wanted = normalize(text);
  const test = stringTest(op, wanted);
  return (value) => {
    if (typeof value === 'string') return test(normalize(value));
    if (typeof value === 'number' || typeof value === 'boolean')
      return test(normalize(String(value)));
    return false;
  };
}

function stringTest(op: Order, wanted: string): (value: string) => boolean {
  switch (op) {
    case 'eq':
      return (value) => value === wanted;
    case 'co':
      return (value) => value.includes(wanted);
    case 'sw':
      return (value) => value.startsWith(wanted);
    case 'ew':
      return (value) => value.endsWith(wanted);
    default:
      return (value) => ordered(op, value, wanted);
  }
}

function ordered<T extends string | number | bigint>(op: Order, value: T, wanted: T): boolean {
  switch (op) {
    case 'gt':
      return value > wanted;
    case 'ge':
      return value >= wanted;
    case 'lt':
      return value < wanted;
    case 'le':
      return value <= wanted;
    default:
      return value === wanted;
  }
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
  }
  return undefined;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Nanoseconds since the epoch, as a bigint: Entra and .NET write seven fraction digits, finer
 * than a double holding milliseconds can tell apart. A time without an offset is taken as UTC.
 * `Date.parse` is not used: it accepts "foo 12" as a date. Sorting (`../sort.ts`) orders
 * dateTimes with it too, so `gt` and `sortBy` agree.
 *
 * @example parseInstant('1970-01-01T00:00:01.5Z') // → 1_500_000_000n
 */
export function parseInstant(text: string): bigint | undefined {
  const match = INSTANT.exec(text.trim());
  if (match === null) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] =
    match;
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1 || d > 31 || Number(hour) > 24 || Number(minute) > 59) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
  }
  const local = new Date(
    Date.UTC(Number(year), m - 1, d, Number(hour), Number(minute), Number(second)),
  );
  // Date.UTC maps years 0–99 to 1900–1999; "0001-01-03T00:00:00Z" is a real lower bound in use.
  if (Number(year) < 100) local.setUTCFullYear(Number(year));
  const nanoseconds = BigInt((fraction.slice(1) || '0').padEnd(9, '0').slice(0, 9));
  return BigInt(local.getTime() - offsetMinutes * 60_000) * 1_000_000n + nanoseconds;
}

function label(path: AttributePath): string {
  const attribute = path.schema === undefined ? path.attribute : `${path.schema}:${path.attribute}`;
  return path.subAttribute === undefined ? attribute : `${attribute}.${path.subAttribute}`;
}
