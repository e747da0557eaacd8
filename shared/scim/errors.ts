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
}

/** 400 with a scimType: the request is wrong in a way the client must fix. */
export class BadRequestError extends ScimError {
  override readonly name = 'BadRequestError';
  constructor(scimType: ScimType | undefined, detail: string) {
    super(400, detail, scimType);
  }
}

export class InvalidFilterError extends BadRequestError {
  constructor(detail: string) {
    super('invalidFilter', detail);
  }
}

export class InvalidPathError extends BadRequestError {
  constructor(detail: string) {
    super('invalidPath', detail);
  }
}

export class InvalidValueError extends BadRequestError {
  constructor(detail: string) {
    super('invalidValue', detail);
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
  constructor(detail: string) {
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
