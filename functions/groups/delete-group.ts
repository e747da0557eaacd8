import { scimHandler } from '../../shared/http/handler.js';
import { noContent } from '../../shared/http/responses.js';
import { deleteGroup } from '../../shared/service/groups.js';

/** DELETE /Groups/{id} (gone at once; what is left of its memberships, sweep-memberships.ts deletes) */
export const handler = scimHandler('deleteGroup', async (request, { log }) => {
  const outcome = await deleteGroup(request.params.id ?? '', request.headers['if-match']);
  log(outcome);
  return noContent();
});
