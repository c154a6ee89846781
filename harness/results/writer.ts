// Append-only JSON Lines writer. Each row is one write(2) of a whole line, so a
// run killed at any point leaves a file whose complete lines are all valid.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EndRow, EventRow, HeaderRow, ResultRow, SampleRow } from './schema.js';

export class ResultsWriter {
  private fd: number | null;
  private samples = 0;

  constructor(readonly path: string, header: HeaderRow) {
    mkdirSync(dirname(path), { recursive: true });
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
