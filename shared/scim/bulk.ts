/**
 * The BulkRequest message of RFC 7644 §3.7, without I/O: reading the request, finding the
 * `bulkId:` references each operation makes (§3.7.2) and replacing them with resource ids.
 */

import { DEFAULT_LIMITS, type Limits } from '../common/limits.js';
import { isObject, readKey } from '../common/values.js';
import {
  InvalidSyntaxError,
  InvalidValueError,
  PayloadTooLargeError,
  type ScimError,
} from './errors.js';

export const BULK_REQUEST_URN = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_URN = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

export type BulkMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type BulkEndpoint = 'Users' | 'Groups';

/** One operation as the client sent it, checked for shape. */
export interface BulkOperation {
  /** Position in the request, from 0. */
  readonly index: number;
  /** The method as sent when it is not one of the four (then `problem` says why). */
  readonly method: BulkMethod | string;
  readonly bulkId?: string;
  /** `version`: the ETag the operation is conditional on (If-Match). */
  readonly version?: string;
  readonly path: string;
  readonly data?: unknown;
  /** The resource endpoint the path names. */
  readonly endpoint?: BulkEndpoint;
  /** The id in the path (`/Users/{id}`), possibly `bulkId:…`; undefined for POST. */
  readonly id?: string;
  /** bulkIds this operation refers to, in its path or its data, each once. */
  readonly references: readonly string[];
  /** Why the operation cannot run, when its shape is wrong: it fails with this error alone. */
  readonly problem?: ScimError;
}

export interface BulkRequest {
  /** Stop after this many errors (RFC 7644 §3.7.3); undefined: never stop early. */
  readonly failOnErrors?: number;
  readonly operations: readonly BulkOperation[];
}

const METHODS: readonly BulkMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
const BULK_ID_PREFIX = 'bulkId:';

/**
 * Reads a `POST /Bulk` body. The request as a whole is refused (and nothing runs) when it is not
 * a BulkRequest, holds more than `limits.maxBulkOperations` operations (413, naming the limit,
 * as RFC 7644 §3.7.4 requires) or declares one bulkId twice; an operation whose own shape is wrong
 * only fails itself (its `problem`). Member names match case-insensitively (`Operations`,
 * `operations`); methods too (`post`).
 *
 * @throws InvalidSyntaxError, InvalidValueError, PayloadTooLargeError as above.
 *
 * @example
 * parseBulkRequest({ Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: {…} }] })
 *   .operations[0].endpoint // → 'Users'
 */
export function parseBulkRequest(
  body: unknown,
  limits: Pick<Limits, 'maxBulkOperations'> = DEFAULT_LIMITS,
): BulkRequest {
  if (!isObject(body)) {
    throw new InvalidSyntaxError(
      `The request body must be a BulkRequest (${BULK_REQUEST_URN}) JSON object.`,
    );
  }
  const operations = readKey(body, 'Operations');
  if (!Array.isArray(operations)) {
    throw new InvalidSyntaxError('A BulkRequest needs an "Operations" array.');
  }
  if (operations.length > limits.maxBulkOperations) {
    throw new PayloadTooLargeError(
      `The bulk request has ${operations.length} operations; maxOperations is ${limits.maxBulkOperations}.`,
    );
  }
  const failOnErrors = readKey(body, 'failOnErrors');
  if (
    failOnErrors !== undefined &&
    failOnErrors !== null &&
    !(Number.isInteger(failOnErrors) && (failOnErrors as number) >= 1)
  ) {
    throw new InvalidValueError('failOnErrors must be an integer of at least 1.');
  }
  const parsed = operations.map(parseOperation);
  const declared = new Set<string>();
  for (const operation of parsed) {
    if (operation.bulkId === undefined) continue;
    if (declared.has(operation.bulkId)) {
      throw new InvalidValueError(
        `bulkId "${operation.bulkId}" is declared by more than one operation.`,
      );
    }
    declared.add(operation.bulkId);
  }
  return {
    ...(typeof failOnErrors === 'number' ? { failOnErrors } : {}),
    operations: parsed,
  };
}

/**
 * Replaces every `bulkId:x` reference in `value` by `ids.get(x)`: strings that are exactly a
 * reference (`"value": "bulkId:qwerty"`), and quoted references inside strings (a PATCH path
 * `members[value eq "bulkId:qwerty"]`). Returns a new value; `value` is left untouched.
 *
 * @example resolveReferences({ members: [{ value: 'bulkId:a' }] }, new Map([['a', '42']]))
 * // → { members: [{ value: '42' }] }
 */
