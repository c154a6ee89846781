// `faasbench run -m throughput,density` end to end on the reference runtime, with the
// mode options from the command line, small and bounded.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli-helpers.js';
import { readResults } from '../../model/results/reader.js';

const dir = mkdtempSync(join(tmpdir(), 'faasbench-load-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run -m throughput,density', () => {
  it('writes throughput and density rows with the options given', async () => {
    const r = await runCli(
      [
        'run',
        '-w',
        'hello',
        '-r',
        'wasm',
        // The preview1 module only: hello's component variant joins when it has been built.
        '--variant',
        'wasm',
        '-m',
        'throughput,density',
        '--duration',
        '0.3',
        '--connections',
        '2,4',
        '--rates',
        '50,100',
        '--slo',
        '50ms',
        '--max-instances',
        '10',
        '--budget-mib',
        '512',
        '--density-repeats',
        '2',
        '--throughput-repeats',
        '2',
        '-o',
        dir,
        '--no-report',
        '-q',
        '--verbose',
      ],
      { timeoutMs: 100_000 },
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    // --verbose: every series (tags in words), then the headline.
    expect(r.stdout).toMatch(/max_throughput_rps \([24] connections\)/);
    expect(r.stdout).toMatch(/slo_rate_rps \((crossed at \S+ req\/s|never crossed), SLO p99 ≤ 50 ms\)/);
    // Each connection count measured twice (--throughput-repeats 2).
    expect(r.stdout).toMatch(/throughput_rps \(2 connections\)\s+2\s/);
    expect(r.stdout).toMatch(/throughput_rps \(4 connections\)\s+2\s/);
    // Two full ramps (--density-repeats 2): n = 2, each to 10.
    expect(r.stdout).toMatch(/instances_count \(stopped by count, apps\)\s+2\s+10\b/);
    expect(r.stdout).toMatch(
      /\nhello · throughput, median requests\/s \(closed loop, best connection count\)\n {2}wasm · wasm +[\d,.]+ req\/s at [24] connections/,
    );
    const [run] = readResults(
      join(
        dir,
        readdirSync(dir).find((f) => f.endsWith('.jsonl'))!,
      ),
    );
    expect(run!.header.config).toMatchObject({
      connections: [2, 4],
      rates: [50, 100],
      durationMs: 300,
      sloNs: 50_000_000,
      maxInstances: 10,
      budgetMiB: 512,
      densityRepeats: 2,
      throughputRepeats: 2,
    });
    const s = run!.samples;
    expect(
      s
        .filter((x) => x.mode === 'throughput' && x.metric === 'throughput_rps' && x.phase === 'total')
        .map((x) => x.tags),
    ).toEqual([2, 4, 2, 4].map((connections) => ({ connections }))); // each count twice (--throughput-repeats 2), interleaved
    expect(
      s
        .filter((x) => x.mode === 'throughput' && x.metric === 'latency_ns' && x.phase === 'total')
        .map((x) => x.tags?.['rate']),
    ).toEqual([50, 100]);
    // One count and one memory reading per source from each repetition, the repetition in
    // `iteration`. (Its per-GiB figure is left out where ten in-process instances grew the
    // process by nothing measurable, so the reading, not the figure, is what each ramp has.)
    expect(
      s
        .filter((x) => x.mode === 'density' && x.metric === 'instances_count' && x.phase === 'total')
        .map((x) => [x.iteration, x.value, x.ok]),
    ).toEqual([
      [0, 10, true],
      [1, 10, true],
    ]);
    expect(
      s
        .filter(
          (x) =>
            x.mode === 'density' &&
            x.phase === 'memory' &&
            x.metric === 'memory_delta_bytes' &&
            x.tags?.['source'] === 'pss',
        )
        .map((x) => x.iteration),
    ).toEqual([0, 1]);
    expect(s.every((x) => Number.isInteger(x.value))).toBe(true);
  });

  it('rejects a malformed SLO', async () => {
    const r = await runCli(['run', '-m', 'throughput', '--slo', 'fast', '-o', dir], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--slo: 'fast' is not a duration/);
  });
});
