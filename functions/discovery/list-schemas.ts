import { scimHandler } from '../../shared/http/handler.js';
import { discovery } from '../../shared/http/responses.js';
import { listSchemas } from '../../shared/scim/discovery.js';

/** GET /Schemas */
export const handler = scimHandler('listSchemas', async (request) =>
  discovery(request, listSchemas(request.baseUrl)),
);
