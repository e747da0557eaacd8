import { scimHandler } from '../../shared/http/handler.js';
import { ok, presentOptions, resourceLogFields } from '../../shared/http/responses.js';
import { replaceUser } from '../../shared/service/users.js';

/** PUT /Users/{id} */
export const handler = scimHandler('replaceUser', async (request, { log }) => {
  const user = await replaceUser(
    request.params.id ?? '',
    request.body,
    request.headers['if-match'],
    presentOptions(request),
  );
  log(resourceLogFields(user));
  return ok(user);
});
