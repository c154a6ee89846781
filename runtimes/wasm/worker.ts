// A guest thread of WorkerPoolExecutor: runs fresh instances one at a time with a
// Runner (pooled memories, one WASI host) and answers each run with its outcome.
// The pool terminates this thread when a guest overruns its deadline.

import { parentPort, workerData } from 'node:worker_threads';
import { Runner, type ExecLimits } from './executor.js';
import type { RunMessage, WorkerReply } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('worker.ts runs only as a worker thread');

const runner = new Runner((workerData as { limits: ExecLimits }).limits);
const modules = new Map<number, WebAssembly.Module>();

port.on('message', (m: RunMessage) => {
  if (m.module) modules.set(m.key, m.module);
  const module = modules.get(m.key);
  let reply: WorkerReply;
  if (!module) reply = { seq: m.seq, error: `module ${m.key} was never sent to this worker` };
  else {
    const o = runner.run(module, m.req);
    reply = { seq: m.seq, outcome: o };
  }
  port.postMessage(reply);
  // Zeroing the memory for the next instance happens after the answer is on its way.
  runner.release();
});

port.postMessage({ ready: true } satisfies WorkerReply);
