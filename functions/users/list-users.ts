import { scimHandler } from '../../shared/http/handler.js';
import { projectionOf } from '../../shared/http/responses.js';
import { listUsers } from '../../shared/service/users.js';

/** GET /Users (filter, startIndex, count, attributes, excludedAttributes) */
export const handler = scimHandler('listUsers', async (request, { log }) => {
  const query = request.query;
  const list = await listUsers(
    {
      filter: query.get('filter') ?? undefined,
      startIndex: query.get('startIndex') ?? undefined,
      count: query.get('count') ?? undefined,
    },
    { baseUrl: request.baseUrl, projection: projectionOf(request) },
  );
  log({
    resourceType: 'User',
    filter: query.get('filter') ?? undefined,
    totalResults: list.totalResults,
  });
  return { status: 200, body: list };
});
