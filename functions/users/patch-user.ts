import { scimHandler } from '../../shared/http/handler.js';
import { patched, presentOptions, resourceLogFields } from '../../shared/http/responses.js';
import { patchUser } from '../../shared/service/users.js';

/** PATCH /Users/{id} (both Entra dialects) */
export const handler = scimHandler('patchUser', async (request, { log }) => {
  const user = await patchUser(
    request.params.id ?? '',
    request.body,
    request.headers['if-match'],
    presentOptions(request),
  );
  log(resourceLogFields(user));
  return patched(user, request);
});
