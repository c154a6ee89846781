// The self-contained HTML report, laid out so the answer comes first and the page
// stays a few screens long: per workload, one sentence per question written from
// the figures and one chart per question (cold start, throughput, density), then the
// detail charts in tabs (one visible at a time), the headline table with intervals,
// warnings and every series collapsed (the series table searchable), and a
// methodology section (what each figure means, machine, versions, flags, commands,
// raw files). Libraries inlined (vega-lite): no request to any other host.
// Printable: print shows every tab. Pure apart from reading the library files once.

import type { RunResults } from '../../model/results/reader.js';
import { metricText, tagsText } from '../../model/labels.js';
import { confidenceText } from '../../model/headline.js';
import { formatValue } from '../../model/summary.js';
import type { ChartSpec } from '../charts.js';
import {
  HEADLINES,
  buildReportModel,
  type HeadlineCell,
  type ModelOptions,
  type ReportModel,
  type WorkloadTable,
} from '../model.js';
import { inlineChartLibraries } from './assets.js';

export type { ChartSpec } from '../charts.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON safe inside a <script> element. */
const jsonForScript = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

const QUESTION =
  'How do cold start, throughput and density of WebAssembly functions compare with the same function in a container, a pre-warmed pool and a Lambda-style runtime — on this machine?';

function cellHtml(c: HeadlineCell | undefined, isReference: boolean): string {
  if (!c) return '<td class="na">—</td>';
  const ci =
    c.n <= 1
      ? 'single measurement'
      : `${confidenceText(c.ci)} CI ${formatValue(c.ci.lo, c.metric)}–${formatValue(c.ci.hi, c.metric)}, n=${c.n}`;
  const basis = c.basis ? ` <span class="basis">${esc(c.basis)}</span>` : '';
  const k = c.vsReference;
  const cls = !k
    ? ''
    : k.undecided !== null
      ? 'cannot-decide'
      : c.beatsReference
        ? 'beats'
        : k.verdict.replace(/ /g, '-');
  const ratio = k
    ? `<div class="ratio ${cls}">${esc(c.vsReferenceText)}</div>`
    : isReference
      ? '<div class="ratio ref">reference</div>'
      : '';
  return `<td data-metric="${esc(c.metric)}" data-tags="${esc(c.tags)}" data-median="${c.median}" data-n="${c.n}"${k && k.undecided === null ? ` data-ratio="${k.ratio}"` : ''}><span class="v">${esc(formatValue(c.median, c.metric))}</span>${basis}<div class="ci">${esc(ci)}</div>${ratio}</td>`;
}

/** "Cold start: the rest" with the question in bold; a sentence that names a runtime beating the reference is marked. */
function sentenceHtml(sentence: string, beats: boolean): string {
  const at = sentence.indexOf(': ');
  const body = at > 0 ? `<strong>${esc(sentence.slice(0, at))}</strong>${esc(sentence.slice(at))}` : esc(sentence);
  return `<li${beats ? ' class="beats" title="a runtime beat the reference here"' : ''}>${body}</li>`;
}

/** What the series' short words in brackets mean, and which series is the reference; nothing without series. */
function seriesNote(t: WorkloadTable, m: ReportModel): string {
  if (t.seriesLegend.length === 0) return '';
  return `<p class="series-note">Series in brackets: ${esc(t.seriesLegend.join('; '))}. Each series is its own row; ratios are against ${esc(m.reference)}’s default series (plain, reuse 1) where it was measured.</p>`;
}

const chartDiv = (c: ChartSpec) => `<div class="vega" id="${esc(c.id)}" role="img" aria-label="${esc(c.title)}"></div>`;

