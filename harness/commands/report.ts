// `faasbench report <results...>`: the HTML report, CSV of samples and summaries,
// a Markdown summary, and an SVG (and PNG, when Chromium is installed) of each chart.

import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { samplesCsv, summaryCsv } from '../../reports/csv.js';
import { renderHtml } from '../../reports/html/render.js';
import { chartSvg, svgsToPngs } from '../../reports/images.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { buildReportModel, REFERENCE_RUNTIME } from '../../reports/model.js';
import type { RunResults } from '../../model/results/reader.js';
import { checkSameMachine, loadResultsFile } from './compare.js';
import { intOption } from './options.js';

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
export async function writeReport(runs: (RunResults & { file?: string })[], opts: WriteReportOptions): Promise<ReportOutputs> {
  const model = buildReportModel(runs, {
    ...(opts.title ? { title: opts.title } : {}),
    ...(opts.command ? { command: opts.command } : {}),
    ...(opts.reference ? { reference: opts.reference } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
  });
  mkdirSync(dirname(opts.base), { recursive: true });
  const out: ReportOutputs = {
    html: `${opts.base}.html`, samplesCsv: `${opts.base}.samples.csv`, summaryCsv: `${opts.base}.summary.csv`, markdown: `${opts.base}.md`,
    svgs: [], pngs: [], pngSkipped: null,
  };
  writeFileSync(out.html, renderHtml(model));
  writeFileSync(out.samplesCsv, samplesCsv(runs));
  writeFileSync(out.summaryCsv, summaryCsv(model));
  writeFileSync(out.markdown, renderMarkdown(model));
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

interface ReportFlags {
  out?: string;
  title?: string;
  reference: string;
  seed: number;
  images: boolean;
  png: boolean;
  allowDifferentMachines?: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write the HTML report, CSV of samples and summaries, a Markdown summary and chart images from results files')
    .argument('<results...>', 'results files (.jsonl); several runs are reported together')
    .option('-o, --out <path>', 'output path without extension (default: the first results file without .jsonl)')
    .option('--title <text>', 'report title', 'faasbench report')
    .option('--reference <runtime>', 'runtime the others are compared with', REFERENCE_RUNTIME)
    .option('--seed <n>', 'bootstrap seed', intOption('--seed', 0, 2 ** 32 - 1), 1)
    .option('--no-images', 'do not write SVG/PNG chart images')
    .option('--no-png', 'write SVG chart images only (no Chromium needed)')
    .option('--allow-different-machines', 'report results measured on different machines together')
    .action(async (files: string[], flags: ReportFlags) => {
      const loaded = files.map((f) => loadResultsFile(f, { requireComplete: false }));
      const notes = checkSameMachine(loaded, flags.allowDifferentMachines === true);
      for (const l of loaded) for (const w of l.warnings) process.stderr.write(`warning: ${w}\n`);
      for (const n of notes) process.stderr.write(`warning: ${n}\n`);
      const runs = loaded.flatMap((l) => l.runs.map((r) => ({ ...r, file: l.file })));
      const base = resolve(flags.out ?? join(dirname(files[0]!), basename(files[0]!).replace(/\.jsonl$/, '')));
      const out = await writeReport(runs, {
        base, title: flags.title, reference: flags.reference, seed: flags.seed, images: flags.images, png: flags.png,
        command: ['faasbench', ...process.argv.slice(2)],
      });
      process.stdout.write(`report:      ${out.html}\nmarkdown:    ${out.markdown}\nsamples CSV: ${out.samplesCsv}\nsummary CSV: ${out.summaryCsv}\n`);
      if (out.svgs.length) process.stdout.write(`charts:      ${out.svgs.length} SVG${out.pngs.length ? `, ${out.pngs.length} PNG` : ''} in ${dirname(out.svgs[0]!)}\n`);
      if (out.pngSkipped) process.stdout.write(`${out.pngSkipped}\n`);
    });
}
