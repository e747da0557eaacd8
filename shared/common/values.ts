/**
 * Readers of JSON values shared by the SCIM modules (filter evaluation, PATCH, coercion,
 * serialization, sorting, Bulk), so that "an object", "present", "the key in any case" and
 * "equal ignoring case" mean the same thing in each.
 */

/**
 * Whether `value` is a JSON object (not null, not an array).
 *
 * @example isObject({ value: 'x' }) // → true; isObject(['x']) // → false
 */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether `value` is assigned (RFC 7643 §2.5): not null, not `""`, not an empty array, and for a
 * complex value at least one present sub-attribute.
 *
 * @example isPresent({ value: '', type: null }) // → false
 */
export function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value !== '';
  if (Array.isArray(value)) return value.some(isPresent);
  if (isObject(value)) return Object.values(value).some(isPresent);
  return true;
}

/**
 * The own key of `object` that names `key`: the exact key when there is one, else the first that
 * matches case-insensitively (attribute names are case-insensitive, RFC 7643 §2.1).
 *
 * @example findKey({ Value: 'x' }, 'value') // → 'Value'
 */
export function findKey(object: Record<string, unknown>, key: string): string | undefined {
  if (Object.hasOwn(object, key)) return key;
  const wanted = key.toLowerCase();
  return Object.keys(object).find((candidate) => candidate.toLowerCase() === wanted);
}

/**
 * The value `value` holds under `key` (see {@link findKey}); undefined when it is not an object
 * or has no such key.
 *
 * @example readKey({ Value: 'x' }, 'value') // → 'x'
 */
export function readKey(value: unknown, key: string): unknown {
  if (!isObject(value)) return undefined;
  const found = findKey(value, key);
  return found === undefined ? undefined : value[found];
}

/**
 * A string as it compares when its attribute is not `caseExact`: Unicode NFC, then lower case.
 * The same folding as the store's unique-name and lookup keys (`shared/store/keys.ts`), so a value
 * a key lookup finds is one a filter also matches, whether "é" came composed or decomposed.
 *
 * @example foldCase('Ame\u0301lie') === foldCase('amélie') // → true
 */
export function foldCase(value: string): string {
  const known = folded.get(value);
  if (known !== undefined) return known;
  const result = value.normalize('NFC').toLowerCase();
  if (value.length <= FOLD_CACHE_MAX_LENGTH) {
    if (folded.size >= FOLD_CACHE_ENTRIES) folded.clear();
    folded.set(value, result);
  }
  return result;
}

/**
 * Folded forms of recent short strings: a PATCH of 1,000 operations over an attribute of 100
 * values, or a filter evaluated over many candidates, folds each distinct value once. Bounded in
 * entries and in the length of what it keeps, so it holds at most a few MiB.
 */
const folded = new Map<string, string>();
const FOLD_CACHE_ENTRIES = 10_000;
const FOLD_CACHE_MAX_LENGTH = 256;
