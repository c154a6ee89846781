// Benchmark: how long `faasbench report` takes for a 100,000-sample results file,
// how big the HTML is, and how long the page is in a browser. Synthetic results (every kind of row), written by the
// real writer; each step of the report timed on its own. Prints; asserts nothing.
//
//   flock /tmp/faasbench-bench.lock npx tsx scripts/bench-report.ts [--samples N] [--png] [--no-browser]

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readResults } from '../model/results/reader.js';
import { samplesCsv, summaryCsv } from '../reports/csv.js';
import { renderHtml } from '../reports/html/render.js';
import { CHROMIUM_ARGS, chartSvg, chromiumPath, svgsToPngs } from '../reports/images.js';
import { renderMarkdown } from '../reports/markdown.js';
import { buildReportModel } from '../reports/model.js';
import { demoSeries, writeSyntheticResults } from '../reports/synthetic.js';

const arg = (name: string) => process.argv.indexOf(name);
const target = arg('--samples') > 0 ? Number(process.argv[arg('--samples') + 1]) : 100_000;
const browser = arg('--no-browser') < 0;

// Cold-start rows scale with demoSeries' argument; the load and density rows do not.
const rowsOf = (list: ReturnType<typeof demoSeries>) =>
  list.reduce((n, s) => n + s.n * (1 + Object.keys(s.phases ?? {}).length), 0);
const isCold = (s: ReturnType<typeof demoSeries>[number]) => (s.mode ?? 'cold') === 'cold';
const fixedRows = rowsOf(demoSeries(1).filter((s) => !isCold(s)));
const scale = (target - fixedRows) / rowsOf(demoSeries(1).filter(isCold));
const dir = mkdtempSync(join(tmpdir(), 'fb-bench-report-'));
let t0 = process.hrtime.bigint();
let last = t0;
const lap = () => {
  const now = process.hrtime.bigint();
  const ms = Number(now - last) / 1e6;
  last = now;
  return `${ms.toFixed(0).padStart(6)} ms`;
};
const size = (p: string) => statSync(p).size;
try {
  const file = join(dir, 'bench.jsonl');
  writeSyntheticResults(file, demoSeries(scale));
  lap();
  t0 = last;
  const runs = readResults(file).map((r) => ({ ...r, file }));
  console.log(
    `read + validate      ${lap()}   ${runs[0]!.samples.length.toLocaleString('en-US')} samples, ${(size(file) / 2 ** 20).toFixed(1)} MiB of JSON Lines`,
  );
  const model = buildReportModel(runs);
  console.log(
    `model (statistics)   ${lap()}   ${model.summaries.length} series, ${model.warnings.length} warnings, ${model.charts.length} charts`,
  );
  const html = join(dir, 'bench.html');
  writeFileSync(html, renderHtml(model));
  console.log(
    `HTML                 ${lap()}   ${(size(html) / 1024).toFixed(0)} KiB (${size(html).toLocaleString('en-US')} bytes), one file`,
  );
  const report = Number(last - t0) / 1e6;
  writeFileSync(join(dir, 'bench.md'), renderMarkdown(model));
  console.log(`Markdown             ${lap()}`);
  writeFileSync(join(dir, 'bench.samples.csv'), samplesCsv(runs));
  writeFileSync(join(dir, 'bench.summary.csv'), summaryCsv(model));
  console.log(
    `CSV (samples+summ.)  ${lap()}   samples CSV ${(size(join(dir, 'bench.samples.csv')) / 2 ** 20).toFixed(1)} MiB`,
  );
  const svgs: string[] = [];
  for (const c of model.charts) svgs.push(await chartSvg(c));
  console.log(
    `SVG charts (vega)    ${lap()}   ${svgs.length} charts, ${(svgs.reduce((n, s) => n + s.length, 0) / 1024).toFixed(0)} KiB`,
  );
  if (arg('--png') > 0) {
    if (chromiumPath()) {
      const pngs = await svgsToPngs(svgs);
      console.log(`PNG charts (Chromium)${lap()}   ${pngs.length} charts`);
    } else console.log('PNG charts: skipped (no Chromium)');
  }
  console.log(
    `=> results file to HTML report: ${report.toFixed(0)} ms; everything above: ${(Number(last - t0) / 1e6).toFixed(0)} ms`,
  );
  const exe = chromiumPath();
  if (browser && exe) {
    const { chromium } = await import('playwright-core');
    const b = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS });
    try {
      const page = await b.newPage();
      lap();
      await page.goto(pathToFileURL(html).href);
      await page.evaluate(() => (globalThis as unknown as { faasbenchCharts: Promise<unknown> }).faasbenchCharts);
      console.log(`browser: open + all charts rendered ${lap()} (headless Chromium)`);
      // Page length at default settings (details closed, first tab): the report should stay a few screens.
      await page.setViewportSize({ width: 1100, height: 900 });
      const px = Number(await page.evaluate('document.documentElement.scrollHeight'));
      // Target (issue 20): a few screens by default, about two per workload plus the header and the collapsed rest.
      const target = 900 * (1 + 2 * model.tables.length);
      console.log(
        `page height at 1100×900: ${px} px (${(px / 900).toFixed(1)} screens; ${model.tables.length} workload${model.tables.length === 1 ? '' : 's'}; target ≤ ${target} px) ${px <= target ? 'PASS' : 'SHORT'}`,
      );
    } finally {
      await b.close();
    }
  } else if (browser) console.log('browser: skipped (no Chromium)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
