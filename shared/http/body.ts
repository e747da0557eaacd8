import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { limits } from '../config.js';
import {
  InvalidSyntaxError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../scim/errors.js';

// application/scim+json, application/json and any other +json type; parameters allowed.
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/**
 * Reads a request body as JSON, the SCIM way: size limit first (413), then media type (415), then
 * nesting depth (`limits.maxJsonDepth`) and syntax (400 invalidSyntax). Written here rather than taken from @middy/http-json-body-parser,
 * which answers malformed JSON with 415 and has no size limit.
 *
 * A syntax error is reported by its position only: `JSON.parse`'s own message quotes the text
 * around the error, which may be a password or other personal data, and the detail goes to the
 * client and into the request log.
 *
 * @example
 * parseJsonBody(event) // event.body '{"password": hunter2}' → InvalidSyntaxError
 * // detail: 'The request body is not valid JSON: unexpected character at line 1, column 14.'
 */
export function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : event.body;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limits.maxBodyBytes) {
    throw new PayloadTooLargeError(
      `The request body is ${size} bytes; the limit is ${limits.maxBodyBytes} bytes.`,
    );
  }
  const contentType = event.headers['content-type'];
  // A missing Content-Type is tolerated (some scripts omit it); a non-JSON one is not.
  if (contentType !== undefined && !JSON_MEDIA_TYPE.test(contentType)) {
    throw new UnsupportedMediaTypeError(contentType);
  }
  const tooDeep = nestingPastLimit(text, limits.maxJsonDepth);
  if (tooDeep !== undefined) {
    throw new InvalidSyntaxError(
      `The request body nests objects and arrays more than ${limits.maxJsonDepth} levels deep (${position(text, tooDeep)}).`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidSyntaxError(`The request body is not valid JSON: ${whereInvalid(text)}.`);
  }
}

/** Where `text` stops being JSON, in words that quote none of it. */
function whereInvalid(text: string): string {
  const offset = jsonErrorOffset(text);
  if (offset === undefined) return 'it could not be parsed';
  if (offset >= text.length) return 'it ends before the JSON value is complete';
  return `unexpected character at ${position(text, offset)}`;
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/**
 * The offset of the bracket that opens level `limit + 1` of nested objects and arrays, undefined
 * when `text` stays within `limit` levels. One pass, no recursion, brackets inside strings
 * skipped; run before `JSON.parse`, so the walks over a parsed body (coercion, PATCH, Bulk
 * references, serialisation) never meet a deeper value.
 *
 * @example nestingPastLimit('[[[1]]]', 2) // → 2
 */
export function nestingPastLimit(text: string, limit: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next unit.
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}

const JSON_WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX_DIGIT = /^[0-9a-fA-F]$/;
const DIGIT = /^[0-9]$/;

/**
 * The offset (UTF-16 units) of the first character at which `text` stops being JSON (RFC 8259),
 * `text.length` when it ends too early, undefined when it is JSON. `JSON.parse` does not say where
 * in every case (its "Unexpected token" message quotes the text instead), hence this scanner; it
 * runs only after `JSON.parse` failed. Iterative, so deep nesting cannot overflow the stack.
 */
function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const containers: ('{' | '[')[] = [];
  const skipWhitespace = () => {
    while (i < text.length && JSON_WHITESPACE.has(text[i] as string)) i++;
  };
  const digits = (): boolean => {
    if (!DIGIT.test(text[i] ?? '')) return false;
    while (DIGIT.test(text[i] ?? '')) i++;
    return true;
  };
  const string = (): boolean => {
    i++; // the opening quote
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') return false;
      if (c === '"') {
        i++;
        return true;
      }
      if (c !== '\\') {
        i++;
        continue;
      }
      i++;
      const escaped = text[i];
      if (escaped === 'u') {
        for (let k = 0; k < 4; k++) {
          i++;
          if (!HEX_DIGIT.test(text[i] ?? '')) return false;
        }
        i++;
      } else if (escaped !== undefined && SIMPLE_ESCAPES.has(escaped)) {
        i++;
      } else {
        return false;
      }
    }
  };
  const number = (): boolean => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (!digits()) return false;
    if (text[i] === '.') {
      i++;
      if (!digits()) return false;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!digits()) return false;
    }
    return true;
  };
  const literal = (word: string): boolean => {
    for (const expected of word) {
      if (text[i] !== expected) return false;
      i++;
    }
    return true;
  };
  const scalar = (): boolean => {
    const c = text[i];
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || DIGIT.test(c ?? '')) return number();
    return false;
  };
  /** `"name" :` of an object member. */
  const memberName = (): boolean => {
    skipWhitespace();
    if (text[i] !== '"' || !string()) return false;
    skipWhitespace();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };

  for (;;) {
    // A value is expected here.
    skipWhitespace();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      skipWhitespace();
      if (text[i] === (c === '{' ? '}' : ']')) {
        i++;
      } else {
        containers.push(c);
        if (c === '{' && !memberName()) return i;
        continue;
      }
    } else if (!scalar()) {
      return i;
    }
    // A value ended: close containers until one expects another value.
    for (;;) {
      skipWhitespace();
      const open = containers.at(-1);
      if (open === undefined) return i < text.length ? i : undefined;
      const next = text[i];
      if (next === ',') {
        i++;
        if (open === '{' && !memberName()) return i;
        break;
      }
      if (next !== (open === '{' ? '}' : ']')) return i;
      i++;
      containers.pop();
    }
  }
}
