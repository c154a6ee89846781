// Writing a report: every output for a set of runs, from one report model — the
// self-contained HTML, CSVs of samples and summaries, the Markdown summary, and an SVG
// (and PNG, when Chromium is installed) of each chart. Library code: `faasbench
// report` and `faasbench run` call it.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunResults } from '../model/results/reader.js';
import { samplesCsv, summaryCsv } from './csv.js';
import { renderHtml } from './html/render.js';
import { chartSvg, svgsToPngs } from './images.js';
import { renderMarkdown } from './markdown.js';
import { buildReportModel } from './model.js';
import { traceMarkdown } from './trace.js';

export interface ReportOutputs {
  html: string;
  samplesCsv: string;
  summaryCsv: string;
  markdown: string;
  svgs: string[];
  pngs: string[];
  /** Why PNGs were not written, when they were not. */
  pngSkipped: string | null;
}

export interface WriteReportOptions {
  /** Output path without extension: <base>.html, <base>.samples.csv, <base>.summary.csv, <base>.md, <base>-charts/. */
  base: string;
  title?: string;
  command?: string[];
  reference?: string;
  seed?: number;
  images?: boolean;
  png?: boolean;
}

/** Writes every report output for these runs. */
export async function writeReport(
  runs: (RunResults & { file?: string })[],
  opts: WriteReportOptions,
): Promise<ReportOutputs> {
  const model = buildReportModel(runs, {
    ...(opts.title ? { title: opts.title } : {}),
    ...(opts.command ? { command: opts.command } : {}),
    ...(opts.reference ? { reference: opts.reference } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
  });
  mkdirSync(dirname(opts.base), { recursive: true });
  const out: ReportOutputs = {
    html: `${opts.base}.html`,
    samplesCsv: `${opts.base}.samples.csv`,
    summaryCsv: `${opts.base}.summary.csv`,
    markdown: `${opts.base}.md`,
    svgs: [],
    pngs: [],
    pngSkipped: null,
  };
  writeFileSync(out.html, renderHtml(model));
  writeFileSync(out.samplesCsv, samplesCsv(runs));
  writeFileSync(out.summaryCsv, summaryCsv(model));
  // The trace mode's section (reports/trace.ts): its table, Pareto front and who wins at which price.
  writeFileSync(out.markdown, renderMarkdown(model) + traceMarkdown(runs));
  if (opts.images !== false && model.charts.length) {
    const dir = `${opts.base}-charts`;
    mkdirSync(dir, { recursive: true });
    const svgs = [];
    for (const c of model.charts) {
      const svg = await chartSvg(c);
      svgs.push(svg);
      const file = join(dir, `${c.id}.svg`);
      writeFileSync(file, svg);
      out.svgs.push(file);
    }
    if (opts.png === false) out.pngSkipped = 'PNG not asked for (--no-png)';
    else {
      try {
        const pngs = await svgsToPngs(svgs);
        pngs.forEach((png, i) => {
          const file = join(dir, `${model.charts[i]!.id}.png`);
          writeFileSync(file, png);
          out.pngs.push(file);
        });
      } catch (e) {
        out.pngSkipped = `PNG skipped: ${(e as Error).message}; the SVGs are written`;
      }
    }
  }
  return out;
}
