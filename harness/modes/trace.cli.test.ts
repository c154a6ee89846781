// `faasbench run -m trace` from the command line: the trace flags reach the results
// header complete (the compression stated), the closing text says which policy wins,
// and bad trace flags are refused before anything starts (exit 2, what is valid).

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli-helpers.js';
import { readResults } from '../../model/results/reader.js';

const dir = mkdtempSync(join(tmpdir(), 'faasbench-trace-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run -m trace', () => {
  it('replays a small synthetic trace on the reference runtime with the flags given', async () => {
    const r = await runCli(
      [
        'run',
        '-w',
        'hello',
        '-r',
        'wasm',
        '--variant',
        'wasm',
        '-m',
        'trace',
        '--trace-functions',
        '6',
        '--trace-hours',
        '0.05',
        '--trace-seed',
        '2',
        '--trace-compress',
        '120',
        '--trace-policy',
        'fresh,fresh:1m',
        '--price-gib-second',
        '0.00002',
        '-o',
        dir,
        '--no-report',
        '-q',
      ],
      { timeoutMs: 100_000 },
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('## Trace-driven load');
    expect(r.stdout).toMatch(
      /Pareto front \(no other policy has both fewer cold starts and less memory\): wasm\/wasm fresh/,
    );
    const [run] = readResults(
      join(
        dir,
        readdirSync(dir).find((f) => f.endsWith('.jsonl'))!,
      ),
    );
    expect(run!.header.config['trace']).toMatchObject({
      functions: 6,
      hours: 0.05,
      seed: 2,
      compress: 120,
      maxPerMinute: 6,
      policies: ['fresh', 'fresh:1m'],
      gibSecondUsd: 0.00002,
      requestUsd: 2e-7,
    });
    const policies = new Set(run!.samples.filter((s) => s.mode === 'trace').map((s) => s.tags?.['policy']));
    expect([...policies].sort()).toEqual(['fresh', 'fresh:1m']);
    const invocations = run!.samples.filter((s) => s.metric === 'trace_invocations_count').map((s) => s.value);
    expect(invocations).toHaveLength(2);
    expect(invocations[0]).toBe(invocations[1]);
    expect(run!.samples.filter((s) => s.metric === 'trace_latency_ns' && s.phase === 'total').every((s) => s.ok)).toBe(
      true,
    );
  });

  it('refuses a bad policy and an unreadable trace file before starting anything', async () => {
    const bad = await runCli(['run', '-m', 'trace', '--trace-policy', 'lambda:soon', '-o', dir], { timeoutMs: 60_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/trace policy 'lambda:soon': 'soon' is not a duration/);
    const missing = await runCli(
      ['run', '-m', 'trace', '-r', 'wasm', '--trace-file', join(dir, 'nope.csv'), '-o', dir],
      { timeoutMs: 60_000 },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the trace .*nope\.csv: ENOENT/);
  });
});
