import { scimHandler } from '../../shared/http/handler.js';
import { discovery } from '../../shared/http/responses.js';
import { listResourceTypes } from '../../shared/scim/discovery.js';

/** GET /ResourceTypes */
export const handler = scimHandler('listResourceTypes', async (request) =>
  discovery(request, listResourceTypes(request.baseUrl)),
);
