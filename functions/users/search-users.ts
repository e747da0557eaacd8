import { scimHandler } from '../../shared/http/handler.js';
import { parseProjection } from '../../shared/scim/resource.js';
import { parseSearchRequest } from '../../shared/scim/search.js';
import { listUsers } from '../../shared/service/users.js';

/** POST /Users/.search (RFC 7644 §3.4.3): GET /Users with its parameters in a SearchRequest body */
export const handler = scimHandler('searchUsers', async (request, { log }) => {
  const search = parseSearchRequest(request.body);
  const list = await listUsers(search.parameters, {
    baseUrl: request.baseUrl,
    projection: parseProjection(search.attributes, search.excludedAttributes),
  });
  log({ filter: search.parameters.filter, totalResults: list.totalResults });
  return { status: 200, body: list };
});
