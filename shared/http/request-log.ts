/**
 * What the request log line says about a filter. Entra looks users and groups up with one
 * `attribute eq "value"` comparison; the line keeps the attribute and, for the identifiers an
 * operator searches by (id, externalId, userName, displayName), the value. Any other filter is
 * written back from its parsed form: attribute names, operators and structure kept, every value
 * masked but those of the identifiers, of type selectors inside brackets (`emails[type eq "work"]`:
 * `type` holds canonical values such as work or mobile) and the literals true, false and null. Values of other attributes (e-mail addresses, phone numbers, names) never
 * reach the log, quoted or not; a filter that does not parse is logged by its length and the
 * position of the error only.
 */
import { limits } from '../config.js';
import type { BadRequestError } from '../scim/errors.js';
import {
  type AttributePath,
  type FilterNode,
  type FilterValue,
  parseFilter,
} from '../scim/filter/index.js';
import { schemaByUrn } from '../scim/schemas/index.js';
import { type IdentifierLogPolicy, loggedIdentifier } from './log-identifiers.js';
import type { LogFields } from './types.js';

/** Attributes whose filter values are logged: the ids the history query looks for. */
const IDENTIFIERS = new Set(['id', 'externalid', 'username', 'displayname']);
/** Entra's Test Connection looks up a random GUID; a first lookup by externalId may look alike. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CORE_SCHEMA = /^urn:ietf:params:scim:schemas:core:2\.0:(user|group)$/i;
const MAX_LOGGED_LENGTH = 256;
const MASK = '"…"';
const CLEAR: IdentifierLogPolicy = { mode: 'clear', write: (_attribute, value) => value };

export interface FilterLogFields extends LogFields {
  /** The attribute of a one-comparison `eq` filter, as written (`userName`, `emails[type eq "work"].value`). */
  filterAttribute?: string;
  /** Its value, for identifier attributes and probes only. */
  filterValue?: string;
  /** Any other filter, values masked: `name.familyName eq "…" and active eq true`. */
  filter?: string;
  /** Set when the lookup looks like Entra's Test Connection: a random GUID that matched nothing. */
  probe?: true;
  /** A filter that does not parse: its length in characters… */
  filterLength?: number;
  /** …and the 1-based character position where parsing stopped. */
  filterErrorAt?: number;
}

/**
 * The log fields of a list request's filter.
 *
 * @param filter the `filter` query parameter (or SearchRequest member) as sent
 * @param totalResults what the query found, when it ran
 * @param policy how identifier values are written (as sent, or as the tenant's keyed hash)
 * @example
 * filterLogFields('userName eq "5c9f…-…"', 0)
 * // { filterAttribute: 'userName', filterValue: '5c9f…-…', probe: true }
 * filterLogFields('emails.value eq bob@example.com and active eq true')
 * // { filter: 'emails.value eq "…" and active eq true' }
 */
export function filterLogFields(
  filter: string,
  totalResults?: number,
  policy: IdentifierLogPolicy = CLEAR,
): FilterLogFields {
  let node: FilterNode;
  try {
    node = parseFilter(filter, limits.maxFilterLength);
  } catch (error) {
    const at = (error as Partial<BadRequestError>).syntax?.character;
    return { filterLength: filter.length, ...(at === undefined ? {} : { filterErrorAt: at }) };
  }
  const lookup = eqLookup(node);
  if (!lookup) return { filter: truncate(masked(node, policy)) };

  const probe =
    typeof lookup.value === 'string' &&
    GUID.test(lookup.value) &&
    totalResults === 0 &&
    !['id', 'externalid'].includes(lookup.name.toLowerCase());
  const logged = probe || (lookup.identifier && lookup.value !== undefined);
  const identifier = lookup.identifier ? loggedIdentifier(lookup.name) : undefined;
  const value = String(lookup.value);
  return {
    filterAttribute: lookup.attribute,
    ...(logged
      ? { filterValue: truncate(identifier ? policy.write(identifier, value) : value) }
      : {}),
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
    return {
      attribute: truncate(pathText(node.path)),
      name: node.path.attribute,
      identifier: isIdentifier(node.path),
      value: scalar(node.raw ?? node.value),
    };
  }
  if (
    node.kind === 'valuePath' &&
    node.filter.kind === 'and' &&
    isTypeSelector(node.filter.left) &&
    node.filter.right.kind === 'compare' &&
    node.filter.right.op === 'eq'
  ) {
    const type = String(node.filter.left.value);
    const sub = node.filter.right.path.attribute;
    return {
      attribute: truncate(`${pathText(node.path)}[type eq ${JSON.stringify(type)}].${sub}`),
      name: node.path.attribute,
      identifier: false,
      value: scalar(node.filter.right.value),
    };
  }
  return undefined;
}

