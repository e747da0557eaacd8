import { readAuthConfig } from '../../config.js';
import { tenantRegistry } from '../../credentials/tenant-registry.js';
import { type BearerVerifier, createBearerVerifier, RefusedCredentialError } from '../auth.js';
import type { ScimMiddleware } from './request-scope.js';

// Module scope: built once per cold start, never per request.
let verifier: BearerVerifier | undefined;
function bearerVerifier(): BearerVerifier {
  verifier ??= createBearerVerifier(readAuthConfig(), { registry: tenantRegistry() });
  return verifier;
}

/** Refuses a request without a valid bearer token (401); keeps the caller for the log line. */
export function bearerAuth(): ScimMiddleware {
  return {
    before: async (request) => {
      try {
        request.internal.scim.caller = await bearerVerifier()(request.event.headers?.authorization);
      } catch (error) {
        // A refused token someone was given (revoked, expired) names its caller on the log line.
        if (error instanceof RefusedCredentialError) request.internal.scim.caller = error.caller;
        throw error;
      }
    },
  };
}
