import { directorySearch } from '../../shared/admin/directory.js';
import { adminHandler } from '../../shared/admin/http.js';

/**
 * GET /admin/api/directory?q=…&type=all|users|groups&cursor=…: users and groups whose userName,
 * display name, e-mail or externalId starts with `q` (any case), 25 a page, with the counts.
 */
export const handler = adminHandler(
  'searchDirectory',
  { access: 'session', kind: 'api' },
  (request) => directorySearch(request),
);
