// `faasbench compare` end to end on synthetic results files written by the real
// writer: the verdicts, and a precise message with exit 2 for every unusable input.

import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli-helpers.js';
import { runCliInProcess } from '../../test/in-process-cli.js';
import {
  SYNTHETIC_MACHINE,
  syntheticHeader,
  writeSyntheticResults,
  type SyntheticSeries,
} from '../../reports/synthetic.js';
import { compareRuns } from '../../model/compare.js';
import { loadResultsFile } from '../../model/results/load.js';
import { readResults } from '../../model/results/reader.js';
import { hasTerminalControls } from '../../model/escape.js';
import type { SampleRow } from '../../model/results/schema.js';
import { ResultsWriter } from '../../model/results/writer.js';

/** A complete results file from explicit rows. */
const writeRows = (path: string, rows: Omit<SampleRow, 'type'>[]) => {
  const w = new ResultsWriter(path, syntheticHeader());
  for (const r of rows) w.sample(r);
  w.end('completed');
  return path;
};
const coldRows = (values: number[], over: Partial<SampleRow> = {}): Omit<SampleRow, 'type'>[] =>
  values.map((value, i) => ({
    workload: 'hello',
    variant: 'wasm',
    runtime: 'wasm',
    mode: 'cold',
    phase: 'total',
    metric: 'cold_start_ns',
    value,
    ok: true,
    iteration: i,
    ...over,
  }));
const steady = (m: number, n = 20) => Array.from({ length: n }, (_, i) => m + (i % 5));

