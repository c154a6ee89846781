// Runs WASI conformance tests in a worker thread, one job at a time, so that
// `conform wasi` can stop a guest that never ends (worker.terminate(), then a new
// worker) and a failing implementation cannot take the runner down. The parent
// copies and removes the test directories.

import { parentPort } from 'node:worker_threads';
import type { PreopenDir, WasiRunResult } from './wasi.js';
import { WASI_IMPLEMENTATIONS } from './wasi-impls.js';

export interface WasiJob {
  impl: string;
  module: WebAssembly.Module;
  args: string[];
  env: Record<string, string>;
  dirs: PreopenDir[];
}

parentPort!.on('message', async (job: WasiJob) => {
  let result: WasiRunResult;
  try {
    result = await WASI_IMPLEMENTATIONS[job.impl]!().run(job.module, job.args, job.env, job.dirs);
  } catch (e) {
    result = { exitCode: null, stdout: '', stderr: '', error: `host exception: ${(e as Error)?.message ?? String(e)}` };
  }
  parentPort!.postMessage(result);
});
// Booting (under tsx: transpiling) is not the guest's time: the parent starts the clock on this.
parentPort!.postMessage('ready');