/**
 * The filter written back with the values the log may not hold replaced by `"…"`; `inBracket` for
 * the filter inside a value path's brackets, whose names are sub-attributes.
 */
function masked(node: FilterNode, policy: IdentifierLogPolicy, inBracket = false): string {
  switch (node.kind) {
    case 'compare': {
      const kept =
        node.value === null ||
        typeof node.value === 'boolean' ||
        (inBracket ? isTypeSelector(node) : isIdentifier(node.path));
      const identifier = inBracket ? undefined : loggedIdentifier(node.path.attribute);
      const text =
        kept && identifier && policy.mode === 'hmac' && typeof node.value === 'string'
          ? JSON.stringify(policy.write(identifier, node.value))
          : kept
            ? valueText(node.value, node.raw)
            : MASK;
      return `${pathText(node.path)} ${node.op} ${text}`;
    }
    case 'present':
      return `${pathText(node.path)} pr`;
    case 'not':
      return `not (${masked(node.filter, policy, inBracket)})`;
    case 'and':
      return `${operand(node.left, policy, inBracket)} and ${operand(node.right, policy, inBracket)}`;
    case 'or':
      return `${masked(node.left, policy, inBracket)} or ${masked(node.right, policy, inBracket)}`;
    case 'valuePath':
      return `${pathText(node.path)}[${masked(node.filter, policy, true)}]`;
  }
}

/** An operand of `and`: an `or` needs its parentheses back. */
function operand(node: FilterNode, policy: IdentifierLogPolicy, inBracket: boolean): string {
  return node.kind === 'or'
    ? `(${masked(node, policy, inBracket)})`
    : masked(node, policy, inBracket);
}

/** `type eq "work"`: the canonical type of a multi-valued element, not personal data. */
function isTypeSelector(
  node: FilterNode,
): node is Extract<FilterNode, { kind: 'compare' }> & { value: string } {
  return (
    node.kind === 'compare' &&
    node.op === 'eq' &&
    node.path.attribute.toLowerCase() === 'type' &&
    node.path.subAttribute === undefined &&
    typeof node.value === 'string'
  );
}

function isIdentifier(path: AttributePath): boolean {
  return (
    path.subAttribute === undefined &&
    (path.schema === undefined || CORE_SCHEMA.test(path.schema)) &&
    IDENTIFIERS.has(path.attribute.toLowerCase())
  );
}

/**
 * The path as written; a schema URN the service does not have is masked, since the text before
 * the last `:` may be anything (`urn:bob@example.com:title`).
 */
function pathText(path: AttributePath): string {
  const schema =
    path.schema === undefined ? '' : schemaByUrn(path.schema) ? `${path.schema}:` : 'urn:…:';
  return `${schema}${path.attribute}${path.subAttribute === undefined ? '' : `.${path.subAttribute}`}`;
}

function valueText(value: FilterValue, raw: string | undefined): string {
  return raw ?? (typeof value === 'string' ? JSON.stringify(value) : String(value));
}

function scalar(value: unknown): string | number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

function truncate(text: string): string {
  return text.length > MAX_LOGGED_LENGTH ? `${text.slice(0, MAX_LOGGED_LENGTH)}…` : text;
}
