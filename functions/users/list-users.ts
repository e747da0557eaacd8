import { scimHandler } from '../../shared/http/handler.js';
import { presentOptions } from '../../shared/http/responses.js';
import { searchParametersFromQuery } from '../../shared/scim/search.js';
import { listUsers } from '../../shared/service/users.js';

/** GET /Users (filter, sortBy, sortOrder, startIndex, count, cursor, attributes, excludedAttributes) */
export const handler = scimHandler('listUsers', async (request, { log }) => {
  const parameters = searchParametersFromQuery(request.query);
  const list = await listUsers(parameters, presentOptions(request));
  log({ filter: parameters.filter, totalResults: list.totalResults });
  return { status: 200, body: list };
});
