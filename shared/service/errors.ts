/**
 * What the store's errors mean for a SCIM client: the one place they become `ScimError`s. The
 * HTTP error mapper (`shared/http/error-response.ts`) and Bulk's per-operation results both use
 * it, so a store error answers the same status whichever way the operation came in.
 */
import {
  InvalidValueError,
  PayloadTooLargeError,
  PreconditionFailedError,
  ServiceUnavailableError,
  UniquenessError,
} from '../scim/errors.js';
import { translateUnavailable } from '../store/client.js';
import {
  ItemTooLargeError,
  NameTakenError,
  StoreUnavailableError,
  UnusableNameError,
  VersionConflictError,
} from '../store/errors.js';

const nameAttribute = (type: string): 'userName' | 'displayName' =>
  type === 'User' ? 'userName' : 'displayName';

/**
 * The SCIM error a store error stands for; any other error unchanged (a `ScimError` keeps its
 * answer, anything else is a 500).
 *
 * @example scimErrorOf(new VersionConflictError()) // PreconditionFailedError (412)
 */
export function scimErrorOf(error: unknown): unknown {
  if (error instanceof VersionConflictError) return new PreconditionFailedError();
  if (error instanceof NameTakenError) {
    const holder = error.holderId === undefined ? '' : ` (id ${error.holderId})`;
    const attribute = nameAttribute(error.type);
    return new UniquenessError(
      `A ${error.type} with ${attribute} "${error.uniqueName}" already exists${holder}.`,
      { attribute, value: error.uniqueName },
    );
  }
  if (error instanceof UnusableNameError) {
    return new InvalidValueError(
      error.reason === 'missing'
        ? `${nameAttribute(error.type)} is required.`
        : `${nameAttribute(error.type)} is longer than ${error.maxLength} characters or than a key holds once normalised.`,
    );
  }
  if (error instanceof ItemTooLargeError) {
    return new PayloadTooLargeError(
      `The ${error.type} is ${error.bytes} bytes; a resource may hold at most ${error.maxBytes} bytes.`,
    );
  }
  if (error instanceof StoreUnavailableError) {
    switch (error.reason) {
      case 'throttled':
        return new ServiceUnavailableError('The service is busy; retry later.', 2, 429);
      case 'unavailable':
        return new ServiceUnavailableError('Storage is unavailable; retry later.', 5, 503);
      case 'abandoned':
        return new ServiceUnavailableError('The request took too long; retry later.', 5, 503);
      case 'contended':
        return new ServiceUnavailableError(
          'Other requests are changing the same items at this moment; retry later.',
          1,
        );
    }
  }
  return error;
}

/**
 * Whether `error` says a dependency could not answer (DynamoDB as the store reports it, or any
 * AWS SDK call, e.g. KMS, throttled, failing or unreachable): worth a retry later.
 *
 * @example isUnavailable(new StoreUnavailableError('throttled')) // → true
 */
export function isUnavailable(error: unknown): boolean {
  return translateUnavailable(error) instanceof StoreUnavailableError;
}
