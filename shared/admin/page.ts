/**
 * The page's HTML: the integration page's shell (its scripts fill it from the JSON API) and the
 * pages a browser sees when it cannot get in. Everything is served by the tenant's own stack: no
 * CDN, no inline script (the Content-Security-Policy allows scripts and styles from here only).
 * The integration page is a list of sections, one function each, in the order an administrator
 * reads them: health first, then the directory, then the credentials, then the activity.
 */
import { ADMIN_ASSET_PATH } from './assets.js';
import { entraConnectionSection } from './connect/section.js';

/** The product's name as Microsoft spells it now; "Azure AD" only as the hint customers search for. */
export const ENTRA_NAME = 'Microsoft Entra ID';
const PAGE_TITLE = `${ENTRA_NAME} integration`;

/** Where every error page sends the browser: a fresh sign-in (which lands on the page). */
export const SIGN_IN_AGAIN: PageLink = { href: '/admin/sign-in', label: 'Sign in again' };

export interface PageLink {
  readonly href: string;
  readonly label: string;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (character) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ??
      character,
  );
}

/** The page's scripts, in order; each an asset of `assets.ts`. */
const PAGE_SCRIPTS: readonly string[] = ['app.js'];

function layout(title: string, main: string, scripts: readonly string[] = []): string {
  const signedIn = scripts.length > 0;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ADMIN_ASSET_PATH}/app.css">
${scripts.map((name) => `<script src="${ADMIN_ASSET_PATH}/${name}" defer></script>`).join('\n')}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${signedIn ? '<a class="skip" href="#directory-q">Skip to the user and group search</a>' : ''}
<header class="top"><p class="brand">GroupTalk <span>${escapeHtml(PAGE_TITLE)}</span></p>
${signedIn ? '<div class="who"><span id="who"></span> <button type="button" id="sign-out" class="link">Sign out</button></div>' : ''}
</header>
<main id="main" tabindex="-1">
${main}
</main>
</body>
</html>
`;
}

/**
 * A page with a heading, a message and the ways forward: `actions` first, then always a link to
 * sign in again (a refused, expired or reloaded sign-in is never a dead end).
 */
export function errorPage(heading: string, message: string, actions: readonly PageLink[] = []) {
  const links = [...actions, SIGN_IN_AGAIN]
    .map(
      (link, i) =>
        `<a class="button${i === 0 ? '' : ' secondary'}" href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a>`,
    )
    .join(' ');
  return layout(
    heading,
    `<h1>${escapeHtml(heading)}</h1>
<p class="notice" role="alert">${escapeHtml(message)}</p>
<p class="actions">${links}</p>`,
  );
}

function introSection(): string {
  return `<h1>${escapeHtml(PAGE_TITLE)}</h1>
<p class="lead">Provisioning from your ${escapeHtml(ENTRA_NAME)} (formerly Azure AD) directory to GroupTalk.</p>
<form id="period-form" class="toolbar">
<label for="range">Period</label>
<select id="range" name="days"><option value="1">Last 24 hours</option><option value="7">Last 7 days</option><option value="30" selected>Last 30 days</option></select>
<button type="submit" id="refresh" class="secondary">Refresh</button>
</form>
<p id="status" class="status" role="status" aria-live="polite"></p>`;
}

function healthSection(): string {
  return `<section id="health-section" aria-labelledby="health-heading" class="card">
<h2 id="health-heading">Provisioning health</h2>
<p class="health"><span id="health-state" class="badge">Loading</span> <span id="health-summary"></span></p>
<p id="health-unauthenticated" class="hint" hidden></p>
<p id="health-entra" class="hint" hidden></p>
<dl class="facts pairs">
<dt>Last call from Entra</dt><dd id="last-call">—</dd>
<dt>Last provisioning cycle</dt><dd id="last-cycle">—</dd>
<dt>Users</dt><dd id="user-count">—</dd>
<dt>Groups</dt><dd id="group-count">—</dd>
</dl>
<details id="failures-box" class="failures-box"><summary id="failures-summary">Failures</summary>
<ul id="failures" class="failures"></ul>
</details>
</section>`;
}

function directorySection(): string {
  return `<section id="directory-section" aria-labelledby="directory-heading" class="card">
