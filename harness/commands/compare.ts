// `faasbench compare A.jsonl B.jsonl`: every series measured in both files, as the
// ratio B/A of medians with a seeded-bootstrap interval and a verdict. Also home of
// the strict results loading shared by compare, gate and report. A series that
// cannot be judged (no correct samples on a side, a zero baseline, an unbounded
// interval) says "cannot decide" and why, never "no significant difference". Text
// from the files is escaped before it reaches the terminal.

import type { Command } from 'commander';
import { terminalJson, terminalText } from '../../model/escape.js';
import { readResults, ResultsError, type RunResults } from '../../model/results/reader.js';
import type { Machine } from '../../model/results/schema.js';
import { compareSamples, type Comparison } from '../../model/stats/inference.js';
import { formatValue, groupSeries, seriesId, textTable, type Series, type SeriesKey } from '../../model/summary.js';
import { intOption } from './options.js';

export class UnusableInputError extends ResultsError {
  override name = 'UnusableInputError';
}

export interface LoadOptions {
  /** Refuse a truncated file or a run without an end row (compare and gate); a report shows them with a warning. */
  requireComplete: boolean;
}

export interface LoadedFile {
  file: string;
  runs: RunResults[];
  warnings: string[];
}

/** Reads one results file and refuses what cannot be used, with the file named. */
export function loadResultsFile(file: string, opts: LoadOptions): LoadedFile {
  let runs: RunResults[];
  try {
    runs = readResults(file);
  } catch (e) {
    throw new UnusableInputError((e as Error).message);
  }
  const warnings = runs.flatMap((r) => r.warnings);
  if (opts.requireComplete) {
    const truncated = warnings.find((w) => /truncated/.test(w));
    if (truncated) throw new UnusableInputError(`${truncated.replace(/; ignored$/, '')}: refusing an incomplete results file`);
    const open = runs.find((r) => !r.end);
    if (open) throw new UnusableInputError(`${file}: run ${open.header.runId} has no end row (interrupted or still running): refusing an incomplete results file`);
  }
  const versionOf = (r: RunResults) => `faasbench ${r.header.versions['faasbench'] ?? 'unknown'} (results schema ${r.header.schema})`;
  const versions = [...new Set(runs.map(versionOf))];
  if (versions.length > 1) {
    throw new UnusableInputError(`${file}: mixed versions in one file: ${runs.map((r) => `run ${r.header.runId} by ${versionOf(r)}`).join(', ')}; split the file or re-run`);
  }
  if (runs.every((r) => r.samples.length === 0)) throw new UnusableInputError(`${file}: no samples (the run measured nothing)`);
  if (runs.every((r) => r.samples.every((s) => !s.ok))) throw new UnusableInputError(`${file}: no correct samples (every sample failed its check)`);
  return { file, runs, warnings };
}

const MACHINE_FIELDS = ['cpuModel', 'cores', 'memoryBytes', 'os', 'kernel', 'arch'] as const;

/** The fields on which two machines differ, named for a person; [] when the fingerprints agree. */
export function machineDifference(a: Machine, b: Machine): string[] {
  if (a.fingerprint === b.fingerprint) return [];
  const diffs = MACHINE_FIELDS.filter((f) => a[f] !== b[f]).map((f) => `${f} ${JSON.stringify(a[f])} vs ${JSON.stringify(b[f])}`);
  return diffs.length ? diffs : [`fingerprint ${a.fingerprint} vs ${b.fingerprint}`];
}

/** Refuses files measured on different machines unless allowed; returns the differences found otherwise. */
export function checkSameMachine(files: LoadedFile[], allow: boolean): string[] {
  const first = files[0]!.runs[0]!;
  const notes: string[] = [];
  for (const f of files) {
    for (const r of f.runs) {
      const diff = machineDifference(first.header.machine, r.header.machine);
      if (diff.length === 0) continue;
      const msg = terminalText(`${files[0]!.file} (run ${first.header.runId}) and ${f.file} (run ${r.header.runId}) were measured on different machines: ${diff.join('; ')}`);
      if (!allow) throw new UnusableInputError(`${msg}; timings are not comparable (pass --allow-different-machines to compare anyway)`);
      notes.push(msg);
    }
  }
  return [...new Set(notes)];
}

export interface SeriesComparison extends SeriesKey {
  a: Series;
  b: Series;
  comparison: Comparison;
}

export interface CompareOptions {
  seed: number;
  resamples: number;
  /** Quantile to compare (0.5 = median). */
  q?: number;
  /** Only series for which this is true. */
  filter?: (k: SeriesKey) => boolean;
}

