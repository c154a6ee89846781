// A self-contained HTML report from result rows: summary table and the cold-start
// distribution per workload (vega-lite, libraries inlined). Pure apart from reading
// the library files once.

import type { RunResults } from '../../harness/results/reader.js';
import { formatValue, summarizeSamples } from '../../harness/summary.js';
import { inlineChartLibraries } from './assets.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON safe inside a <script> element. */
const jsonForScript = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

export interface ChartSpec {
  id: string;
  title: string;
  spec: Record<string, unknown>;
}

export function coldStartCharts(runs: RunResults[]): ChartSpec[] {
  const samples = runs.flatMap((r) => r.samples).filter((s) => s.ok && s.phase === 'total' && s.metric.endsWith('cold_start_ns'));
  const workloads = [...new Set(samples.map((s) => s.workload))].sort();
  return workloads.map((w) => ({
    id: `cold-${w}`,
    title: `Cold start distribution — ${w}`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      width: 640,
      data: { values: samples.filter((s) => s.workload === w).map((s) => ({ series: `${s.runtime} · ${s.variant} · ${s.metric.replace('_ns', '')}`, us: s.value / 1000 })) },
      mark: { type: 'boxplot', extent: 'min-max' },
      encoding: {
        y: { field: 'series', type: 'nominal', title: null },
        x: { field: 'us', type: 'quantitative', scale: { type: 'log' }, title: 'microseconds (log scale)' },
        color: { field: 'series', type: 'nominal', legend: null },
      },
    },
  }));
}

export function renderHtmlReport(runs: RunResults[], title = 'faasbench report'): string {
  const samples = runs.flatMap((r) => r.samples);
  const summaries = summarizeSamples(samples);
  const charts = coldStartCharts(runs);
  const h = runs[0]!.header;
  const rows = summaries
    .map((s) => `<tr><td>${esc(s.workload)}</td><td>${esc(s.runtime)}</td><td>${esc(s.variant)}</td><td>${esc(s.metric)}</td><td>${s.n}</td><td>${esc(formatValue(s.median, s.metric))}</td><td>${esc(formatValue(s.p90, s.metric))}</td><td>${esc(formatValue(s.p99, s.metric))}</td><td>${(s.cv * 100).toFixed(1)}%</td><td>${s.failed}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:1000px;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem;margin-bottom:.2rem} .sub{color:#5b6475;margin-top:0}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;margin:1rem 0}
th,td{padding:.35rem .6rem;border-bottom:1px solid #e3e6ec;text-align:right} th:nth-child(-n+4),td:nth-child(-n+4){text-align:left}
th{background:#f5f6f9} .chart{margin:1.5rem 0} footer{color:#5b6475;font-size:.85rem;margin-top:2rem}
@media print{.chart{break-inside:avoid}}
</style>
${inlineChartLibraries()}
</head><body>
<h1>${esc(title)}</h1>
<p class="sub">Run ${esc(h.runId)} · ${esc(h.startedAt)} · ${esc(h.machine.cpuModel)} (${h.machine.cores} cores) · Node ${esc(h.versions['node'] ?? '?')}</p>
<h2>Summary</h2>
<table id="summary"><thead><tr><th>workload</th><th>runtime</th><th>variant</th><th>metric</th><th>n</th><th>median</th><th>p90</th><th>p99</th><th>CV</th><th>failed</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${charts.map((c) => `<section class="chart"><h2>${esc(c.title)}</h2><div id="${esc(c.id)}"></div></section>`).join('\n')}
<footer>Command: <code>${esc(h.command.join(' '))}</code> · machine ${esc(h.machine.fingerprint)} · git ${esc(h.git.commit ?? 'unknown')}</footer>
<script>
const charts = ${jsonForScript(charts.map((c) => ({ id: c.id, spec: c.spec })))};
for (const c of charts) vegaEmbed('#' + c.id, c.spec, { actions: false, renderer: 'svg' });
</script>
</body></html>
`;
}
