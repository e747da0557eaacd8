/**
 * Turning one client-supplied value into the value the service stores, driven by the attribute's
 * definition. POST/PUT normalization and the PATCH engine both go through here, so a value is
 * accepted or refused the same way whichever operation carries it.
 */

import { isObject } from '../../common/values.js';
import { InvalidValueError } from '../errors.js';
import type { AttributeDefinition } from './types.js';

/**
 * Coerces `value` to what `definition` says it is, or throws `InvalidValueError` naming
 * `attributeName` (the path as the client would recognise it, e.g. `emails` or
 * `urn:…:enterprise:2.0:User:manager`).
 *
 * - Absence: `null`, `""`, `[]`, `{}` and a complex value left with no sub-attribute all give
 *   `undefined` ("unassigned", RFC 7643 §2.5); callers store nothing or clear the attribute.
 * - boolean: `true`/`false`, or the strings `"True"`/`"False"` in any case (Entra's default mode).
 * - integer, decimal: a JSON number or a numeric string. dateTime: an xsd:dateTime string, kept as
 *   sent. string, reference, binary (base64): strings, kept as sent.
 * - complex: an object; sub-attribute names match case-insensitively and come out canonical;
 *   unknown, null and readOnly sub-attributes are dropped (readOnly values from a client are
 *   ignored, RFC 7644 §3.3). A bare string or number is taken as the `value` sub-attribute when
 *   there is one (Entra sends `manager` as a bare id); a complex attribute that has a `value`
 *   sub-attribute but got none is unassigned (`{"value": ""}` removes a manager).
 *   A single-valued complex attribute given as a one-element array takes that element (legacy
 *   Entra manager shape).
 * - multi-valued: an array, or one element that is wrapped; empty elements are dropped, and only the
 *   first element with `primary: true` keeps it. Repeated `type` values are kept as sent: Microsoft's
 *   own test suite posts two `work` e-mails and expects 201.
 *
 * To coerce ONE element of a multi-valued attribute (PATCH `add` of an element, a filtered path),
 * pass `{ ...definition, multiValued: false }`.
 *
 * @example
 * coerceAttributeValue(activeDefinition, 'False', 'active') // → false
 * coerceAttributeValue(managerDefinition, '26118915', 'manager') // → { value: '26118915' }
 */
export function coerceAttributeValue(
  definition: AttributeDefinition,
  value: unknown,
  attributeName: string,
): unknown {
  if (definition.multiValued) return coerceMultiValued(definition, value, attributeName);
  return coerceSingle(definition, value, attributeName);
}

/**
 * Keeps `primary: true` on the first element that has it and removes it from the others
 * (RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once").
 */
export function keepSinglePrimary<T>(elements: readonly T[]): T[] {
  let seen = false;
  return elements.map((element) => {
    if (!isObject(element) || element.primary !== true) return element;
    if (!seen) {
      seen = true;
      return element;
    }
    const { primary: _dropped, ...rest } = element;
    return rest as T;
  });
}

function coerceMultiValued(
  definition: AttributeDefinition,
  value: unknown,
  attributeName: string,
): unknown[] | undefined {
  if (value === null || value === undefined) return undefined;
  const items = Array.isArray(value) ? value : [value];
  const coerced: unknown[] = [];
  items.forEach((item, index) => {
    const element = coerceSingle(definition, item, `${attributeName}[${index}]`);
    if (element !== undefined) coerced.push(element);
  });
  if (coerced.length === 0) return undefined;
  return definition.type === 'complex' ? keepSinglePrimary(coerced) : coerced;
}

function coerceSingle(
  definition: AttributeDefinition,
  value: unknown,
  attributeName: string,
): unknown {
  if (value === null || value === undefined) return undefined;
  if (definition.type === 'complex') return coerceComplex(definition, value, attributeName);
  if (Array.isArray(value)) {
    // A one-element array for a single value is a common client slip; more is ambiguous.
    if (value.length === 0) return undefined;
    if (value.length === 1) return coerceSimple(definition, value[0], attributeName);
    throw new InvalidValueError(
      `${attributeName} is single-valued; got an array of ${value.length} values.`,
    );
  }
  return coerceSimple(definition, value, attributeName);
}

