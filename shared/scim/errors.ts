/**
 * The SCIM error family. Every failure a client can cause is one of these; each carries its HTTP
 * status and RFC 7644 `scimType`, and `shared/http` turns it into the error body in one place.
 */

/** RFC 7644 §3.12 Table 9, plus RFC 9865's `invalidCursor`/`expiredCursor`/`invalidCount`. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor'
  | 'invalidCount';

export class ScimError extends Error {
  override readonly name: string = 'ScimError';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
    /** Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
  }

  /**
   * What the request log says about the error: `detail`, unless `detail` quotes what the client
   * sent (a filter or a PATCH path may hold e-mail addresses and names), which the client may
   * read back but the log must not keep.
   */
  get logDetail(): string {
    return this.detail;
  }
}

/**
 * Where a filter, PATCH path or attribute list stopped parsing. The log names the position instead
 * of the detail, which quotes the text around it.
 */
export interface SyntaxErrorPosition {
  /** What was parsed: "filter", "PATCH path", "attribute list". */
  readonly noun: string;
  /** 1-based character position of the error. */
  readonly character: number;
  /** Length of the text parsed, in characters. */
  readonly length: number;
}

/** 400 with a scimType: the request is wrong in a way the client must fix. */
export class BadRequestError extends ScimError {
  override readonly name = 'BadRequestError';
  /** Set when a parser refused the text; see {@link SyntaxErrorPosition}. */
  declare readonly syntax?: SyntaxErrorPosition;
  constructor(scimType: ScimType | undefined, detail: string, syntax?: SyntaxErrorPosition) {
    super(400, detail, scimType);
    if (syntax !== undefined) this.syntax = syntax;
  }

  override get logDetail(): string {
    if (this.syntax === undefined) return this.detail;
    const { noun, character, length } = this.syntax;
    return `Invalid ${noun} at character ${character} of ${length}.`;
  }
}

export class InvalidFilterError extends BadRequestError {
  constructor(detail: string, syntax?: SyntaxErrorPosition) {
    super('invalidFilter', detail, syntax);
  }
}

export class InvalidPathError extends BadRequestError {
  constructor(detail: string, syntax?: SyntaxErrorPosition) {
    super('invalidPath', detail, syntax);
  }
}

export class InvalidValueError extends BadRequestError {
  constructor(detail: string, syntax?: SyntaxErrorPosition) {
    super('invalidValue', detail, syntax);
  }
}

export class InvalidSyntaxError extends BadRequestError {
  constructor(detail: string) {
    super('invalidSyntax', detail);
  }
}

export class MutabilityError extends BadRequestError {
  constructor(detail: string) {
    super('mutability', detail);
  }
}

export class NoTargetError extends BadRequestError {
  constructor(detail: string) {
    super('noTarget', detail);
  }
}

export class UnauthorizedError extends ScimError {
  override readonly name = 'UnauthorizedError';
  constructor() {
    // One body for every reason, so a probe learns nothing about why its token failed.
    super(401, 'Authentication failed: a valid bearer token is required.', undefined, {
      'WWW-Authenticate': 'Bearer realm="scim"',
    });
  }
}

export class NotFoundError extends ScimError {
  override readonly name = 'NotFoundError';
  constructor(resourceType: string, id: string) {
    super(404, `${resourceType} ${id} not found`);
  }
}

export class RouteNotFoundError extends ScimError {
  override readonly name = 'RouteNotFoundError';
  constructor(method: string, path: string) {
    super(404, `No SCIM endpoint for ${method} ${path}`);
  }
}

export class UniquenessError extends ScimError {
  override readonly name = 'UniquenessError';
  /**
   * @param identifier the name that is taken, as quoted in `detail`: the log line writes it the
   * way the tenant's log policy writes identifiers (as sent, or as a keyed hash)
   */
  constructor(
    detail: string,
    readonly identifier?: {
      readonly attribute: 'userName' | 'displayName';
      readonly value: string;
    },
  ) {
    super(409, detail, 'uniqueness');
  }
}

/** The resource changed since the version the client (or the server's own read) saw. */
export class PreconditionFailedError extends ScimError {
  override readonly name = 'PreconditionFailedError';
  constructor(detail = 'The resource was modified; its version no longer matches If-Match.') {
    super(412, detail);
  }
}

export class PayloadTooLargeError extends ScimError {
  override readonly name = 'PayloadTooLargeError';
  constructor(detail: string) {
    super(413, detail);
  }
}

export class UnsupportedMediaTypeError extends ScimError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(contentType: string) {
    super(415, `Unsupported Content-Type ${contentType}; use application/scim+json.`);
  }
}

/** DynamoDB throttled or unavailable: the client should retry after `retryAfterSeconds`. */
export class ServiceUnavailableError extends ScimError {
  override readonly name = 'ServiceUnavailableError';
  constructor(detail: string, retryAfterSeconds = 5, status: 429 | 503 = 503) {
    super(status, detail, undefined, { 'Retry-After': String(retryAfterSeconds) });
  }
}
