import { scimHandler } from '../../shared/http/handler.js';
import { discovery } from '../../shared/http/responses.js';
import { getResourceType } from '../../shared/scim/discovery.js';

/** GET /ResourceTypes/{id} */
export const handler = scimHandler('getResourceType', async (request) =>
  discovery(request, getResourceType(request.params.id ?? '', request.baseUrl)),
);
