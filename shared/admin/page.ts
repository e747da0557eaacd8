/**
 * The page's HTML: the integration page's shell (its script fills it from the JSON API) and the
 * pages a browser sees when it cannot get in. Everything is served by the tenant's own stack: no
 * CDN, no inline script (the Content-Security-Policy allows scripts and styles from here only).
 */
import { ADMIN_ASSET_PATH } from './assets.js';
import { entraConnectionSection } from './connect/section.js';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (character) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ??
      character,
  );
}

function layout(title: string, main: string, script = false): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ADMIN_ASSET_PATH}/app.css">
${script ? `<script src="${ADMIN_ASSET_PATH}/app.js" defer></script>` : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><p class="brand">GroupTalk <span>Azure AD integration</span></p>
${script ? '<div class="who"><span id="who"></span> <button type="button" id="sign-out" class="link">Sign out</button></div>' : ''}
</header>
<main id="main" tabindex="-1">
${main}
</main>
</body>
</html>
`;
}

/** A page with a heading, a message and an optional way forward. */
export function errorPage(
  heading: string,
  message: string,
  action?: { href: string; label: string },
) {
  return layout(
    heading,
    `<h1>${escapeHtml(heading)}</h1>
<p class="notice" role="alert">${escapeHtml(message)}</p>
${action ? `<p><a class="button" href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a></p>` : ''}`,
  );
}

/** The integration page's shell; `app.js` fills each section from the JSON API. */
export function integrationPage(): string {
  return layout(
    'GroupTalk – Azure AD integration',
    `<h1>Azure AD integration</h1>
<p id="status" class="status" role="status" aria-live="polite"></p>

<section aria-labelledby="tenant-heading" class="card">
<h2 id="tenant-heading">Tenant</h2>
<dl class="facts">
<dt>GroupTalk tenant name</dt><dd id="tenant-name">…</dd>
<dt>GroupTalk tenant ID</dt><dd id="tenant-id">…</dd>
<dt>Entra directory (tenant) ID</dt><dd id="directory-id">…</dd>
<dt>Tenant URL</dt><dd><code id="tenant-url">…</code> <button type="button" class="copy" data-copy="tenant-url" aria-label="Copy the Tenant URL">Copy</button></dd>
<dt>Token endpoint</dt><dd><code id="token-endpoint">…</code> <button type="button" class="copy" data-copy="token-endpoint" aria-label="Copy the token endpoint">Copy</button></dd>
</dl>
<p class="hint">In the Entra admin center: Enterprise applications → GroupTalk → Provisioning → Admin Credentials. Paste the Tenant URL, then either a Secret Token or the OAuth client below.</p>
</section>

<section aria-labelledby="credentials-heading" class="card">
<h2 id="credentials-heading">Credentials</h2>
<div class="actions">
<button type="button" id="generate-token">Generate Secret Token</button>
<button type="button" id="create-client">Create OAuth client</button>
</div>
<div id="secret-box" class="secret" hidden>
<p id="secret-title" class="secret-title"></p>
<p class="warning">Shown once: copy it now and paste it into Entra. GroupTalk keeps only a record of it.</p>
<div id="secret-fields"></div>
</div>
<table class="stack" id="credentials">
<caption>Active and revoked credentials</caption>
<thead><tr><th scope="col">Kind</th><th scope="col">ID</th><th scope="col">Created</th><th scope="col">Created by</th><th scope="col">Last used</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody></tbody>
</table>
</section>

<section aria-labelledby="reports-heading" class="card">
<h2 id="reports-heading">Provisioning reports</h2>
<form id="range-form" class="inline">
<label for="range">Period</label>
<select id="range" name="days"><option value="1">Last 24 hours</option><option value="7">Last 7 days</option><option value="30" selected>Last 30 days</option></select>
<button type="submit">Refresh</button>
</form>
<h3 id="chart-heading">Requests and failures</h3>
<div id="chart" class="chart"></div>
<h3>Failures by scimType</h3>
<table class="stack" id="failures"><caption class="visually-hidden">Failed requests grouped by status and scimType</caption>
<thead><tr><th scope="col">Status</th><th scope="col">scimType</th><th scope="col">Requests</th><th scope="col">Last</th><th scope="col">What Entra was told (errorDetail)</th><th scope="col">What to do</th></tr></thead><tbody></tbody></table>
<h3>Last provisioning activity</h3>
<table class="stack" id="recent"><caption class="visually-hidden">The most recent requests from Entra</caption>
<thead><tr><th scope="col">When</th><th scope="col">Operation</th><th scope="col">Status</th><th scope="col">scimType</th><th scope="col">Resource</th><th scope="col">Detail</th></tr></thead><tbody></tbody></table>
<h3>Test Connection probes</h3>
<table class="stack" id="probes"><caption class="visually-hidden">Entra's Test Connection lookups</caption>
<thead><tr><th scope="col">When</th><th scope="col">Operation</th><th scope="col">Status</th><th scope="col">Lookup</th><th scope="col">Credential</th></tr></thead><tbody></tbody></table>
<h3 id="history-heading">History of one user or group</h3>
<form id="history-form" class="inline">
<label for="history-term">userName, externalId, displayName or id</label>
<input id="history-term" name="term" required maxlength="256" autocomplete="off">
<button type="submit">Show history</button>
</form>
<table class="stack" id="history" aria-labelledby="history-heading"><thead><tr><th scope="col">When</th><th scope="col">Operation</th><th scope="col">Status</th><th scope="col">scimType</th><th scope="col">Resource</th><th scope="col">Detail</th></tr></thead><tbody></tbody></table>
</section>

${entraConnectionSection()}

<section aria-labelledby="audit-heading" class="card">
<h2 id="audit-heading">Admin actions</h2>
<table class="stack" id="audit"><caption class="visually-hidden">Who did what on this page, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">On</th></tr></thead><tbody></tbody></table>
</section>`,
    true,
  );
}
