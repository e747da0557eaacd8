import { scimHandler } from '../../shared/http/handler.js';
import { created, projectionOf, resourceLogFields } from '../../shared/http/responses.js';
import { createUser } from '../../shared/service/users.js';

/** POST /Users */
export const handler = scimHandler('createUser', async (request, { log }) => {
  log({ resourceType: 'User' });
  const user = await createUser(request.body, {
    baseUrl: request.baseUrl,
    projection: projectionOf(request),
  });
  log(resourceLogFields(user));
  return created(user);
});
