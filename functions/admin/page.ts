import { adminHandler, html } from '../../shared/admin/http.js';
import { integrationPage } from '../../shared/admin/page.js';

/** GET /admin: the integration page (a signed-out browser is sent to sign in). */
export const handler = adminHandler('adminPage', { access: 'session', kind: 'page' }, async () =>
  html(200, integrationPage()),
);
