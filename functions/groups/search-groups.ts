import { scimHandler } from '../../shared/http/handler.js';
import { parseProjection } from '../../shared/scim/resource.js';
import { parseSearchRequest } from '../../shared/scim/search.js';
import { listGroups } from '../../shared/service/groups.js';

/** POST /Groups/.search (RFC 7644 §3.4.3): GET /Groups with its parameters in a SearchRequest body */
export const handler = scimHandler('searchGroups', async (request, { log }) => {
  const search = parseSearchRequest(request.body);
  const list = await listGroups(search.parameters, {
    baseUrl: request.baseUrl,
    projection: parseProjection(search.attributes, search.excludedAttributes),
  });
  log({ filter: search.parameters.filter, totalResults: list.totalResults });
  return { status: 200, body: list };
});
