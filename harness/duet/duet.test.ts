// The duet runner on the real reference runtime with generated guests: why it stops
// (precision, budget, maximum pairs, a side that never answers), and what it writes:
// an ordinary results file whose rows carry the side, one pair per iteration.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spinGuest } from '../../test/spin-guest.js';
import { cgiGuest } from '../../test/wasm-fixtures.js';
import { readResults } from '../../model/results/reader.js';
import { pairDuet } from '../../model/duet.js';
import { wasmFileWorkload } from '../workloads-wasm.js';
import { RUNTIMES } from '../runtimes.js';
import { createProgress } from '../progress.js';
import { runDuet, type DuetOptions } from './duet.js';
import { emptyRuntimeConfig } from '../options.js';
import { parseCommandSpec } from '../../runtimes/external/command/spec.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-duet-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const a = wasmFileWorkload(write('a.wasm', spinGuest(100_000)), 200);
const b = wasmFileWorkload(write('b.wasm', spinGuest(150_000)), 200);
const broken = wasmFileWorkload(write('broken.wasm', cgiGuest('x', { kind: 'trap' })), 200);

const opts = (over: Partial<DuetOptions>): DuetOptions => ({
  baseline: a,
  candidate: b,
  runtimes: RUNTIMES.filter((r) => r.id === 'wasm'),
  gated: [{ metric: 'cold_start_ns', q: 0.5 }],
  warmup: 2,
  minPairs: 10,
  maxPairs: 100_000,
  precision: 0.02,
  budgetMs: 60_000,
  seed: 1,
  resamples: 500,
  outDir: join(dir, 'results'),
  command: ['test'],
  ...over,
});
const run = (o: DuetOptions) => runDuet(o, createProgress({ quiet: true }), new AbortController().signal);

describe('runDuet', () => {
  it('stops once the precision is reached, and writes both sides paired by iteration', async () => {
    // A loose target (±150 %: the tests share 2 cores with other work), checked at 10, 20, … pairs.
    const out = await run(opts({ precision: 1.5 }));
    expect(out.stoppedBy).toBe('precision');
    expect(out.precision).toBeLessThanOrEqual(1.5);
    const n = out.pairs['wasm/wasm/cold_start_ns']!;
    expect(n % 10).toBe(0);
    const [r] = readResults(out.resultsFile);
    expect(r!.end?.status).toBe('completed');
    expect(r!.header.config).toMatchObject({
      duet: { baseline: 'wasm-a', candidate: 'wasm-b', tag: 'side' },
      precision: 1.5,
    });
    const [s] = pairDuet(r!.samples);
    expect(s).toMatchObject({ runtime: 'wasm', variant: 'wasm', metric: 'cold_start_ns', brokenPairs: 0 });
    expect(s!.baseline).toHaveLength(n);
    // Warm-up rounds are not recorded: iterations start after them.
    expect(Math.min(...r!.samples.map((x) => x.iteration!))).toBe(2);
  }, 60_000);

  it('stops at the maximum number of pairs, and at the time budget, with the precision it reached', async () => {
    const capped = await run(opts({ precision: 0, maxPairs: 12 }));
    expect(capped.stoppedBy).toBe('max-pairs');
    expect(capped.pairs['wasm/wasm/cold_start_ns']).toBe(12);
    expect(capped.precision).toBeGreaterThan(0);
    const timed = await run(opts({ precision: 0, budgetMs: 1000 }));
    expect(timed.stoppedBy).toBe('budget');
    expect(timed.elapsedMs).toBeGreaterThanOrEqual(1000);
    expect(timed.pairs['wasm/wasm/cold_start_ns']).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('gives up on a side that never answers correctly, says so, and keeps what it measured', async () => {
    const out = await run(opts({ candidate: broken }));
    expect(out.stoppedBy).toBe('failed');
    const [r] = readResults(out.resultsFile);
    expect(r!.events.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^candidate wasm\/wasm\/cold_start_ns: gave up after 5 failed samples and none correct$/),
    );
    expect(r!.samples.filter((x) => x.tags?.side === 'candidate' && !x.ok)).toHaveLength(5);
    expect(pairDuet(r!.samples)[0]!.baseline).toEqual([]);
  }, 60_000);

  it('refuses sides whose cold starts mean different things (a fresh instance per request on one side only)', async () => {
    const side = (fresh: boolean) => ({
      ...emptyRuntimeConfig(),
      command: { spec: parseCommandSpec({ command: ['{node}', 'srv.mjs', '{port}'], freshInstancePerRequest: fresh }) },
    });
    const out = await run(
      opts({
        runtimes: RUNTIMES.filter((r) => r.id === 'command'),
        sideRuntimeConfig: { baseline: side(true), candidate: side(false) },
      }),
    );
    expect(out).toMatchObject({ stoppedBy: 'failed', samples: 0 });
    expect(out.errors[0]).toBe(
      'command: the sides measure different cold starts (only the baseline serves a fresh instance per request)',
    );
  }, 30_000);

  it('refuses a metric it cannot measure before starting anything', async () => {
    await expect(run(opts({ gated: [{ metric: 'latency_ns', q: 0.5 }] }))).rejects.toThrow(
      'a duet measures cold_start_ns and app_cold_start_ns only, not latency_ns',
    );
  });
});
