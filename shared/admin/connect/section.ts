/**
 * The page's "Connect to Microsoft Entra" section: its markup (hooked into the page by
 * `entraConnectionSection()`), and its own script and stylesheet, served as
 * `/admin/assets/connect.js` and `connect.css`. Plain browser JavaScript that writes every value
 * with `textContent`, as the page's own script does. The script never sees a Graph token: it
 * asks `/admin/api/entra/authorize` for the provider URL and navigates there; Entra sends the
 * browser back to the page, whose section then shows the run's steps.
 */

const ASSETS = '/admin/assets';

/** The section's markup; the page includes it once. */
export function entraConnectionSection(): string {
  return `<section id="entra-connection" aria-labelledby="entra-heading" class="card" tabindex="-1">
<link rel="stylesheet" href="${ASSETS}/connect.css">
<h2 id="entra-heading">Connect to Microsoft Entra</h2>
<p>Instead of the manual steps in the Entra admin center, GroupTalk can set up provisioning itself: it finds or creates the GroupTalk enterprise application, creates its provisioning job, puts in the Tenant URL and a new credential that no person ever sees, has Entra test it, maps GroupTalk’s attributes and starts provisioning for the users and groups assigned to the application. Entra first asks you to grant GroupTalk the permissions it needs, for this moment only: GroupTalk keeps no Entra token.</p>
<p id="entra-summary" class="entra-summary">Loading…</p>
<div class="entra-choice">
<input type="checkbox" id="entra-with-log"> <label for="entra-with-log">Also let GroupTalk read Entra’s provisioning log (permissions AuditLog.Read.All and Directory.Read.All), to show what Entra saw for a user</label>
</div>
<div class="actions">
<button type="button" id="entra-connect">Connect to Microsoft Entra</button>
<button type="button" id="entra-disconnect" class="revoke">Disconnect</button>
<button type="button" id="entra-take-over" hidden>Take over this application and connect</button>
</div>
<p id="entra-progress" class="status" role="status" aria-live="polite"></p>
<h3 id="entra-steps-heading">Last run</h3>
<p id="entra-run" class="hint"></p>
<ol id="entra-steps" class="entra-steps" aria-labelledby="entra-steps-heading"></ol>
<h3 id="entra-job-heading">Provisioning job in Entra</h3>
<dl class="facts" id="entra-job" aria-labelledby="entra-job-heading">
<dt>State</dt><dd id="entra-job-state">—</dd>
<dt>Last cycle</dt><dd id="entra-job-cycle">—</dd>
<dt>Counts of the last cycle</dt><dd id="entra-job-counts">—</dd>
<dt>Quarantine</dt><dd id="entra-job-quarantine">—</dd>
<dt>Read</dt><dd id="entra-job-read">—</dd>
</dl>
<div class="actions">
<button type="button" id="entra-refresh" data-action="refresh">Read job state from Entra</button>
<button type="button" id="entra-pause" data-action="pause">Pause provisioning</button>
<button type="button" id="entra-restart" data-action="restart">Restart provisioning</button>
</div>
<h3 id="entra-tally-heading">Entra’s own log for the application</h3>
<p id="entra-log-tally" class="hint">Not read yet: press Read Entra’s log (it needs the log permissions above). GroupTalk keeps only the counts, for 15 minutes.</p>
<div class="actions">
<button type="button" id="entra-read-tally" data-action="readLog">Read Entra’s log</button>
</div>
<h3 id="entra-user-heading">One user: what Entra saw, and provisioning now</h3>
<form id="entra-user-form" class="inline" novalidate>
<label for="entra-user">User’s object id or user principal name</label>
<input id="entra-user" name="user" maxlength="256" autocomplete="off" aria-describedby="entra-user-hint">
<button type="submit" id="entra-read-log" data-action="readLog">Show what Entra saw</button>
<button type="button" id="entra-provision" data-action="provisionOnDemand">Provision this user now</button>
</form>
<p id="entra-user-hint" class="hint">Provision now needs the object id (Entra admin center → Users → the user → Object ID). Reading the log needs the log permissions above.</p>
<div class="entra-beside">
<div>
<h4 id="entra-log-heading">What Entra saw</h4>
<p id="entra-log-summary" class="hint"></p>
<table class="stack" id="entra-log" aria-labelledby="entra-log-heading"><thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Result</th><th scope="col">In Entra</th><th scope="col">In GroupTalk</th><th scope="col">Reason and what to do</th></tr></thead><tbody></tbody></table>
</div>
<div>
<h4 id="entra-ours-heading">What GroupTalk received</h4>
<table class="stack" id="entra-ours" aria-labelledby="entra-ours-heading"><thead><tr><th scope="col">When</th><th scope="col">Request</th><th scope="col">Status</th><th scope="col">Detail</th></tr></thead><tbody></tbody></table>
</div>
</div>
<script src="${ASSETS}/connect.js" defer></script>
</section>`;
}

