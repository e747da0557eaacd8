import { scimHandler } from '../../shared/http/handler.js';
import { noContent } from '../../shared/http/responses.js';
import { deleteGroup } from '../../shared/service/groups.js';

/** DELETE /Groups/{id} (gone at once; its memberships follow, see sweep-group-cleanups.ts) */
export const handler = scimHandler('deleteGroup', async (request, { log }) => {
  log({ resourceType: 'Group', resourceId: request.params.id });
  await deleteGroup(request.params.id ?? '', request.headers['if-match']);
  return noContent();
});