function coerceComplex(
  definition: AttributeDefinition,
  value: unknown,
  attributeName: string,
): Record<string, unknown> | undefined {
  const subAttributes = definition.subAttributes ?? [];
  const valueSubAttribute = subAttributes.find((sub) => sub.name === 'value');
  let object: Record<string, unknown>;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    if (value.length > 1) {
      throw new InvalidValueError(
        `${attributeName} is single-valued; got an array of ${value.length} values.`,
      );
    }
    return coerceComplex(definition, value[0], attributeName);
  }
  if (isObject(value)) {
    object = value;
  } else if (
    valueSubAttribute !== undefined &&
    (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
  ) {
    object = { value };
  } else {
    throw new InvalidValueError(`${attributeName} must be an object; got ${describe(value)}.`);
  }

  const result: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(object)) {
    const wanted = key.toLowerCase();
    const sub = subAttributes.find((candidate) => candidate.name.toLowerCase() === wanted);
    if (sub === undefined || sub.mutability === 'readOnly') continue;
    const coerced = coerceAttributeValue(sub, raw, `${attributeName}.${sub.name}`);
    if (coerced === undefined) delete result[sub.name];
    else result[sub.name] = coerced;
  }
  if (valueSubAttribute !== undefined && result.value === undefined) return undefined;
  return Object.keys(result).length === 0 ? undefined : result;
}

function coerceSimple(
  definition: AttributeDefinition,
  value: unknown,
  attributeName: string,
): unknown {
  switch (definition.type) {
    case 'boolean':
      return coerceBoolean(value, attributeName);
    case 'integer':
      return coerceNumber(value, attributeName, true);
    case 'decimal':
      return coerceNumber(value, attributeName, false);
    case 'dateTime':
      return coerceDateTime(value, attributeName);
    case 'binary':
      return coerceBinary(value, attributeName);
    default:
      // string and reference: kept exactly as sent (Entra: "store values as sent").
      if (typeof value !== 'string') {
        throw new InvalidValueError(`${attributeName} must be a string; got ${describe(value)}.`);
      }
      return value === '' ? undefined : value;
  }
}

function coerceBoolean(value: unknown, attributeName: string): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
    if (text === '') return undefined;
  }
  throw new InvalidValueError(
    `${attributeName} must be a boolean (true or false); got ${describe(value, true)}.`,
  );
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function coerceNumber(value: unknown, attributeName: string, integer: boolean): number | undefined {
  const kind = integer ? 'an integer' : 'a decimal number';
  let number: number | undefined;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return undefined;
    if ((integer ? INTEGER : DECIMAL).test(text)) number = Number(text);
  }
  if (
    number === undefined ||
    !Number.isFinite(number) ||
    (integer && !Number.isSafeInteger(number))
  ) {
    throw new InvalidValueError(`${attributeName} must be ${kind}; got ${describe(value, true)}.`);
  }
  return number;
}

// xsd:dateTime (RFC 7643 §2.3.5): date, 'T', time with optional fraction, optional zone.
const DATE_TIME =
  /^(\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/;

function coerceDateTime(value: unknown, attributeName: string): string | undefined {
  if (value === '') return undefined;
  if (typeof value === 'string' && isDateTime(value)) return value;
  throw new InvalidValueError(
    `${attributeName} must be an xsd:dateTime such as 2008-01-23T04:56:22Z; got ${describe(value, true)}.`,
  );
}

function isDateTime(text: string): boolean {
  const match = DATE_TIME.exec(text);
  if (match === null) return false;
  const [, year, month, day, hour, minute, second, , , zoneHour, zoneMinute] = match.map(Number);
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysInMonth &&
    (hour! < 24 || (hour === 24 && minute === 0 && second === 0)) &&
    minute! < 60 &&
    second! < 60 &&
    (Number.isNaN(zoneHour) || (zoneHour! <= 14 && zoneMinute! < 60))
  );
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function coerceBinary(value: unknown, attributeName: string): string | undefined {
  if (typeof value === 'string') {
    if (value === '') return undefined;
    // Certificates arrive wrapped at 64 or 76 characters; the line breaks are not data.
    if (BASE64.test(value.replace(/\s+/g, ''))) return value;
  }
  throw new InvalidValueError(
    `${attributeName} must be base64-encoded binary; got ${describe(value)}.`,
  );
}

/**
 * Names the JSON type of a rejected value. Strings are echoed only when short and the attribute is
 * not a string one (`"yes"` for a boolean helps; a rejected name or address is personal data).
 */
function describe(value: unknown, echo = false): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return echo && value.length <= 40 ? JSON.stringify(value) : 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}