export function resolveReferences(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    if (value.startsWith(BULK_ID_PREFIX)) {
      const id = ids.get(value.slice(BULK_ID_PREFIX.length));
      if (id !== undefined) return id;
    }
    return value.replace(QUOTED_REFERENCE, (whole, bulkId: string) => {
      const id = ids.get(bulkId);
      return id === undefined ? whole : JSON.stringify(id);
    });
  }
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, ids));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveReferences(item, ids)]),
    );
  }
  return value;
}

const QUOTED_REFERENCE = /"bulkId:([^"\\]+)"/g;

/** The bulkIds referenced in `value`, as `resolveReferences` finds them. */
function referencesIn(value: unknown, found: Set<string>): void {
  if (typeof value === 'string') {
    if (value.startsWith(BULK_ID_PREFIX) && value.length > BULK_ID_PREFIX.length) {
      found.add(value.slice(BULK_ID_PREFIX.length));
    }
    for (const match of value.matchAll(QUOTED_REFERENCE)) found.add(match[1] as string);
  } else if (Array.isArray(value)) {
    for (const item of value) referencesIn(item, found);
  } else if (isObject(value)) {
    for (const item of Object.values(value)) referencesIn(item, found);
  }
}

function parseOperation(raw: unknown, index: number): BulkOperation {
  const label = `Operations[${index}]`;
  if (!isObject(raw)) {
    return {
      index,
      method: '',
      path: '',
      references: [],
      problem: new InvalidSyntaxError(`${label} must be an object.`),
    };
  }
  const methodValue = readKey(raw, 'method');
  const method = typeof methodValue === 'string' ? methodValue.toUpperCase() : '';
  const pathValue = readKey(raw, 'path');
  const path = typeof pathValue === 'string' ? pathValue : '';
  const bulkIdValue = readKey(raw, 'bulkId');
  const versionValue = readKey(raw, 'version');
  const data = readKey(raw, 'data');
  const bulkId = typeof bulkIdValue === 'string' && bulkIdValue !== '' ? bulkIdValue : undefined;
  const version = typeof versionValue === 'string' ? versionValue : undefined;
  const base = {
    index,
    method: method || String(methodValue ?? ''),
    path,
    ...(bulkId === undefined ? {} : { bulkId }),
    ...(version === undefined ? {} : { version }),
    ...(data === undefined ? {} : { data }),
  };
  const fail = (problem: ScimError): BulkOperation => ({ ...base, references: [], problem });

  if (!METHODS.includes(method as BulkMethod)) {
    return fail(
      new InvalidSyntaxError(
        `${label}.method must be POST, PUT, PATCH or DELETE; got ${show(methodValue)}.`,
      ),
    );
  }
  if (bulkIdValue !== undefined && bulkIdValue !== null && bulkId === undefined) {
    return fail(new InvalidValueError(`${label}.bulkId must be a non-empty string.`));
  }
  const target = parsePath(path);
  if (target === undefined || (method === 'POST') !== (target.id === undefined)) {
    const wanted = method === 'POST' ? '/Users or /Groups' : '/Users/{id} or /Groups/{id}';
    return fail(
      new InvalidValueError(
        `${label}.path must be ${wanted} for ${method}; got ${show(pathValue)}.`,
      ),
    );
  }
  if (method !== 'DELETE' && (data === undefined || data === null)) {
    return fail(new InvalidSyntaxError(`${label} (${method}) needs "data".`));
  }
  const references = new Set<string>();
  if (target.id !== undefined) referencesIn(target.id, references);
  referencesIn(data, references);
  return {
    ...base,
    endpoint: target.endpoint,
    ...(target.id === undefined ? {} : { id: target.id }),
    references: [...references],
  };
}

/** `/Users`, `/Groups/abc` (endpoint names in any case, one trailing slash tolerated). */
function parsePath(path: string): { endpoint: BulkEndpoint; id?: string } | undefined {
  const match = /^\/(users|groups)(?:\/([^/]+))?\/?$/i.exec(path.trim());
  if (match === null) return undefined;
  const endpoint: BulkEndpoint = match[1]!.toLowerCase() === 'users' ? 'Users' : 'Groups';
  if (match[2] === undefined) return { endpoint };
  let id = match[2];
  try {
    id = decodeURIComponent(id);
  } catch {
    // Not percent-encoded after all: keep it as sent.
  }
  return { endpoint, id };
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value).slice(0, 60);
}
