// What `faasbench run` prints when it is done: a short headline per workload and
// question, hyperfine-style ("1.5–1.7× slower than wasm · wasm"), the same figures
// and words as the report's answer (model/headline.ts), then the run's errors.
// `verbose` adds the table of every series. Every name from the results is made
// terminal-safe; colour (the runtime's report colour as a swatch) only when asked
// for, i.e. when stdout is a terminal. Pure.

import { terminalText } from './escape.js';
import { buildHeadlines, comparisonText, entryLabel, type Headline } from './headline.js';
import { seriesLegend, sourceText } from './labels.js';
import { ansiColour, runtimePalette } from './palette.js';
import type { SampleRow } from './results/schema.js';
import { formatValue, groupSeries, summarizeSamples, summaryTable } from './summary.js';

export interface RunSummaryOptions {
  /** Also print every series (the full summary table). */
  verbose?: boolean;
  /** Colour swatches (ANSI 24-bit) before runtime names. */
  colour?: boolean;
  reference?: string;
  /** Bootstrap resamples for the ratios' intervals (default 1000). */
  resamples?: number;
}

const QUESTION_LINE: Record<Headline['question'], string> = {
  cold: 'cold start, median (new instance per request)',
  appCold: 'app cold start, median (module not yet compiled)',
  throughput: 'throughput, median requests/s (closed loop, best connection count)',
  // The density figure is the median of the ramps (--density-repeats, 3 by default), as the report says.
  density: 'density, median instances per GiB over the ramps',
};

/** The headline block: one small table per workload × question. */
export function headlineText(samples: readonly SampleRow[], opts: RunSummaryOptions = {}): string {
  const reference = opts.reference ?? 'wasm';
  const series = [...groupSeries(samples).values()];
  const headlines = buildHeadlines(series, { reference, resamples: opts.resamples ?? 1000 });
  const palette = runtimePalette(series.map((s) => s.runtime));
  const out: string[] = [];
  for (const h of headlines) {
    const what =
      h.question === 'density'
        ? `${QUESTION_LINE.density} (memory source: ${sourceText(h.source)}, the same for every runtime)`
        : QUESTION_LINE[h.question];
    out.push(`${terminalText(h.workload)} · ${what}`);
    const rows = h.entries.map((e) => {
      const interval =
        e.n <= 1 ? 'single measurement' : `${formatValue(e.ci.lo, e.metric)} … ${formatValue(e.ci.hi, e.metric)}`;
      // Both sides single: the interval column already says "single measurement".
      const vs =
        e === h.reference
          ? 'reference'
          : h.reference
            ? comparisonText(h.question, e, h.reference, 'candidate', e.n <= 1 && h.reference.n <= 1)
            : '';
      return {
        e,
        cells: [
          terminalText(entryLabel(e)),
          `${formatValue(e.median, e.metric)}${e.basis ? ` ${e.basis}` : ''}`,
          interval,
          `${terminalText(vs)}${e.beatsReference ? '  ⚑ beats the reference' : ''}`,
        ],
      };
    });
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r.cells[i]!.length)));
    for (const { e, cells } of rows) {
      const swatch = opts.colour ? `${ansiColour(palette.get(e.runtime)!, '■')} ` : '';
      out.push(
        `  ${swatch}${cells[0]!.padEnd(widths[0]!)}  ${cells[1]!.padStart(widths[1]!)}  ${cells[2]!.padEnd(widths[2]!)}  ${cells[3]}`.trimEnd(),
      );
    }
    for (const m of h.missing) out.push(`  (${terminalText(entryLabel(m))}: ${terminalText(m.reason)})`);
  }
  // Rows of a runtime's series carry short words in brackets: say once what they mean and which one is the reference.
  const legend = seriesLegend(headlines.flatMap((h) => [...h.entries, ...h.missing].map((e) => e.tags)));
  if (legend.length)
    out.push(
      `series in brackets: ${terminalText(legend.join('; '))}; ratios are against ${terminalText(reference)}'s default series (plain, reuse 1) where it was measured`,
    );
  return out.join('\n');
}

/** What `run` prints at the end: the headline (or, verbose, every series too), then each error event, terminal-safe. */
export function runSummaryText(
  runs: readonly { samples: SampleRow[]; events: readonly { level: string; message: string }[] }[],
  opts: RunSummaryOptions = {},
): string {
  const samples = runs.flatMap((r) => r.samples);
  const summaries = summarizeSamples(samples);
  const lines: string[] = [];
  if (summaries.length === 0) lines.push('no correct samples were measured');
  else {
    if (opts.verbose) lines.push(summaryTable(summaries), '');
    const head = headlineText(samples, opts);
    if (head) lines.push(head);
    if (!opts.verbose)
      lines.push(`(${summaries.length} series in all: --verbose prints every one; the report has them too)`);
  }
  for (const e of runs.flatMap((r) => r.events))
    if (e.level === 'error') lines.push(`error: ${terminalText(e.message)}`);
  return lines.join('\n') + '\n';
}
