// A guest thread of ComponentThreadExecutor: serves requests through components, one
// at a time, with a ComponentRunner (a fresh instance each, or reuse N). The executor
// terminates this thread when a guest overruns its deadline. Components arrive once
// (their compiled core modules, structured-cloned; the glue re-evaluated here from the
// transpile cache) and are kept until the executor says to forget them.

import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { loadGlue, type PreparedComponent } from './prepare.js';
import { ComponentRunner } from './runner.js';
import type { ComponentThreadReply, ToComponentThread } from './component-thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('component-thread.ts runs only as a worker thread');

const runner = new ComponentRunner();
const components = new Map<number, PreparedComponent>();

port.on('message', (m: ToComponentThread) => {
  if ('forget' in m) {
    const c = components.get(m.forget);
    if (c) runner.forget(c);
    components.delete(m.forget);
    return;
  }
  if (m.load) {
    const l = m.load;
    components.set(m.key, {
      ...l,
      modules: new Map(l.modules),
      images: new Map(l.images),
      instantiate: loadGlue(join(l.dir, 'fn.js'), l.name),
    });
  }
  const c = components.get(m.key);
  let reply: ComponentThreadReply;
  if (!c) reply = { seq: m.seq, error: `component ${m.key} was never sent to this thread` };
  else reply = { seq: m.seq, outcome: runner.run(c, m.req, m.opts) };
  port.postMessage(reply);
});

port.postMessage({ ready: true } satisfies ComponentThreadReply);
