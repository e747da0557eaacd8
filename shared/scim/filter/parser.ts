/**
 * A hand-written recursive-descent parser for RFC 7644 §3.4.2.2 filters, §3.5.2 PATCH paths and
 * the `attributes`/`excludedAttributes` lists, lenient where Microsoft Entra needs it.
 *
 * Grammar (RFC 7644 Figure 1 with errata 4690/7322; precedence low to high: `or`, `and`, then
 * `not`/grouping/attribute expressions; keywords and operators are case-insensitive):
 *
 * ```
 * filter    = orExp
 * orExp     = andExp *(WS "or" WS andExp)
 * andExp    = unary *(WS "and" WS unary)
 * unary     = "not" [WS] "(" orExp ")" / "(" orExp ")" / attrExp
 * attrExp   = attrPath WS "pr"
 *           / attrPath WS compareOp WS compValue
 *           / attrPath "[" valFilter "]" ["." ATTRNAME WS ("pr" / compareOp WS compValue)]
 * valFilter = orExp over sub-attribute names only; "[...]" does not nest
 * attrPath  = [URN ":"] ATTRNAME ["." ATTRNAME]      ATTRNAME = [A-Za-z$][A-Za-z0-9_$-]*
 * compValue = JSON string / JSON number / true / false / null / bare token
 * ```
 *
 * Leniencies, each because a real client needs it:
 * - Bare (unquoted) values, sent by legacy Entra and Microsoft's test suite
 *   (`externalId eq jyoung`, `meta.Created gt 2015-10-10T14:38:21.8617979-07:00`): a bare token
 *   runs up to whitespace, `)` or `]`. `true`/`false`/`null` (any case) and tokens shaped like a
 *   JSON number become those literals, keeping the text in `raw` so string attributes still
 *   compare with what was typed; any other token is a string. `and`, `or` and `not` are refused
 *   as bare values (quote them).
 * - Entra's `emails[type eq "work"].value eq "x"` (a value path followed by a sub-attribute and a
 *   comparison) becomes the value path `emails[type eq "work" and value eq "x"]`: the same
 *   element must satisfy both, which is what Entra means and what the store's planner looks for.
 * - Extension attributes in the legacy dot notation
 *   (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager`) as well as the RFC's
 *   colon notation: when the URN segment before the last `:` is a version number (`2.0`), the
 *   schema ends at the first `.` after it.
 */

import { DEFAULT_LIMITS } from '../../common/limits.js';
import {
  InvalidFilterError,
  InvalidPathError,
  InvalidValueError,
  type ScimError,
  type SyntaxErrorPosition,
} from '../errors.js';
import type { AttributePath, CompareOperator, FilterNode, FilterValue, PatchPath } from './ast.js';

/** Parentheses, `not (…)` and `[…]` nested deeper than this are refused (400 invalidFilter). */
export const MAX_FILTER_DEPTH = 16;

const COMPARE_OPERATORS: ReadonlySet<string> = new Set<CompareOperator>([
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'ge',
  'lt',
  'le',
]);

const ATTRIBUTE_NAME = /^[A-Za-z$][\w$-]*$/;
const VERSION_SEGMENT = /^\d+(\.\d+)*$/;
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const WHITESPACE = /\s/;
const LETTER = /[A-Za-z]/;
/** Characters that end an attribute path. */
const PATH_END = /[\s[\]()",]/;
/** Characters that end an unquoted value. */
const BARE_VALUE_END = /[\s)\]]/;

const EXPECTED_OPERATOR = 'an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr)';
const EXPECTED_ATTRIBUTE_NAME =
  'an attribute name (a letter or "$", then letters, digits, "_", "-" or "$")';

