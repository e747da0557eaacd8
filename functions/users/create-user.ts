import { scimHandler } from '../../shared/http/handler.js';
import { created, presentOptions, resourceLogFields } from '../../shared/http/responses.js';
import { createUser } from '../../shared/service/users.js';

/** POST /Users */
export const handler = scimHandler('createUser', async (request, { log }) => {
  const user = await createUser(request.body, presentOptions(request));
  log(resourceLogFields(user));
  return created(user);
});
