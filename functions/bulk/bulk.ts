import { limits } from '../../shared/config.js';
import { scimHandler } from '../../shared/http/handler.js';
import { bulkResponse } from '../../shared/http/responses.js';
import { parseBulkRequest } from '../../shared/scim/bulk.js';
import { runBulk } from '../../shared/service/bulk.js';

/**
 * POST /Bulk (RFC 7644 §3.7); an operation that failed with a 5xx counts in the 5xx metric, but
 * not one left for the client to send again (out of time or out of work budget: 503, `deferred`).
 */
export const handler = scimHandler('bulk', async (request, { log, countServerErrors }) => {
  const bulk = parseBulkRequest(request.body, limits);
  const results = await runBulk(bulk, { baseUrl: request.baseUrl });
  log({
    operations: bulk.operations.length,
    processed: results.length,
    failed: results.filter((result) => result.error !== undefined).length,
    deferred: results.filter((result) => result.deferred).length,
  });
  countServerErrors(results.filter((result) => result.status >= 500 && !result.deferred).length);
  return bulkResponse(results);
});
