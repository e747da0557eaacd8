/**
 * The page's stylesheet and script, served by the stack itself (`GET /admin/assets/{name}`). Plain
 * CSS and plain browser JavaScript: no framework, no build step, no CDN. The script writes
 * every value with `textContent` (never as HTML), so nothing a record holds can become markup.
 */

export const ADMIN_ASSET_PATH = '/admin/assets';

const css = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad;
  --bad: #b42318; --ok: #1a7f37; --bg: #f6f8fa; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--bg); line-height: 1.45; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 2; }
.top { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 8px;
  padding: 10px 20px; background: #fff; border-bottom: 1px solid var(--line); }
.brand { margin: 0; font-weight: 700; } .brand span { font-weight: 400; color: var(--muted); }
main { max-width: 1100px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.6rem; margin: 8px 0 12px; } h2 { font-size: 1.25rem; margin: 0 0 10px; } h3 { font-size: 1.05rem; margin: 20px 0 8px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin: 0 0 16px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; overflow-wrap: anywhere; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; overflow-wrap: anywhere; }
button, .button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.copy, button.link, button.revoke { background: #fff; color: var(--accent); padding: 2px 8px; }
button.revoke { color: var(--bad); border-color: var(--bad); }
button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid #f2b01e; outline-offset: 2px; }
button[disabled] { opacity: .6; cursor: not-allowed; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 12px; }
.secret { border: 2px solid var(--accent); border-radius: 8px; padding: 12px; margin-bottom: 12px; background: #eef5fc; }
.secret-title { font-weight: 700; margin: 0 0 4px; } .warning { margin: 0 0 8px; }
.secret label { display: block; font-weight: 600; margin-top: 6px; }
.secret textarea, .secret input { width: 100%; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85rem; padding: 6px; }
.secret .row { display: flex; gap: 8px; align-items: flex-start; } .secret .row > :first-child { flex: 1; }
tr.secrets-row td { background: #fbfcfd; padding: 4px 8px 10px 24px; }
.secrets-title { font-weight: 600; color: var(--muted); font-size: .85rem; }
ul.secrets { margin: 2px 0 6px; padding-left: 18px; } ul.secrets li { margin: 2px 0; }
table { width: 100%; border-collapse: collapse; font-size: .92rem; margin-bottom: 8px; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
@media (min-width: 641px) { th, .bad, .ok { white-space: nowrap; } }
th { background: var(--bg); font-weight: 600; }
td.empty { color: var(--muted); font-style: italic; }
.bad { color: var(--bad); font-weight: 600; } .ok { color: var(--ok); }
.inline { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-bottom: 8px; }
.inline input { min-width: 16rem; flex: 1; padding: 6px; font: inherit; } select { font: inherit; padding: 5px; }
.chart svg { width: 100%; height: auto; display: block; } .chart .legend { font-size: .85rem; color: var(--muted); }
.status { min-height: 1.4em; } .notice { padding: 12px; border-left: 4px solid var(--bad); background: #fff; }
.hint { color: var(--muted); font-size: .9rem; margin-bottom: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 640px) {
  .facts { grid-template-columns: 1fr; } .facts dt { margin-top: 6px; }
  table.stack thead { position: absolute; left: -9999px; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: 4px 0; }
  table.stack td { display: block; border: 0; padding: 2px 4px; }
  table.stack td::before { content: attr(data-label) ": "; font-weight: 600; color: var(--muted); }
  table.stack td.empty::before, table.stack td.secrets-cell::before { content: none; }
  main { padding: 8px; } .card { padding: 12px; }
}
`;

const script = `'use strict';
(() => {
  let csrfToken = '';
  const $ = (id) => document.getElementById(id);
  const status = (text) => { $('status').textContent = text; };
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    if (method !== 'GET') { headers['x-csrf-token'] = csrfToken; headers['content-type'] = 'application/json'; }
    const response = await fetch(path, { method, headers, credentials: 'same-origin',
      body: method === 'GET' ? undefined : JSON.stringify(body || {}) });
    const data = await response.json().catch(() => ({}));
    if (response.status === 401 && data.error === 'signInRequired') { window.location.assign('/admin/sign-in'); throw new Error('Signed out'); }
    if (response.status === 401 && data.error === 'roleCheckRequired') { window.location.assign('/admin/sign-in?prompt=none'); throw new Error(data.message); }
    if (!response.ok) throw new Error(data.message || ('Request failed (' + response.status + ')'));
    return data;
  }

  function cell(row, text, label, className) {
    const td = document.createElement('td');
    td.textContent = text === undefined || text === null || text === '' ? '—' : String(text);
    if (label) td.dataset.label = label;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function fill(tableId, items, columns, emptyText, extra) {
    const table = $(tableId);
    table.classList.add('stack');
    const labels = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
    const body = table.tBodies[0];
    body.replaceChildren();
    if (!items.length) {
      const row = body.insertRow();
      const td = cell(row, emptyText);
      td.colSpan = labels.length; td.className = 'empty';
      return;
    }
    for (const item of items) {
      const row = body.insertRow();
      columns.forEach((column, i) => {
        const [text, className] = column(item);
        cell(row, text, labels[i], className);
      });
      if (extra) extra(row, item, labels);
    }
  }

  function resourceOf(record) {
    const name = record.userName || record.displayName || record.filterValue || record.resourceId;
    return [record.resourceType, name].filter(Boolean).join(' ');
  }
  const statusCell = (record) => [record.status, record.status >= 400 ? 'bad' : 'ok'];
  const recordColumns = [
    (r) => [when(r.timestamp)], (r) => [r.operation], statusCell, (r) => [r.scimType],
    (r) => [resourceOf(r)], (r) => [r.errorDetail || r.filter || (r.filterAttribute ? r.filterAttribute + ' lookup, ' + (r.totalResults ?? '?') + ' found' : '')],
  ];

  function showSecret(title, fields) {
    const box = $('secret-box');
    $('secret-title').textContent = title;
    const holder = $('secret-fields');
    holder.replaceChildren();
    let first;
    fields.forEach(([label, value], i) => {
      const id = 'secret-field-' + i;
      const wrap = document.createElement('div');
      const lab = document.createElement('label');
      lab.htmlFor = id; lab.textContent = label;
      const row = document.createElement('div'); row.className = 'row';
      const input = document.createElement(value.length > 80 ? 'textarea' : 'input');
      input.id = id; input.readOnly = true; input.value = value;
      if (input.tagName === 'TEXTAREA') input.rows = 4;
      const copy = document.createElement('button');
      copy.type = 'button'; copy.className = 'copy'; copy.textContent = 'Copy';
      copy.setAttribute('aria-label', 'Copy ' + label);
      copy.addEventListener('click', () => copyText(value, label));
      row.append(input, copy); wrap.append(lab, row); holder.appendChild(wrap);
      first = first || input;
    });
    box.hidden = false;
    first.focus(); first.select();
  }

  async function copyText(text, label) {
    try { await navigator.clipboard.writeText(text); status(label + ' copied.'); }
    catch { status('Select the text and copy it with Ctrl+C or ⌘C.'); }
  }

  async function loadCredentials() {
    const { credentials } = await api('GET', '/admin/api/credentials');
    fill('credentials', credentials, [
      (c) => [c.kind === 'oauthClient' ? 'OAuth client' : 'Secret Token'],
      (c) => [c.clientId || c.id], (c) => [when(c.createdAt)], (c) => [c.createdBy],
      (c) => [when(c.lastUsedAt)], (c) => (c.revokedAt ? ['Revoked ' + when(c.revokedAt), 'bad'] : ['Active', 'ok']),
    ], 'No credentials yet.', (row, c, labels) => {
      const td = document.createElement('td'); td.dataset.label = labels[6];
      if (!c.revokedAt) {
        const button = document.createElement('button');
        button.type = 'button'; button.className = 'revoke'; button.textContent = 'Revoke';
        button.setAttribute('aria-label', 'Revoke ' + (c.kind === 'oauthClient' ? 'OAuth client ' + (c.clientId || c.id) : 'Secret Token ' + c.id));
        button.addEventListener('click', () => revoke(c));
        td.appendChild(button);
      }
      row.appendChild(td);
      if (c.kind === 'oauthClient' && !c.revokedAt) secretsRow(row, c, labels.length);
    });
  }

  // The row under an active OAuth client: its secrets (id, expiry, status), Add new secret and
  // Revoke for each valid secret but the last one. No client id in its text: a test finds the
  // client's own row by it.
  function secretsRow(clientRow, client, columns) {
    const row = clientRow.parentNode.insertRow();
    row.className = 'secrets-row';
    const td = document.createElement('td'); td.colSpan = columns; td.className = 'secrets-cell';
    const now = Date.now();
    const valid = (s) => !s.revokedAt && Date.parse(s.expiresAt) > now;
    const validCount = client.secrets.filter(valid).length;
    const title = document.createElement('span'); title.className = 'secrets-title'; title.textContent = 'Client secrets';
    const list = document.createElement('ul'); list.className = 'secrets';
    for (const secret of [...client.secrets].reverse()) {
      const item = document.createElement('li');
      const id = document.createElement('code'); id.textContent = secret.id;
      const state = document.createElement('span');
      if (secret.revokedAt) { state.textContent = 'Revoked ' + when(secret.revokedAt); state.className = 'bad'; }
      else if (!valid(secret)) { state.textContent = 'Expired ' + when(secret.expiresAt); state.className = 'bad'; }
      else { state.textContent = 'Valid until ' + when(secret.expiresAt); state.className = 'ok'; }
      item.append(id, ' added ' + when(secret.createdAt) + ' · ', state);
      if (valid(secret) && validCount > 1) {
        const button = document.createElement('button');
        button.type = 'button'; button.className = 'revoke'; button.textContent = 'Revoke';
        button.setAttribute('aria-label', 'Revoke secret ' + secret.id + ' of OAuth client ' + client.id);
        button.addEventListener('click', () => revokeSecret(client, secret));
        item.append(' ', button);
      }
      list.appendChild(item);
    }
    const add = document.createElement('button');
    add.type = 'button'; add.className = 'link'; add.textContent = 'Add new secret';
    add.setAttribute('aria-label', 'Add new secret to OAuth client ' + client.id);
    add.addEventListener('click', (event) => addSecret(client, event.target));
    td.append(title, list, add);
    row.appendChild(td);
  }

  async function addSecret(client, button) {
    button.disabled = true;
    try {
      const result = await api('POST', '/admin/api/clients/' + encodeURIComponent(client.id) + '/secrets');
      showSecret('New secret for OAuth client ' + result.clientId, [['Client ID', result.clientId], ['Client Secret', result.clientSecret],
        ['Secret expires', when(result.secretExpiresAt)], ['Token endpoint', result.tokenEndpoint]]);
      status('New secret added. The old one stays valid until you revoke it: switch Entra to the new one first.');
      await Promise.all([loadCredentials(), loadAudit()]);
    } catch (error) { status(error.message); button.disabled = false; }
  }

  async function revokeSecret(client, secret) {
    if (!window.confirm('Revoke secret ' + secret.id + ' of OAuth client ' + client.id + '? Entra can no longer get tokens with it, and tokens it got stop working within a minute.')) return;
    try {
      await api('POST', '/admin/api/clients/' + encodeURIComponent(client.id) + '/secrets/' + encodeURIComponent(secret.id) + '/revoke');
      status('Secret ' + secret.id + ' revoked. It stops working within a minute.');
      await Promise.all([loadCredentials(), loadAudit()]);
    } catch (error) { status(error.message); }
  }

  async function revoke(credential) {
    const label = credential.kind === 'oauthClient' ? 'OAuth client ' + (credential.clientId || credential.id) : 'Secret Token ' + credential.id;
    if (!window.confirm('Revoke ' + label + '? Entra stops being able to provision with it within a minute.')) return;
    try {
      await api('POST', '/admin/api/credentials/' + encodeURIComponent(credential.id) + '/revoke');
      status(label + ' revoked. It stops working within a minute.');
      await Promise.all([loadCredentials(), loadAudit()]);
    } catch (error) { status(error.message); }
  }

  function chart(activity, days) {
    const holder = $('chart');
    const ns = 'http://www.w3.org/2000/svg';
    const width = 720, height = 220, left = 44, bottom = 28, top = 12;
    const max = Math.max(1, ...activity.map((b) => b.requests));
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-labelledby', 'chart-title chart-desc');
    const total = activity.reduce((n, b) => n + b.requests, 0);
    const failed = activity.reduce((n, b) => n + b.failures, 0);
    const title = document.createElementNS(ns, 'title'); title.id = 'chart-title';
    title.textContent = 'Requests and failures per ' + (days <= 1 ? 'hour' : 'day');
    const desc = document.createElementNS(ns, 'desc'); desc.id = 'chart-desc';
    desc.textContent = total + ' requests, ' + failed + ' failed, over the last ' + days + (days === 1 ? ' day.' : ' days.');
    svg.append(title, desc);
    const add = (name, attributes, text) => {
      const element = document.createElementNS(ns, name);
      for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
      if (text !== undefined) element.textContent = text;
      svg.appendChild(element); return element;
    };
    const plotWidth = width - left - 8, plotHeight = height - top - bottom;
    for (const fraction of [0, 0.5, 1]) {
      const y = top + plotHeight * (1 - fraction);
      add('line', { x1: left, x2: width - 8, y1: y, y2: y, stroke: '#d0d7de' });
      add('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#57606a' }, String(Math.round(max * fraction)));
    }
    const slot = plotWidth / Math.max(1, activity.length);
    activity.forEach((bucket, i) => {
      const x = left + i * slot + slot * 0.15, w = Math.max(1, slot * 0.7);
      const h = (bucket.requests / max) * plotHeight, hf = (bucket.failures / max) * plotHeight;
      const bar = add('rect', { x, y: top + plotHeight - h, width: w, height: h, fill: '#0b5cad' });
      const tip = document.createElementNS(ns, 'title');
      tip.textContent = when(bucket.start) + ': ' + bucket.requests + ' requests, ' + bucket.failures + ' failed';
      bar.appendChild(tip);
      if (bucket.failures) add('rect', { x, y: top + plotHeight - hf, width: w, height: Math.max(1, hf), fill: '#b42318' });
      if (i % Math.ceil(activity.length / 6) === 0) {
        const d = new Date(bucket.start);
        add('text', { x: x + w / 2, y: height - 8, 'text-anchor': 'middle', 'font-size': 11, fill: '#57606a' },
          days <= 1 ? d.getHours() + ':00' : (d.getMonth() + 1) + '/' + d.getDate());
      }
    });
    const legend = document.createElement('p'); legend.className = 'legend';
    legend.textContent = 'Blue: requests. Red: failed requests (4xx and 5xx). ' + desc.textContent;
    holder.replaceChildren(svg, legend);
  }

  async function loadReports() {
    const days = Number($('range').value);
    status('Loading reports…');
    const report = await api('GET', '/admin/api/reports?days=' + days);
    chart(report.activity, days);
    fill('failures', report.failures, [
      (f) => [f.status, 'bad'], (f) => [f.scimType || '(none)'], (f) => [f.count], (f) => [when(f.last)],
      (f) => [f.errorDetail], (f) => [f.advice],
    ], 'No failed requests in this period.');
    fill('recent', report.recent, recordColumns, 'No requests from Entra in this period.');
    fill('probes', report.probes, [
      (r) => [when(r.timestamp)], (r) => [r.operation], statusCell,
      (r) => [(r.filterAttribute || '') + ' eq ' + (r.filterValue || '')], (r) => [r.callerTokenId || r.callerKind],
    ], 'No Test Connection in this period.');
    status('Reports for the last ' + days + (days === 1 ? ' day' : ' days') + ', as of ' + new Date(report.to).toLocaleTimeString() + '.');
  }

  async function loadHistory(term) {
    const days = Number($('range').value);
    const { records, truncated } = await api('GET', '/admin/api/history?days=' + days + '&term=' + encodeURIComponent(term));
    fill('history', records, recordColumns, 'No request about ' + term + ' in this period.');
    status((truncated ? 'Showing the latest ' : '') + records.length + ' requests about ' + term + '.');
  }

  async function loadAudit() {
    const { actions } = await api('GET', '/admin/api/audit');
    fill('audit', actions, [(a) => [when(a.at)], (a) => [a.actorName], (a) => [a.action],
      (a) => [a.target && a.detail ? a.target + ' (' + a.detail + ')' : a.target || a.detail]], 'No actions yet.');
  }

  async function start() {
    const session = await api('GET', '/admin/api/session');
    csrfToken = session.csrfToken;
    $('who').textContent = session.user.name + (session.user.username ? ' (' + session.user.username + ')' : '');
    $('tenant-name').textContent = session.tenant.name;
    $('tenant-id').textContent = session.tenant.id;
    $('directory-id').textContent = session.tenant.directoryId;
    $('tenant-url').textContent = session.tenantUrl;
    $('token-endpoint').textContent = session.tokenEndpoint;
    for (const button of document.querySelectorAll('button[data-copy]')) {
      button.addEventListener('click', () => copyText($(button.dataset.copy).textContent, button.getAttribute('aria-label').replace(/^Copy /, '')));
    }
    $('generate-token').addEventListener('click', async (event) => {
      event.target.disabled = true;
      try {
        const result = await api('POST', '/admin/api/tokens');
        showSecret('New Secret Token ' + result.credential.id, [['Secret Token', result.secretToken]]);
        status('Secret Token generated.');
        await Promise.all([loadCredentials(), loadAudit()]);
      } catch (error) { status(error.message); } finally { event.target.disabled = false; }
    });
    $('create-client').addEventListener('click', async (event) => {
      event.target.disabled = true;
      try {
        const result = await api('POST', '/admin/api/clients');
        showSecret('New OAuth client', [['Client ID', result.clientId], ['Client Secret', result.clientSecret],
          ['Secret expires', when(result.secretExpiresAt)], ['Token endpoint', result.tokenEndpoint]]);
        status('OAuth client created.');
        await Promise.all([loadCredentials(), loadAudit()]);
      } catch (error) { status(error.message); } finally { event.target.disabled = false; }
    });
    $('sign-out').addEventListener('click', async () => {
      await api('POST', '/admin/sign-out');
      const main = $('main');
      main.replaceChildren();
      const h1 = document.createElement('h1'); h1.textContent = 'You are signed out';
      const link = document.createElement('a'); link.href = '/admin/sign-in'; link.className = 'button'; link.textContent = 'Sign in again';
      main.append(h1, link);
      $('sign-out').hidden = true; $('who').textContent = '';
      main.focus();
    });
    $('range-form').addEventListener('submit', (event) => { event.preventDefault(); loadReports().catch((e) => status(e.message)); });
    $('history-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const term = $('history-term').value.trim();
      if (term) loadHistory(term).catch((e) => status(e.message));
    });
    await Promise.all([loadCredentials(), loadAudit(), loadReports()]);
  }

  start().catch((error) => status(error.message));
})();
`;

/** The assets by file name, with their content types. */
export const adminAssets: ReadonlyMap<string, { body: string; contentType: string }> = new Map([
  ['app.css', { body: css, contentType: 'text/css; charset=utf-8' }],
  ['app.js', { body: script, contentType: 'text/javascript; charset=utf-8' }],
]);
