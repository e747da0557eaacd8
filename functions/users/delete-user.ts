import { scimHandler } from '../../shared/http/handler.js';
import { noContent } from '../../shared/http/responses.js';
import { deleteUser } from '../../shared/service/users.js';

/** DELETE /Users/{id} (its memberships go with it) */
export const handler = scimHandler('deleteUser', async (request, { log }) => {
  // The cleanup outcome (memberships removed now, or left to the sweeper) goes to the log line.
  log(await deleteUser(request.params.id ?? '', request.headers['if-match']));
  return noContent();
});
