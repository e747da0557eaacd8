import { scimHandler } from '../../shared/http/handler.js';
import { presentOptions } from '../../shared/http/responses.js';
import { searchParametersFromQuery } from '../../shared/scim/search.js';
import { listGroups } from '../../shared/service/groups.js';

/** GET /Groups (filter, sortBy, sortOrder, startIndex, count, cursor, attributes, excludedAttributes) */
export const handler = scimHandler('listGroups', async (request, { log }) => {
  const parameters = searchParametersFromQuery(request.query);
  const list = await listGroups(parameters, presentOptions(request));
  log({ filter: parameters.filter, totalResults: list.totalResults });
  return { status: 200, body: list };
});
