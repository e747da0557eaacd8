/** What a handler sees of the HTTP request, already authenticated and parsed. */
export interface ScimRequest {
  readonly method: string;
  /** Path parameters from the route (`{id}`). */
  readonly params: Readonly<Record<string, string>>;
  /**
   * The request path after the SCIM base path, e.g. `/Users/2819c223`; the whole path when the
   * request lies outside it.
   */
  readonly path: string;
  /**
   * The path below the API's root, as the route table's `routePath` spells routes
   * (`/scim/v2/Users/2819c223`, `/oauth2/token`): a custom domain's mapping prefix is left out.
   */
  readonly apiPath: string;
  /** The query string, decoded the way browsers and Entra encode it (`+` is a space). */
  readonly query: URLSearchParams;
  /** The parsed JSON body, or undefined when there is none. */
  readonly body: unknown;
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Absolute URL of the SCIM base, e.g. `https://host/scim/v2`: used for `Location` and `$ref`. */
  readonly baseUrl: string;
}

/** What a handler returns: the success status and body; errors are thrown as `ScimError`s. */
export interface ScimResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Fields a handler adds to the request's log line (resource id, externalId, …); a list only for
 * ids (a group write's member ids, capped: see `memberChangeLogFields`).
 */
export type LogFields = Record<string, string | number | boolean | readonly string[] | undefined>;
