// Append-only JSON Lines writer. Each row is one write(2) of a whole line, so a
// run killed at any point leaves a file whose complete lines are all valid.

import { closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileKind } from '../safe-read.js';
import type { EndRow, EventRow, HeaderRow, ResultRow, SampleRow } from './schema.js';

/**
 * Makes sure `dir` is a directory results can go in, creating it (and its parents)
 * if needed. Returns null when it is, else what is wrong, as a predicate to follow
 * the directory's name ("is a regular file, not a directory").
 */
export function resultsDirProblem(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      try {
        return `is ${fileKind(statSync(dir))}, not a directory`;
      } catch {
        return 'is a dangling symlink, not a directory';
      }
    }
    if (code === 'ENOTDIR') return 'cannot be created: a component of its path is not a directory';
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `cannot be created (${code}: not writable here)`;
    return `cannot be created (${code ?? (e as Error).message})`;
  }
}

export class ResultsWriter {
  private fd: number | null;
  private samples = 0;

  constructor(readonly path: string, header: HeaderRow) {
    const problem = resultsDirProblem(dirname(path));
    if (problem) throw new Error(`results directory ${dirname(path)} ${problem}`);
    this.fd = openSync(path, 'a');
    this.write(header);
  }

  private write(row: ResultRow): void {
    if (this.fd === null) throw new Error(`results file ${this.path} is already closed`);
    writeSync(this.fd, JSON.stringify(row) + '\n');
  }

  sample(row: Omit<SampleRow, 'type'>): void {
    this.samples++;
    this.write({ type: 'sample', ...row });
  }

  event(level: EventRow['level'], message: string, where: { runtime?: string; workload?: string } = {}): void {
    this.write({ type: 'event', level, message, at: new Date().toISOString(), ...where });
  }

  get sampleCount(): number {
    return this.samples;
  }

  end(status: EndRow['status']): void {
    if (this.fd === null) return;
    this.write({ type: 'end', finishedAt: new Date().toISOString(), status });
    closeSync(this.fd);
    this.fd = null;
  }
}
