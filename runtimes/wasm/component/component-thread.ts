// A guest thread of ComponentThreadExecutor: serves requests through components, one
// at a time, with a ComponentRunner (a fresh instance each, or reuse N). The executor
// terminates this thread when a guest overruns its deadline. Components arrive once
// (their compiled core modules, structured-cloned; the glue re-evaluated here from the
// transpile cache) and are kept until the executor says to forget them.

import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { loadGlue, loadGlueCached, type PreparedComponent } from './prepare.js';
import { ComponentRunner } from './runner.js';
import type { ComponentThreadReply, ToComponentThread } from './component-thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('component-thread.ts runs only as a worker thread');

const runner = new ComponentRunner();
const components = new Map<number, PreparedComponent>();
/** Code-cache components whose glue cache is still to be written, after their first request here. */
const cacheToWrite = new Map<number, () => void>();

port.on('message', (m: ToComponentThread) => {
  if ('forget' in m) {
    const c = components.get(m.forget);
    if (c) runner.forget(c);
    components.delete(m.forget);
    cacheToWrite.delete(m.forget);
    return;
  }
  if (m.load) {
    const l = m.load;
    let instantiate;
    if (l.codeCache) {
      const glue = loadGlueCached(join(l.dir, 'fn.js'), l.name);
      instantiate = glue.instantiate;
      if (!glue.used) cacheToWrite.set(m.key, glue.save);
    } else instantiate = loadGlue(join(l.dir, 'fn.js'), l.name);
    components.set(m.key, { ...l, modules: new Map(l.modules), images: new Map(l.images), instantiate });
  }
  const c = components.get(m.key);
  let reply: ComponentThreadReply;
  if (!c) reply = { seq: m.seq, error: `component ${m.key} was never sent to this thread` };
  else reply = { seq: m.seq, outcome: runner.run(c, m.req, m.opts) };
  port.postMessage(reply);
  // After answering, off the measured path: the cache then holds what this request compiled.
  const save = cacheToWrite.get(m.key);
  if (save && 'outcome' in reply && reply.outcome.end.kind === 'ok') {
    cacheToWrite.delete(m.key);
    save();
  }
});

port.postMessage({ ready: true } satisfies ComponentThreadReply);
