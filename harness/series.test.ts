// The reference runtime's series axes from the user to the rows: --preinit/--reuse
// parsed and resolved once (flag > FAASBENCH_* > nothing, bad values refused with what
// is valid), the CLI refusing bad values with exit 2, and the run loop writing each
// series' tags on every row of its cells while a series that cannot apply is said once.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuntimeAdapter } from '../runtimes/types.js';
import { createProgress } from './progress.js';
import { readResults } from '../model/results/reader.js';
import { tagsKey } from '../model/summary.js';
import { runBenchmark } from './run.js';
import type { RuntimeEntry } from './runtimes.js';
import { loadWorkload } from '../model/workload.js';
import { SERIES_SETTINGS, emptyRuntimeConfig, resolveRuntimeConfig } from './options.js';
import { runCli } from '../test/cli-helpers.js';

const hello = loadWorkload(new URL('../workloads/hello', import.meta.url).pathname);
const out = mkdtempSync(join(tmpdir(), 'faasbench-series-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const setting = (flag: string) => SERIES_SETTINGS.find((s) => s.flag === flag)!;

describe('--preinit and --reuse', () => {
  it('parse comma-separated lists, each value checked', () => {
    expect(setting('--preinit').parse('plain,code-cache,wizer')).toEqual(['plain', 'code-cache', 'wizer']);
    expect(setting('--reuse').parse('1,128')).toEqual([1, 128]);
    expect(setting('--reuse').parse(' 3 ')).toEqual([3]);
  });

  it('refuse bad values saying what is valid', () => {
    expect(() => setting('--preinit').parse('plain,fast')).toThrow(
      "--preinit: 'fast' is not one of: plain, code-cache, wizer",
    );
    expect(() => setting('--reuse').parse('0')).toThrow('--reuse must be a whole number from 1 to 1000000');
    expect(() => setting('--reuse').parse('1.5')).toThrow('--reuse must be a whole number');
    expect(() => setting('--reuse').parse('1,,2')).toThrow("--reuse: '1,,2' has an empty item");
    expect(() => setting('--preinit').parse('wizer,wizer')).toThrow('--preinit: wizer is given twice');
  });

  it('resolve into the wasm runtime config: flag over FAASBENCH_*, a bad variable refused naming it', () => {
    expect(resolveRuntimeConfig({}, {}).wasm).toEqual({});
    expect(
      resolveRuntimeConfig({ preinit: ['wizer'] }, { FAASBENCH_PREINIT: 'plain', FAASBENCH_REUSE: '1,4' }),
    ).toEqual({ ...emptyRuntimeConfig(), wasm: { preinit: ['wizer'], reuse: [1, 4] } });
    expect(() => resolveRuntimeConfig({}, { FAASBENCH_REUSE: 'lots' })).toThrow(
      'FAASBENCH_REUSE=lots: --reuse must be a whole number from 1 to 1000000',
    );
  });

  it('the CLI refuses a bad value before anything starts, exit 2, on run and on serve', async () => {
    const run = await runCli(['run', '--preinit', 'fast', '-o', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("'fast' is not one of: plain, code-cache, wizer");
    const serve = await runCli(['serve', '--reuse', '1,128', '--app', 'x=y.wasm']);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain('--reuse takes one value here');
  }, 60_000);
});

/** An in-memory runtime with series of its own: one deployment per reuse value, reuse 7 refused (twice, for one reason). */
function seriesAdapter(): RuntimeEntry {
  const expect = hello.requests[0]!.expect;
  const adapter: RuntimeAdapter = {
    id: 'series',
    description: 'in-memory runtime with series',
    capabilities: () => ({ variants: ['node'], modes: ['cold'], freshInstancePerRequest: false }),
    available: async () => ({ ok: true }),
    prepare: async (workload, variant) => ({ runtime: 'series', workload, variant }),
    prepareSeries: async (workload, variant) => [
      { runtime: 'series', workload, variant, tags: { preinit: 'plain', reuse: 1 } },
      { runtime: 'series', workload, variant, tags: { preinit: 'plain', reuse: 128 } },
      { tags: { preinit: 'plain', reuse: 7 }, refused: 'reuse 7 does not apply here' },
      { tags: { preinit: 'wizer', reuse: 7 }, refused: 'reuse 7 does not apply here' },
    ],
    start: async (deployment) => ({ instance: { id: 'i', deployment }, phases: [{ phase: 'start', ns: 1000 }] }),
    invoke: async () => ({
      response: { status: 200, headers: { ...expect.headers }, body: Buffer.from(expect.body ?? '') },
      totalNs: 1000,
      phases: [],
    }),
    stop: async () => {},
    dispose: async () => {},
  };
  return { id: 'series', default: true, create: async () => adapter };
}

describe('the run loop and series', () => {
  it("writes each deployment's tags on every row of its cells, and says once why series do not apply", async () => {
    const outcome = await runBenchmark(
      {
        workloads: [hello],
        runtimes: [seriesAdapter()],
        modes: ['cold'],
        iterations: 4,
        warmup: 0,
        seed: 3,
        outDir: out,
        command: ['test'],
      },
      createProgress({ quiet: true }),
      new AbortController().signal,
    );
    const results = readResults(outcome.resultsFile)[0]!;
    const rows = results.samples.filter((s) => s.mode === 'cold');
    const byTags = new Map<string, number>();
    for (const r of rows) byTags.set(tagsKey(r.tags), (byTags.get(tagsKey(r.tags)) ?? 0) + 1);
    // Two series, each with 4 totals and their phases (start, first_response): no row untagged.
    expect([...byTags.keys()].sort()).toEqual(['preinit=plain,reuse=1', 'preinit=plain,reuse=128']);
    for (const n of byTags.values()) expect(n).toBe(12);
    expect(
      results.events.filter((e) => e.message.includes('reuse 7 does not apply here')).map((e) => e.message),
    ).toEqual(['series/hello/node: not measured ([plain, reuse 7]; [wizer, reuse 7]): reuse 7 does not apply here']);
  });
});
