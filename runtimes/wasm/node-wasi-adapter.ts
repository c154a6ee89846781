// The node:wasi baseline as a runtime: the same WAGI server and HTTP path as the
// reference runtime, with Node's built-in WASI doing the WASI calls. Kept in its own
// module so node:wasi (and its experimental warning) loads only when asked for.

import { WasmAdapter } from './adapter.js';
import { NodeWasiExecutor } from './node-wasi-executor.js';

export function nodeWasiAdapter(): WasmAdapter {
  return new WasmAdapter({
    id: 'node-wasi',
    description: "baseline: the same WAGI server with Node's built-in node:wasi (new WASI + instance per request)",
    executor: () => new NodeWasiExecutor(),
    // node:wasi's own way: each instance allocates its own memory (capped all the same).
    module: { poolMemory: false },
  });
}