interface ParsedValue {
  readonly value: FilterValue;
  readonly raw?: string;
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    /** What the text is, for messages: "filter", "PATCH path", "attribute list". */
    private readonly noun: string,
    private readonly fail: (detail: string, syntax?: SyntaxErrorPosition) => ScimError,
  ) {}

  /** Refuses empty and over-long input before any parsing work. */
  checkSize(maxLength: number): void {
    if (this.text.trim() === '') throw this.fail(`The ${this.noun} is empty.`);
    if (this.text.length > maxLength) {
      throw this.fail(
        `The ${this.noun} is ${this.text.length} characters long; the limit is ${maxLength}.`,
      );
    }
  }

  filter(): FilterNode {
    const node = this.orExpression(false);
    this.skipWhitespace();
    if (!this.atEnd()) throw this.error('"and", "or" or the end of the filter');
    return node;
  }

  patchPath(): PatchPath {
    this.skipWhitespace();
    const start = this.pos;
    const path = this.attributePath(this.readUntil(PATH_END), start);
    let result: PatchPath = { path };
    if (this.peek() === '[') {
      const filter = this.bracketFilter(path, start);
      result = { path, filter };
      if (this.peek() === '.') {
        this.pos++;
        result = { path, filter, subAttribute: this.subAttributeName() };
      }
    }
    this.skipWhitespace();
    if (!this.atEnd()) throw this.error('the end of the path');
    return result;
  }

  attributeList(options: AttributeListOptions): AttributeListEntry[] {
    const entries: AttributeListEntry[] = [];
    for (;;) {
      this.skipWhitespace();
      if (this.atEnd()) return entries;
      if (this.peek() === ',') {
        // Empty items (`userName,,emails` or a trailing comma) are harmless: skip them.
        this.pos++;
        continue;
      }
      const start = this.pos;
      try {
        entries.push(this.attributeListEntry(options.schemas ?? []));
      } catch (error) {
        if (!options.skipMalformed) throw error;
        this.pos = start;
        this.skipListEntry();
      }
    }
  }

  /** One entry of an attribute list and the whitespace after it, up to `,` or the end. */
  private attributeListEntry(schemas: readonly string[]): AttributeListEntry {
    const start = this.pos;
    const token = this.readUntil(PATH_END);
    const schema = schemas.find((urn) => urn.toLowerCase() === token.toLowerCase());
    let entry: AttributeListEntry;
    if (schema !== undefined) {
      entry = { schema };
    } else {
      let path = this.attributePath(token, start);
      if (this.peek() === '[') {
        // `attributes=emails[type eq "work"]` (Microsoft's suite) selects the attribute `emails`:
        // returned attributes are whole attributes, so the bracket is skipped, not evaluated.
        if (path.subAttribute !== undefined) throw this.error('"," or the end of the list');
        this.skipBracket();
        if (this.peek() === '.') {
          this.pos++;
          path = { ...path, subAttribute: this.subAttributeName() };
        }
      }
      entry = path;
    }
    this.skipWhitespace();
    if (!this.atEnd() && this.peek() !== ',') throw this.error('"," or the end of the list');
    return entry;
  }

  /** Moves past the list entry that starts here: to the next `,` outside quotes and brackets. */
  private skipListEntry(): void {
    let depth = 0;
    let inString = false;
    for (; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos];
      if (inString) {
        if (c === '\\') this.pos++;
        else if (c === '"') inString = false;
      } else if (c === '"') {
        inString = true;
      } else if (c === '[') {
        depth++;
      } else if (c === ']') {
        depth = Math.max(0, depth - 1);
      } else if (c === ',' && depth === 0) {
        return;
      }
    }
  }

  private orExpression(inBracket: boolean): FilterNode {
    let left = this.andExpression(inBracket);
    while (this.logicalKeyword('or')) {
      left = { kind: 'or', left, right: this.andExpression(inBracket) };
    }
    return left;
  }

  private andExpression(inBracket: boolean): FilterNode {
    let left = this.unary(inBracket);
    while (this.logicalKeyword('and')) {
      left = { kind: 'and', left, right: this.unary(inBracket) };
    }
    return left;
  }

  /** Consumes ` and ` / ` or ` (whitespace before, whitespace or `(` after) if it comes next. */
  private logicalKeyword(word: 'and' | 'or'): boolean {
    const save = this.pos;
    if (this.skipWhitespace() > 0 && this.keywordAhead(word)) {
      this.pos += word.length;
      return true;
    }
    this.pos = save;
    return false;
  }

  private keywordAhead(word: string): boolean {
    const end = this.pos + word.length;
    if (this.text.slice(this.pos, end).toLowerCase() !== word) return false;
    const next = this.text[end];
    return next === undefined || next === '(' || WHITESPACE.test(next);
  }

  private unary(inBracket: boolean): FilterNode {
    this.skipWhitespace();
    const start = this.pos;
    if (this.peek() === '(') return this.group(inBracket);
    if (this.keywordAhead('not')) {
      this.pos += 3;
      this.skipWhitespace();
      if (this.peek() !== '(') throw this.error('"(" after "not"');
      return { kind: 'not', filter: this.group(inBracket) };
    }
    return this.attributeExpression(inBracket, start);
  }

  private group(inBracket: boolean): FilterNode {
    const open = this.pos;
    this.pos++;
    this.enter(open);
    const inner = this.orExpression(inBracket);
    this.skipWhitespace();
    this.expect(')', `")" to close the "(" at character ${open + 1}`);
    this.depth--;
    return inner;
  }

  private attributeExpression(inBracket: boolean, start: number): FilterNode {
    const token = this.readUntil(PATH_END);
    if (token === '') throw this.error('an attribute name, "(" or "not"');
    const path = this.attributePath(token, start);
    if (inBracket && (path.schema !== undefined || path.subAttribute !== undefined)) {
      throw this.failAt(
        start,
        `inside "[...]" name a sub-attribute of the attribute before the bracket (such as "type" or "value"), found ${quote(token)}.`,
      );
    }
    if (this.peek() === '[') {
      if (inBracket) throw this.error('a comparison (value filters "[...]" cannot nest)');
      const filter = this.bracketFilter(path, start);
      if (this.peek() !== '.') return { kind: 'valuePath', path, filter };
      // Entra's `emails[type eq "work"].value eq "x"`: see the module comment.
      this.pos++;
      const subStart = this.pos;
      const condition = this.condition({ attribute: this.subAttributeName() }, subStart);
      return { kind: 'valuePath', path, filter: { kind: 'and', left: filter, right: condition } };
    }
    return this.condition(path, start);
  }

  /** `[valFilter]` after `path`; the cursor is on `[`. */
  private bracketFilter(path: AttributePath, pathStart: number): FilterNode {
    const open = this.pos;
    if (path.subAttribute !== undefined) {
      throw this.failAt(
        open,
        `"[" must follow a multi-valued attribute name, not the sub-attribute path ${quote(this.text.slice(pathStart, open))}.`,
      );
    }
    this.pos++;
    this.enter(open);
    const filter = this.orExpression(true);
    this.skipWhitespace();
    this.expect(']', `"]" to close the "[" at character ${open + 1}`);
    this.depth--;
    return filter;
  }

  /** `pr` or `op value` after an attribute path. */
  private condition(path: AttributePath, pathStart: number): FilterNode {
    const spaced = this.skipWhitespace() > 0;
    const opStart = this.pos;
    const op = this.readWhile(LETTER).toLowerCase();
    if (!spaced || !(op === 'pr' || COMPARE_OPERATORS.has(op))) {
      throw this.error(
        `${EXPECTED_OPERATOR} after ${quote(this.text.slice(pathStart, opStart).trim())}`,
        opStart,
      );
    }
    if (op === 'pr') return { kind: 'present', path };
    if (this.skipWhitespace() === 0 && this.peek() !== '"') {
      throw this.error(`a space and a value after "${op}"`);
    }
    const { value, raw } = this.value();
    const node: FilterNode =
      raw === undefined
        ? { kind: 'compare', path, op: op as CompareOperator, value }
        : { kind: 'compare', path, op: op as CompareOperator, value, raw };
    return node;
  }

  private value(): ParsedValue {
    const start = this.pos;
    if (this.peek() === '"') return { value: this.string() };
    const token = this.readUntil(BARE_VALUE_END);
    if (token === '') throw this.error('a value (a quoted string, number, true, false or null)');
    const lower = token.toLowerCase();
    if (lower === 'true') return { value: true, raw: token };
    if (lower === 'false') return { value: false, raw: token };
    if (lower === 'null') return { value: null, raw: token };
    if (JSON_NUMBER.test(token)) {
      const number = Number(token);
      if (Number.isFinite(number)) return { value: number, raw: token };
      return { value: token };
    }
    if (lower === 'and' || lower === 'or' || lower === 'not') {
      throw this.error(`a value (write "${token}" in quotes to compare with that word)`, start);
    }
    return { value: token };
  }

  /** A JSON string literal; the cursor is on the opening quote. */
  private string(): string {
    const open = this.pos;
    let end = open + 1;
    while (end < this.text.length && this.text[end] !== '"') {
      end += this.text[end] === '\\' ? 2 : 1;
    }
    if (end >= this.text.length) {
      throw this.failAt(open, `the string that starts there has no closing '"'.`);
    }
    this.pos = end + 1;
    // Raw control characters (a pasted tab) are not valid JSON but harmless here: escape them.
    const literal = Array.from(this.text.slice(open, end + 1), (c) =>
      c < ' ' ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c,
    ).join('');
    try {
      return JSON.parse(literal) as string;
    } catch {
      throw this.failAt(
        open,
        `the string that starts there has an invalid escape sequence (use \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX).`,
      );
    }
  }

  /**
   * `[URN ":"] ATTRNAME ["." ATTRNAME]`, also `URN "." ATTRNAME` (legacy dot notation); `start`
   * is where `token` begins in the text, for messages.
   */
  private attributePath(token: string, start: number): AttributePath {
    if (token === '') throw this.error(EXPECTED_ATTRIBUTE_NAME, start);
    let schema: string | undefined;
    let rest = token;
    let restStart = start;
    if (/^urn:/i.test(token)) {
      const colon = token.lastIndexOf(':');
      schema = token.slice(0, colon);
      rest = token.slice(colon + 1);
      restStart = start + colon + 1;
      const dot = rest.indexOf('.');
      const lastSegment = schema.slice(schema.lastIndexOf(':') + 1);
      if (dot > 0 && VERSION_SEGMENT.test(lastSegment)) {
        schema = `${schema}:${rest.slice(0, dot)}`;
        rest = rest.slice(dot + 1);
        restStart += dot + 1;
      }
    }
    const parts = rest.split('.');
    let offset = restStart;
    for (const part of parts) {
      if (!ATTRIBUTE_NAME.test(part)) throw this.error(EXPECTED_ATTRIBUTE_NAME, offset);
      offset += part.length + 1;
    }
    if (parts.length > 2) {
      throw this.failAt(
        start,
        `${quote(token)} has more than one "." (an attribute path is attribute or attribute.subAttribute).`,
      );
    }
    const [attribute, subAttribute] = parts as [string, string | undefined];
    return {
      ...(schema === undefined ? {} : { schema }),
      attribute,
      ...(subAttribute === undefined ? {} : { subAttribute }),
    };
  }

  private subAttributeName(): string {
    const start = this.pos;
    const name = this.readUntil(PATH_END);
    if (!ATTRIBUTE_NAME.test(name)) {
      throw this.error(`a sub-attribute name after "]." (${EXPECTED_ATTRIBUTE_NAME})`, start);
    }
    return name;
  }

  /** Skips a `[...]` whose content is not needed, honouring quoted strings. */
  private skipBracket(): void {
    const open = this.pos;
    let inString = false;
    for (let i = open + 1; i < this.text.length; i++) {
      const c = this.text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') {
        inString = true;
      } else if (c === ']') {
        this.pos = i + 1;
        return;
      }
    }
    this.pos = this.text.length;
    throw this.error(`"]" to close the "[" at character ${open + 1}`);
  }

  private enter(at: number): void {
    this.depth++;
    if (this.depth > MAX_FILTER_DEPTH) {
      throw this.failAt(at, `"(", "not" and "[" nest deeper than ${MAX_FILTER_DEPTH} levels.`);
    }
  }

  private expect(char: string, expected: string): void {
    if (this.peek() !== char) throw this.error(expected);
    this.pos++;
  }

  private error(expected: string, at = this.pos): ScimError {
    return this.failAt(at, `expected ${expected}, found ${this.found(at)}.`);
  }

  /**
   * The error for the text at offset `at`. Its detail, for the client, may quote the text; the log
   * gets the position only (see `ScimError.logDetail`).
   */
  private failAt(at: number, message: string): ScimError {
    return this.fail(`Invalid ${this.noun} at character ${at + 1}: ${message}`, {
      noun: this.noun,
      character: at + 1,
      length: this.text.length,
    });
  }

  private found(at: number): string {
    if (at >= this.text.length) return 'the end';
    const word = /^[^\s]{1,24}/.exec(this.text.slice(at))?.[0];
    return word === undefined ? 'whitespace' : quote(word);
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private skipWhitespace(): number {
    return this.readWhile(WHITESPACE).length;
  }

  private readWhile(pattern: RegExp): string {
    const start = this.pos;
    while (this.pos < this.text.length && pattern.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private readUntil(pattern: RegExp): string {
    const start = this.pos;
    while (this.pos < this.text.length && !pattern.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/**
 * Parses a `filter` query parameter (RFC 7644 §3.4.2.2), accepting Entra's dialects.
 *
 * @throws InvalidFilterError (400 invalidFilter) naming the character position and what was
 * expected there; also for a filter longer than `maxFilterLength` (`common/limits.ts`) or nested deeper than
 * {@link MAX_FILTER_DEPTH}.
 *
 * @example
 * parseFilter('userName eq "bjensen" and emails[type eq "work"].value co "@example.com"');
 * // { kind: 'and',
 * //   left: { kind: 'compare', path: { attribute: 'userName' }, op: 'eq', value: 'bjensen' },
 * //   right: { kind: 'valuePath', path: { attribute: 'emails' },
 * //            filter: { kind: 'and', left: <type eq "work">, right: <value co "@example.com"> } } }
 */
export function parseFilter(
  text: string,
  maxLength: number = DEFAULT_LIMITS.maxFilterLength,
): FilterNode {
  const parser = new Parser(text, 'filter', (detail, at) => new InvalidFilterError(detail, at));
  parser.checkSize(maxLength);
  return parser.filter();
}

/**
 * Parses a PATCH operation's `path` (RFC 7644 §3.5.2: `attrPath / valuePath [subAttr]`), in the
 * colon or legacy dot notation for extension attributes.
 *
 * @throws InvalidPathError (400 invalidPath) naming the character position.
 *
 * @example
 * parsePatchPath('emails[type eq "work"].value');
 * // { path: { attribute: 'emails' },
 * //   filter: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'work' },
 * //   subAttribute: 'value' }
 * parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager');
 * // { path: { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attribute: 'manager' } }
 */
export function parsePatchPath(text: string): PatchPath {
  const parser = new Parser(text, 'PATCH path', (detail, at) => new InvalidPathError(detail, at));
  parser.checkSize(DEFAULT_LIMITS.maxFilterLength);
  return parser.patchPath();
}

/** How {@link parseAttributeList} reads a list. */
export interface AttributeListOptions {
  /**
   * Schema URNs an entry may name on its own, meaning the whole schema (`attributes=urn:…:
   * enterprise:2.0:User`); matched case-insensitively and returned as written here.
   */
  readonly schemas?: readonly string[];
  /**
   * Drop entries that are not attribute paths (`emails..value`, `name givenName`) instead of
   * refusing the list, and accept a list of any length.
   */
  readonly skipMalformed?: boolean;
  /** Longest list accepted, in characters (default: the default `maxFilterLength`). */
  readonly maxLength?: number;
}

/** An entry of an attribute list: an attribute path, or a whole schema named by its URN. */
export type AttributeListEntry =
  | AttributePath
  | { readonly schema: string; readonly attribute?: undefined; readonly subAttribute?: undefined };

/**
 * Parses a comma-separated list of attribute paths (RFC 7644 §3.10 notation: optional schema URN
 * prefix in the colon or legacy dot notation, optional sub-attribute), as `sortBy` and the
 * `attributes`/`excludedAttributes` parameters carry them. Whitespace around entries and empty
 * entries are ignored; an empty list gives `[]`. A value filter is skipped, not evaluated, leaving
 * the attribute before it and any sub-attribute after it (`emails[type eq "work"]` → `emails`,
 * `emails[type eq "work"].value` → `emails.value`). Names are not resolved against a schema here.
 *
 * @throws InvalidValueError (400 invalidValue) naming the character position, for a malformed
 *   entry (unless `skipMalformed`) or a list longer than `maxFilterLength` (`common/limits.ts`).
 *
 * @example
 * parseAttributeList('userName, name.givenName, urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager');
 * // [ { attribute: 'userName' }, { attribute: 'name', subAttribute: 'givenName' },
 * //   { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attribute: 'manager' } ]
 * parseAttributeList('emails[type eq "work"],urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', {
 *   schemas: ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
 * });
 * // [ { attribute: 'emails' }, { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User' } ]
 */
export function parseAttributeList(text: string): AttributePath[];
export function parseAttributeList(
  text: string,
  options: AttributeListOptions,
): AttributeListEntry[];
export function parseAttributeList(
  text: string,
  options: AttributeListOptions = {},
): AttributeListEntry[] {
  const parser = new Parser(
    text,
    'attribute list',
    (detail, at) => new InvalidValueError(detail, at),
  );
  if (text.trim() === '') return [];
  if (!options.skipMalformed) parser.checkSize(options.maxLength ?? DEFAULT_LIMITS.maxFilterLength);
  return parser.attributeList(options);
}
