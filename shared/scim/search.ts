/**
 * Query parameters of a list request, whether they came in the URL (`GET /Users?…`, RFC 7644
 * §3.4.2) or in a SearchRequest body (`POST /Users/.search`, §3.4.3): both end up as the same
 * strings, so one list service answers both.
 */
import { InvalidSyntaxError, InvalidValueError } from './errors.js';

export const SEARCH_REQUEST_URN = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** RFC 7644 §3.4.2 and RFC 9865 §2 parameters, as text; absent when not given. */
export interface SearchParameters {
  readonly filter?: string;
  readonly startIndex?: string;
  readonly count?: string;
  readonly sortBy?: string;
  readonly sortOrder?: string;
  /** RFC 9865: `""` asks for the first page of cursor paging. */
  readonly cursor?: string;
}

/** A parsed SearchRequest: the list parameters plus the projection, comma-separated. */
export interface SearchRequest {
  readonly parameters: SearchParameters;
  readonly attributes?: string;
  readonly excludedAttributes?: string;
}

const PARAMETERS = ['filter', 'startIndex', 'count', 'sortBy', 'sortOrder', 'cursor'] as const;

/**
 * Reads the list parameters from a query string. Names are matched exactly, as RFC 7644 spells
 * them; unknown parameters (`aadOptscim062020`) are ignored.
 *
 * @example searchParametersFromQuery(new URLSearchParams('filter=userName+eq+"x"&count=5'))
 * // → { filter: 'userName eq "x"', count: '5' }
 */
export function searchParametersFromQuery(query: URLSearchParams): SearchParameters {
  const parameters: Record<string, string> = {};
  for (const name of PARAMETERS) {
    const value = query.get(name);
    if (value !== null) parameters[name] = value;
  }
  return parameters;
}

/**
 * Reads a `POST …/.search` body (RFC 7644 §3.4.3). `attributes` and `excludedAttributes` are
 * arrays of attribute paths (a comma-separated string is accepted too); `startIndex` and `count`
 * are integers (numeric strings accepted); `filter`, `sortBy`, `sortOrder` and `cursor` are
 * strings. `schemas` is not checked: clients that omit it mean the same search. Unknown members
 * are ignored; `null` is the same as absent.
 *
 * @throws InvalidSyntaxError when the body is not a JSON object.
 * @throws InvalidValueError when a member has the wrong type.
 *
 * @example
 * parseSearchRequest({ filter: 'userName sw "b"', attributes: ['userName'], count: 10 })
 * // → { parameters: { filter: 'userName sw "b"', count: '10' }, attributes: 'userName' }
 */
export function parseSearchRequest(body: unknown): SearchRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidSyntaxError(
      `The request body must be a SearchRequest (${SEARCH_REQUEST_URN}) JSON object.`,
    );
  }
  const source = body as Record<string, unknown>;
  const parameters: Record<string, string> = {};
  for (const name of ['filter', 'sortBy', 'sortOrder', 'cursor'] as const) {
    const value = source[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new InvalidValueError(`${name} must be a string.`);
    parameters[name] = value;
  }
  for (const name of ['startIndex', 'count'] as const) {
    const value = source[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' && typeof value !== 'string') {
      throw new InvalidValueError(`${name} must be an integer.`);
    }
    parameters[name] = String(value);
  }
  const attributes = attributeList(source.attributes, 'attributes');
  const excludedAttributes = attributeList(source.excludedAttributes, 'excludedAttributes');
  return {
    parameters,
    ...(attributes === undefined ? {} : { attributes }),
    ...(excludedAttributes === undefined ? {} : { excludedAttributes }),
  };
}

function attributeList(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) {
    return value.join(',');
  }
  throw new InvalidValueError(`${name} must be an array of attribute paths.`);
}
