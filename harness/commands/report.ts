// `faasbench report <results...>`: the HTML report, CSV of samples and summaries,
// a Markdown summary, and an SVG (and PNG, when Chromium is installed) of each chart. The
// writing itself is reports/write.ts; this file is the verb: flags, loading, messages.

import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { REFERENCE_RUNTIME } from '../../reports/model.js';
import { writeReport } from '../../reports/write.js';
import { checkSameMachine, loadResultsFile } from '../../model/results/load.js';
import { intOption } from './options.js';
import { DEFAULT_HISTORY_DB, writeHistoryReport } from './history.js';

interface ReportFlags {
  out?: string;
  title?: string;
  reference: string;
  seed: number;
  images: boolean;
  png: boolean;
  allowDifferentMachines?: boolean;
  history?: boolean;
  db: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'write the HTML report, CSV of samples and summaries, a Markdown summary and chart images from results files',
    )
    .argument('[results...]', 'results files (.jsonl); several runs are reported together')
    .option('-o, --out <path>', 'output path without extension (default: the first results file without .jsonl)')
    .option('--title <text>', 'report title', 'faasbench report')
    .option('--reference <runtime>', 'runtime the others are compared with', REFERENCE_RUNTIME)
    .option('--seed <n>', 'bootstrap seed', intOption('--seed', 0, 2 ** 32 - 1), 1)
    .option('--no-images', 'do not write SVG/PNG chart images')
    .option('--no-png', 'write SVG chart images only (no Chromium needed)')
    .option('--allow-different-machines', 'report results measured on different machines together')
    .option(
      '--history',
      'the history page instead: every series of the history store over commits, change points marked (+ the Markdown trend table)',
    )
    .option('--db <file>', 'with --history: the history database', DEFAULT_HISTORY_DB)
    .action(async (files: string[], flags: ReportFlags) => {
      if (flags.history) {
        if (files.length)
          throw new Error('--history reports the history store (--db), not results files: give one or the other');
        const out = writeHistoryReport(
          flags.db,
          flags.out ?? join(dirname(flags.db), 'history'),
          !flags.title || flags.title === 'faasbench report' ? 'faasbench history' : flags.title,
        );
        process.stdout.write(`history report: ${out.html}\nmarkdown:       ${out.markdown}\n`);
        return;
      }
      if (files.length === 0) throw new Error("missing required argument 'results' (results files, or --history)");
      const loaded = files.map((f) => loadResultsFile(f, { requireComplete: false }));
      const notes = checkSameMachine(loaded, flags.allowDifferentMachines === true);
      for (const l of loaded) for (const w of l.warnings) process.stderr.write(`warning: ${w}\n`);
      for (const n of notes) process.stderr.write(`warning: ${n}\n`);
      const runs = loaded.flatMap((l) => l.runs.map((r) => ({ ...r, file: l.file })));
      const base = resolve(flags.out ?? join(dirname(files[0]!), basename(files[0]!).replace(/\.jsonl$/, '')));
      const out = await writeReport(runs, {
        base,
        title: flags.title,
        reference: flags.reference,
        seed: flags.seed,
        images: flags.images,
        png: flags.png,
        command: ['faasbench', ...process.argv.slice(2)],
      });
      process.stdout.write(
        `report:      ${out.html}\nmarkdown:    ${out.markdown}\nsamples CSV: ${out.samplesCsv}\nsummary CSV: ${out.summaryCsv}\n`,
      );
      if (out.svgs.length)
        process.stdout.write(
          `charts:      ${out.svgs.length} SVG${out.pngs.length ? `, ${out.pngs.length} PNG` : ''} in ${dirname(out.svgs[0]!)}\n`,
        );
      if (out.pngSkipped) process.stdout.write(`${out.pngSkipped}\n`);
    });
}
