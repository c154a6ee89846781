// The runtime registry: every adapter faasbench can run, by id. One line per adapter.

import type { RuntimeAdapter } from '../runtimes/types.js';

export interface RuntimeEntry {
  id: string;
  /** In the default suite (run with no --runtime)? Baselines are opt-in. */
  default: boolean;
  /** Loaded lazily, so a run pays only for the adapters it uses. */
  create(): Promise<RuntimeAdapter>;
}

export const RUNTIMES: RuntimeEntry[] = [
  { id: 'wasm', default: true, create: async () => (await import('../runtimes/wasm/adapter.js')).referenceWasmAdapter() },
  { id: 'node-wasi', default: false, create: async () => (await import('../runtimes/wasm/node-wasi-adapter.js')).nodeWasiAdapter() },
  // Skipped with the engine's reason when Docker is absent; the run goes on without it.
  { id: 'container', default: true, create: async () => (await import('../runtimes/container/adapter.js')).containerAdapter() },
  { id: 'process', default: false, create: async () => (await import('../runtimes/process/adapter.js')).processAdapter() },
  // Pre-warmed pool of containers ($FAASBENCH_POOL_OF=process|lambda|... pools another runtime).
  { id: 'pool', default: false, create: async () => (await import('../runtimes/pool/adapter.js')).poolAdapter() },
  { id: 'lambda', default: true, create: async () => (await import('../runtimes/lambda/adapter.js')).lambdaAdapter() },
];

export function runtimeIds(): string[] {
  return RUNTIMES.map((r) => r.id);
}
