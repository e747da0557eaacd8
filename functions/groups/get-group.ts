import { scimHandler } from '../../shared/http/handler.js';
import {
  ok,
  okUnlessNotModified,
  presentOptions,
  resourceLogFields,
} from '../../shared/http/responses.js';
import { getGroup } from '../../shared/service/groups.js';

/**
 * GET /Groups/{id} (`excludedAttributes=members` reads the group item only; 304 when
 * If-None-Match names the current version and the response leaves members out: the version does
 * not follow memberships a user's DELETE removes, see `PresentedGroup`)
 */
export const handler = scimHandler('getGroup', async (request, { log }) => {
  const group = await getGroup(request.params.id ?? '', presentOptions(request));
  log(resourceLogFields(group));
  return group.membersIncluded ? ok(group) : okUnlessNotModified(group, request);
});
