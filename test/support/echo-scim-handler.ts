/** Test fixture route handler behind the real SCIM handler chain (auth, body parsing, errors). */
import { scimHandler } from '../../shared/http/handler.js';

export const handler = scimHandler('echo', async (request) => ({
  status: 200,
  body: { params: request.params, body: request.body, baseUrl: request.baseUrl },
}));
