/**
 * The page's stylesheet (asset `app.css`). Plain CSS, no build step. Sizes are chosen for a 390 px
 * phone as much as for a laptop: nothing narrower than the screen, text of at least 12 px, the
 * shown-once value in a monospace font large enough, with room below the baseline, that every
 * character (underscores included) shows at a pixel ratio of 1.
 */
export const pageStyle = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad;
  --bad: #b42318; --bad-bg: #fdecea; --ok: #1a7f37; --ok-bg: #e6f4ea; --warn: #7a4a00; --warn-bg: #fff4d6;
  --bg: #f6f8fa; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; color: var(--ink); background: var(--bg); line-height: 1.45; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 2; }
.top { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 4px 8px;
  padding: 8px 16px; background: #fff; border-bottom: 1px solid var(--line); }
.brand { margin: 0; font-weight: 700; } .brand span { font-weight: 400; color: var(--muted); }
main { max-width: 1100px; margin: 0 auto; padding: 16px; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; margin: 4px 0 6px; } h2 { font-size: 1.25rem; margin: 0 0 10px; }
h3 { font-size: 1.05rem; margin: 18px 0 8px; } h4 { font-size: 1rem; margin: 14px 0 6px; }
.lead { margin: 0 0 10px; color: var(--muted); }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin: 0 0 16px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; overflow-wrap: anywhere; }
.facts.pairs { grid-template-columns: max-content 1fr max-content 1fr; }
code { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace; font-size: .92em; overflow-wrap: anywhere; }
button, .button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.copy, button.link, button.revoke, button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.copy, button.link, button.revoke { padding: 2px 8px; }
button.revoke { color: var(--bad); border-color: var(--bad); }
button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible,
summary:focus-visible, [tabindex="-1"]:focus-visible { outline: 3px solid #f2b01e; outline-offset: 2px; }
button[disabled] { opacity: .6; cursor: not-allowed; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 12px; }
/* A label, a field and a button on one line (the Entra connection section's forms use it too). */
.inline { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-bottom: 8px; }
.inline input { min-width: 0; flex: 1 1 14rem; }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 0 0 4px; }
select, input { font: inherit; padding: 5px; border: 1px solid #6e7781; border-radius: 4px; }
.status { min-height: 1.4em; margin: 0 0 8px; color: var(--muted); }
.notice { padding: 12px; border-left: 4px solid var(--bad); background: #fff; }
.hint { color: var(--muted); font-size: .9rem; margin-bottom: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.empty, td.empty { color: var(--muted); font-style: italic; }
.bad { color: var(--bad); font-weight: 600; } .ok { color: var(--ok); }

.health { margin: 0 0 12px; font-size: 1.05rem; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 700; font-size: .95rem;
  background: var(--bg); color: var(--ink); border: 1px solid var(--line); }
.badge.healthy { background: var(--ok-bg); color: #135c28; border-color: #a6d8b4; }
.badge.attention { background: var(--warn-bg); color: var(--warn); border-color: #e7c36a; }
.badge.failing { background: var(--bad-bg); color: #8c1c13; border-color: #f0aaa3; }
.badge.idle { color: var(--muted); }
.failures-box { margin-top: 12px; } .failures-box > summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
ul.failures { list-style: none; margin: 6px 0 0; padding: 0; }
ul.failures > li { border-left: 4px solid var(--bad); padding: 4px 0 4px 12px; margin: 0 0 12px; }
.failure-title { font-weight: 600; margin: 0; } .meta { color: var(--muted); font-size: .9rem; margin: 2px 0; }
.todo { margin: 4px 0; }
details.technical > summary { cursor: pointer; color: var(--accent); font-size: .9rem; }
details.technical .facts { font-size: .9rem; margin: 4px 0 4px 8px; }
details.technical code { white-space: pre-wrap; }

.search label { display: block; font-weight: 600; margin-bottom: 4px; }
.search .row { display: flex; flex-wrap: wrap; gap: 8px; }
.search input { flex: 1 1 14rem; min-width: 0; font-size: 1rem; padding: 7px 8px; }
.directory { display: grid; gap: 16px; margin-top: 8px; }
@media (min-width: 900px) { .directory.open { grid-template-columns: minmax(0, 1fr) minmax(0, 1.5fr); } }
.count { margin: 4px 0 6px; color: var(--muted); min-height: 1.4em; }
ul.results { list-style: none; margin: 0 0 8px; padding: 0; border-top: 1px solid var(--line); }
ul.results li { border-bottom: 1px solid var(--line); }
button.result { display: block; width: 100%; text-align: left; background: #fff; color: var(--ink); border: 0;
  border-radius: 0; padding: 8px 6px; }
button.result:hover, button.result[aria-current="true"] { background: #eef5fc; }
.result-name { display: block; font-weight: 600; color: var(--accent); overflow-wrap: anywhere; }
.result-meta { display: block; font-size: .9rem; color: var(--muted); overflow-wrap: anywhere; }
.entry { border: 1px solid var(--line); border-radius: 8px; padding: 12px; background: #fcfdfe; min-width: 0; }
.entry h3 { margin-top: 0; overflow-wrap: anywhere; }
.entry .facts { grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); }
.entry h3:focus { outline: none; }
ul.groups { margin: 0; padding-left: 18px; } ul.groups li { margin: 2px 0; }
ol.timeline { list-style: none; margin: 0; padding: 0; }
ol.timeline > li { border-left: 3px solid var(--line); padding: 2px 0 8px 12px; }
ol.timeline > li.failed { border-left-color: var(--bad); }
.timeline-when { display: block; font-size: .9rem; color: var(--muted); }
.timeline-title { font-weight: 600; }
.more { margin: 4px 0 8px; }

.secret { border: 2px solid var(--accent); border-radius: 8px; padding: 12px; margin-bottom: 12px; background: #eef5fc; }
.secret-title { font-weight: 700; margin: 0 0 4px; } .warning { margin: 0 0 8px; }
.secret label { display: block; font-weight: 600; margin-top: 6px; }
.secret textarea, .secret input { width: 100%; font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace;
  font-size: 1rem; line-height: 1.6; padding: 6px 8px 8px; height: auto; background: #fff; color: var(--ink); }
.secret textarea { word-break: break-all; resize: vertical; }
.secret .row { display: flex; gap: 8px; align-items: flex-start; } .secret .row > :first-child { flex: 1; min-width: 0; }
tr.secrets-row td { background: #fbfcfd; padding: 4px 8px 10px 24px; }
.secrets-title { font-weight: 600; color: var(--muted); font-size: .9rem; }
ul.secrets { margin: 2px 0 6px; padding-left: 18px; } ul.secrets li { margin: 2px 0; }

table { width: 100%; border-collapse: collapse; font-size: .92rem; margin-bottom: 8px; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }

th { background: var(--bg); font-weight: 600; }
.chart svg { display: block; } .chart .legend { font-size: .9rem; color: var(--muted); margin: 4px 0; }
.chart details summary { cursor: pointer; color: var(--accent); font-size: .9rem; }

@media (max-width: 640px) {
  .facts, .facts.pairs, .entry .facts { grid-template-columns: 1fr; gap: 0 8px; } .facts dt { margin-top: 6px; }
  .facts.pairs { grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 4px 12px; } .facts.pairs dt { margin-top: 0; }
  table.stack thead { position: absolute; left: -9999px; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: 4px 0; }
  table.stack td { display: block; border: 0; padding: 2px 4px; }
  table.stack td::before { content: attr(data-label) ": "; font-weight: 600; color: var(--muted); }
  table.stack td.empty::before, table.stack td.secrets-cell::before, table.stack td.bare::before { content: none; }
  main { padding: 8px; } .card { padding: 12px; } h1 { font-size: 1.25rem; } .lead { font-size: .9rem; margin-bottom: 6px; }
  .top { padding: 4px 10px; font-size: .9rem; } .health { margin-bottom: 8px; font-size: 1rem; } h2 { margin-bottom: 6px; }
}
`;
