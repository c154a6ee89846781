// The duet gate: its pure judgement on synthetic duet rows (fail, pass, "not enough
// to decide", fail closed), and end to end through the CLI on the real reference
// runtime with two generated guests (test/spin-guest.ts): the same module on both
// sides, and a candidate doing twenty times the work. Budgets are a few seconds.

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli-helpers.js';
import { spinGuest } from '../../test/spin-guest.js';
import { syntheticHeader } from '../../reports/synthetic.js';
import { readResults, type RunResults } from '../../model/results/reader.js';
import type { SampleRow } from '../../model/results/schema.js';
import { rng } from '../../model/random.js';
import { duetGate, type DuetGateOptions } from './gate-duet.js';
import { gateExitCode, parseGateMetric } from './gate.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-duet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opts = (over: Partial<DuetGateOptions> = {}): DuetGateOptions => ({
  metrics: [parseGateMetric('cold_start_ns:median')],
  maxRegression: 0.05,
  seed: 1,
  resamples: 1000,
  precision: 0.02,
  baselineName: 'old.wasm',
  currentName: 'new.wasm',
  ...over,
});
/** A duet run: `n` pairs with shared drift and `noise` own noise; candidate = baseline × factor. */
function duetRun(
  n: number,
  factor: number,
  noise: number,
  seed = 1,
  ok: (side: string, i: number) => boolean = () => true,
): RunResults[] {
  const r = rng(seed);
  const samples: SampleRow[] = [];
  for (let i = 0; i < n; i++) {
    const drift = 0.7 + 0.6 * r();
    for (const [side, f] of [
      ['baseline', 1],
      ['candidate', factor],
    ] as const) {
      samples.push({
        type: 'sample',
        workload: 'fn',
        variant: 'wasm',
        runtime: 'wasm',
        mode: 'cold',
        phase: 'total',
        metric: 'cold_start_ns',
        value: Math.round(1_000_000 * f * drift * (1 + noise * (r() - 0.5))),
        ok: ok(side, i),
        iteration: i,
        tags: { side },
      });
    }
  }
  return [
    {
      file: 'duet.jsonl',
      header: syntheticHeader(),
      events: [],
      end: { type: 'end', finishedAt: '2026-01-01T00:00:01.000Z', status: 'completed' },
      warnings: [],
      samples,
    },
  ];
}

describe('duetGate (pure)', () => {
  it('fails a 10% regression measured precisely, with the pairs and precision in the note', () => {
    const [c] = duetGate(duetRun(200, 1.1, 0.02), opts());
    expect(c).toMatchObject({ status: 'fail', runtime: 'wasm', workload: 'fn', stat: 'median' });
    expect(c!.change).toBeGreaterThan(0.08);
    expect(c!.reason).toMatch(/^regressed \d+\.\d%: above 5\.0% and significant \(±\d\.\d% after 200 pairs\)$/);
    expect(gateExitCode([c!])).toBe(1);
  });

  it('passes the same module on both sides', () => {
    const [c] = duetGate(duetRun(200, 1, 0.02), opts());
    expect(c!.status).toBe('pass');
    expect(c!.reason).toMatch(/^no significant difference \(±\d\.\d% after 200 pairs\)$/);
  });

  it('warns, never passes silently, when the precision reached cannot rule out a regression above the threshold', () => {
    const [c] = duetGate(duetRun(12, 1.0, 0.6), opts());
    expect(c!.status).toBe('warn');
    expect(c!.reason).toMatch(
      /^not enough to decide: .* a regression up to \d+\.\d% \(above 5\.0%\) is not ruled out; precision asked ±2\.0%: raise --budget-seconds \(±\d+\.\d% after 12 pairs, asked ±2\.0%\)$/,
    );
  });

  it('passes when the precision was not reached but already rules out a regression above the threshold', () => {
    const [c] = duetGate(duetRun(200, 0.98, 0.02), opts({ precision: 0.0001 }));
    expect(c!.status).toBe('pass');
    expect(c!.reason).toMatch(/asked ±0\.0%\)$/);
  });

  it('fails closed: no correct pair is an error; a file without duet rows or without the metric is unusable', () => {
    const [c] = duetGate(
      duetRun(50, 1, 0.02, 1, (side) => side === 'baseline'),
      opts(),
    );
    expect(c).toMatchObject({
      status: 'error',
      reason: 'cannot decide: no pair with both samples correct (old.wasm: 0 of 50 failed, new.wasm: 50 of 50 failed)',
    });
    expect(gateExitCode([c!])).toBe(2);
    const plain = duetRun(10, 1, 0.02);
    for (const s of plain[0]!.samples) delete s.tags;
    expect(() => duetGate(plain, opts())).toThrow(/no duet samples/);
    expect(() => duetGate(duetRun(10, 1, 0.02), opts({ metrics: [parseGateMetric('app_cold_start_ns')] }))).toThrow(
      /metric 'app_cold_start_ns' is not in new\.wasm \(it has: cold_start_ns\)/,
    );
  });
});

