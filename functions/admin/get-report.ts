import { adminHandler, json } from '../../shared/admin/http.js';
import { provisioningReport } from '../../shared/admin/integration.js';

/** GET /admin/api/reports?days=30: requests and failures, failures by scimType, probes, latest. */
export const handler = adminHandler(
  'getProvisioningReport',
  { access: 'session', kind: 'api' },
  async (request) => json(200, await provisioningReport(request)),
);
