// `faasbench run --component FILE`: any wasi:http component as a workload (GET /, a
// status below 500), served by the reference runtime a fresh instance per request;
// a core module given as a component is refused in one sentence.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'faasbench-run-component-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('run --component', { timeout: 240_000 }, () => {
  it('measures a component brought as a file on the reference runtime', async () => {
    const file = join(REPO_ROOT, 'workloads/hello/build/hello.component.wasm');
    const r = await runCli(
      ['run', '--component', file, '-r', 'wasm', '-n', '3', '--warmup', '0', '--out', tmp, '--quiet', '--no-report'],
      { timeoutMs: 200_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const results = readdirSync(tmp).find((f) => f.endsWith('.jsonl'))!;
    const rows = readFileSync(join(tmp, results), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as { workload: string; variant: string; ok: boolean; metric: string });
    const cold = rows.filter((x) => x.metric === 'cold_start_ns');
    expect(cold.length).toBeGreaterThanOrEqual(3);
    expect(cold.every((x) => x.workload === 'component-hello-component' && x.variant === 'component' && x.ok)).toBe(
      true,
    );
  });

  it('refuses a core module in one sentence', async () => {
    const r = await runCli([
      'run',
      '--component',
      join(REPO_ROOT, 'workloads/hello/build/hello.wasm'),
      '-r',
      'wasm',
      '--out',
      tmp,
      '--quiet',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toMatch(
      /^faasbench: --component \S+hello\.wasm: component-hello: a core WebAssembly module, not a component \(make one with `jco new`, or run it as a preview1 module with --wasm\)$/,
    );
  });
});
