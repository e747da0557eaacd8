import { adminAssets } from '../../shared/admin/assets.js';
import { connectAssets } from '../../shared/admin/connect/section.js';
import { AdminError, adminHandler } from '../../shared/admin/http.js';

/** GET /admin/assets/{name}: the page's stylesheet and script, and the Entra section's. */
export const handler = adminHandler(
  'adminAsset',
  { access: 'public', kind: 'api' },
  async ({ params }) => {
    const asset = adminAssets.get(params.name ?? '') ?? connectAssets.get(params.name ?? '');
    if (!asset) throw new AdminError(404, 'notFound', 'No such file.');
    return {
      status: 200,
      text: asset.body,
      contentType: asset.contentType,
      headers: { 'cache-control': 'public, max-age=300' },
    };
  },
);
