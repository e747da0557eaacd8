import { scimHandler } from '../../shared/http/handler.js';
import {
  created,
  presentOptions,
  requestedLogFields,
  resourceLogFields,
} from '../../shared/http/responses.js';
import { createGroup } from '../../shared/service/groups.js';

/** POST /Groups (members, when listed, must be existing users) */
export const handler = scimHandler('createGroup', async (request, { log }) => {
  log(requestedLogFields('Group', request.body));
  const group = await createGroup(request.body, presentOptions(request));
  log(resourceLogFields(group));
  return created(group);
});
