// The one definition of run settings: modes' defaults filled in once, runtime settings
// resolved flag > FAASBENCH_* > (adapter) default, bad environment values refused.

import { describe, expect, it } from 'vitest';
import {
  DENSITY_DEFAULTS,
  POOLABLE_RUNTIMES,
  RUNTIME_SETTINGS,
  THROUGHPUT_DEFAULTS,
  TRACE_DEFAULTS,
  emptyRuntimeConfig,
  flagAttribute,
  resolveModeOptions,
  resolveRuntimeConfig,
  withModeOptions,
} from './options.js';
import { RUNTIMES } from './runtimes.js';

describe('resolveModeOptions', () => {
  it('fills every mode with its defaults when nothing is set', () => {
    const o = resolveModeOptions({ iterations: 100, warmup: 5 });
    expect(o).toEqual({
      iterations: 100,
      warmup: 5,
      throughput: THROUGHPUT_DEFAULTS,
      density: DENSITY_DEFAULTS,
      micro: { timeMs: 500, minSamples: 64 },
      trace: TRACE_DEFAULTS,
    });
  });

  it("takes the settings given, in the modes' units, rates ascending", () => {
    const o = resolveModeOptions(
      { iterations: 3, warmup: 0 },
      {
        connections: [2, 4],
        rates: [100, 50],
        durationMs: 300,
        sloNs: 5e6,
        loadClient: 'raw',
        throughputRepeats: 5,
        budgetMiB: 64,
        maxInstances: 7,
      },
    );
    expect(o.throughput).toEqual({
      ...THROUGHPUT_DEFAULTS,
      connections: [2, 4],
      rates: [50, 100],
      durationMs: 300,
      sloNs: 5e6,
      client: 'raw',
      repeats: 5,
    });
    expect(THROUGHPUT_DEFAULTS.repeats).toBe(3);
    expect(o.density).toEqual({ ...DENSITY_DEFAULTS, budgetBytes: 64 * 2 ** 20, maxInstances: 7 });
    expect(o.micro.minSamples).toBe(3);
  });

  it('withModeOptions replaces only what it is given', () => {
    const o = withModeOptions(resolveModeOptions({ iterations: 1, warmup: 0 }), {
      density: { batch: 3 },
      micro: { timeMs: 30 },
    });
    expect(o.density).toEqual({ ...DENSITY_DEFAULTS, batch: 3 });
    expect(o.micro).toEqual({ timeMs: 30, minSamples: 1 });
    expect(o.throughput).toEqual(THROUGHPUT_DEFAULTS);
  });
});

describe('resolveRuntimeConfig', () => {
  it('is empty (every adapter on its defaults) with no flag and no variable', () => {
    expect(resolveRuntimeConfig({}, {})).toEqual(emptyRuntimeConfig());
  });

  it('takes a flag over its variable, and the variable when the flag is absent', () => {
    const env = {
      FAASBENCH_POOL_SIZE: '5',
      FAASBENCH_POOL_OF: 'lambda',
      FAASBENCH_LAMBDA_MEMORY_MB: '512',
      FAASBENCH_LAMBDA_FREEZE: '0',
      FAASBENCH_PROCESS_NATIVE: 'cgi',
      FAASBENCH_CONTAINER_IMAGE: '',
    };
    const c = resolveRuntimeConfig({ poolSize: 1, lambdaMemoryMb: 128, containerImage: 'mine:1' }, env);
    expect(c.pool).toEqual({ of: 'lambda', size: 1 });
    expect(c.lambda).toEqual({ memoryMb: 128, freeze: false });
    expect(c.process).toEqual({ nativeMode: 'cgi' });
    expect(c.container).toEqual({ image: 'mine:1' });
    // --lambda-freeze given beats FAASBENCH_LAMBDA_FREEZE=0.
    expect(resolveRuntimeConfig({ lambdaFreeze: true }, env).lambda.freeze).toBe(true);
  });

  it('refuses a bad variable, naming it and what is valid', () => {
    expect(() => resolveRuntimeConfig({}, { FAASBENCH_POOL_REFILL: 'lazy' })).toThrow(
      "FAASBENCH_POOL_REFILL=lazy: --pool-refill: 'lazy' is not one of: eager, on-demand",
    );
    expect(() => resolveRuntimeConfig({}, { FAASBENCH_LAMBDA_CONCURRENCY: 'ten' })).toThrow(
      /FAASBENCH_LAMBDA_CONCURRENCY=ten: .*whole number from 1/,
    );
    expect(() => resolveRuntimeConfig({}, { FAASBENCH_LAMBDA_FREEZE: 'no' })).toThrow(/must be 0 or 1/);
    expect(() => resolveRuntimeConfig({}, { FAASBENCH_POOL_OF: 'pool' })).toThrow(
      /not one of: wasm, node-wasi, container, process, lambda/,
    );
  });

  it('has one flag and one variable per setting, each flag a name commander maps to its attribute', () => {
    const flags = RUNTIME_SETTINGS.map((s) => s.flag);
    expect(new Set(flags).size).toBe(flags.length);
    expect(new Set(RUNTIME_SETTINGS.map((s) => s.env)).size).toBe(flags.length);
    // --kubeconfig keeps the name every Kubernetes tool gives it (and KUBECONFIG its variable).
    for (const s of RUNTIME_SETTINGS)
      expect(s.flag.startsWith(`--${s.runtime}-`) || s.flag === '--kubeconfig').toBe(true);
    expect(flagAttribute('--lambda-timeout-ms')).toBe('lambdaTimeoutMs');
  });

  it('lets the pool hold every registry runtime but itself', () => {
    expect([...POOLABLE_RUNTIMES].sort()).toEqual(
      RUNTIMES.map((r) => r.id)
        .filter((id) => id !== 'pool')
        .sort(),
    );
  });
});
