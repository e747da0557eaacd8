import { scimHandler } from '../../shared/http/handler.js';
import {
  asksForAttributes,
  patched,
  presentOptions,
  resourceLogFields,
} from '../../shared/http/responses.js';
import { patchGroup } from '../../shared/service/groups.js';

/** PATCH /Groups/{id} (both Entra dialects; 204 unless the client asks for attributes) */
export const handler = scimHandler('patchGroup', async (request, { log }) => {
  const group = await patchGroup(
    request.params.id ?? '',
    request.body,
    request.headers['if-match'],
    {
      ...presentOptions(request),
      bodyWanted: asksForAttributes(request),
    },
  );
  log(resourceLogFields(group));
  return patched(group, request);
});
