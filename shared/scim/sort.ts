/**
 * `sortBy` and `sortOrder` (RFC 7644 §3.4.2.3), without I/O: which attribute a request sorts by
 * and how two resources compare on it.
 *
 * - Values compare by the attribute's type: strings per `caseExact` (case-insensitive ones
 *   folded, NFC then lower case, no locale: by Unicode code point, the order DynamoDB keeps
 *   strings in), booleans
 *   false before true, numbers numerically, dateTimes as instants (as filters compare them).
 * - A multi-valued attribute sorts by its `primary` element, else its first (RFC 7644 §3.4.2.3);
 *   a complex one named without a sub-attribute by its `value` (`emails`, `manager`).
 * - Resources without a value sort last when ascending and first when descending: descending is
 *   the exact reverse of ascending.
 */

import { foldCase, readKey } from '../common/values.js';
import { InvalidValueError } from './errors.js';
import { parseInstant } from './filter/evaluate.js';
import { parseAttributeList } from './filter/parser.js';
import {
  findAttribute,
  type ResolvedAttribute,
  type ResourceTypeName,
  resolveAttribute,
} from './schemas/index.js';
import type { AttributeDefinition, ScimResource } from './schemas/types.js';

/** What a list request asked for: the attribute (none: the service's default order) and direction. */
export interface SortRequest {
  readonly attribute?: ResolvedAttribute;
  readonly descending: boolean;
}

/**
 * Reads `sortBy` and `sortOrder`. `sortOrder` defaults to ascending and applies to the default
 * order too when `sortBy` is absent.
 *
 * @throws InvalidValueError when `sortBy` is not one attribute path of the resource type, names a
 *   complex attribute that has no `value` (`name`: say `name.familyName`), or `sortOrder` is
 *   neither `ascending` nor `descending` (any case).
 *
 * @example parseSort('User', 'name.familyName', 'descending').attribute?.location
 * // → ['name', 'familyName']
 */
export function parseSort(
  resourceType: ResourceTypeName,
  sortBy: string | undefined,
  sortOrder: string | undefined,
): SortRequest {
  const order = sortOrder?.trim().toLowerCase() ?? '';
  if (order !== '' && order !== 'ascending' && order !== 'descending') {
    throw new InvalidValueError(
      `sortOrder must be "ascending" or "descending"; got ${JSON.stringify(sortOrder?.slice(0, 40))}.`,
    );
  }
  const descending = order === 'descending';
  if (sortBy === undefined || sortBy.trim() === '') return { descending };
  const paths = parseAttributeList(sortBy);
  const [path] = paths;
  if (path === undefined || paths.length > 1) {
    throw new InvalidValueError('sortBy must name exactly one attribute.');
  }
  const attribute = resolveAttribute(resourceType, path);
  if (attribute === undefined) {
    throw new InvalidValueError(
      `sortBy names "${sortBy.trim().slice(0, 100)}", which is not an attribute of ${resourceType}.`,
    );
  }
  const definition = attribute.definition;
  if (
    definition.type === 'complex' &&
    findAttribute(definition.subAttributes, 'value') === undefined
  ) {
    throw new InvalidValueError(
      `sortBy "${sortBy.trim()}" is complex; name one of its sub-attributes, e.g. "${sortBy.trim()}.${definition.subAttributes?.[0]?.name ?? 'value'}".`,
    );
  }
  return { attribute, descending };
}

/** A value ready to compare; the kind follows the attribute's type. */
export type SortKey =
  | { readonly kind: 'text'; readonly value: Buffer }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'instant'; readonly value: bigint };

/**
 * The ascending comparison of two resources (in the stored layout plus `id` and `meta`, as filters
 * see them) on `attribute`: negative when `a` sorts first, 0 when they tie; a missing value sorts
 * after any value. Callers break ties and reverse it for descending.
 *
 * @example
 * const compare = sortComparator(parseSort('User', 'title', undefined).attribute!);
 * compare({ title: 'b' }, { title: 'A' }) // → positive: "A" sorts before "b"
 */
export function sortComparator(
  attribute: ResolvedAttribute,
): (a: ScimResource, b: ScimResource) => number {
  const read = sortKeyReader(attribute);
  return (a, b) => compareKeys(read(a), read(b));
}

/** How one resource's sort key is read. */
export function sortKeyReader(
  attribute: ResolvedAttribute,
): (resource: ScimResource) => SortKey | undefined {
  const definition = attribute.definition;
  const valueDefinition =
    definition.type === 'complex'
      ? (findAttribute(definition.subAttributes, 'value') as AttributeDefinition)
      : definition;
  return (resource) => {
    let current: unknown = resource;
    for (const name of attribute.location) current = single(readKey(single(current), name));
    if (definition.type === 'complex') current = readKey(single(current), 'value');
    return toKey(valueDefinition, single(current));
  };
}

/** Ascending order of two keys, missing last. */
export function compareKeys(a: SortKey | undefined, b: SortKey | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  if (a.kind === 'text' && b.kind === 'text') return Buffer.compare(a.value, b.value);
  if (a.kind === 'number' && b.kind === 'number') return a.value - b.value;
  if (a.kind === 'instant' && b.kind === 'instant') {
    return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  }
  return 0;
}

function toKey(definition: AttributeDefinition, value: unknown): SortKey | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  switch (definition.type) {
    case 'boolean':
      return typeof value === 'boolean' ? { kind: 'number', value: value ? 1 : 0 } : undefined;
    case 'integer':
    case 'decimal':
      return typeof value === 'number' ? { kind: 'number', value } : undefined;
    case 'dateTime': {
      const instant = typeof value === 'string' ? parseInstant(value) : undefined;
      return instant === undefined ? undefined : { kind: 'instant', value: instant };
    }
    default: {
      if (typeof value !== 'string') return undefined;
      // UTF-8 bytes order as code points do; folded as filters compare and keys.ts folds names.
      const text = definition.caseExact ? value : foldCase(value);
      return { kind: 'text', value: Buffer.from(text, 'utf8') };
    }
  }
}

/** The element of a multi-valued value that sorts it: the primary one, else the first. */
function single(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const primary = value.find(
    (element) => typeof element === 'object' && element !== null && element.primary === true,
  );
  return primary ?? value[0];
}
