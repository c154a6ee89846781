// Strict loading of results files for the verbs that judge them (compare, gate,
// report): one file's runs read and refused, with the file named, when they cannot be
// used (unreadable, incomplete when completeness is required, mixed versions, nothing
// measured), and the check that files come from the same machine. Library code: the
// commands call it, and nothing here prints.

import { terminalText } from '../escape.js';
import { readResults, ResultsError, type RunResults } from './reader.js';
import type { Machine } from './schema.js';

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