function workloadSection(t: WorkloadTable, m: ReportModel, many: boolean): string {
  const answersCharts = m.charts.filter((c) => c.workload === t.workload && c.group === 'answer');
  const details = m.charts.filter((c) => c.workload === t.workload && c.group === 'detail');
  const hasRef = t.rows.some((r) => r.runtime === m.reference);
  const sentences = t.headlines
    .map((h) =>
      sentenceHtml(
        h.sentence,
        h.entries.some((e) => e.beatsReference),
      ),
    )
    .join('');
  const noRef = hasRef
    ? ''
    : `<p class="note">No run of the reference runtime (${esc(m.reference)}) for this workload: no ratios (choose another with --reference).</p>`;
  const heads = t.kinds.map((k) => `<th>${esc(HEADLINES.find((h) => h.kind === k)!.title)}</th>`).join('');
  const rows = t.rows
    .map(
      (r) =>
        `<tr data-runtime="${esc(r.runtime)}" data-variant="${esc(r.variant)}"${r.series ? ` data-series="${esc(r.series)}"` : ''}><td><span class="swatch" style="background:${esc(m.palette[r.runtime] ?? '#999')}"></span>${esc(r.runtime)}</td><td>${esc(r.variant)}${r.seriesText ? ` [${esc(r.seriesText)}]` : ''}</td>${t.kinds.map((k) => cellHtml(r.cells[k], r.runtime === m.reference)).join('')}</tr>`,
    )
    .join('\n');
  const tabs = details.length
    ? `<div class="tabs" data-workload="${esc(t.workload)}"><div class="tablist" role="tablist">${details.map((c, i) => `<button type="button" role="tab" data-panel="${esc(c.id)}-panel" aria-selected="${i === 0}">${esc(c.tab)}</button>`).join('')}</div>
${details.map((c) => `<section class="panel" id="${esc(c.id)}-panel" role="tabpanel"><h4>${esc(c.title)}</h4><p class="caption">${esc(c.caption)}</p>${chartDiv(c)}</section>`).join('\n')}</div>`
    : '';
  return `<section class="workload" id="workload-${esc(t.workload)}">
${many ? `<h2>${esc(t.workload)}</h2>` : `<h2>The answer — ${esc(t.workload)}</h2>`}
<ul class="answers">${sentences}</ul>${noRef}${seriesNote(t, m)}
<div class="answer-grid">${answersCharts.map(chartDiv).join('')}</div>
<details class="headline"><summary>Headline figures with intervals and ratios (table)</summary>
<table class="summary" id="summary-${esc(t.workload)}" data-workload="${esc(t.workload)}"><thead><tr><th>runtime</th><th>variant</th>${heads}</tr></thead><tbody>
${rows}
</tbody></table></details>
${tabs}
</section>`;
}

const METHOD: [string, string][] = [
  [
    'Cold start',
    'A new instance, from the request to the complete, checked response (containers: create → start → port ready → response; Lambda-style: environment spawn → init → response; processes: spawn → listen → response). For the reference Wasm runtime, a new instance per request with the module compiled and the app listening; its “app” cold start (module not yet compiled: compile + listen + first response) is drawn lighter beside it.',
  ],
  [
    'Throughput',
    'Closed loop (autocannon or the raw client) at each connection count; the headline takes each runtime’s best median and shows the count. Every response is checked; a step with failures does not count.',
  ],
  [
    'Latency vs rate',
    'Open loop at fixed offered rates, latency measured from each request’s intended send time (coordinated omission corrected), as percentiles per step.',
  ],
  [
    'Density',
    'Instances (or, for the Wasm runtime, idle deployed apps) started until a memory budget, a count, a failure or a time limit, all answering at the end; instances per GiB from one memory source for every runtime in the headline (cgroup when every runtime has it, else PSS), the other sources in the “Memory sources” tab.',
  ],
  [
    'Statistics',
    'Medians with exact order-statistic 95% intervals (under 6 measurements no such interval reaches 95%: the whole range is given with what it covers, 75% for 3, as for density’s 3 ramps); ratios of medians with seeded bootstrap 95% intervals; a difference is claimed only when the interval excludes 1 and both sides have at least 5 samples. A figure from one measurement is labelled “single measurement”. Nothing is removed as an outlier; noise is flagged under warnings.',
  ],
];

