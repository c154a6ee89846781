// `faasbench run`'s runtime settings end to end: every one a flag, its FAASBENCH_*
// variable only a fallback (flag > environment > default), bad values of either
// refused with what is valid (exit 2), and what was set reaching the adapter and the
// results header.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResults } from '../model/results/reader.js';
import { runCli } from './cli-helpers.js';
import { runCliInProcess } from './in-process-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'faasbench-run-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run: runtime settings are refused before anything starts (exit 2)', () => {
  it.each([
    [['--pool-refill', 'lazy'], {}, /--pool-refill: 'lazy' is not one of: eager, on-demand/],
    [['--pool-of', 'pool'], {}, /--pool-of: 'pool' is not one of: wasm, node-wasi, container, process, lambda/],
    [['--pool-size', '-1'], {}, /--pool-size must be a whole number from 0 to/],
    [['--lambda-throttle', 'drop'], {}, /--lambda-throttle: 'drop' is not one of: queue, reject/],
    [['--lambda-memory-mb', '1.5'], {}, /--lambda-memory-mb must be a whole number/],
    [['--lambda-node-client', 'ric'], {}, /not one of: faasbench, aws-lambda-ric/],
    [['--container-image-variant', 'python'], {}, /not one of: node, native, wasm/],
    [['--process-native', 'fork'], {}, /not one of: httpd, cgi/],
    // The environment is checked the same way, and named.
    [
      [],
      { FAASBENCH_POOL_REFILL: 'lazy' },
      /FAASBENCH_POOL_REFILL=lazy: --pool-refill: 'lazy' is not one of: eager, on-demand/,
    ],
    [
      [],
      { FAASBENCH_LAMBDA_TIMEOUT_MS: '30s' },
      /FAASBENCH_LAMBDA_TIMEOUT_MS=30s: --lambda-timeout-ms must be a whole number/,
    ],
  ])('%j %j', async (args, env, message) => {
    const r = await runCliInProcess(
      ['run', '-r', 'wasm', '-o', join(dir, 'refused'), ...args],
      env as Record<string, string>,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('names every runtime flag and its fallback variable in --help', async () => {
    const r = await runCliInProcess(['run', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--pool-of <id>',
      '--pool-size <n>',
      '--pool-refill <policy>',
      '--lambda-concurrency <n>',
      '--lambda-throttle <policy>',
      '--lambda-timeout-ms <ms>',
      '--lambda-memory-mb <mb>',
      '--lambda-idle-ms <ms>',
      '--lambda-freeze',
      '--no-lambda-freeze',
      '--lambda-node-client <client>',
      '--container-image <tag>',
      '--container-image-variant <kind>',
      '--process-native <mode>',
    ])
      expect(r.stdout).toContain(flag);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('fallback: $FAASBENCH_POOL_SIZE');
  });
});

describe('run: what the flags say reaches the adapter and the header', () => {
  it("pools processes as --pool-of says, with the flag's size over the variable's, and the variable where no flag is given", async () => {
    const out = join(dir, 'pool');
    const r = await runCli(
      [
        'run',
        '-w',
        'hello',
        '-r',
        'pool',
        '--pool-of',
        'process',
        '--pool-size',
        '1',
        '--variant',
        'native',
        '-n',
        '2',
        '--warmup',
        '0',
        '-o',
        out,
        '-q',
        '--no-report',
      ],
      {
        env: {
          FAASBENCH_POOL_OF: 'lambda',
          FAASBENCH_POOL_SIZE: '3',
          FAASBENCH_POOL_REFILL: 'on-demand',
          FAASBENCH_PROCESS_NATIVE: 'cgi',
        },
        timeoutMs: 100_000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = /results: (.*\.jsonl)/.exec(r.stdout)![1]!;
    const [run] = readResults(file);
    // The adapter as built: what it says of itself.
    expect(run!.header.versions).toMatchObject({
      'pool.inner': 'process',
      'pool.size': '1',
      'pool.refill': 'on-demand',
      'pool.inner.native': 'cgi',
    });
    // What was set, recorded beside the mode settings.
    expect(run!.header.config['runtimeConfig']).toEqual({
      pool: { of: 'process', size: 1, refill: 'on-demand' },
      process: { nativeMode: 'cgi' },
    });
    expect(run!.samples.filter((s) => s.metric === 'cold_start_ns' && s.phase === 'total').every((s) => s.ok)).toBe(
      true,
    );
  });
});
