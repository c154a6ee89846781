// A guest thread of GuestThreadExecutor: runs fresh instances one at a time with a
// Runner (recycled memories, one WASI host) and answers each run with its outcome.
// The pool terminates this thread when a guest overruns its deadline. A job the pool
// took back before this thread started it (its claim cell no longer holds its tag) is
// skipped without an answer: another thread runs it. A module is kept until the
// pool says to forget it (its app stopped).

import { parentPort, workerData } from 'node:worker_threads';
import { Runner } from './executor.js';
import { CLAIMED, type GuestThreadData, type ToGuestThread, type WorkerReply } from './guest-thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('guest-thread.ts runs only as a worker thread');

const { limits, claims } = workerData as GuestThreadData;
const runner = new Runner(limits);
const modules = new Map<number, WebAssembly.Module>();

port.on('message', (m: ToGuestThread) => {
  if ('forget' in m) return void modules.delete(m.forget);
  if ('count' in m) return port.postMessage({ held: modules.size } satisfies WorkerReply);
  // The module is kept even for a skipped job: the pool counts it as sent to this thread.
  if (m.module) modules.set(m.key, m.module);
  if (Atomics.compareExchange(claims, m.cell, m.tag, CLAIMED) !== m.tag) return;
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
