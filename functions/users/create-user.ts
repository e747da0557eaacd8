import { scimHandler } from '../../shared/http/handler.js';
import {
  created,
  presentOptions,
  requestedLogFields,
  resourceLogFields,
} from '../../shared/http/responses.js';
import { createUser } from '../../shared/service/users.js';

/** POST /Users */
export const handler = scimHandler('createUser', async (request, { log }) => {
  log(requestedLogFields('User', request.body));
  const user = await createUser(request.body, presentOptions(request));
  log(resourceLogFields(user));
  return created(user);
});
