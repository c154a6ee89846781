// The node:wasi baseline as a runtime: the same serve process, WAGI host and HTTP path
// as the reference runtime (served-adapter.ts: its own process, apps on one listener),
// with Node's built-in node:wasi doing the WASI calls, so both are measured on the same
// footing. node:wasi (and its experimental warning) loads only in that process.

import { ServedWasmAdapter } from './served-adapter.js';

export function nodeWasiAdapter(): ServedWasmAdapter {
  return new ServedWasmAdapter({
    id: 'node-wasi',
    description:
      "baseline: the same WAGI host (faasbench serve, own process) with Node's built-in node:wasi (new WASI + instance per request)",
    executor: 'node-wasi',
  });
}