<h2 id="directory-heading">Users and groups in GroupTalk</h2>
<form id="directory-form" class="search" role="search" aria-label="Users and groups">
<label for="directory-q">Start of a name, e-mail, user name or external ID</label>
<div class="row">
<input id="directory-q" name="q" type="search" maxlength="256" autocomplete="off" autocapitalize="none" spellcheck="false">
<select id="directory-type" name="type" aria-label="Show"><option value="all">Users and groups</option><option value="users">Users</option><option value="groups">Groups</option></select>
<button type="submit">Search</button>
</div>
</form>
<div class="directory">
<div class="results-pane">
<p id="directory-count" class="count" aria-live="polite"></p>
<p id="directory-none" hidden><button type="button" id="directory-requests" class="secondary"></button></p>
<ul id="directory-results" class="results"></ul>
<button type="button" id="directory-more" class="secondary" hidden>Show more</button>
</div>
<div id="entry" class="entry" hidden></div>
</div>
</section>`;
}

function connectionSection(): string {
  return `<section id="connection-section" aria-labelledby="connection-heading" class="card">
<h2 id="connection-heading">Connection details</h2>
<dl class="facts">
<dt>GroupTalk tenant name</dt><dd id="tenant-name">—</dd>
<dt>GroupTalk tenant ID</dt><dd id="tenant-id">—</dd>
<dt>Microsoft Entra directory (tenant) ID</dt><dd id="directory-id">—</dd>
<dt>Tenant URL</dt><dd><code id="tenant-url">—</code> <button type="button" class="copy" data-copy="tenant-url" aria-label="Copy the Tenant URL">Copy</button></dd>
<dt>Token endpoint</dt><dd><code id="token-endpoint">—</code> <button type="button" class="copy" data-copy="token-endpoint" aria-label="Copy the token endpoint">Copy</button></dd>
</dl>
<p class="hint">In the Microsoft Entra admin center: Enterprise applications → GroupTalk → Provisioning → Admin Credentials. Paste the Tenant URL, then either a Secret Token or the OAuth client below.</p>
</section>`;
}

function credentialsSection(): string {
  return `<section id="credentials-section" aria-labelledby="credentials-heading" class="card">
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
</section>`;
}

function activitySection(): string {
  return `<section id="activity-section" aria-labelledby="activity-heading" class="card">
<h2 id="activity-heading">Requests from Entra</h2>
<h3 id="chart-heading">Requests and failures</h3>
<div id="chart" class="chart"></div>
<h3 id="recent-heading">Latest requests</h3>
<table class="stack" id="recent" aria-labelledby="recent-heading">
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">User or group</th><th scope="col">Result</th></tr></thead><tbody></tbody></table>
<h3 id="probes-heading">Test Connection checks</h3>
<table class="stack" id="probes" aria-labelledby="probes-heading">
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Result</th><th scope="col">Credential</th></tr></thead><tbody></tbody></table>
</section>`;
}

function auditSection(): string {
  return `<section id="audit-section" aria-labelledby="audit-heading" class="card">
<h2 id="audit-heading">Admin actions</h2>
<table class="stack" id="audit"><caption class="visually-hidden">Who did what on this page, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">On</th></tr></thead><tbody></tbody></table>
</section>`;
}

/** The integration page's shell; its scripts fill each section from the JSON API. */
export function integrationPage(): string {
  return layout(
    `GroupTalk – ${PAGE_TITLE}`,
    [
      introSection(),
      healthSection(),
      directorySection(),
      connectionSection(),
      credentialsSection(),
      entraConnectionSection(),
      activitySection(),
      auditSection(),
    ].join('\n\n'),
    PAGE_SCRIPTS,
  );
}
