// Micro-phases of the reference runtime on hello: rows written, checked, integer ns.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceWasmAdapter } from '../../runtimes/wasm/adapter.js';
import { readResults } from '../../model/results/reader.js';
import { ResultsWriter } from '../../model/results/writer.js';
import { pickRequest } from '../run.js';
import { resolveWorkloads, type LoadedWorkload } from '../../model/workload.js';
import { resolveModeOptions, withModeOptions } from '../options.js';
import { microMode, statRows } from './micro.js';
import type { SampleOut } from './types.js';

async function micro(workload: LoadedWorkload, request = pickRequest(workload)): Promise<SampleOut[]> {
  const adapter = referenceWasmAdapter();
  try {
    const cells = microMode.cells({
      adapter,
      workload,
      variant: 'wasm',
      deployment: await adapter.prepare(workload, 'wasm'),
      request,
      options: withModeOptions(resolveModeOptions({ iterations: 8, warmup: 0 }), { micro: { timeMs: 30 } }),
      warn: () => {},
    });
    expect(cells.length).toBe(1);
    await cells[0]!.setup();
    const rows = await cells[0]!.sample(0);
    await cells[0]!.teardown();
    return rows;
  } finally {
    await adapter.dispose();
  }
}

describe('micro mode', () => {
  it('times compile, WASI setup and a whole instance with tinybench, and the executor split', async () => {
    const hello = resolveWorkloads(['hello'])[0]!;
    const rows = await micro(hello);
    const totals = rows.filter((r) => r.phase === 'total');
    expect(totals.map((r) => r.metric).sort()).toEqual([
      'micro_compile_ns',
      'micro_instance_ns',
      'micro_instantiate_ns',
      'micro_run_ns',
      'micro_wasi_setup_ns',
    ]);
    for (const r of rows) {
      expect(Number.isInteger(r.value)).toBe(true);
      expect(r.ok).toBe(true);
    }
    for (const r of totals) expect(r.value).toBeGreaterThan(0);
    expect(rows.find((r) => r.metric === 'micro_compile_samples_count')!.value).toBeGreaterThanOrEqual(8);

    // Into a results file like any other rows, and back.
    const dir = mkdtempSync(join(tmpdir(), 'faasbench-micro-'));
    try {
      const file = join(dir, 'r.jsonl');
      const w = new ResultsWriter(file, {
        type: 'header',
        schema: 1,
        runId: 'r',
        startedAt: new Date().toISOString(),
        command: [],
        git: { commit: null, dirty: null },
        machine: {
          fingerprint: 'x',
          hostname: 'h',
          cpuModel: 'c',
          cores: 1,
          memoryBytes: 1,
          os: 'linux',
          kernel: 'k',
          arch: 'x64',
        },
        versions: {},
        flags: [],
        seed: 1,
        config: {},
      });
      for (const r of rows) w.sample({ workload: 'hello', variant: 'wasm', runtime: 'wasm', mode: 'micro', ...r });
      w.end('completed');
      const back = readResults(file).flatMap((x) => x.samples);
      expect(back.length).toBe(rows.length);
      expect(back.filter((s) => s.mode === 'micro' && s.phase === 'total').length).toBe(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('marks every row not ok when the module answers differently from the manifest', async () => {
    const hello = resolveWorkloads(['hello'])[0]!;
    const req = pickRequest(hello);
    const rows = await micro(hello, { ...req, expect: { ...req.expect, body: 'something else' } });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => !r.ok && /body/.test(r.error ?? ''))).toBe(true);
  });

  it('only has cells for the reference runtime', () => {
    const hello = resolveWorkloads(['hello'])[0]!;
    const other = { ...referenceWasmAdapter(), id: 'node-wasi' } as unknown as Parameters<
      typeof microMode.cells
    >[0]['adapter'];
    expect(
      microMode.cells({
        adapter: other,
        workload: hello,
        variant: 'wasm',
        deployment: { runtime: 'x', workload: hello, variant: 'wasm' },
        request: pickRequest(hello),
        options: resolveModeOptions({ iterations: 1, warmup: 0 }),
        warn: () => {},
      }),
    ).toEqual([]);
  });

  it('converts tinybench ms to integer ns', () => {
    expect(
      statRows('micro_x_ns', { p50: 0.0123456, p99: 1.5, mean: 0.02, mad: 0.001, samples: 10 }, true, 'get').map(
        (r) => [r.phase, r.metric, r.value],
      ),
    ).toEqual([
      ['total', 'micro_x_ns', 12346],
      ['p99', 'micro_x_ns', 1_500_000],
      ['mean', 'micro_x_ns', 20000],
      ['mad', 'micro_x_ns', 1000],
      ['samples', 'micro_x_samples_count', 10],
    ]);
  });
});
