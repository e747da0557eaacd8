import { scimHandler } from '../../shared/http/handler.js';
import { discovery } from '../../shared/http/responses.js';
import { getSchema } from '../../shared/scim/discovery.js';

/** GET /Schemas/{id}, the id being a schema URN */
export const handler = scimHandler('getSchema', async (request) =>
  discovery(request, getSchema(request.params.id ?? '', request.baseUrl)),
);
