import { scimHandler } from '../../shared/http/handler.js';
import { ok, presentOptions, resourceLogFields } from '../../shared/http/responses.js';
import { replaceGroup } from '../../shared/service/groups.js';

/** PUT /Groups/{id} (members replaced when the body has them, kept when it does not) */
export const handler = scimHandler('replaceGroup', async (request, { log }) => {
  const group = await replaceGroup(
    request.params.id ?? '',
    request.body,
    request.headers['if-match'],
    presentOptions(request),
  );
  log(resourceLogFields(group));
  return ok(group);
});
