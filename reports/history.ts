// The history page (`faasbench report --history`): each series' median over the runs
// of the history store, oldest commit first, one small SVG line chart per series with
// the change points (PELT, model/stats/changepoint.ts) marked, and the Markdown trend
// table for PR comments. Self-contained HTML (inline SVG, no scripts), so it opens
// anywhere and can be uploaded as a CI artifact. Imports model/ only.

import { markdownCode, markdownText } from '../model/escape.js';
import { seriesLabel, trends, type HistorySeries, type Trend } from '../model/history.js';
import { formatValue } from '../model/summary.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pct = (r: number) => (Number.isFinite(r) ? `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%` : '—');
const short = (commit: string) => commit.slice(0, 8);

/** The Markdown trend table: one row per series, latest median, last step, since first, change points. */
export function historyMarkdown(series: HistorySeries[]): string {
  const t = trends(series);
  const rows = t.map((x) => {
    const p = x.series.points;
    const last = p[p.length - 1]!;
    const cps =
      x.changes
        .map((c) => `${pct(c.ratio)} at ${markdownCode(short(p[c.index]!.commit), { table: true })}`)
        .join(', ') || '—';
    return `| ${markdownText(seriesLabel(x.series))} | ${p.length} | ${formatValue(last.median, x.series.metric)} | ${pct(x.lastStep)} | ${pct(x.sinceFirst)} | ${cps} |`;
  });
  return [
    '### faasbench history: trends',
    '',
    'Median per run, oldest to newest; change points by PELT on log medians (a step counts from 2 %).',
    '',
    '| series | runs | latest median | last step | since first | change points |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
  ].join('\n');
}

function chart(t: Trend): string {
  const W = 640,
    H = 180,
    L = 70,
    R = 10,
    T = 10,
    B = 40;
  const p = t.series.points;
  const ys = p.map((x) => x.median);
  const lo = Math.min(...ys) * 0.95;
  const hi = Math.max(...ys) * 1.05 || 1;
  const x = (i: number) => L + (p.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (p.length - 1));
  const y = (v: number) => T + (H - T - B) * (1 - (v - lo) / (hi - lo || 1));
  const line = ys.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const dots = ys
    .map(
      (v, i) =>
        `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3"><title>${esc(`${short(p[i]!.commit)}${p[i]!.dirty ? ' (dirty)' : ''}: ${formatValue(v, t.series.metric)} (n=${p[i]!.n})`)}</title></circle>`,
    )
    .join('');
  const marks = t.changes
    .map((c) => {
      const cx = ((x(c.index - 1) + x(c.index)) / 2).toFixed(1);
      return `<line class="cp" x1="${cx}" x2="${cx}" y1="${T}" y2="${H - B}"/><text class="cp" x="${cx}" y="${T + 10}">${esc(pct(c.ratio))}</text>`;
    })
    .join('');
  const labels = p
    .map(
      (pt, i) =>
        `<text class="tick" x="${x(i).toFixed(1)}" y="${H - B + 14}" transform="rotate(30 ${x(i).toFixed(1)} ${H - B + 14})">${esc(short(pt.commit))}</text>`,
    )
    .join('');
  const axis = `<text class="tick" x="${L - 6}" y="${y(hi) + 4}" text-anchor="end">${esc(formatValue(hi, t.series.metric))}</text><text class="tick" x="${L - 6}" y="${y(lo)}" text-anchor="end">${esc(formatValue(lo, t.series.metric))}</text>`;
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(seriesLabel(t.series))}"><path d="${line}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>${dots}${marks}${labels}${axis}</svg>`;
}

/** The HTML page: per machine, per series, a chart with the change points, then the trend table. */
export function historyHtml(series: HistorySeries[], opts: { title?: string } = {}): string {
  const title = opts.title ?? 'faasbench history';
  const sections = trends(series)
    .map((t) => {
      const cps =
        t.changes.map((c) => `${pct(c.ratio)} at ${short(t.series.points[c.index]!.commit)}`).join(', ') || 'none';
      return `<section><h2>${esc(seriesLabel(t.series))}</h2><p class="meta">machine ${esc(t.series.machine)} · ${t.series.points.length} runs · change points: ${esc(cps)}</p>${chart(t)}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}h2{font-size:15px;margin:1.5em 0 .2em}.meta{color:#555;margin:0}
circle{fill:#1f77b4}line.cp{stroke:#d62728;stroke-dasharray:4 3}text.cp{fill:#d62728;font-size:11px}text.tick{font-size:10px;fill:#444}</style></head>
<body><h1>${esc(title)}</h1>
<p>Median of each run's correct samples, oldest run first (x axis: git commit). Red dashed lines: change points (PELT on log medians, steps of 2 % or more).</p>
${series.length ? sections : '<p>The history is empty: add runs with <code>faasbench history add FILE…</code>.</p>'}
</body></html>
`;
}
