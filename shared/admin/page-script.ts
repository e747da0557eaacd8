/**
 * The integration page's script (asset `app.js`): plain browser JavaScript, no framework, no build
 * step. It writes every value with `textContent` (never as HTML), so nothing a record holds can
 * become markup. The words a customer reads about requests and admin actions (`title`) come from
 * the server; the script only lays them out.
 *
 * One period (the menu at the top) applies to everything it shows: health, failures, chart,
 * requests and the open entry's timeline, as soon as it is chosen.
 */
export const pageScript = String.raw`'use strict';
(() => {
  const EMPTY = '—';
  // Rows of a long list shown at once: ten on a laptop, five on a phone, then "Show more".
  const pageSize = () => (wide() ? 10 : 5);
  let csrfToken = '';
  const $ = (id) => document.getElementById(id);
  const wide = () => window.matchMedia('(min-width: 641px)').matches;
  const status = (message) => { $('status').textContent = message; };
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : EMPTY);
  // A time of today as "today 13:16", another day's as "Dec 7, 13:16": short enough for a phone.
  const short = (iso) => {
    const date = new Date(iso);
    const time = date.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
    return date.toDateString() === new Date().toDateString()
      ? 'today ' + time
      : date.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ', ' + time;
  };
  const shown = (value) => (value === undefined || value === null || value === '' ? EMPTY : String(value));
  const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);
  const days = () => Number($('range').value);
  const periodText = (d) => (d === 1 ? 'the last 24 hours' : 'the last ' + d + ' days');

  /** An element with properties (text, className, attributes) and children. */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'className') node.className = value;
      else if (key.startsWith('aria-') || key.startsWith('data-')) node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) if (child !== undefined && child !== null && child !== false) node.append(child);
    return node;
  }

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

  // "Technical detail", one click away: the exact values, for GroupTalk support or the Entra logs.
  function technical(facts) {
    const list = el('dl', { className: 'facts' });
    for (const [label, value] of facts) {
      if (value === undefined || value === null || value === '') continue;
      list.append(el('dt', { text: label }), el('dd', {}, el('code', { text: String(value) })));
    }
    return el('details', { className: 'technical' }, el('summary', { text: 'Technical detail' }), list);
  }

  // Long lists show a page of items and a "Show more" button after them; focus moves to the first new one.
  const moreButtons = new Map();
  function paged(key, container, after, items, render, size) {
    container.replaceChildren();
    moreButtons.get(key)?.remove();
    const more = el('button', { type: 'button', className: 'secondary more' });
    moreButtons.set(key, more);
    let count = 0;
    const step = (focus) => {
      const next = items.slice(count, count + size);
      next.forEach((item, i) => {
        const node = render(item);
        container.appendChild(node);
        if (focus && i === 0) { node.tabIndex = -1; node.focus(); }
      });
      count += next.length;
      const left = items.length - count;
      if (left > 0) more.textContent = 'Show more (' + left + ' not shown)';
      else more.remove();
    };
    more.addEventListener('click', () => step(true));
    after.after(more);
    step(false);
  }

  function cells(labels, values) {
    const row = document.createElement('tr');
    values.forEach((value, i) => {
      const td = document.createElement('td');
      td.dataset.label = labels[i];
      if (value instanceof Node) td.append(value);
      else if (Array.isArray(value)) { td.append(...value.filter((part) => part !== undefined && part !== null)); }
      else td.textContent = shown(value);
      row.appendChild(td);
    });
    return row;
  }

  function fillTable(id, items, columns, emptyText, size) {
    const table = $(id);
    const labels = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
    const body = table.tBodies[0];
    if (!items.length) {
      moreButtons.get(id)?.remove();
      const row = body.insertRow();
      body.replaceChildren(row);
      const td = row.insertCell();
      td.colSpan = labels.length; td.className = 'empty'; td.textContent = emptyText;
      return;
    }
    paged(id, body, table, items, (item) => cells(labels, columns(item)), size || pageSize());
  }

  const failed = (r) => (r.outcome ? r.outcome === 'failed' : r.status >= 400);
  function result(r) {
    return [
      el('span', { className: failed(r) ? 'bad' : 'ok', text: failed(r) ? 'Failed' : 'Succeeded' }),
      technical([['Status', r.status], ['scimType', r.scimType], ['What Entra was told', r.errorDetail || r.detail],
        ['Operation', r.operation], ['Filter', r.filter], ['Found', r.totalResults], ['Request', r.requestId]]),
    ];
  }
  const resourceOf = (r) => r.userName || r.displayName || r.filterValue || r.resourceId;

  // ---- Health -------------------------------------------------------------------------------
  const STATES = { healthy: 'Healthy', attention: 'Needs attention', failing: 'Failing', idle: 'No recent activity' };
  let failuresOpened = false;

  function showHealth(report, d) {
    const health = report.health;
    const badge = $('health-state');
    badge.textContent = health ? STATES[health.state] || health.state : 'Unknown';
    badge.className = 'badge ' + (health ? health.state : 'idle');
    $('health-summary').textContent = health ? health.summary : '';
    // Requests that named no caller (a scanner, a stale script): told apart, not counted in the cycle.
    const stray = health && health.unauthenticated;
    $('health-unauthenticated').hidden = !stray;
    $('health-unauthenticated').textContent = stray ? stray.summary : '';
    const call = health && health.lastCall;
    $('last-call').textContent = call
      ? call.title + (call.outcome === 'failed' ? ' (failed)' : '') + ', ' + short(call.at)
      : 'None in this period';
    const cycle = health && health.lastCycle;
    $('last-cycle').textContent = cycle
      ? (cycle.partial ? 'At least ' : '') + plural(cycle.requests, 'request', 'requests') + ', ' + (cycle.failures ? cycle.failures + ' failed' : 'none failed') +
        ', ' + short(cycle.from) + ' to ' + new Date(cycle.to).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' })
      : 'None in this period';
    const failures = report.failures;
    const box = $('failures-box');
    const total = failures.reduce((n, f) => n + f.count, 0);
    $('failures-summary').textContent = total
      ? plural(total, 'failed request', 'failed requests') + ' in ' + periodText(d)
      : 'No failed requests in ' + periodText(d);
    // Open on a laptop the first time there are failures; on a phone the summary line keeps the
    // search on the first screen. The administrator's own choice stands after that.
    if (total && !failuresOpened) { box.open = wide(); failuresOpened = true; }
    const list = $('failures');
    list.replaceChildren(...failures.map((f) => el('li', {},
      el('p', { className: 'failure-title', text: f.title || f.advice }),
      el('p', { className: 'meta', text: f.count === 1 ? 'Once, ' + short(f.last) : f.count + ' times, the last ' + short(f.last) }),
      el('p', { className: 'todo' }, el('strong', { text: 'What to do: ' }), f.advice),
      technical([['Status', f.status], ['scimType', f.scimType], ['What Entra was told', f.errorDetail]]),
    )));
    if (!failures.length) list.append(el('li', { className: 'empty', text: 'Nothing failed in ' + periodText(d) + '.' }));
  }

  function showCounts(counts) {
    if (!counts) return;
    $('user-count').textContent = counts.users.active + ' active, ' + counts.users.deactivated + ' deactivated';
    $('group-count').textContent = String(counts.groups);
  }

  // ---- Chart: drawn at the size it is shown, so its labels stay 12 px on a phone ---------------
  let chartData;
  function chart(activity, d) {
    chartData = [activity, d];
    const holder = $('chart');
    const ns = 'http://www.w3.org/2000/svg';
    const width = Math.max(260, Math.floor(holder.clientWidth || 720));
    const height = width < 520 ? 170 : 210, left = 40, right = 8, bottom = 24, top = 10, font = 12;
    const max = Math.max(1, ...activity.map((b) => b.requests));
    const hourly = d <= 1;
    const total = activity.reduce((n, b) => n + b.requests, 0);
    const failedCount = activity.reduce((n, b) => n + b.failures, 0);
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-labelledby', 'chart-title chart-desc');
    const title = document.createElementNS(ns, 'title'); title.id = 'chart-title';
    title.textContent = 'Requests and failures per ' + (hourly ? 'hour' : 'day');
    const desc = document.createElementNS(ns, 'desc'); desc.id = 'chart-desc';
    desc.textContent = plural(total, 'request', 'requests') + ', ' + failedCount + ' failed, in ' + periodText(d) + '.';
    svg.append(title, desc);
    const add = (name, attributes, content) => {
      const node = document.createElementNS(ns, name);
      for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
      if (content !== undefined) node.textContent = content;
      svg.appendChild(node); return node;
    };
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    for (const fraction of [0, 0.5, 1]) {
      const y = top + plotHeight * (1 - fraction);
      add('line', { x1: left, x2: width - right, y1: y, y2: y, stroke: '#d0d7de' });
      add('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', 'font-size': font, fill: '#57606a' }, String(Math.round(max * fraction)));
    }
    const label = (start) => {
      const date = new Date(start);
      return hourly ? date.getHours() + ':00' : date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
    };
    const slot = plotWidth / Math.max(1, activity.length);
    // As many date labels as fit 64 px apart (about 6 on a phone).
    const every = Math.max(1, Math.ceil(activity.length / Math.max(2, Math.floor(plotWidth / 64))));
    activity.forEach((bucket, i) => {
      const x = left + i * slot + slot * 0.15, w = Math.max(1, slot * 0.7);
      const h = (bucket.requests / max) * plotHeight, hf = (bucket.failures / max) * plotHeight;
      const bar = add('rect', { x, y: top + plotHeight - h, width: w, height: h, fill: '#0b5cad' });
      const tip = document.createElementNS(ns, 'title');
      tip.textContent = when(bucket.start) + ': ' + plural(bucket.requests, 'request', 'requests') + ', ' + bucket.failures + ' failed';
      bar.appendChild(tip);
      if (bucket.failures) add('rect', { x, y: top + plotHeight - hf, width: w, height: Math.max(1, hf), fill: '#b42318' });
      if (i % every === 0) {
        add('text', { x: Math.min(width - right - 20, Math.max(left + 20, x + w / 2)), y: height - 6, 'text-anchor': 'middle', 'font-size': font, fill: '#57606a' }, label(bucket.start));
      }
    });
    const legend = el('p', { className: 'legend', text: 'Blue: requests. Red: failed requests. ' + desc.textContent });
    const rows = activity.filter((b) => b.requests > 0);
    const table = el('table', {},
      el('caption', { className: 'visually-hidden', text: 'Requests and failures per ' + (hourly ? 'hour' : 'day') }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: hourly ? 'Hour' : 'Day' }), el('th', { scope: 'col', text: 'Requests' }), el('th', { scope: 'col', text: 'Failed' }))),
      el('tbody', {}, ...(rows.length ? rows : []).map((b) => el('tr', {}, el('td', { text: hourly ? when(b.start) : new Date(b.start).toLocaleDateString() }), el('td', { text: String(b.requests) }), el('td', { text: String(b.failures) })))),
    );
    const numbers = el('details', {}, el('summary', { text: 'The numbers as a table' }),
      rows.length ? table : el('p', { className: 'empty', text: 'No requests in ' + periodText(d) + '.' }));
    holder.replaceChildren(svg, legend, numbers);
    $('chart-heading').textContent = 'Requests and failures in ' + periodText(d);
  }
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (chartData) chart(...chartData); }, 150);
  });

  // ---- Reports: everything the period applies to -------------------------------------------------
  let reportRun = 0;
  async function loadReports() {
    const d = days();
    const run = ++reportRun;
    status('Loading ' + periodText(d) + '…');
    const report = await api('GET', '/admin/api/reports?days=' + d);
    if (run !== reportRun) return;
    showHealth(report, d);
    chart(report.activity, d);
    fillTable('recent', report.recent, (r) => [when(r.timestamp), r.title || r.operation, resourceOf(r), result(r)],
      'No requests from Entra in ' + periodText(d) + '.');
    fillTable('probes', report.probes, (r) => [when(r.timestamp), r.title || r.operation, result(r), r.callerTokenId || r.callerKind],
      'No Test Connection in ' + periodText(d) + '.', wide() ? 5 : 3);
    status('Showing ' + periodText(d) + ', as of ' + new Date(report.to).toLocaleTimeString() + '.');
  }

  // ---- Directory -----------------------------------------------------------------------------------
  let searchRun = 0;
  let searched = { q: '', type: 'all', next: undefined };

  function resultItem(item) {
    const user = item.type === 'User';
    const name = item.displayName || item.userName || item.id;
    const meta = [user ? 'User' : 'Group'];
    if (user && item.userName && item.userName !== name) meta.push(item.userName);
    if (user && item.email && item.email.toLowerCase() !== (item.userName || '').toLowerCase()) meta.push(item.email);
    if (item.externalId && (item.matched === 'externalId' || !user)) meta.push('external ID ' + item.externalId);
    if (user) meta.push(item.active === false ? 'Deactivated' : 'Active');
    const button = el('button', { type: 'button', className: 'result', 'data-id': item.id },
      el('span', { className: 'result-name', text: name }),
      el('span', { className: 'result-meta', text: meta.join(' · ') }));
    button.addEventListener('click', () => openEntry(item.type, item.id).catch((error) => status(error.message)));
    return el('li', {}, button);
  }

  async function search(more) {
    const run = ++searchRun;
    const q = more ? searched.q : $('directory-q').value.trim();
    const type = more ? searched.type : $('directory-type').value;
    // A page may come back short, even empty, with a cursor (the server bounds what one page
    // reads): ask on until something is found or the list ends.
    let cursor = more ? searched.next : undefined;
    let data;
    for (let asked = 0; asked < 8; asked++) {
      const query = new URLSearchParams({ q, type });
      if (cursor) query.set('cursor', cursor);
      data = await api('GET', '/admin/api/directory?' + query.toString());
      if (run !== searchRun) return;
      if (data.items.length || !data.next) break;
      cursor = data.next;
    }
    showCounts(data.counts);
    const list = $('directory-results');
    if (!more) list.replaceChildren();
    const before = list.children.length;
    for (const item of data.items) list.appendChild(resultItem(item));
    if (more && list.children[before]) list.children[before].querySelector('button').focus();
    searched = { q, type, next: data.next };
    $('directory-more').hidden = !data.next;
    const kind = type === 'users' ? ['user', 'users'] : type === 'groups' ? ['group', 'groups'] : ['user or group', 'users and groups'];
    const n = list.children.length;
    // Nothing held by that name: Entra's requests naming it may still say why (a refused create).
    $('directory-none').hidden = !(q && n === 0);
    $('directory-requests').textContent = 'Look for Entra’s requests naming “' + q + '”';
    $('directory-count').textContent = q
      ? (n ? plural(n, kind[0], kind[1]) + (data.next ? ' shown, more below,' : '') + ' starting with “' + q + '”.' : 'GroupTalk holds no ' + kind[0] + ' starting with “' + q + '”.')
      : (n ? plural(n, kind[0], kind[1]) + (data.next ? ' shown, more below' : '') + ', by name.' : 'GroupTalk holds no ' + kind[1] + ' yet.');
  }

  // ---- One entry: its state, attributes, groups and timeline ----------------------------------
  let current;
  async function openEntry(type, id) {
    const run = Symbol('entry');
    current = { type, id, run };
    for (const button of document.querySelectorAll('button.result')) {
      if (button.dataset.id === id) button.setAttribute('aria-current', 'true'); else button.removeAttribute('aria-current');
    }
    const entry = $('entry');
    entry.hidden = false;
    entry.parentElement.classList.add('open');
    entry.replaceChildren(el('p', { className: 'empty', text: 'Loading…' }));
    const path = '/admin/api/directory/' + (type === 'User' ? 'users' : 'groups') + '/' + encodeURIComponent(id);
    const [data, history] = await Promise.all([api('GET', path), timeline(type, id)]);
    if (current.run !== run) return;
    const r = data.resource;
    const user = r.type === 'User';
    const name = r.displayName || r.userName || r.id;
    const heading = el('h3', { id: 'entry-heading', tabIndex: -1, text: name });
    const state = user
      ? el('p', {}, 'User · ', el('span', { className: r.active === false ? 'bad' : 'ok', text: r.active === false ? 'Deactivated' : 'Active' }))
      : el('p', { text: 'Group · ' + plural(data.memberCount || 0, 'member', 'members') });
    const facts = el('dl', { className: 'facts' });
    for (const attribute of r.attributes || []) facts.append(el('dt', { text: attribute.name }), el('dd', { text: shown(attribute.value) }));
    facts.append(el('dt', { text: 'Created in GroupTalk' }), el('dd', { text: when(r.created) }),
      el('dt', { text: 'Last changed' }), el('dd', { text: when(r.lastModified) }),
      el('dt', { text: 'GroupTalk ID' }), el('dd', {}, el('code', { text: r.id })));
    const parts = [heading, state, el('h4', { text: 'What GroupTalk holds' }), facts];
    if (user) {
      const groups = data.groups || [];
      const count = data.groupCount ?? groups.length;
      parts.push(el('h4', { text: 'Groups (' + count + ')' }));
      if (!groups.length) parts.push(el('p', { className: 'empty', text: 'Member of no group.' }));
      else {
        parts.push(el('ul', { className: 'groups' }, ...groups.map((group) => {
          const open = el('button', { type: 'button', className: 'link', text: group.displayName || group.id });
          open.addEventListener('click', () => openEntry('Group', group.id).catch((error) => status(error.message)));
          return el('li', {}, open);
        })));
        if (count > groups.length) parts.push(el('p', { className: 'meta', text: 'and ' + (count - groups.length) + ' more' }));
      }
    }
    const back = el('button', { type: 'button', className: 'secondary', text: 'Back to the results' });
    back.addEventListener('click', () => {
      entry.hidden = true; entry.parentElement.classList.remove('open');
      const from = document.querySelector('button.result[aria-current="true"]') || $('directory-q');
      current = undefined; from.focus();
    });
    parts.push(el('h4', { id: 'timeline-heading' }), el('ol', { id: 'timeline', className: 'timeline', 'aria-labelledby': 'timeline-heading' }), back);
    entry.replaceChildren(...parts);
    showTimeline(history);
    heading.focus();
  }

  function timeline(type, id) {
    return api('GET', '/admin/api/history?type=' + type + '&id=' + encodeURIComponent(id) + '&days=' + days());
  }

  // Requests naming a term GroupTalk holds nothing under (oldest first), as timeline items.
  async function termTimeline(term) {
    const answer = await api('GET', '/admin/api/history?term=' + encodeURIComponent(term) + '&days=' + days());
    // Oldest first in the answer: newest first here, as in every timeline.
    const records = (answer.records || []).slice().reverse();
    const { truncated } = answer;
    return { truncated, items: (records || []).map((r) => ({ at: r.timestamp, title: r.title || r.operation,
      outcome: r.status >= 400 ? 'failed' : 'succeeded', status: r.status, scimType: r.scimType, detail: r.errorDetail, operation: r.operation })) };
  }

  async function openRequests(term) {
    const run = Symbol('entry');
    current = { term, run };
    const entry = $('entry');
    entry.hidden = false;
    entry.parentElement.classList.add('open');
    entry.replaceChildren(el('p', { className: 'empty', text: 'Loading…' }));
    const history = await termTimeline(term);
    if (current.run !== run) return;
    const heading = el('h3', { id: 'entry-heading', tabIndex: -1, text: 'Requests naming “' + term + '”' });
    const back = el('button', { type: 'button', className: 'secondary', text: 'Back to the search' });
    back.addEventListener('click', () => { entry.hidden = true; entry.parentElement.classList.remove('open'); current = undefined; $('directory-q').focus(); });
    entry.replaceChildren(heading,
      el('p', { className: 'hint', text: 'GroupTalk holds no user or group by this name. These are the requests from Entra that named it, such as a create GroupTalk refused.' }),
      el('h4', { id: 'timeline-heading' }), el('ol', { id: 'timeline', className: 'timeline', 'aria-labelledby': 'timeline-heading' }), back);
    showTimeline(history);
    heading.focus();
  }

  // A member's entry of its group's write opens that group.
  function groupLink(group) {
    const open = el('button', { type: 'button', className: 'link', text: 'Open the group',
      'aria-label': 'Open the group ' + (group.displayName || group.id) });
    open.addEventListener('click', () => openEntry('Group', group.id).catch((error) => status(error.message)));
    return el('span', {}, ' ', open);
  }

  function showTimeline(history) {
    const d = days();
    // A busy resource's timeline keeps its newest events; the heading says when older ones are left out.
    $('timeline-heading').textContent = 'What happened in ' + periodText(d) +
      (history.truncated ? ' (the latest ' + (history.items || []).length + ' shown)' : '');
    const list = $('timeline');
    const items = history.items || [];
    if (!items.length) {
      moreButtons.get('timeline')?.remove();
      list.replaceChildren(el('li', { className: 'empty', text: 'Nothing in ' + periodText(d) + '.' }));
      return;
    }
    paged('timeline', list, list, items, (item) => el('li', { className: item.outcome === 'failed' ? 'failed' : undefined },
      el('span', { className: 'timeline-when', text: when(item.at) }),
      el('span', { className: 'timeline-title', text: item.title }),
      item.outcome === 'failed' ? el('span', { className: 'bad', text: ' (failed)' }) : undefined,
      item.group && item.group.id ? groupLink(item.group) : undefined,
      technical([['Status', item.status], ['scimType', item.scimType], ['What Entra was told', item.detail], ['Operation', item.operation]]),
    ), pageSize());
  }

  async function reloadTimeline() {
    if (!current || !$('timeline')) return;
    const { type, id, term, run } = current;
    const history = term ? await termTimeline(term) : await timeline(type, id);
    if (current && current.run === run) showTimeline(history);
  }

  // ---- Credentials ----------------------------------------------------------------------------------
  let shownOnce; // whose secret the shown-once box holds: { credentialId, secretId? }

  function showSecret(title, fields, owner) {
    const box = $('secret-box');
    $('secret-title').textContent = title;
    const holder = $('secret-fields');
    holder.replaceChildren();
    let first;
    fields.forEach(([label, value], i) => {
      const id = 'secret-field-' + i;
      const input = el(value.length > 32 ? 'textarea' : 'input', { id, readOnly: true, value, spellcheck: false });
      if (input.tagName === 'TEXTAREA') input.rows = 1;
      const copy = el('button', { type: 'button', className: 'copy', text: 'Copy', 'aria-label': 'Copy ' + label });
      copy.addEventListener('click', () => copyText(value, label));
      holder.appendChild(el('div', {}, el('label', { htmlFor: id, text: label }), el('div', { className: 'row' }, input, copy)));
      first = first || input;
    });
    shownOnce = owner;
    box.hidden = false;
    // A long value shows whole, however narrow the screen (CSSOM, which the CSP allows).
    for (const area of holder.querySelectorAll('textarea')) area.style.height = (area.scrollHeight + 4) + 'px';
    first.focus(); first.select();
  }

  // A revoked secret is no longer offered for copying.
  function forgetSecret(credentialId, secretId) {
    if (!shownOnce || shownOnce.credentialId !== credentialId) return;
    if (secretId && shownOnce.secretId && shownOnce.secretId !== secretId) return;
    if (secretId && !shownOnce.secretId) return;
    shownOnce = undefined;
    $('secret-fields').replaceChildren();
    $('secret-title').textContent = '';
    $('secret-box').hidden = true;
  }

  async function copyText(value, label) {
    try { await navigator.clipboard.writeText(value); status(label + ' copied.'); }
    catch { status('Select the text and copy it with Ctrl+C or ⌘C.'); }
  }

  // lastUsedAt is written at most once a minute per credential: shown to the minute, no seconds.
  function lastUsed(iso) {
    if (!iso) return 'Never';
    return new Date(iso).toLocaleString([], { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit' });
  }

  async function loadCredentials() {
    const { credentials } = await api('GET', '/admin/api/credentials');
    const table = $('credentials');
    const labels = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
    const body = table.tBodies[0];
    body.replaceChildren();
    if (!credentials.length) {
      const td = body.insertRow().insertCell();
      td.colSpan = labels.length; td.className = 'empty'; td.textContent = 'No credentials yet.';
      return;
    }
    // Active ones first; revoked ones folded away behind one button (they only tell history).
    const ordered = [...credentials.filter((c) => !c.revokedAt), ...credentials.filter((c) => c.revokedAt)];
    const revokedRows = [];
    for (const c of ordered) {
      const client = c.kind === 'oauthClient';
      let action;
      if (!c.revokedAt) {
        action = el('button', { type: 'button', className: 'revoke', text: 'Revoke',
          'aria-label': 'Revoke ' + (client ? 'OAuth client ' + (c.clientId || c.id) : 'Secret Token ' + c.id) });
        action.addEventListener('click', () => revoke(c));
      }
      const row = cells(labels, [client ? 'OAuth client' : 'Secret Token', c.clientId || c.id, when(c.createdAt), c.createdBy,
        lastUsed(c.lastUsedAt),
        el('span', { className: c.revokedAt ? 'bad' : 'ok', text: c.revokedAt ? 'Revoked ' + when(c.revokedAt) : 'Active' }),
        action ? [action] : []]);
      if (!action) row.lastChild.className = 'bare';
      body.appendChild(row);
      if (client && !c.revokedAt) secretsRow(row, c, labels.length);
      if (c.revokedAt) { row.hidden = !showRevoked; revokedRows.push(row); }
    }
    if (!revokedRows.length) return;
    const toggle = el('button', { type: 'button', className: 'link', 'aria-expanded': String(showRevoked) });
    const label = () => { toggle.textContent = (showRevoked ? 'Hide ' : 'Show ') + plural(revokedRows.length, 'revoked credential', 'revoked credentials'); };
    label();
    toggle.addEventListener('click', () => {
      showRevoked = !showRevoked;
      for (const row of revokedRows) row.hidden = !showRevoked;
      toggle.setAttribute('aria-expanded', String(showRevoked));
      label();
    });
    const td = el('td', { colSpan: labels.length, className: 'bare' }, toggle);
    const row = el('tr', { className: 'toggle-row' }, td);
    body.insertBefore(row, revokedRows[0]);
  }
  let showRevoked = false;

  // The row under an active OAuth client: its secrets (id, expiry, status), Add new secret and
  // Revoke for each valid secret but the last one. No client id in its text: a test finds the
  // client's own row by it.
  function secretsRow(clientRow, client, columns) {
    const row = clientRow.parentNode.insertRow();
    row.className = 'secrets-row';
    const td = el('td', { colSpan: columns, className: 'secrets-cell' });
    const now = Date.now();
    const valid = (s) => !s.revokedAt && Date.parse(s.expiresAt) > now;
    const validCount = client.secrets.filter(valid).length;
    const list = el('ul', { className: 'secrets' });
    for (const secret of [...client.secrets].reverse()) {
      const state = secret.revokedAt
        ? el('span', { className: 'bad', text: 'Revoked ' + when(secret.revokedAt) })
        : !valid(secret)
          ? el('span', { className: 'bad', text: 'Expired ' + when(secret.expiresAt) })
          : el('span', { className: 'ok', text: 'Valid until ' + when(secret.expiresAt) });
      const item = el('li', {}, el('code', { text: secret.id }), ' added ' + when(secret.createdAt) + ' · ', state);
      if (valid(secret) && validCount > 1) {
        const button = el('button', { type: 'button', className: 'revoke', text: 'Revoke',
          'aria-label': 'Revoke secret ' + secret.id + ' of OAuth client ' + client.id });
        button.addEventListener('click', () => revokeSecret(client, secret));
        item.append(' ', button);
      }
      list.appendChild(item);
    }
    const add = el('button', { type: 'button', className: 'link', text: 'Add new secret', 'aria-label': 'Add new secret to OAuth client ' + client.id });
    add.addEventListener('click', (event) => addSecret(client, event.currentTarget));
    td.append(el('span', { className: 'secrets-title', text: 'Client secrets' }), list, add);
    row.appendChild(td);
  }

  async function addSecret(client, button) {
    button.disabled = true;
    try {
      const result = await api('POST', '/admin/api/clients/' + encodeURIComponent(client.id) + '/secrets');
      showSecret('New secret for OAuth client ' + result.clientId, [['Client ID', result.clientId], ['Client Secret', result.clientSecret],
        ['Secret expires', when(result.secretExpiresAt)], ['Token endpoint', result.tokenEndpoint]],
        { credentialId: client.id, secretId: result.secretId });
      status('New secret added. The old one stays valid until you revoke it: switch Entra to the new one first.');
      await Promise.all([loadCredentials(), loadAudit()]);
    } catch (error) { status(error.message); button.disabled = false; }
  }

  async function revokeSecret(client, secret) {
    if (!window.confirm('Revoke secret ' + secret.id + ' of OAuth client ' + client.id + '? Entra can no longer get tokens with it, and tokens it got stop working within a minute.')) return;
    try {
      await api('POST', '/admin/api/clients/' + encodeURIComponent(client.id) + '/secrets/' + encodeURIComponent(secret.id) + '/revoke');
      forgetSecret(client.id, secret.id);
      status('Secret ' + secret.id + ' revoked. It stops working within a minute.');
      await Promise.all([loadCredentials(), loadAudit()]);
    } catch (error) { status(error.message); }
  }

  async function revoke(credential) {
    const label = credential.kind === 'oauthClient' ? 'OAuth client ' + (credential.clientId || credential.id) : 'Secret Token ' + credential.id;
    if (!window.confirm('Revoke ' + label + '? Entra stops being able to provision with it within a minute.')) return;
    try {
      await api('POST', '/admin/api/credentials/' + encodeURIComponent(credential.id) + '/revoke');
      forgetSecret(credential.id);
      status(label + ' revoked. It stops working within a minute.');
      await Promise.all([loadCredentials(), loadAudit()]);
    } catch (error) { status(error.message); }
  }

  async function loadAudit() {
    const { actions } = await api('GET', '/admin/api/audit');
    fillTable('audit', actions, (a) => [when(a.at), a.actorName, a.title || a.action,
      a.target && a.detail ? a.target + ' (' + a.detail + ')' : a.target || a.detail], 'No actions yet.');
  }

  // ---- Start ----------------------------------------------------------------------------------------
  function bind() {
    for (const button of document.querySelectorAll('button[data-copy]')) {
      button.addEventListener('click', () => copyText($(button.dataset.copy).textContent, button.getAttribute('aria-label').replace(/^Copy /, '')));
    }
    $('generate-token').addEventListener('click', async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        const result = await api('POST', '/admin/api/tokens');
        showSecret('New Secret Token ' + result.credential.id, [['Secret Token', result.secretToken]], { credentialId: result.credential.id });
        status('Secret Token generated.');
        await Promise.all([loadCredentials(), loadAudit()]);
      } catch (error) { status(error.message); } finally { button.disabled = false; }
    });
    $('create-client').addEventListener('click', async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        const result = await api('POST', '/admin/api/clients');
        const first = result.credential && result.credential.secrets && result.credential.secrets[0];
        showSecret('New OAuth client', [['Client ID', result.clientId], ['Client Secret', result.clientSecret],
          ['Secret expires', when(result.secretExpiresAt)], ['Token endpoint', result.tokenEndpoint]],
          { credentialId: result.clientId, secretId: result.secretId || (first && first.id) });
        status('OAuth client created.');
        await Promise.all([loadCredentials(), loadAudit()]);
      } catch (error) { status(error.message); } finally { button.disabled = false; }
    });
    $('sign-out').addEventListener('click', async () => {
      await api('POST', '/admin/sign-out');
      const main = $('main');
      main.replaceChildren(el('h1', { text: 'You are signed out' }), el('a', { href: '/admin/sign-in', className: 'button', text: 'Sign in again' }));
      $('sign-out').hidden = true; $('who').textContent = '';
      main.focus();
    });
    const period = () => Promise.all([loadReports(), reloadTimeline()]).catch((e) => status(e.message));
    $('range').addEventListener('change', period);
    $('period-form').addEventListener('submit', (event) => {
      event.preventDefault();
      // Refresh: everything again, the credentials' Last used and the admin actions too.
      Promise.all([period(), search(false), loadCredentials(), loadAudit()]).catch((e) => status(e.message));
    });
    let typing;
    $('directory-form').addEventListener('submit', (event) => {
      event.preventDefault(); clearTimeout(typing);
      search(false).catch((e) => status(e.message));
    });
    $('directory-q').addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => search(false).catch((e) => status(e.message)), 300);
    });
    $('directory-type').addEventListener('change', () => search(false).catch((e) => status(e.message)));
    $('directory-requests').addEventListener('click', () => openRequests(searched.q).catch((e) => status(e.message)));
    $('directory-more').addEventListener('click', () => search(true).catch((e) => status(e.message)));
  }

  async function start() {
    const session = await api('GET', '/admin/api/session');
    csrfToken = session.csrfToken;
    $('who').textContent = session.user.name + (session.user.username ? ' (' + session.user.username + ')' : '');
    $('tenant-name').textContent = shown(session.tenant.name);
    $('tenant-id').textContent = shown(session.tenant.id);
    $('directory-id').textContent = shown(session.tenant.directoryId);
    $('tenant-url').textContent = session.tenantUrl;
    $('token-endpoint').textContent = session.tokenEndpoint;
    bind();
    await Promise.all([loadReports(), search(false), loadCredentials(), loadAudit()]);
  }

  start().catch((error) => status(error.message));
})();
`;
