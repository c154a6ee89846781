// Seeded fuzz test of everything that reads results files: random rows and values
// (huge, negative, fractional, NaN-ish strings, 1e999, -0, strings, nulls, nested
// objects), hostile names, duplicate headers, truncation at random byte offsets and
// random bytes (invalid UTF-8 included). Whatever the file, the reader, compare, gate
// and report either work or refuse with the reader's own error (ResultsError, one
// terminal-safe line naming the file); they never throw anything else, never print a
// control character, and the gate never passes on a comparison it cannot decide.
// Bounded: a fixed number of cases from a fixed seed (FAASBENCH_FUZZ_SEED=N to explore
// other seeds, FAASBENCH_FUZZ_VERBOSE=1 to see the outcomes); a few seconds in all.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { samplesCsv, summaryCsv } from '../../reports/csv.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { buildReportModel } from '../../reports/model.js';
import { syntheticHeader, writeSyntheticResults } from '../../reports/synthetic.js';
import { runCliInProcess } from '../../test/in-process-cli.js';
import { compareRuns, compareTable, undecidedLines } from '../compare.js';
import { loadResultsFile, type LoadedFile } from './load.js';
import { annotations, gate, gateExitCode, gateMarkdown, parseGateMetric, type GateOptions } from '../../harness/commands/gate.js';
import { rng } from '../random.js';
import { summarizeSamples, summaryTable } from '../summary.js';
import { hasTerminalControls } from '../escape.js';
import { ResultsError } from './reader.js';

const SEED = Number(process.env.FAASBENCH_FUZZ_SEED ?? 20261201);
const CASES = Number(process.env.FAASBENCH_FUZZ_CASES ?? 300);

const dir = mkdtempSync(join(tmpdir(), 'fb-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Random = () => number;
const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Random, n: number) => Math.floor(r() * n);

/** Raw JSON tokens a serializer never writes but a file can hold. */
const RAW = ['1e999', '-1e999', '-0', 'NaN', 'Infinity', '1e308', '123456789012345678901234567890', '0.1', '-5', '4.9e-324'];
/** Placeholder the serializer writes as "\u0000RAWi\u0000", swapped for RAW[i] afterwards. */
const rawToken = (i: number) => `\u0000RAW${i}\u0000`;

const NAMES = [
  'hello', 'wasm', 'cold_start_ns', 'total', 'a|b', '`tick`', '<script>alert(1)</script>', '=cmd|\' /C calc\'!A0', '+1', '-2', '@SUM(A1)', '\tTAB', '\rCR',
  '\x1b[2J\x1b[H', '\x1b]52;c;ZXZpbA==\x07', '\u009b31m', '\u202eevil', 'line\nbreak', '\ud800lone', '[x](http://e)', '**b**', '', ' ', 'naïve 日本 🚀', '__proto__', 'constructor',
];

function randomString(r: Random): string {
  if (r() < 0.6) return pick(r, NAMES);
  const len = int(r, r() < 0.05 ? 2000 : 12);
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(r() < 0.7 ? 32 + int(r, 95) : r() < 0.5 ? int(r, 0x100) : int(r, 0x10000));
  return s;
}

function randomJson(r: Random, depth = 0): unknown {
  switch (int(r, depth > 3 ? 5 : 8)) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return pick(r, [0, 1, -1, 0.5, 2 ** 53, 1e21, -(2 ** 31), 42]);
    case 3: return randomString(r);
    case 4: return { raw: int(r, RAW.length) };
    case 5: return Array.from({ length: int(r, 4) }, () => randomJson(r, depth + 1));
    case 6: return Object.fromEntries(Array.from({ length: int(r, 4) }, () => [randomString(r), randomJson(r, depth + 1)]));
    default: return pick(r, ['NaN', 'Infinity', '-0', '1e999', '12', '']);
  }
}

/** A value: plausible (zero now and then), or with probability `bad` hostile. */
function randomValue(r: Random, bad: number): unknown {
  if (r() >= bad) return r() < 0.05 ? 0 : 1 + int(r, 1_000_000);
  return r() < 0.5 ? { raw: int(r, RAW.length) } : randomJson(r);
}

/** A sample row with hostile names; with probability `bad` per hazard, hostile values and types too. */
function sampleRow(r: Random, names: string[], bad: number): Record<string, unknown> {
  const row: Record<string, unknown> = {
    type: 'sample', workload: r() < 0.6 ? 'hello' : pick(r, names), variant: r() < 0.7 ? 'wasm' : pick(r, ['native', pick(r, names)]), runtime: pick(r, ['wasm', 'wasm', 'container', pick(r, names)]),
    mode: 'cold', phase: r() < 0.8 ? 'total' : pick(r, names), metric: r() < 0.8 ? 'cold_start_ns' : pick(r, ['memory_delta_bytes', 'throughput_rps', pick(r, names)]),
    value: randomValue(r, bad), ok: r() < 0.85, iteration: int(r, 50),
  };
  if (r() < 0.2) row.tags = { [pick(r, names)]: r() < 1 - bad ? pick(r, names) : { raw: int(r, RAW.length) } };
  if (r() < 0.2) row.error = randomString(r);
  if (r() < bad / 3) row[pick(r, Object.keys(row))] = randomJson(r); // a field of the wrong type
  if (r() < bad / 6) delete row[pick(r, Object.keys(row))];
  return row;
}

