import { scimHandler } from '../../shared/http/handler.js';
import {
  okUnlessNotModified,
  presentOptions,
  resourceLogFields,
} from '../../shared/http/responses.js';
import { getUser } from '../../shared/service/users.js';

/** GET /Users/{id} (304 when If-None-Match names the current version) */
export const handler = scimHandler('getUser', async (request, { log }) => {
  const user = await getUser(request.params.id ?? '', presentOptions(request));
  log(resourceLogFields(user));
  return okUnlessNotModified(user, request);
});
