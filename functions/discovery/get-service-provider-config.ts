import { limits } from '../../shared/config.js';
import { scimHandler } from '../../shared/http/handler.js';
import { discovery } from '../../shared/http/responses.js';
import { serviceProviderConfig } from '../../shared/scim/discovery.js';

/** GET /ServiceProviderConfig */
export const handler = scimHandler('getServiceProviderConfig', async (request) =>
  discovery(request, serviceProviderConfig(request.baseUrl, limits)),
);