function headerRow(r: Random, names: string[]): Record<string, unknown> {
  const h: Record<string, unknown> = { ...syntheticHeader({ runId: pick(r, names) }) };
  if (r() < 0.05) h.schema = pick(r, [2, '1', null, { raw: 0 }]);
  if (r() < 0.05) h.seed = { raw: int(r, RAW.length) };
  if (r() < 0.05) (h.versions as Record<string, unknown>)['faasbench'] = pick(r, names);
  return h;
}

/** One random results file as bytes. */
function randomFile(r: Random): Buffer {
  const names = Array.from({ length: 3 }, () => randomString(r));
  // Hostility per file: clean rows (hostile names only), one bad row in many, or wild.
  const bad = pick(r, [0, 0, 0.01, 0.3]);
  const lines: unknown[] = [];
  const headers = r() < 0.1 ? 2 + int(r, 2) : 1; // several runs (or duplicate headers)
  for (let h = 0; h < headers; h++) {
    if (!(h === 0 && r() < 0.03)) lines.push(headerRow(r, names));
    const n = int(r, 40);
    for (let i = 0; i < n; i++) {
      const k = r();
      if (k < 0.9 || r() >= bad * 3) lines.push(sampleRow(r, names, bad));
      else if (k < 0.95) lines.push({ type: 'event', level: pick(r, ['info', 'warning', 'error', pick(r, names)]), message: randomString(r), at: 'now' });
      else if (k < 0.98) lines.push(randomJson(r));
      else lines.push({ type: pick(r, ['header', 'sample', 'end', pick(r, names)]) });
    }
    if (r() < 0.8) lines.push({ type: 'end', finishedAt: 'now', status: pick(r, ['completed', 'interrupted', 'failed', pick(r, names)]) });
  }
  let text = lines.map((l) => JSON.stringify(l, (_k, v) => (v && typeof v === 'object' && Object.keys(v).length === 1 && typeof v.raw === 'number' ? rawToken(v.raw) : v))).join('\n') + '\n';
  text = text.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_m, i: string) => RAW[Number(i)]!);
  if (r() < 0.1) text = text.replace(/\n/g, '\r\n');
  let bytes = Buffer.from(text, 'utf8');
  const mutations = r() < 0.6 ? 0 : 1 + int(r, 3);
  for (let m = 0; m < mutations; m++) {
    const at = int(r, bytes.length + 1);
    const kind = int(r, 4);
    if (kind === 0) bytes = bytes.subarray(0, at); // truncated at a random byte
    else if (kind === 1) bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(r, 8) }, () => pick(r, [0xff, 0xfe, 0xc0, 0xed, 0xa0, 0x80, 0x00, 0x0a, 0x1b, int(r, 256)]))), bytes.subarray(at)]);
    else if (kind === 2) bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(JSON.stringify(headerRow(r, names)) + '\n'), bytes.subarray(at)]); // a header mid-file
    else bytes = Buffer.concat([bytes.subarray(at), bytes.subarray(0, at)]); // rotated
  }
  return bytes;
}

/** The reader's contract for a refusal: its own class, one terminal-safe line that names the file. */
function expectPreciseError(e: unknown, file: string): void {
  if (!(e instanceof ResultsError)) throw e;
  expect(e.message.startsWith(file)).toBe(true);
  expect(e.message).not.toMatch(/\n/);
  expect(hasTerminalControls(e.message)).toBe(false);
}

const terminalSafe = (text: string) => !hasTerminalControls(text.replace(/\n/g, ''));

const BASE = join(dir, 'base.jsonl');
writeSyntheticResults(BASE, [{ runtime: 'wasm', median: 300_000, n: 20 }, { runtime: 'container', median: 300_000, n: 20 }], { seed: 1 });
const base = loadResultsFile(BASE, { requireComplete: true });
const gateOpts: GateOptions = { metrics: ['cold_start_ns:median', 'cold_start_ns:p99'].map(parseGateMetric), maxRegression: 0.1, seed: 1, resamples: 100, baselineName: 'base', currentName: 'fuzz' };

