import { scimHandler } from '../../shared/http/handler.js';
import { created, projectionOf, resourceLogFields } from '../../shared/http/responses.js';
import { createGroup } from '../../shared/service/groups.js';

/** POST /Groups (members, when listed, must be existing users) */
export const handler = scimHandler('createGroup', async (request, { log }) => {
  log({ resourceType: 'Group' });
  const group = await createGroup(request.body, {
    baseUrl: request.baseUrl,
    projection: projectionOf(request),
  });
  log(resourceLogFields(group));
  return created(group);
});
