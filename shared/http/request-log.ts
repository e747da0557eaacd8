/**
 * What the request log line says about a filter. Entra looks users and groups up with one
 * `attribute eq "value"` comparison; the line keeps the attribute and, for the identifiers an
 * operator searches by (id, externalId, userName, displayName), the value. Other values (e-mail
 * addresses, phone numbers, anything in a hand-written filter) are masked: the line holds ids,
 * never attribute data.
 */
import { type FilterNode, parseFilter } from '../scim/filter/index.js';
import type { LogFields } from './types.js';

/** Attributes whose filter values are logged: the ids the history query looks for. */
const IDENTIFIERS = new Set(['id', 'externalid', 'username', 'displayname']);
/** Entra's Test Connection looks up a random GUID; a first lookup by externalId may look alike. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_LOGGED_LENGTH = 256;
const STRING = /"(?:[^"\\]|\\.)*"/g;
const BRACKET_OR_STRING = /(\[[^\]]*\])|"(?:[^"\\]|\\.)*"/g;
const TYPE_SELECTOR = /^\[\s*type\s+eq\s+"[^"]*"\s*\]$/i;

export interface FilterLogFields extends LogFields {
  /** The attribute of a one-comparison `eq` filter, as written (`userName`, `emails[type eq "work"].value`). */
  filterAttribute?: string;
  /** Its value, for identifier attributes and probes only. */
  filterValue?: string;
  /** Any other filter, string literals masked: `name.familyName eq "…" and active eq true`. */
  filter?: string;
  /** Set when the lookup looks like Entra's Test Connection: a random GUID that matched nothing. */
  probe?: true;
}

/**
 * The log fields of a list request's filter.
 *
 * @param filter the `filter` query parameter (or SearchRequest member) as sent
 * @param totalResults what the query found, when it ran
 * @example
 * filterLogFields('userName eq "5c9f…-…"', 0)
 * // { filterAttribute: 'userName', filterValue: '5c9f…-…', probe: true }
 */
export function filterLogFields(filter: string, totalResults?: number): FilterLogFields {
  let node: FilterNode;
  try {
    node = parseFilter(filter);
  } catch {
    return { filter: masked(filter) };
  }
  const lookup = eqLookup(node);
  if (!lookup) return { filter: masked(filter) };

  const probe =
    typeof lookup.value === 'string' &&
    GUID.test(lookup.value) &&
    totalResults === 0 &&
    !['id', 'externalid'].includes(lookup.name.toLowerCase());
  const logged = probe || (lookup.identifier && lookup.value !== undefined);
  return {
    filterAttribute: lookup.attribute,
    ...(logged ? { filterValue: truncate(String(lookup.value)) } : {}),
    ...(probe ? { probe: true as const } : {}),
  };
}

interface EqLookup {
  /** As written, for the log. */
  readonly attribute: string;
  /** The bare attribute name, for the allow-list. */
  readonly name: string;
  readonly identifier: boolean;
  readonly value: string | number | undefined;
}

/** `attr eq v`, or Entra's `emails[type eq "work"].value eq v`; undefined for anything else. */
function eqLookup(node: FilterNode): EqLookup | undefined {
  if (node.kind === 'compare' && node.op === 'eq') {
    const { schema, attribute, subAttribute } = node.path;
    const written = `${schema ? `${schema}:` : ''}${attribute}${subAttribute ? `.${subAttribute}` : ''}`;
    return {
      attribute: truncate(written),
      name: attribute,
      identifier: subAttribute === undefined && IDENTIFIERS.has(attribute.toLowerCase()),
      value: scalar(node.raw ?? node.value),
    };
  }
  if (
    node.kind === 'valuePath' &&
    node.filter.kind === 'and' &&
    node.filter.left.kind === 'compare' &&
    node.filter.left.op === 'eq' &&
    node.filter.left.path.attribute.toLowerCase() === 'type' &&
    node.filter.right.kind === 'compare' &&
    node.filter.right.op === 'eq'
  ) {
    const type = String(node.filter.left.value);
    const sub = node.filter.right.path.attribute;
    return {
      attribute: truncate(`${node.path.attribute}[type eq ${JSON.stringify(type)}].${sub}`),
      name: node.path.attribute,
      identifier: false,
      value: scalar(node.filter.right.value),
    };
  }
  return undefined;
}

function scalar(value: unknown): string | number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

/** String literals replaced by `"…"`, except a type selector (`emails[type eq "work"]`). */
function masked(filter: string): string {
  return truncate(
    filter.replace(BRACKET_OR_STRING, (_match, bracket: string | undefined) => {
      if (bracket === undefined) return '"…"';
      return TYPE_SELECTOR.test(bracket) ? bracket : bracket.replace(STRING, '"…"');
    }),
  );
}

function truncate(text: string): string {
  return text.length > MAX_LOGGED_LENGTH ? `${text.slice(0, MAX_LOGGED_LENGTH)}…` : text;
}