const css = `
.entra-summary { font-weight: 600; }
.entra-choice { margin: 0 0 10px; }
.entra-steps { padding-left: 1.4rem; margin: 4px 0 12px; }
.entra-steps li { margin: 4px 0; }
.entra-steps .step-state { font-weight: 600; margin-right: 6px; }
.entra-steps .said, .entra-steps .advice { display: block; font-size: .92rem; }
.entra-steps .said { color: #57606a; }
.entra-beside { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; }
.entra-beside > div { min-width: 0; overflow-x: auto; }
.entra-beside td { overflow-wrap: anywhere; }
.entra-beside h4 { margin: 8px 0 6px; }
@media (max-width: 900px) { .entra-beside { grid-template-columns: 1fr; } }
`;

const script = `'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  let csrfToken = '';
  let busy = false;
  /** The application the last run found and the admin may confirm taking over. */
  let takeOver;
  const say = (text) => { $('entra-progress').textContent = text; };
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    if (method !== 'GET') { headers['x-csrf-token'] = csrfToken; headers['content-type'] = 'application/json'; }
    const response = await fetch(path, { method, headers, credentials: 'same-origin',
      body: method === 'GET' ? undefined : JSON.stringify(body || {}) });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.message || ('Request failed (' + response.status + ')'));
    return data;
  }

  const STATES = {
    notConnected: 'Not connected yet. Press Connect to Microsoft Entra to set up provisioning.',
    connecting: 'Not finished: the last run stopped before the end (see its steps). Press Connect to Microsoft Entra again: it continues and reuses what is done.',
    connected: 'Connected: Entra provisions the users and groups assigned to the GroupTalk application.',
    disconnected: 'Disconnected: the credential is revoked and the job paused. Press Connect to Microsoft Entra to connect again.',
  };
  const STEP_STATES = { done: 'Done', failed: 'Failed', skipped: 'Already done', notReached: 'Not reached' };
  const JOB_STATES = { Active: 'Running (enabled)', Paused: 'Paused', Quarantine: 'In quarantine', NotRun: 'Not started yet', NotConfigured: 'Not configured' };
  const ACTION_NAMES = { connect: 'Connect', disconnect: 'Disconnect', refresh: 'Read job state from Entra', pause: 'Pause', restart: 'Restart', provisionOnDemand: 'Provision now', readLog: 'Read Entra’s log' };

  function text(tag, value, className) {
    const node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }

  function render(data) {
    $('entra-summary').textContent = (STATES[data.state] || data.state) + (data.running ? ' A change is running right now (another admin or tab).' : '');
    const app = data.application;
    const has = Boolean(app);
    $('entra-disconnect').disabled = !has || data.state === 'disconnected';
    for (const id of ['entra-refresh', 'entra-pause', 'entra-restart', 'entra-provision', 'entra-read-log', 'entra-read-tally']) $(id).disabled = !has || !data.jobId;
    // Disconnected: the credential is revoked, so nothing may start the job again but Connect.
    for (const id of ['entra-restart', 'entra-provision']) if (data.state === 'disconnected') $(id).disabled = true;
    $('entra-with-log').checked = $('entra-with-log').checked || data.permissions.log.every((p) => data.grantedPermissions.includes(p));
    const run = data.lastRun;
    // The last run stopped at an application GroupTalk did not create: the admin may confirm.
    const found = run && run.outcome === 'failed' && run.steps.find((step) => step.takeOver);
    takeOver = found ? found.takeOver : undefined;
    $('entra-take-over').hidden = !takeOver;
    const list = $('entra-steps');
    list.replaceChildren();
    if (run) {
      const outcome = { succeeded: 'succeeded', failed: 'failed', incomplete: 'stopped before the end (time ran out)' }[run.outcome] || 'running';
      $('entra-run').textContent = (ACTION_NAMES[run.action] || run.action) + ' by ' + run.by + ', ' + when(run.startedAt) + ': ' + outcome + '.' + (app ? ' Application: ' + (app.displayName || '') + ' (application id ' + app.appId + ').' : '');
      for (const step of run.steps) {
        const item = document.createElement('li');
        item.className = 'step-' + step.status;
        item.append(text('span', STEP_STATES[step.status] || step.status, 'step-state ' + (step.status === 'failed' ? 'bad' : step.status === 'notReached' ? '' : 'ok')), ' ');
        item.append(text('span', step.title));
        if (step.detail) item.append(text('span', ': ' + step.detail));
        if (step.entra) item.append(text('span', 'Entra said: ' + step.entra.message + (step.entra.status ? ' (HTTP ' + step.entra.status + (step.entra.code ? ', ' + step.entra.code : '') + ')' : '') + (step.entra.requestId ? ', request id ' + step.entra.requestId : ''), 'said'));
        if (step.advice) item.append(text('span', 'What you can do: ' + step.advice, 'advice'));
        list.appendChild(item);
      }
    } else {
      $('entra-run').textContent = 'Nothing has been done in Entra from this page yet.';
    }
    const job = data.job;
    $('entra-job-state').textContent = job ? (JOB_STATES[job.code] || job.code) : '—';
    const cycle = job && job.lastCycle;
    $('entra-job-cycle').textContent = cycle ? when(cycle.began) + ' to ' + when(cycle.ended) + (cycle.state ? ' (' + cycle.state + ')' : '') + (cycle.error ? ': ' + cycle.error : '') : 'none yet';
    $('entra-job-counts').textContent = cycle && Object.keys(cycle.counts).length ? Object.entries(cycle.counts).map(([name, count]) => count + ' ' + name).join(', ') : '—';
    const quarantine = job && job.quarantine;
    const q = $('entra-job-quarantine');
    q.textContent = quarantine ? 'Yes' + (quarantine.reason ? ': ' + quarantine.reason : '') + (quarantine.error ? ' (' + quarantine.error + ')' : '') + (quarantine.since ? ', since ' + when(quarantine.since) : '') + '. Fix the cause, then press Restart provisioning.' : 'No';
    q.className = quarantine ? 'bad' : '';
    $('entra-job-read').textContent = job ? when(job.readAt) + ' (press Read job state from Entra to read it again)' : '—';
    renderLog(data.log);
    renderTally(data.logSummary);
  }

  /** The tally of Entra's log, in this section and as one line of the health card. */
  function renderTally(summary) {
    const health = $('health-entra');
    if (!summary) { if (health) health.hidden = true; return; }
    const reasons = (list) => (list.length ? ' (' + list.map((r) => r.reason + (r.count > 1 ? ' ×' + r.count : '')).join('; ') + ')' : '');
    const line = 'Entra’s own log, read ' + when(summary.readAt) + ': ' + summary.succeeded + ' succeeded, ' + summary.skipped + ' skipped' + reasons(summary.skippedReasons) + ', ' + summary.failed + ' failed on Entra’s side' + reasons(summary.failedReasons) + '.';
    $('entra-log-tally').textContent = line + ' Since ' + when(summary.since) + ', read by ' + summary.by + (summary.complete ? '.' : '; only the newest ' + summary.read + ' entries were read.');
    if (health) { health.textContent = line; health.hidden = false; }
  }

  function fill(tableId, rows, emptyText) {
    const table = $(tableId);
    const labels = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
    const body = table.tBodies[0];
    body.replaceChildren();
    if (!rows.length) {
      const row = body.insertRow();
      const cell = row.insertCell(); cell.colSpan = labels.length; cell.className = 'empty'; cell.textContent = emptyText;
      return;
    }
    for (const values of rows) {
      const row = body.insertRow();
      values.forEach(([value, className], i) => {
        const cell = row.insertCell();
        cell.textContent = value === undefined || value === null || value === '' ? '—' : String(value);
        cell.dataset.label = labels[i];
        if (className) cell.className = className;
      });
    }
  }

  async function renderLog(log) {
    if (!log) { $('entra-log-summary').textContent = ''; fill('entra-log', [], 'Enter a user and press Show what Entra saw.'); fill('entra-ours', [], '—'); return; }
    const tally = { success: 0, skipped: 0, failure: 0, warning: 0 };
    for (const entry of log.entries) if (entry.status in tally) tally[entry.status] += 1;
    $('entra-log-summary').textContent = 'For ' + log.user + ', read ' + when(log.readAt) + ': ' + tally.success + ' succeeded, ' + tally.skipped + ' skipped (for example not in scope), ' + tally.failure + ' failed on Entra’s side' + (tally.warning ? ', ' + tally.warning + ' with warnings' : '') + '.';
    if (!$('entra-user').value) $('entra-user').value = log.user;
    const name = (who) => (who ? [who.name, who.id].filter(Boolean).join(' · ') : '');
    fill('entra-log', log.entries.map((entry) => [
      [when(entry.at)], [entry.action], [entry.status, entry.status === 'failure' ? 'bad' : entry.status === 'success' ? 'ok' : ''],
      [name(entry.source)], [name(entry.target)],
      [[entry.reason, entry.errorCode, entry.recommendedAction].filter(Boolean).join(' — ') || (entry.steps || []).map((s) => s.description).filter(Boolean).join(' ')],
    ]), 'Entra’s log has no entry for ' + log.user + ' (read ' + when(log.readAt) + ').');
    // GroupTalk's own record: by the id GroupTalk gave the user (Entra's target), else the name asked.
    const target = log.entries.map((entry) => entry.target && entry.target.id).find(Boolean);
    const term = target || log.user;
    try {
      const { records } = await api('GET', '/admin/api/history?days=30&term=' + encodeURIComponent(term));
      fill('entra-ours', (records || []).map((r) => [
        [when(r.timestamp)], [r.title || r.operation], [r.status, r.status >= 400 ? 'bad' : 'ok'], [r.errorDetail || r.userName || r.displayName || ''],
      ]), 'GroupTalk received no request about ' + term + ' in the last 30 days.');
    } catch (error) { fill('entra-ours', [], error.message); }
  }

  async function go(action, extra) {
    if (busy) return;
    busy = true;
    say('Asking Entra for the permissions of ' + (ACTION_NAMES[action] || action) + '…');
    try {
      const { url } = await api('POST', '/admin/api/entra/authorize', Object.assign({ action }, extra || {}));
      window.location.assign(url);
    } catch (error) { busy = false; say(error.message); }
  }

  function userOrSay() {
    const user = $('entra-user').value.trim();
    if (!user) { say('Enter the user’s object id or user principal name first.'); $('entra-user').focus(); }
    return user;
  }

  async function start() {
    try {
      const session = await api('GET', '/admin/api/session');
      csrfToken = session.csrfToken;
      const data = await api('GET', '/admin/api/entra');
      render(data);
      if (window.location.hash === '#entra-connection') {
        say(data.lastRun ? 'Back from Entra: ' + (ACTION_NAMES[data.lastRun.action] || data.lastRun.action) + ' ' + ({ succeeded: 'succeeded', failed: 'failed', incomplete: 'stopped before the end' }[data.lastRun.outcome] || 'ended') + '.' : '');
        $('entra-connection').focus();
      }
    } catch (error) { say(error.message); }
  }

  $('entra-connect').addEventListener('click', () => go('connect', { withLog: $('entra-with-log').checked }));
  $('entra-take-over').addEventListener('click', () => {
    if (takeOver && window.confirm('Take over the existing GroupTalk application in Entra? GroupTalk replaces its Tenant URL, credential and provisioning settings.')) go('connect', { withLog: $('entra-with-log').checked, takeOver });
  });
  $('entra-disconnect').addEventListener('click', () => {
    if (window.confirm('Disconnect: revoke the credential Entra uses and pause the provisioning job?')) go('disconnect');
  });
  $('entra-read-tally').addEventListener('click', () => go('readLog'));
  for (const id of ['entra-refresh', 'entra-pause', 'entra-restart']) {
    $(id).addEventListener('click', (event) => go(event.currentTarget.dataset.action));
  }
  $('entra-user-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const user = userOrSay();
    if (user) go('readLog', { user });
  });
  $('entra-provision').addEventListener('click', () => {
    const user = userOrSay();
    if (user) go('provisionOnDemand', { user });
  });
  start();
})();
`;

/** The section's files, by name under `/admin/assets/`. */
export const connectAssets: ReadonlyMap<string, { body: string; contentType: string }> = new Map([
  ['connect.js', { body: script, contentType: 'text/javascript; charset=utf-8' }],
  ['connect.css', { body: css, contentType: 'text/css; charset=utf-8' }],
]);
