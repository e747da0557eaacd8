import { directoryResource } from '../../shared/admin/directory.js';
import { adminHandler } from '../../shared/admin/http.js';

/**
 * GET /admin/api/directory/{users|groups}/{id}: one user or group as GroupTalk holds it, in plain
 * words, with a user's groups or a group's member count.
 */
export const handler = adminHandler(
  'getDirectoryResource',
  { access: 'session', kind: 'api' },
  (request) => directoryResource(request),
);
