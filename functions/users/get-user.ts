import { scimHandler } from '../../shared/http/handler.js';
import { ok, projectionOf, resourceLogFields } from '../../shared/http/responses.js';
import { getUser } from '../../shared/service/users.js';

/** GET /Users/{id} */
export const handler = scimHandler('getUser', async (request, { log }) => {
  log({ resourceType: 'User', resourceId: request.params.id });
  const user = await getUser(request.params.id ?? '', {
    baseUrl: request.baseUrl,
    projection: projectionOf(request),
  });
  log(resourceLogFields(user));
  return ok(user);
});
