import { scimHandler } from '../../shared/http/handler.js';
import { bulkResponse } from '../../shared/http/responses.js';
import { parseBulkRequest } from '../../shared/scim/bulk.js';
import { runBulk } from '../../shared/service/bulk.js';

/** POST /Bulk (RFC 7644 §3.7) */
export const handler = scimHandler('bulk', async (request, { log }) => {
  const bulk = parseBulkRequest(request.body);
  const results = await runBulk(bulk, { baseUrl: request.baseUrl });
  log({
    operations: bulk.operations.length,
    processed: results.length,
    failed: results.filter((result) => result.error !== undefined).length,
  });
  return bulkResponse(results);
});
