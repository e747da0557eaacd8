/**
 * The page's stylesheet and script, served by the stack itself (`GET /admin/assets/{name}`). Plain
 * CSS and plain browser JavaScript: no framework, no build step, no CDN. The script writes
 * every value with `textContent` (never as HTML), so nothing a record holds can become markup.
 */
import { pageScript } from './page-script.js';
import { pageStyle } from './page-style.js';

export const ADMIN_ASSET_PATH = '/admin/assets';

/** The assets by file name, with their content types. */
export const adminAssets: ReadonlyMap<string, { body: string; contentType: string }> = new Map([
  ['app.css', { body: pageStyle, contentType: 'text/css; charset=utf-8' }],
  ['app.js', { body: pageScript, contentType: 'text/javascript; charset=utf-8' }],
]);
