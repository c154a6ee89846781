// The load generator process: forked by harness/load/client.ts so that generating
// load never competes with the harness (and an in-process runtime) for one event
// loop. It runs one load spec at a time and answers with its result over IPC.

import { runLoad } from './engine.js';
import type { FromGenerator, ToGenerator } from './types.js';

if (!process.send) throw new Error('harness/load/generator is meant to be forked (it talks over IPC)');

const send = (m: FromGenerator) => process.send!(m);
let current: AbortController | null = null;

process.on('message', (m: ToGenerator) => {
  if ('stop' in m) {
    current?.abort();
    return;
  }
  const abort = new AbortController();
  current = abort;
  runLoad(m.spec, abort.signal)
    .then(
      (result) => send({ id: m.id, result }),
      (e: Error) => send({ id: m.id, error: e.message }),
    )
    .finally(() => {
      if (current === abort) current = null;
    });
});
// The parent going away ends us (this is how close() stops us). Ctrl-C and SIGTERM sent
// to the whole process group are the parent's to handle: it finishes the step, then
// closes us, so the sample in progress is not lost.
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
send({ ready: true });
