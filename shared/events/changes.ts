/**
 * Which SCIM attribute paths a write changed, from the stored attributes before and after (the
 * stream's old and new images). Paths are as a PATCH would name them: `displayName`,
 * `name.givenName`, `emails` (multi-valued attributes as a whole),
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
 */
import { isDeepStrictEqual } from 'node:util';

type Attributes = Record<string, unknown>;

const isObject = (value: unknown): value is Attributes =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The changed attribute paths, sorted.
 * @example changedPaths({ name: { givenName: 'A' } }, { name: { givenName: 'B' } }) // ['name.givenName']
 */
export function changedPaths(before: Attributes, after: Attributes): string[] {
  const paths: string[] = [];
  for (const key of unionOfKeys(before, after)) {
    const previous = before[key];
    const next = after[key];
    if (isDeepStrictEqual(previous, next)) continue;
    if (key.toLowerCase().startsWith('urn:') && (isObject(previous) || isObject(next))) {
      // An extension: its attributes are named `<urn>:<attribute>`.
      for (const path of complexPaths(asObject(previous), asObject(next))) {
        paths.push(`${key}:${path}`);
      }
    } else if (isObject(previous) && isObject(next)) {
      for (const sub of changedKeys(previous, next)) paths.push(`${key}.${sub}`);
    } else {
      paths.push(key);
    }
  }
  return paths.sort();
}

/** Attributes of a complex value (or an extension), with sub-attributes one level down. */
function complexPaths(before: Attributes, after: Attributes): string[] {
  const paths: string[] = [];
  for (const key of changedKeys(before, after)) {
    const previous = before[key];
    const next = after[key];
    if (isObject(previous) && isObject(next)) {
      for (const sub of changedKeys(previous, next)) paths.push(`${key}.${sub}`);
    } else {
      paths.push(key);
    }
  }
  return paths;
}

function changedKeys(before: Attributes, after: Attributes): string[] {
  return unionOfKeys(before, after).filter((key) => !isDeepStrictEqual(before[key], after[key]));
}

function unionOfKeys(before: Attributes, after: Attributes): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])];
}

function asObject(value: unknown): Attributes {
  return isObject(value) ? value : {};
}