describe('faasbench gate --baseline-wasm --wasm (end to end, reference runtime)', () => {
  const a = join(dir, 'a.wasm');
  const slow = join(dir, 'slow.wasm');
  // ~1 ms of guest work against ~20 ms: a regression no amount of noise hides (the tests share 2 cores with other work).
  writeFileSync(a, spinGuest(1_000_000));
  writeFileSync(slow, spinGuest(20_000_000));

  it('the same module on both sides passes (exit 0) and writes an ordinary results file with both sides tagged', async () => {
    const out = join(dir, 'aa');
    const md = join(dir, 'aa.md');
    const summary = join(dir, 'summary.md');
    const r = await runCli(
      [
        'gate',
        '--baseline-wasm',
        a,
        '--wasm',
        a,
        '--out',
        out,
        '--budget-seconds',
        '4',
        '--min-pairs',
        '20',
        '--precision',
        '3%',
        '--markdown',
        md,
        '--quiet',
      ],
      { env: { GITHUB_STEP_SUMMARY: summary }, timeoutMs: 60_000 },
    );
    expect(r.stderr).toMatch(/results: .*\.jsonl/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('### faasbench gate: ✅ no significant regression above 5.0%');
    expect(r.stdout).toMatch(
      /Duet run \(baseline and candidate interleaved, paired bootstrap\): stopped after \d+\.\d s, (precision ±3\.0% reached|time budget of 4 s spent before the precision ±3\.0% was reached); worst precision ±\d+\.\d%; correct pairs wasm\/wasm\/cold_start_ns: \d+\./,
    );
    expect(readFileSync(md, 'utf8')).toContain('Duet run');
    expect(readFileSync(summary, 'utf8')).toContain('### faasbench gate');
    const [file] = readdirSync(out);
    const runs = readResults(join(out, file!));
    const totals = runs[0]!.samples.filter((s) => s.phase === 'total');
    const sides = new Set(totals.map((s) => s.tags?.side));
    expect(sides).toEqual(new Set(['baseline', 'candidate']));
    expect(totals.filter((s) => s.tags?.side === 'baseline').length).toBe(
      totals.filter((s) => s.tags?.side === 'candidate').length,
    );
    expect(totals.length).toBeGreaterThanOrEqual(40);
    expect(runs[0]!.header.config).toMatchObject({
      duet: { baseline: 'wasm-a', candidate: 'wasm-a', tag: 'side' },
      gate: { maxRegression: 0.05 },
    });
    // Both orders occur: the coin decides who goes first in a pair.
    const firsts = new Set<string>();
    const seen = new Set<number>();
    for (const s of totals)
      if (!seen.has(s.iteration!)) {
        seen.add(s.iteration!);
        firsts.add(String(s.tags?.side));
      }
    expect(firsts).toEqual(new Set(['baseline', 'candidate']));
  }, 70_000);

  it('a candidate doing twenty times the work fails (exit 1) with a ::error annotation', async () => {
    const r = await runCli(
      [
        'gate',
        '--baseline-wasm',
        a,
        '--wasm',
        slow,
        '--out',
        join(dir, 'slow'),
        '--budget-seconds',
        '3',
        '--min-pairs',
        '10',
        '--quiet',
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.stdout + r.stderr).toMatch(
      /^::error title=faasbench gate::wasm\/wasm-a → wasm-slow\/wasm cold_start_ns median: regressed \d+\.\d%25: above 5\.0%25 and significant/m,
    );
  }, 70_000);

  it('workload folders: --baseline-workload DIR --workload DIR', async () => {
    const folder = (name: string, iterations: number) => {
      const d = join(dir, name);
      mkdirSync(d);
      const bytes = spinGuest(iterations);
      writeFileSync(join(d, 'fn.wasm'), bytes);
      writeFileSync(
        join(d, 'workload.json'),
        JSON.stringify({
          name: 'spin',
          description: `spin ${iterations}`,
          variants: { wasm: { artifact: 'fn.wasm', sha256: createHash('sha256').update(bytes).digest('hex') } },
          requests: [{ name: 'get', size: 'test', method: 'GET', path: '/', expect: { status: 200, body: 'ok\n' } }],
        }),
      );
      return d;
    };
    const r = await runCli(
      [
        'gate',
        '--baseline-workload',
        folder('base', 1_000_000),
        '--workload',
        folder('cand', 20_000_000),
        '--out',
        join(dir, 'wl'),
        '--budget-seconds',
        '3',
        '--min-pairs',
        '10',
        '--quiet',
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.stdout + r.stderr).toMatch(
      /^::error title=faasbench gate::wasm\/spin\/wasm cold_start_ns median: regressed \d+\.\d%25: above 5\.0%25 and significant/m,
    );
    expect(r.stdout).toContain(`Baseline \`${join(dir, 'base')}\`, current \`${join(dir, 'cand')}\``);
    expect(r.code).toBe(1);
  }, 70_000);

  it.each([
    ['only one side', ['--wasm', 'x.wasm'], /a duet gate needs both --baseline-wasm and --wasm/],
    [
      'both forms',
      ['--baseline-wasm', 'x.wasm', '--wasm', 'x.wasm', '--workload', 'hello'],
      /give one duet form, not several \(--baseline-wasm\/--wasm and --baseline-workload\/--workload\)/,
    ],
    [
      'a results file too',
      ['--baseline-wasm', 'x.wasm', '--wasm', 'x.wasm', 'cur.jsonl'],
      /a duet gate measures both sides itself/,
    ],
    [
      'a missing module',
      ['--baseline-wasm', join(dir, 'none.wasm'), '--wasm', join(dir, 'none.wasm')],
      /^faasbench: --baseline-wasm .*none\.wasm: no such file/,
    ],
    [
      'a bad precision',
      ['--baseline-wasm', 'x.wasm', '--wasm', 'x.wasm', '--precision', 'tight'],
      /--precision must be a fraction or percentage/,
    ],
    [
      'a metric a duet cannot measure',
      ['--baseline-wasm', 'x.wasm', '--wasm', 'x.wasm', '--metric', 'latency_ns'],
      /a duet measures cold_start_ns and app_cold_start_ns only, not latency_ns/,
    ],
    [
      'the two-file form without --baseline',
      [join(dir, 'cur.jsonl')],
      /required option '-b, --baseline <BASE\.jsonl>' not specified/,
    ],
  ])(
    'exit 2 for %s',
    async (_what, args, message) => {
      const r = await runCli(['gate', '--out', join(dir, 'bad'), ...args], { timeoutMs: 60_000 });
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
    },
    70_000,
  );
});