describe(`results fuzz (seed ${SEED}, ${CASES} cases)`, () => {
  it('reader, compare, gate and report: a result or a precise error, never a crash, never a pass on garbage', () => {
    const r = rng(SEED);
    const outcomes = { loaded: 0, refused: 0, gated: 0, gateRefused: 0 };

    for (let c = 0; c < CASES; c++) {
      const file = join(dir, `case-${c}.jsonl`);
      writeFileSync(file, randomFile(r));
      let loaded: LoadedFile;
      try {
        loaded = loadResultsFile(file, { requireComplete: r() < 0.5 });
      } catch (e) {
        expectPreciseError(e, file);
        outcomes.refused++;
        continue;
      }
      outcomes.loaded++;
      const runs = loaded.runs;
      for (const s of runs.flatMap((x) => x.samples)) expect(Number.isSafeInteger(s.value)).toBe(true);
      for (const w of loaded.warnings) expect(terminalSafe(w)).toBe(true);

      // Terminal: summary and compare tables.
      expect(terminalSafe(summaryTable(summarizeSamples(runs.flatMap((x) => x.samples))))).toBe(true);
      const { compared } = compareRuns(base.runs, runs, { seed: 1, resamples: 100 });
      for (const k of compared) {
        const finite = [k.comparison.ratio, k.comparison.interval.lo, k.comparison.interval.hi].every(Number.isFinite);
        expect(k.comparison.verdict === 'cannot decide').toBe(k.comparison.undecided !== null);
        if (k.comparison.undecided === null) expect(finite).toBe(true);
      }
      expect(terminalSafe(compareTable(compared) + undecidedLines(compared).join(''))).toBe(true);

      // The gate: every check is judged or an error; a pass always rests on finite figures.
      try {
        const checks = gate(base.runs, runs, gateOpts);
        outcomes.gated++;
        for (const k of checks) {
          if (k.status === 'pass' || k.status === 'warn' || k.status === 'fail') {
            expect(k.comparison?.undecided).toBeNull();
            expect(Number.isFinite(k.comparison!.ratio)).toBe(true);
          }
        }
        if (gateExitCode(checks) === 0) expect(checks.some((k) => k.status === 'error')).toBe(false);
        for (const a of annotations(checks)) expect(terminalSafe(a)).toBe(true);
        expect(terminalSafe(gateMarkdown(checks, gateOpts))).toBe(true);
      } catch (e) {
        expectPreciseError(e, '');
        outcomes.gateRefused++;
      }

      // Report outputs (the HTML renderer has its own escaping tests).
      const model = buildReportModel(runs.map((x) => ({ ...x, file })), { resamples: 100 });
      expect(terminalSafe(renderMarkdown(model))).toBe(true);
      samplesCsv(runs);
      summaryCsv(model);
    }
    if (process.env.FAASBENCH_FUZZ_VERBOSE) console.log('fuzz outcomes', outcomes);
    // The generator reaches both sides of every decision, or it tests little.
    expect(outcomes.loaded).toBeGreaterThan(CASES / 10);
    expect(outcomes.refused).toBeGreaterThan(CASES / 10);
    expect(outcomes.gated).toBeGreaterThan(10);
  }, 120_000);

  it('the CLI verbs on fuzzed files: exit 0, 1 or 2, one terminal-safe line on stderr, never a stack', async () => {
    const r = rng(SEED + 1);
    const codes: Record<string, number> = {};
    for (let c = 0; c < 30; c++) {
      const file = join(dir, `cli-${c}.jsonl`);
      writeFileSync(file, randomFile(r));
      for (const args of [['compare', BASE, file], ['gate', '--baseline', BASE, file, '--resamples', '100'], ['report', file, '--no-images', '--out', join(dir, `cli-${c}-report`)]]) {
        const res = await runCliInProcess(args);
        codes[`${args[0]} ${res.code}`] = (codes[`${args[0]} ${res.code}`] ?? 0) + 1;
        if (process.env.FAASBENCH_FUZZ_VERBOSE) console.log(args[0], res.code, res.stderr.slice(0, 200));
        expect([0, 1, 2]).toContain(res.code);
        expect(terminalSafe(res.stdout)).toBe(true);
        expect(terminalSafe(res.stderr)).toBe(true);
        expect(res.stderr).not.toMatch(/\n\s+at /);
        if (res.code === 2 && args[0] !== 'gate') expect(res.stderr).toMatch(/^faasbench: .*\n$/);
        if (args[0] === 'gate' && res.code === 0) expect(res.stdout).not.toMatch(/⛔|cannot decide/);
      }
    }
    if (process.env.FAASBENCH_FUZZ_VERBOSE) console.log('fuzz CLI exit codes', codes);
    // Both refusals and successful runs are reached.
    expect(Object.keys(codes).some((k) => k.endsWith(' 0'))).toBe(true);
    expect(Object.keys(codes).some((k) => k.endsWith(' 2'))).toBe(true);
  }, 120_000);
});
