// Does the duet gate work, at its default settings, on this machine?
//   A/A: the same module as baseline and candidate, --runs gate runs (40): the gate
//        must fail (exit 1) in at most 5 % of them (false failures);
//   A/B: a candidate doing 10 % more guest work than the baseline (the same counted
//        loop, 1.1 × the iterations: test/spin-guest.ts), --runs gate runs: the gate
//        must catch it (exit 1) in at least 90 % of them.
// Each gate run is a separate `faasbench gate --baseline-wasm A --wasm B` process,
// as in a CI job, with only --seed varied (1, 2, …); the A/A and A/B runs alternate,
// so machine drift touches both experiments alike. The work per request
// (--iterations, 10 M loop rounds: a few ms, well above the runtime's ~1 ms of
// per-request overhead) makes "10 % more work" a cold-start change of nearly 10 %.
// Prints each run (exit, change, 95 % interval, precision, pairs, seconds), then
// the rates with PASS/SHORT. Run:
//   flock /tmp/faasbench-bench.lock npx tsx scripts/bench-gate.ts [--runs 40] [--iterations 10000000]
// (--budget-seconds S passes a budget to the gate: for a smoke check of this script only.)
// Budget: each gate run stops at its default --budget-seconds (120) at the latest; on
// an idle 2-core machine a run reaches ±2 % in seconds, so 80 runs take minutes.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spinGuest } from '../test/spin-guest.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive whole number`);
  return v;
}

interface GateRun {
  code: number | null;
  change: string;
  interval: string;
  precision: string;
  pairs: string;
  seconds: number;
}

function gateOnce(a: string, b: string, seed: number, out: string, extra: string[]): Promise<GateRun> {
  const args = [
    '--import',
    pathToFileURL(join(REPO, 'node_modules/tsx/dist/loader.mjs')).href,
    '--disable-wasm-trap-handler',
    '--no-turbo-fast-api-calls',
    join(REPO, 'test/cli-entry.ts'),
    'gate',
    '--baseline-wasm',
    a,
    '--wasm',
    b,
    '--seed',
    String(seed),
    '--out',
    out,
    '--quiet',
    ...extra,
  ];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GITHUB_STEP_SUMMARY: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      const row = /\| ([+-]?\d+\.\d%) \| (\d+\.\d+ \[\d+\.\d+, \d+\.\d+\]) \|/.exec(stdout);
      const duet = /worst precision (±[\d.]+%|none); correct pairs [^:]+: (\d+)/.exec(stdout);
      if (code === 2 || !row)
        process.stderr.write(`gate run ${seed} exited ${code}: ${stderr.trim().split('\n').pop() ?? ''}\n`);
      resolve({
        code,
        change: row?.[1] ?? '—',
        interval: row?.[2] ?? '—',
        precision: duet?.[1] ?? '—',
        pairs: duet?.[2] ?? '—',
        seconds: (performance.now() - t0) / 1000,
      });
    });
  });
}

const runs = arg('runs', 40);
const iterations = arg('iterations', 10_000_000);
// Only for a quick smoke check of this script: the experiment itself runs the gate at its defaults.
const budget = process.argv.includes('--budget-seconds')
  ? ['--budget-seconds', String(arg('budget-seconds', 120))]
  : [];
const dir = mkdtempSync(join(tmpdir(), 'fb-bench-gate-'));
try {
  const base = join(dir, 'base.wasm');
  const slower = join(dir, 'plus10.wasm');
  writeFileSync(base, spinGuest(iterations));
  writeFileSync(slower, spinGuest(Math.round(iterations * 1.1)));
  console.log(
    `duet gate at its defaults (max regression 5%, precision ±2%, budget ${budget[1] ?? 120} s, median), ${runs} runs per experiment, ${iterations} loop rounds vs ${Math.round(iterations * 1.1)}`,
  );
  console.log('experiment  run  exit  change   ratio [95% CI]          precision  pairs  seconds');
  const result = { aa: { failed: 0, undecided: 0 }, ab: { caught: 0, undecided: 0 } };
  for (let i = 1; i <= runs; i++) {
    for (const [name, b] of [
      ['A/A', base],
      ['A/B+10%', slower],
    ] as const) {
      const r = await gateOnce(base, b, i, join(dir, 'results'), budget);
      console.log(
        `${name.padEnd(10)}  ${String(i).padStart(3)}  ${String(r.code).padStart(4)}  ${r.change.padStart(6)}   ${r.interval.padEnd(22)}  ${r.precision.padStart(9)}  ${r.pairs.padStart(5)}  ${r.seconds.toFixed(1).padStart(7)}`,
      );
      if (name === 'A/A') {
        if (r.code === 1) result.aa.failed++;
        if (r.code !== 0 && r.code !== 1) result.aa.undecided++;
      } else {
        if (r.code === 1) result.ab.caught++;
        if (r.code !== 0 && r.code !== 1) result.ab.undecided++;
      }
    }
  }
  const aaRate = result.aa.failed / runs;
  const abRate = result.ab.caught / runs;
  console.log(
    `\nA/A false failures: ${result.aa.failed}/${runs} = ${(aaRate * 100).toFixed(1)}% (target ≤ 5%) ${aaRate <= 0.05 ? 'PASS' : 'SHORT'}${result.aa.undecided ? `; ${result.aa.undecided} could not decide (exit 2)` : ''}`,
  );
  console.log(
    `+10% work caught:   ${result.ab.caught}/${runs} = ${(abRate * 100).toFixed(1)}% (target ≥ 90%) ${abRate >= 0.9 ? 'PASS' : 'SHORT'}${result.ab.undecided ? `; ${result.ab.undecided} could not decide (exit 2)` : ''}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
