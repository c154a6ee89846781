// The self-contained HTML report: the question and its answer on top, then the
// charts (vega-lite, libraries inlined: no request to any other host), statistics
// warnings, the machine, versions and exact commands. Printable. Pure apart from
// reading the library files once.

import type { RunResults } from '../../model/results/reader.js';
import { formatValue } from '../../model/summary.js';
import { HEADLINES, buildReportModel, type HeadlineCell, type ModelOptions, type ReportModel } from '../model.js';
import { inlineChartLibraries } from './assets.js';

export type { ChartSpec } from '../charts.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON safe inside a <script> element. */
const jsonForScript = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

const QUESTION = 'How do cold start, throughput and density of WebAssembly functions compare with the same function in a container, a pre-warmed pool and a Lambda-style runtime — on this machine?';

function cellHtml(c: HeadlineCell | undefined, isReference: boolean): string {
  if (!c) return '<td class="na">—</td>';
  const ci = `95% CI ${formatValue(c.ci.lo, c.metric)}–${formatValue(c.ci.hi, c.metric)}, n=${c.n}`;
  const tags = c.tags ? ` <span class="tags">{${esc(c.tags)}}</span>` : '';
  const ratio = c.vsReference?.undecided
    ? `<div class="ratio cannot-decide">cannot decide <span class="ci">(${esc(c.vsReference.undecided)})</span></div>`
    : c.vsReference
    ? `<div class="ratio ${c.vsReference.verdict.replace(/ /g, '-')}">${c.vsReference.ratio.toFixed(2)}× <span class="ci">[${c.vsReference.interval.lo.toFixed(2)}, ${c.vsReference.interval.hi.toFixed(2)}]</span> ${esc(c.vsReference.verdict)}</div>`
    : isReference ? '<div class="ratio ref">reference</div>' : '';
  return `<td data-metric="${esc(c.metric)}" data-tags="${esc(c.tags)}" data-median="${c.median}" data-n="${c.n}"${c.vsReference && c.vsReference.undecided === null ? ` data-ratio="${c.vsReference.ratio}"` : ''}><span class="v">${esc(formatValue(c.median, c.metric))}</span>${tags}<div class="ci" title="${esc(ci)}">${esc(ci)}</div>${ratio}</td>`;
}