const dir = mkdtempSync(join(tmpdir(), 'fb-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: SyntheticSeries[] = [
  { runtime: 'wasm', median: 300_000, n: 60, phases: { instantiate: 0.4, run: 0.5 } },
  { runtime: 'node-wasi', variant: 'wasm', median: 900_000, n: 60 },
];
const file = (name: string) => join(dir, name);
const A = file('a.jsonl');
const B = file('b.jsonl');
writeSyntheticResults(A, base, { seed: 1 });
// wasm 30 % slower, node-wasi unchanged (other noise: another seed).
writeSyntheticResults(B, [{ ...base[0]!, median: 390_000 }, base[1]!], { seed: 2 });

describe('compare (pure)', () => {
  it('gives the ratio, its interval and the verdict per series and phase', () => {
    const { compared } = compareRuns(readResults(A), readResults(B), { seed: 1, resamples: 500 });
    const wasm = compared.find((c) => c.runtime === 'wasm' && c.phase === 'total')!;
    expect(wasm.comparison.ratio).toBeGreaterThan(1.25);
    expect(wasm.comparison.ratio).toBeLessThan(1.35);
    expect(wasm.comparison.interval.lo).toBeGreaterThan(1.2);
    expect(wasm.comparison.verdict).toBe('slower');
    expect(compared.find((c) => c.runtime === 'wasm' && c.phase === 'instantiate')!.comparison.verdict).toBe('slower');
    const nw = compared.find((c) => c.runtime === 'node-wasi')!;
    expect(nw.comparison.verdict).toBe('no significant difference');
    expect(compared.map((c) => `${c.runtime}.${c.phase}`)).toEqual([
      'node-wasi.total',
      'wasm.total',
      'wasm.instantiate',
      'wasm.run',
    ]);
  });
});

describe('compare fails closed', () => {
  const healthy = coldRows(steady(900_000), { runtime: 'node-wasi' });

  it('a series whose every sample failed on one side is "cannot decide", not "only in A"', () => {
    const a = writeRows(file('fc-a.jsonl'), [...coldRows(steady(300_000)), ...healthy]);
    const b = writeRows(file('fc-b.jsonl'), [
      ...coldRows(steady(300_000), { ok: false, error: 'status 500' }),
      ...healthy,
    ]);
    const { compared, onlyA } = compareRuns(readResults(a), readResults(b), { seed: 1, resamples: 200 });
    expect(onlyA).toEqual([]);
    const w = compared.find((c) => c.runtime === 'wasm')!;
    expect(w.comparison.verdict).toBe('cannot decide');
    expect(w.comparison.undecided).toBe('no correct samples in B (20 failed)');
    expect(compared.find((c) => c.runtime === 'node-wasi')!.comparison.verdict).toBe('no significant difference');
  });

  it('a zero baseline median prints "cannot decide" with the reason, no NaN or Infinity', async () => {
    const a = writeRows(file('zero-a.jsonl'), [...coldRows(steady(0).map(() => 0)), ...healthy]);
    const b = writeRows(file('zero-b.jsonl'), [...coldRows(steady(300_000)), ...healthy]);
    const r = await runCliInProcess(['compare', a, b]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/NaN|Infinity/);
    expect(r.stdout).toMatch(/hello\s+wasm\s+wasm\s+cold_start_ns\s+20\s+20\s+0 ns\s+300\.\d µs\s+—\s+cannot decide/);
    expect(r.stdout).toMatch(
      /cannot decide: hello wasm\/wasm cold_start_ns: the baseline median is 0: the ratio is unbounded/,
    );
    const json = JSON.parse((await runCliInProcess(['compare', a, b, '--json'])).stdout) as {
      compared: { runtime: string; comparison: { verdict: string; undecided: string | null } }[];
    };
    expect(json.compared.find((c) => c.runtime === 'wasm')!.comparison).toMatchObject({
      verdict: 'cannot decide',
      undecided: expect.stringMatching(/baseline median is 0/),
    });
  });

  it('names from the files cannot reach the terminal as control sequences', async () => {
    const evil = { workload: 'he\x1b[2Jllo', runtime: 'wa\u009bsm\u202e', phase: 'total' };
    const a = writeRows(file('esc-a.jsonl'), [
      ...coldRows(steady(300_000), evil),
      ...coldRows(steady(300_000), { metric: 'x\x1b]0;title\x07_ns' }),
      ...healthy,
    ]);
    const b = writeRows(file('esc-b.jsonl'), [
      ...coldRows(steady(310_000), evil),
      ...healthy,
      ...coldRows(steady(5), { workload: 'only\nB' }),
    ]);
    for (const args of [
      [a, b],
      [a, b, '--json'],
    ]) {
      const r = await runCliInProcess(['compare', ...args]);
      expect(r.code).toBe(0);
      expect(hasTerminalControls(r.stdout.replace(/\n/g, ''))).toBe(false);
    }
    const r = await runCliInProcess(['compare', a, b]);
    expect(r.stdout).toContain('he\\x1b[2Jllo');
    expect(r.stdout).toContain('only in B: wasm/only\\x0aB/wasm');
  });
});

describe('faasbench compare', () => {
  it('prints the table with both medians, the ratio with its interval and the verdict', async () => {
    const r = await runCliInProcess(['compare', A, B]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /hello\s+wasm\s+wasm\s+cold_start_ns\s+60\s+60\s+\d+\.\d+ µs\s+\d+\.\d+ µs\s+1\.\d{3} \[1\.\d{3}, 1\.\d{3}\]\s+slower/,
    );
    expect(r.stdout).toMatch(/hello\s+node-wasi\s+wasm\s+cold_start_ns\s+60\s+60\s.*no significant difference/);
    expect(r.stdout).toMatch(/cold_start_ns\.instantiate/);
    const json = JSON.parse((await runCliInProcess(['compare', A, B, '--json', '--no-phases'])).stdout) as {
      compared: unknown[];
    };
    expect(json.compared).toHaveLength(2);
  });

  it('refuses results from different machines, naming the difference, unless allowed', async () => {
    const other = file('other-machine.jsonl');
    writeSyntheticResults(other, base, {
      header: { machine: { ...SYNTHETIC_MACHINE, fingerprint: 'other', cpuModel: 'Other CPU', cores: 8 } },
    });
    const r = await runCliInProcess(['compare', A, other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `were measured on different machines: cpuModel "Synthetic CPU @ 3.0GHz" vs "Other CPU"; cores 2 vs 8`,
    );
    expect(r.stderr).toContain('--allow-different-machines');
    const ok = await runCliInProcess(['compare', A, other, '--allow-different-machines']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/warning: .*different machines: cpuModel/);
  });

  const bad: [string, (p: string) => void, RegExp][] = [
    ['empty', (p) => writeFileSync(p, ''), /empty\.jsonl: empty results file/],
    [
      'truncated',
      (p) => {
        writeSyntheticResults(p, base, { end: false });
        appendFileSync(p, '{"type":"sample","workload":"hel');
      },
      /truncated\.jsonl:242: last line is truncated \(the run was probably killed\): refusing an incomplete results file/,
    ],
    [
      'no-end',
      (p) => writeSyntheticResults(p, base, { end: false }),
      /no-end\.jsonl: run synthetic-run has no end row \(interrupted or still running\)/,
    ],
    [
      'mixed-version',
      (p) => {
        writeSyntheticResults(p, base);
        const other = file('v2-part.jsonl');
        writeSyntheticResults(other, base, { header: { runId: 'newer', versions: { faasbench: '0.2.0' } } });
        appendFileSync(p, readFileSync(other));
      },
      /mixed-version\.jsonl: mixed versions in one file: run synthetic-run by faasbench 0\.1\.0 \(results schema 1\), run newer by faasbench 0\.2\.0/,
    ],
    [
      'schema-2',
      (p) => {
        writeSyntheticResults(p, base);
        writeFileSync(p, readFileSync(p, 'utf8').replace('"schema":1', '"schema":2'));
      },
      /schema-2\.jsonl:1: results schema version 2, this faasbench reads version 1/,
    ],
    ['no-samples', (p) => writeSyntheticResults(p, []), /no-samples\.jsonl: no samples \(the run measured nothing\)/],
    ['missing', () => {}, /missing\.jsonl: cannot read \(ENOENT\)/],
  ];
  it.each(bad)('%s file: refused with a precise message', (name, make, message) => {
    const p = file(`${name}.jsonl`);
    make(p);
    expect(() => loadResultsFile(p, { requireComplete: true })).toThrow(message);
  });

  it('the CLI turns an unusable file into one line on stderr and exit 2', async () => {
    const r = await runCli(['compare', A, file('truncated.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^faasbench: .*truncated\.jsonl:242: last line is truncated .*refusing an incomplete results file\n$/,
    );
    expect(r.stdout).toBe('');
  });

  it('a report still reads a truncated file, with the warning', () => {
    const loaded = loadResultsFile(file('truncated.jsonl'), { requireComplete: false });
    expect(loaded.warnings.join('\n')).toMatch(/last line is truncated/);
  });

  it('nothing in common: exit 2', async () => {
    const p = file('other-runtime.jsonl');
    writeSyntheticResults(p, [{ runtime: 'container', variant: 'node', median: 5e8, n: 5 }]);
    const r = await runCliInProcess(['compare', A, p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/have no series in common/);
  });
});
