import { scimErrorOf } from '../../service/errors.js';
import { errorResponse } from '../error-response.js';
import type { ScimMiddleware } from './request-scope.js';

/**
 * Turns whatever the chain threw into its SCIM error response (`errorResponse`, the one mapping).
 * Used after the log line and metrics middlewares, so that in middy's reverse `onError` order it
 * runs before them and they read the mapped status.
 */
export function errorMapper(): ScimMiddleware {
  return {
    onError: async (request) => {
      // A store error becomes the SCIM error it stands for, for the answer and the log line.
      request.error = scimErrorOf(request.error) as Error;
      request.response = errorResponse(request.error);
    },
  };
}