export function renderHtml(m: ReportModel): string {
  const tables = m.tables.map((t) => {
    const heads = t.kinds.map((k) => `<th>${esc(HEADLINES.find((h) => h.kind === k)!.title)}</th>`).join('');
    const rows = t.rows
      .map((r) => `<tr data-runtime="${esc(r.runtime)}" data-variant="${esc(r.variant)}"><td>${esc(r.runtime)}</td><td>${esc(r.variant)}</td>${t.kinds.map((k) => cellHtml(r.cells[k], r.runtime === m.reference)).join('')}</tr>`)
      .join('\n');
    const hasRef = t.rows.some((r) => r.runtime === m.reference);
    const answers = t.answers.length
      ? `<ul class="answers">${t.answers.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>`
      : `<p class="answers">${hasRef ? 'Only the reference runtime was measured: nothing to compare yet.' : `No run of the reference runtime (${esc(m.reference)}) for this workload: no ratios (choose another with --reference).`}</p>`;
    return `<section class="workload"><h3>${esc(t.workload)}</h3>${answers}
<table class="summary" id="summary-${esc(t.workload)}" data-workload="${esc(t.workload)}"><thead><tr><th>runtime</th><th>variant</th>${heads}</tr></thead><tbody>
${rows}
</tbody></table></section>`;
  }).join('\n');

  const details = m.summaries
    .map((s) => `<tr><td>${esc(s.workload)}</td><td>${esc(s.runtime)}</td><td>${esc(s.variant)}</td><td>${esc(s.mode)}</td><td>${esc(s.metric)}${s.phase === 'total' ? '' : `<span class="phase">.${esc(s.phase)}</span>`}${s.tags ? ` <span class="tags">{${esc(s.tags)}}</span>` : ''}</td><td>${s.n}</td><td>${esc(formatValue(s.median, s.metric))}</td><td>${esc(formatValue(s.medianCi.lo, s.metric))}–${esc(formatValue(s.medianCi.hi, s.metric))}</td><td>${esc(formatValue(s.p90, s.metric))}</td><td>${esc(formatValue(s.p99, s.metric))}</td><td>${(s.cv * 100).toFixed(1)}%</td><td>${s.failed}</td></tr>`)
    .join('\n');

  const warnings = m.warnings.length
    ? `<table class="warnings"><thead><tr><th>series</th><th>warning</th><th>hint</th></tr></thead><tbody>${m.warnings.map((w) => `<tr class="w-${esc(w.kind)}"><td>${esc(w.series)}</td><td>${esc(w.message)}</td><td>${esc(w.hint)}</td></tr>`).join('\n')}</tbody></table>`
    : '<p>None: every series is quiet enough.</p>';
  const problems = [...m.readWarnings, ...m.events.filter((e) => e.level !== 'info').map((e) => `${e.level}: ${e.runtime ? `${e.runtime}: ` : ''}${e.message}`)];

  const runs = m.headers.map((h) => `<tr><td>${esc(h.runId)}</td><td>${esc(h.file)}</td><td>${esc(h.startedAt)}</td><td>${esc(h.status)}</td><td>${h.samples}</td><td>${h.seed}</td><td><code>${esc(h.command.join(' '))}</code></td><td>${esc(h.git.commit ?? 'unknown')}${h.git.dirty ? ' (dirty)' : ''}</td></tr>`).join('\n');
  const machines = [...new Map(m.headers.map((h) => [h.machine.fingerprint, h.machine])).values()]
    .map((x) => `<tr><td>${esc(x.fingerprint)}</td><td>${esc(x.cpuModel)}</td><td>${x.cores}</td><td>${esc(formatValue(x.memoryBytes, 'memory_bytes'))}</td><td>${esc(x.os)}</td><td>${esc(x.kernel)}</td><td>${esc(x.arch)}</td><td>${esc(x.hostname)}</td></tr>`).join('\n');
  const versions = [...new Set(m.headers.flatMap((h) => Object.entries(h.versions).map(([k, v]) => `${k} ${v}`)))].sort();
  const flags = [...new Set(m.headers.flatMap((h) => h.flags))];

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(m.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:1040px;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:2px solid #e3e6ec} .sub{color:#5b6475;margin-top:0}
.question{font-size:1.1rem;font-weight:600} .answers li{margin:.2rem 0}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;margin:.8rem 0}
th,td{padding:.35rem .6rem;border-bottom:1px solid #e3e6ec;text-align:right;vertical-align:top} th{background:#f5f6f9}
table.summary td:nth-child(-n+2),table.summary th:nth-child(-n+2),table.details td:nth-child(-n+5),table.details th:nth-child(-n+5),table.meta td,table.meta th,table.warnings td,table.warnings th{text-align:left}
.ci{color:#5b6475;font-size:.8rem} .tags,.phase{color:#5b6475;font-size:.85rem} .na{color:#9aa1ad}
.ratio{font-size:.85rem;font-weight:600} .ratio.faster,.ratio.better{color:#17753a} .ratio.slower,.ratio.worse{color:#b3261e} .ratio.ref,.ratio.no-significant-difference,.ratio.too-few-samples{color:#5b6475} .ratio.cannot-decide{color:#b3261e}
.chart{margin:1.5rem 0} .caption{color:#5b6475;font-size:.9rem;margin:.2rem 0 .6rem}
table.details{font-size:.85rem} code{font-size:.85rem;word-break:break-all} footer{color:#5b6475;font-size:.85rem;margin-top:2rem}
@media print{body{max-width:none;margin:0} .chart,section.workload,tr{break-inside:avoid} h2{break-after:avoid}}
</style>
${inlineChartLibraries()}
</head><body>
<h1>${esc(m.title)}</h1>
<p class="sub">${m.sampleCount.toLocaleString('en-US')} samples from ${m.headers.length} run${m.headers.length === 1 ? '' : 's'} · reference runtime: ${esc(m.reference)} · ratios are runtime ÷ reference medians with 95% seeded-bootstrap intervals</p>
<h2>The question</h2>
<p class="question">${esc(QUESTION)}</p>
<h2>The answer</h2>
${tables || '<p>No correct samples in these results.</p>'}
<h2>Charts</h2>
${m.charts.map((c) => `<section class="chart"><h3>${esc(c.title)}</h3><p class="caption">${esc(c.caption)}</p><div class="vega" id="${esc(c.id)}"></div></section>`).join('\n') || '<p>No chartable series.</p>'}
<h2>Statistics warnings</h2>
${warnings}
${problems.length ? `<h3>Run problems</h3><ul class="problems">${problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>` : ''}
<h2>All series</h2>
<table class="details"><thead><tr><th>workload</th><th>runtime</th><th>variant</th><th>mode</th><th>metric</th><th>n</th><th>median</th><th>95% CI of median</th><th>p90</th><th>p99</th><th>CV</th><th>failed</th></tr></thead>
<tbody>
${details}
</tbody></table>
<h2>Machine, versions and commands</h2>
<table class="meta"><thead><tr><th>fingerprint</th><th>CPU</th><th>cores</th><th>memory</th><th>OS</th><th>kernel</th><th>arch</th><th>host</th></tr></thead><tbody>${machines}</tbody></table>
<table class="meta"><thead><tr><th>run</th><th>file</th><th>started</th><th>status</th><th>rows</th><th>seed</th><th>command</th><th>git</th></tr></thead><tbody>${runs}</tbody></table>
<p>Versions: ${versions.map((v) => `<code>${esc(v)}</code>`).join(' · ')}${flags.length ? `<br>Flags: ${flags.map((f) => `<code>${esc(f)}</code>`).join(' ')}` : ''}</p>
${m.generatedBy.length ? `<p>Report: <code>${esc(m.generatedBy.join(' '))}</code></p>` : ''}
<footer>faasbench · every figure is computed from the raw JSON Lines; nothing is removed as an outlier.</footer>
<script>
const charts = ${jsonForScript(m.charts.map((c) => ({ id: c.id, spec: c.spec })))};
window.faasbenchCharts = Promise.all(charts.map((c) => vegaEmbed('#' + c.id, c.spec, { actions: false, renderer: 'svg' })
  .then(() => document.getElementById(c.id).setAttribute('data-rendered', 'true'))));
</script>
</body></html>
`;
}

/** The report of result rows (as read from results files): what `run` and `report` both write. */
export function renderHtmlReport(runs: RunResults[], titleOrOptions: string | ModelOptions = {}): string {
  const opts = typeof titleOrOptions === 'string' ? { title: titleOrOptions } : titleOrOptions;
  return renderHtml(buildReportModel(runs, opts));
}