export function renderHtml(m: ReportModel): string {
  const many = m.tables.length > 1;
  const sections = m.tables.map((t) => workloadSection(t, m, many)).join('\n');

  const details = m.summaries
    .map((s) => {
      const what = [metricText(s.metric), s.phase === 'total' ? '' : s.phase, tagsText(s.tags)]
        .filter(Boolean)
        .join(' · ');
      return `<tr><td>${esc(s.workload)}</td><td>${esc(s.runtime)}</td><td>${esc(s.variant)}</td><td>${esc(s.mode)}</td><td>${esc(what)} <code class="raw">${esc(s.metric)}</code></td><td>${s.n}</td><td>${esc(formatValue(s.median, s.metric))}</td><td>${s.n <= 1 ? 'single measurement' : `${esc(formatValue(s.medianCi.lo, s.metric))}–${esc(formatValue(s.medianCi.hi, s.metric))}${s.medianCi.confidence < 0.95 ? ` (${confidenceText(s.medianCi)})` : ''}`}</td><td>${esc(formatValue(s.p90, s.metric))}</td><td>${esc(formatValue(s.p99, s.metric))}</td><td>${(s.cv * 100).toFixed(1)}%</td><td>${s.failed}</td></tr>`;
    })
    .join('\n');

  const kinds = [...new Set(m.warnings.map((w) => w.kind))].map(
    (k) => `${m.warnings.filter((w) => w.kind === k).length} ${k.replace(/-/g, ' ')}`,
  );
  const warnings = m.warnings.length
    ? `<details class="warnings"><summary>${m.warnings.length} statistics warning${m.warnings.length === 1 ? '' : 's'} (${esc(kinds.join(', '))})</summary><table class="warnings"><thead><tr><th>series</th><th>warning</th><th>hint</th></tr></thead><tbody>${m.warnings.map((w) => `<tr class="w-${esc(w.kind)}"><td>${esc(w.series)}</td><td>${esc(w.message)}</td><td>${esc(w.hint)}</td></tr>`).join('\n')}</tbody></table></details>`
    : '<p>No statistics warnings: every series is quiet enough.</p>';
  const problems = [
    ...m.readWarnings,
    ...m.events
      .filter((e) => e.level !== 'info')
      .map((e) => `${e.level}: ${e.runtime ? `${e.runtime}: ` : ''}${e.message}`),
  ];

  const runs = m.headers
    .map(
      (h) =>
        `<tr><td>${esc(h.runId)}</td><td>${esc(h.file)}</td><td>${esc(h.startedAt)}</td><td>${esc(h.status)}</td><td>${h.samples}</td><td>${h.seed}</td><td><code>${esc(h.command.join(' '))}</code></td><td>${esc(h.git.commit ?? 'unknown')}${h.git.dirty ? ' (dirty)' : ''}</td></tr>`,
    )
    .join('\n');
  const machines = [...new Map(m.headers.map((h) => [h.machine.fingerprint, h.machine])).values()]
    .map(
      (x) =>
        `<tr><td>${esc(x.fingerprint)}</td><td>${esc(x.cpuModel)}</td><td>${x.cores}</td><td>${esc(formatValue(x.memoryBytes, 'memory_bytes'))}</td><td>${esc(x.os)}</td><td>${esc(x.kernel)}</td><td>${esc(x.arch)}</td><td>${esc(x.hostname)}</td></tr>`,
    )
    .join('\n');
  const versions = [
    ...new Set(m.headers.flatMap((h) => Object.entries(h.versions).map(([k, v]) => `${k} ${v}`))),
  ].sort();
  const flags = [...new Set(m.headers.flatMap((h) => h.flags))];
  const machine = m.headers[0]?.machine;
  const started = m.headers.map((h) => h.startedAt).sort()[0];
  const legend = Object.entries(m.palette)
    .map(([r, c]) => `<span class="key"><span class="swatch" style="background:${esc(c)}"></span>${esc(r)}</span>`)
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(m.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1260px;margin:1.2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.5rem;margin:0} h2{font-size:1.2rem;margin:1.6rem 0 .4rem;border-bottom:2px solid #e3e6ec} h4{margin:.6rem 0 0}
.sub{color:#5b6475;margin:.2rem 0 .4rem;font-size:.9rem} .question{color:#3b4252;font-size:.95rem;margin:.2rem 0}
.legend{font-size:.85rem;color:#3b4252} .key{margin-right:.9rem;white-space:nowrap} .swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em;vertical-align:-1px}
ul.answers{margin:.4rem 0 .6rem;padding-left:1.2rem} ul.answers li{margin:.25rem 0}
ul.answers li.beats{background:#fff6d6;border-left:3px solid #e0a800;padding:.1rem .4rem;list-style:none;margin-left:-1.2rem}
ul.answers li.beats::before{content:"⚑ ";color:#b07d00}
.answer-grid{display:flex;flex-wrap:wrap;gap:.8rem 1.2rem;align-items:flex-start}
.note{color:#8a5a00}
details{margin:.5rem 0} summary{cursor:pointer;color:#24508f;font-weight:500}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;margin:.6rem 0}
th,td{padding:.3rem .55rem;border-bottom:1px solid #e3e6ec;text-align:right;vertical-align:top} th{background:#f5f6f9;font-weight:600}
table.summary td:nth-child(-n+2),table.summary th:nth-child(-n+2),table.details td:nth-child(-n+5),table.details th:nth-child(-n+5),table.meta td,table.meta th,table.warnings td,table.warnings th{text-align:left}
.ci,.basis{color:#5b6475;font-size:.8rem} .na{color:#9aa1ad} code.raw{color:#7b8494;font-size:.75rem}
.ratio{font-size:.82rem;font-weight:600;color:#5b6475} .ratio.faster,.ratio.better{color:#5b6475} .ratio.slower,.ratio.worse{color:#5b6475} .ratio.beats{color:#8a5a00} .ratio.cannot-decide{color:#b3261e}
.tabs{margin:.8rem 0;border:1px solid #e3e6ec;border-radius:6px;padding:.2rem .8rem .6rem}
.tablist{display:flex;flex-wrap:wrap;gap:.2rem;border-bottom:1px solid #e3e6ec;margin:0 -.8rem;padding:0 .6rem}
.tablist button{font:inherit;font-size:.9rem;background:none;border:0;border-bottom:2px solid transparent;padding:.45rem .7rem;cursor:pointer;color:#3b4252}
.tablist button[aria-selected="true"]{border-bottom-color:#24508f;color:#24508f;font-weight:600}
.panel[hidden]{display:none} .caption{color:#5b6475;font-size:.88rem;margin:.2rem 0 .5rem}
.vega-bindings{font-size:.85rem;margin:.3rem 0} .vega-bindings select,.vega-bindings input{font:inherit}
input[type=search]{font:inherit;padding:.3rem .5rem;width:22rem;max-width:100%;border:1px solid #c9ced8;border-radius:4px}
table.details{font-size:.82rem} code{font-size:.85rem;word-break:break-all} dl.method dt{font-weight:600;margin-top:.5rem} dl.method dd{margin:0 0 0 1rem;color:#3b4252}
footer{color:#5b6475;font-size:.85rem;margin-top:1.5rem}
@media print{body{max-width:none;margin:0} .panel[hidden]{display:block} .tablist{display:none} .answer-grid>div,section.panel,tr{break-inside:avoid}}
</style>
${inlineChartLibraries()}
</head><body>
<header>
<h1>${esc(m.title)}</h1>
<p class="sub">${machine ? `${esc(machine.cpuModel)}, ${machine.cores} cores, ${esc(formatValue(machine.memoryBytes, 'memory_bytes'))} · ` : ''}${started ? `${esc(started.slice(0, 16).replace('T', ' '))} UTC · ` : ''}${m.sampleCount.toLocaleString('en-US')} samples from ${m.headers.length} run${m.headers.length === 1 ? '' : 's'} · reference runtime <b>${esc(m.reference)}</b></p>
<p class="question">${esc(QUESTION)}</p>
<p class="legend">${legend}</p>
${many ? `<p class="sub">Workloads: ${m.tables.map((t) => `<a href="#workload-${esc(t.workload)}">${esc(t.workload)}</a>`).join(' · ')}</p>` : ''}
</header>
${sections || '<p>No correct samples in these results.</p>'}
<h2>Warnings</h2>
${warnings}
${problems.length ? `<details class="problems"><summary>${problems.length} run problem${problems.length === 1 ? '' : 's'} (errors and warnings logged during the run)</summary><ul class="problems">${problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></details>` : ''}
<details class="series"><summary>All ${m.summaries.length.toLocaleString('en-US')} series (searchable table)</summary>
<p><input type="search" id="series-filter" placeholder="filter: runtime, workload, metric, tag…" aria-label="filter the series"> <span id="series-count"></span></p>
<table class="details"><thead><tr><th>workload</th><th>runtime</th><th>variant</th><th>mode</th><th>measure</th><th>n</th><th>median</th><th>95% CI of median</th><th>p90</th><th>p99</th><th>CV</th><th>failed</th></tr></thead>
<tbody>
${details}
</tbody></table></details>
<h2 id="methodology">Methodology</h2>
<details class="method"><summary>What each figure means</summary><dl class="method">${METHOD.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl></details>
<details class="machine"><summary>Machine, versions, flags, commands and raw files</summary>
<table class="meta"><thead><tr><th>fingerprint</th><th>CPU</th><th>cores</th><th>memory</th><th>OS</th><th>kernel</th><th>arch</th><th>host</th></tr></thead><tbody>${machines}</tbody></table>
<table class="meta"><thead><tr><th>run</th><th>file</th><th>started</th><th>status</th><th>rows</th><th>seed</th><th>command</th><th>git</th></tr></thead><tbody>${runs}</tbody></table>
<p>Versions: ${versions.map((v) => `<code>${esc(v)}</code>`).join(' · ')}${flags.length ? `<br>Flags: ${flags.map((f) => `<code>${esc(f)}</code>`).join(' ')}` : ''}</p>
<p>Raw results (JSON Lines, one row per sample): ${m.files.length ? m.files.map((f) => `<code>${esc(f)}</code>`).join(' · ') : 'not named'}; beside this report, <code>.samples.csv</code> (every sample) and <code>.summary.csv</code> (every series).</p>
${m.generatedBy.length ? `<p>Report: <code>${esc(m.generatedBy.join(' '))}</code></p>` : ''}
</details>
<footer>faasbench · every figure is computed from the raw JSON Lines; nothing is removed as an outlier.</footer>
<script>
const charts = ${jsonForScript(m.charts.map((c) => ({ id: c.id, spec: c.spec })))};
// Tabs: one detail chart visible per workload; print shows them all.
for (const tabs of document.querySelectorAll('.tabs')) {
  const buttons = [...tabs.querySelectorAll('[role=tab]')];
  const show = (b) => {
    for (const o of buttons) {
      o.setAttribute('aria-selected', String(o === b));
      document.getElementById(o.dataset.panel).hidden = o !== b;
    }
  };
  for (const b of buttons) b.addEventListener('click', () => show(b));
  show(buttons[0]);
}
// Printing shows everything: closed sections open (hidden tabs are shown by the print style).
window.addEventListener('beforeprint', () => { for (const d of document.querySelectorAll('details')) d.open = true; });
// The series table: rows whose text holds every typed word.
const filter = document.getElementById('series-filter');
const seriesRows = [...document.querySelectorAll('table.details tbody tr')];
const count = document.getElementById('series-count');
filter?.addEventListener('input', () => {
  const words = filter.value.toLowerCase().split(/\\s+/).filter(Boolean);
  let shown = 0;
  for (const r of seriesRows) {
    const ok = words.every((w) => r.textContent.toLowerCase().includes(w));
    r.hidden = !ok;
    if (ok) shown++;
  }
  count.textContent = words.length ? shown + ' of ' + seriesRows.length : '';
});
window.faasbenchViews = {};
window.faasbenchCharts = Promise.all(charts.map((c) => vegaEmbed('#' + c.id, c.spec, { actions: false, renderer: 'svg' })
  .then((r) => { window.faasbenchViews[c.id] = r.view; document.getElementById(c.id).setAttribute('data-rendered', 'true'); })));
</script>
</body></html>
`;
}

/** The report of result rows (as read from results files): what `run` and `report` both write. */
export function renderHtmlReport(runs: RunResults[], titleOrOptions: string | ModelOptions = {}): string {
  const opts = typeof titleOrOptions === 'string' ? { title: titleOrOptions } : titleOrOptions;
  return renderHtml(buildReportModel(runs, opts));
}
