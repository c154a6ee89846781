// The runtime registry: every adapter faasbench can run, by id. One line per adapter.
// Each entry builds its adapter from the run's resolved RuntimeConfig (harness/options.ts:
// flags, with FAASBENCH_* fallbacks read there): adapters never read settings from the
// environment themselves. The pool gets its inner runtime from here, injected as a factory.

import type { RuntimeAdapter } from '../runtimes/types.js';
import { emptyRuntimeConfig, type RuntimeConfig } from './options.js';

export interface RuntimeEntry {
  id: string;
  /** In the default suite (run with no --runtime)? Baselines are opt-in. */
  default: boolean;
  /** Loaded lazily, so a run pays only for the adapters it uses. `config` defaults to nothing set. */
  create(config?: RuntimeConfig): Promise<RuntimeAdapter>;
}

export const RUNTIMES: RuntimeEntry[] = [
  {
    id: 'wasm',
    default: true,
    // --preinit / --reuse: the reference runtime's own axes, a series per value.
    create: async (c = emptyRuntimeConfig()) =>
      (await import('../runtimes/wasm/adapter.js')).referenceWasmAdapter({ series: c.wasm }),
  },
  {
    id: 'node-wasi',
    default: false,
    create: async () => (await import('../runtimes/wasm/node-wasi-adapter.js')).nodeWasiAdapter(),
  },
  // Skipped with the engine's reason when Docker is absent; the run goes on without it.
  {
    id: 'container',
    default: true,
    create: async (c = emptyRuntimeConfig()) =>
      (await import('../runtimes/container/adapter.js')).containerAdapter(c.container),
  },
  {
    id: 'process',
    default: false,
    create: async (c = emptyRuntimeConfig()) =>
      (await import('../runtimes/process/adapter.js')).processAdapter(c.process),
  },
  // Pre-warmed pool of containers (--pool-of process|lambda|... pools another runtime).
  { id: 'pool', default: false, create: createPool },
  {
    id: 'lambda',
    default: true,
    create: async (c = emptyRuntimeConfig()) => (await import('../runtimes/lambda/adapter.js')).lambdaAdapter(c.lambda),
  },
  // Native Wasm runtimes (runtimes/external/; install: runtimes/external/install/*.sh), opt-in.
  {
    id: 'wasmtime',
    default: false,
    create: async (c = emptyRuntimeConfig()) =>
      (await import('../runtimes/external/wasmtime/adapter.js')).wasmtimeAdapter(c.wasmtime),
  },
  {
    id: 'wazero',
    default: false,
    create: async () => (await import('../runtimes/external/cgi/adapter.js')).wazeroAdapter(),
  },
  // Any platform, from a spec file naming its serve command (--command-spec FILE).
  {
    id: 'command',
    default: false,
    create: async (c = emptyRuntimeConfig()) =>
      (await import('../runtimes/external/command/adapter.js')).commandAdapter(c.command),
  },
  // Kubernetes through @kubernetes/client-node (--kubeconfig), opt-in: one namespace per run, removed at the end.
  {
    id: 'k8s',
    default: false,
    create: async (c = emptyRuntimeConfig()) => (await import('../runtimes/k8s/adapter.js')).k8sAdapter(c.k8s),
  },
];

/** The pool over the registry entry `config.pool.of` (containers by default), created with the same config. */
async function createPool(c: RuntimeConfig = emptyRuntimeConfig()): Promise<RuntimeAdapter> {
  const { POOL_DEFAULTS, poolAdapter } = await import('../runtimes/pool/adapter.js');
  const of = c.pool.of ?? POOL_DEFAULTS.of;
  const inner = RUNTIMES.find((r) => r.id === of && r.id !== 'pool');
  if (!inner)
    throw new Error(
      `--pool-of ${of}: not a runtime id (choose from: ${RUNTIMES.filter((r) => r.id !== 'pool')
        .map((r) => r.id)
        .join(', ')})`,
    );
  return poolAdapter(() => inner.create(c), c.pool);
}

export function runtimeIds(): string[] {
  return RUNTIMES.map((r) => r.id);
}

export interface OpenedRuntimes {
  /** Every adapter created, available or not: the caller disposes them all (each may hold threads, servers, timers). */
  created: RuntimeAdapter[];
  /** Those that can run here, in the order given. */
  available: RuntimeAdapter[];
  /** Those that cannot, with why. */
  skipped: Array<{ runtime: string; reason: string }>;
}

/**
 * The run's set-up of its runtimes, shared by the run loop (harness/run.ts) and the
 * duet gate (harness/duet/duet.ts): each entry's adapter created from `config`, asked
 * whether it can run here, and skipped with its reason (told to `log`) when not. When
 * none can run, or a create()/available() throws, every adapter created so far is
 * disposed before the error is thrown: the caller then owns nothing.
 */
export async function openRuntimes(
  entries: RuntimeEntry[],
  config: RuntimeConfig,
  log: (message: string) => void,
): Promise<OpenedRuntimes> {
  const opened: OpenedRuntimes = { created: [], available: [], skipped: [] };
  try {
    for (const entry of entries) {
      const adapter = await entry.create(config);
      opened.created.push(adapter);
      const a = await adapter.available();
      if (a.ok) opened.available.push(adapter);
      else {
        opened.skipped.push({ runtime: entry.id, reason: a.reason });
        log(`skipping runtime ${entry.id}: ${a.reason}`);
      }
    }
    if (opened.available.length === 0)
      throw new Error(`no runtime is available (${opened.skipped.map((s) => `${s.runtime}: ${s.reason}`).join('; ')})`);
  } catch (e) {
    await Promise.all(opened.created.map((a) => a.dispose().catch(() => {})));
    throw e;
  }
  return opened;
}