/** Pure: every series present in both sets, compared B against A; one with no correct samples on a side cannot be decided. */
export function compareRuns(a: RunResults[], b: RunResults[], opts: CompareOptions): { compared: SeriesComparison[]; onlyA: Series[]; onlyB: Series[] } {
  const sa = groupSeries(a.flatMap((r) => r.samples));
  const sb = groupSeries(b.flatMap((r) => r.samples));
  // A series is in a file when it has rows there, correct or not.
  const keep = (s: Series) => s.values.length + s.failed > 0 && (opts.filter?.(s) ?? true);
  const compared: SeriesComparison[] = [];
  const onlyA: Series[] = [];
  for (const [id, x] of sa) {
    if (!keep(x)) continue;
    const y = sb.get(id);
    if (!y || !keep(y)) {
      onlyA.push(x);
      continue;
    }
    let comparison = compareSamples(x.values, y.values, { seed: opts.seed, resamples: opts.resamples, q: opts.q ?? 0.5, metric: x.metric });
    const empty = x.values.length === 0 ? ['A', x] as const : y.values.length === 0 ? ['B', y] as const : null;
    if (empty) comparison = { ...comparison, undecided: `no correct samples in ${empty[0]} (${empty[1].failed} failed)` };
    const { values: _v, failed: _f, ...key } = x;
    compared.push({ ...key, a: x, b: y, comparison });
  }
  const onlyB = [...sb.values()].filter((y) => keep(y) && !(sa.get(seriesId(y)) && keep(sa.get(seriesId(y))!)));
  const order = (p: SeriesKey, q: SeriesKey) =>
    p.workload.localeCompare(q.workload) || p.runtime.localeCompare(q.runtime) || p.variant.localeCompare(q.variant) || p.metric.localeCompare(q.metric) ||
    (p.phase === 'total' ? -1 : q.phase === 'total' ? 1 : p.phase.localeCompare(q.phase)) || p.tags.localeCompare(q.tags, 'en', { numeric: true });
  compared.sort(order);
  return { compared, onlyA: onlyA.sort(order), onlyB: onlyB.sort(order) };
}

/** The ratio with its interval; '—' when there is no finite one (cannot decide). */
export const formatRatio = (c: Comparison): string =>
  c.undecided !== null ? '—' : `${c.ratio.toFixed(3)} [${c.interval.lo.toFixed(3)}, ${c.interval.hi.toFixed(3)}]`;

const formatMedian = (v: number, metric: string) => (Number.isFinite(v) ? formatValue(v, metric) : '—');

const seriesLabel = (k: SeriesKey) => `${k.metric}${k.phase === 'total' ? '' : `.${k.phase}`}${k.tags ? ` {${k.tags}}` : ''}`;

export function compareTable(rows: SeriesComparison[]): string {
  return textTable(
    ['workload', 'runtime', 'variant', 'metric', 'n A', 'n B', 'median A', 'median B', 'B/A [95% CI]', 'verdict'],
    rows.map((r) => [
      r.workload, r.runtime, r.variant, seriesLabel(r), String(r.a.values.length), String(r.b.values.length),
      formatMedian(r.comparison.baseline, r.metric), formatMedian(r.comparison.candidate, r.metric), formatRatio(r.comparison), r.comparison.verdict,
    ]),
  );
}

/** One line per series that cannot be decided, with the reason (terminal-safe). */
export function undecidedLines(rows: SeriesComparison[]): string[] {
  return rows
    .filter((r) => r.comparison.undecided !== null)
    .map((r) => terminalText(`cannot decide: ${r.workload} ${r.runtime}/${r.variant} ${seriesLabel(r)}: ${r.comparison.undecided}`));
}

interface CompareFlags {
  allowDifferentMachines?: boolean;
  seed: number;
  resamples: number;
  phases: boolean;
  json?: boolean;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare two results files: per runtime × workload × metric × phase, the ratio B/A of medians with its 95% interval and a verdict')
    .argument('<A.jsonl>', 'baseline results file')
    .argument('<B.jsonl>', 'results file compared with A')
    .option('--allow-different-machines', 'compare results measured on different machines (the difference is still reported)')
    .option('--seed <n>', 'bootstrap seed (same seed, same intervals)', intOption('--seed', 0, 2 ** 32 - 1), 1)
    .option('--resamples <n>', 'bootstrap resamples', intOption('--resamples', 100, 100_000), 1000)
    .option('--no-phases', 'compare only the whole measured values, not their phases')
    .option('--json', 'print JSON instead of a table')
    .action((fileA: string, fileB: string, flags: CompareFlags) => {
      const a = loadResultsFile(fileA, { requireComplete: true });
      const b = loadResultsFile(fileB, { requireComplete: true });
      const notes = checkSameMachine([a, b], flags.allowDifferentMachines === true);
      const { compared, onlyA, onlyB } = compareRuns(a.runs, b.runs, {
        seed: flags.seed,
        resamples: flags.resamples,
        ...(flags.phases ? {} : { filter: (k: SeriesKey) => k.phase === 'total' }),
      });
      if (compared.length === 0) throw new UnusableInputError(`${fileA} and ${fileB} have no series in common (no runtime × workload × metric measured in both)`);
      if (flags.json) {
        process.stdout.write(terminalJson({ a: fileA, b: fileB, notes, compared: compared.map(({ a: _a, b: _b, ...r }) => r) }, 2) + '\n');
        return;
      }
      for (const n of notes) process.stdout.write(`warning: ${n}\n`);
      process.stdout.write(`A = ${terminalText(fileA)}\nB = ${terminalText(fileB)}\n\n${compareTable(compared)}\n`);
      const undecided = undecidedLines(compared);
      if (undecided.length) process.stdout.write(`\n${undecided.join('\n')}\n`);
      const only = (list: Series[], where: string) => {
        if (list.length) process.stdout.write(`\nonly in ${where}: ${terminalText(list.map((s) => `${s.runtime}/${s.workload}/${s.variant} ${seriesLabel(s)}`).join(', '))}\n`);
      };
      only(onlyA, 'A');
      only(onlyB, 'B');
    });
}
