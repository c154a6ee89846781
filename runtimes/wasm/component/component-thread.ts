// A guest thread of ComponentThreadExecutor: serves requests through components, one
// at a time, with a ComponentRunner (a fresh instance each, or reuse N). The executor
// terminates this thread when a guest overruns its deadline. Components arrive once
// (their compiled core modules, structured-cloned; the glue re-evaluated here from the
// transpile cache) and are kept until the executor says to forget them. A streamed
// response goes back as head and chunk messages while the guest runs; a streamed
// request body comes in on the feed port (FedBody).

import { join } from 'node:path';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { BodySource } from './host.js';
import { loadGlue, loadGlueCached, type PreparedComponent } from './prepare.js';
import { ComponentRunner, type ExchangeIo } from './runner.js';
import type {
  BodyFeed,
  ComponentThreadData,
  ComponentThreadReply,
  ToComponentThread,
} from './component-thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('component-thread.ts runs only as a worker thread');
const { feed, wake: wakeBuffer } = workerData as ComponentThreadData;
const wake = new Int32Array(wakeBuffer);
const EMPTY = new Uint8Array(0);

/**
 * The request body of request `seq` as the executor feeds it. Read without this
 * thread's event loop (the guest holds it): receiveMessageOnPort takes what has come,
 * Atomics.wait on `wake` sleeps until the executor posts more. Messages of an earlier
 * request (a body its guest left unread) are dropped.
 */
class FedBody implements BodySource {
  private chunks: Uint8Array[] = [];
  private offset = 0;
  private ended = false;
  private failure: string | undefined;
  private trailerFields: Array<[string, string]> | undefined;
  constructor(private readonly seq: number) {
    this.drain();
  }

  private drain(): void {
    for (let m = receiveMessageOnPort(feed as MessagePort); m; m = receiveMessageOnPort(feed as MessagePort)) {
      const f = m.message as BodyFeed;
      if (f.seq !== this.seq || this.ended) continue;
      if ('data' in f) this.chunks.push(f.data);
      else if ('end' in f) {
        this.ended = true;
        this.trailerFields = f.trailers;
      } else {
        this.ended = true;
        this.failure = f.error;
      }
    }
  }
  available(): boolean {
    this.drain();
    return this.chunks.length > 0 || this.ended;
  }
  read(max: number): Uint8Array | null {
    this.drain();
    const c = this.chunks[0];
    if (!c) return this.ended ? null : EMPTY;
    const n = Math.min(max, c.length - this.offset);
    const out = c.subarray(this.offset, this.offset + n);
    this.offset += n;
    if (this.offset >= c.length) {
      this.chunks.shift();
      this.offset = 0;
    }
    return out;
  }
  wait(until?: bigint): void {
    let asked = false;
    for (;;) {
      const seen = Atomics.load(wake, 0);
      if (this.available()) return;
      if (!asked) {
        port!.postMessage({ seq: this.seq, pull: true } satisfies ComponentThreadReply);
        asked = true;
      }
      const left = until === undefined ? 1000 : Math.ceil(Number(until - process.hrtime.bigint()) / 1e6);
      if (left <= 0) return;
      // Bounded, so a lost wake-up costs at most a second; the deadline ends the thread anyway.
      Atomics.wait(wake, 0, seen, Math.min(left, 1000));
    }
  }
  trailers(): Array<[string, string]> | undefined {
    return this.trailerFields;
  }
  error(): string | undefined {
    return this.failure;
  }
}

/** Drops every message on the feed port (none is for a request without a streamed body). */
function dropFeed(): void {
  while (receiveMessageOnPort(feed as MessagePort));
}

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
  const seq = m.seq;
  const io: ExchangeIo = {};
  if (m.stream)
    io.tap = {
      head: (status, headers) => port.postMessage({ seq, head: { status, headers } } satisfies ComponentThreadReply),
      chunk: (chunk) => port.postMessage({ seq, chunk } satisfies ComponentThreadReply),
    };
  // Whatever an earlier request's body left on the feed port goes now, read or not.
  if (m.bodyFollows) io.source = new FedBody(seq);
  else dropFeed();
  let reply: ComponentThreadReply;
  if (!c) reply = { seq, error: `component ${m.key} was never sent to this thread` };
  else reply = { seq, outcome: runner.run(c, m.req, m.opts, io) };
  port.postMessage(reply);
  // After answering, off the measured path: the cache then holds what this request compiled.
  const save = cacheToWrite.get(m.key);
  if (save && 'outcome' in reply && reply.outcome.end.kind === 'ok') {
    cacheToWrite.delete(m.key);
    save();
  }
});

port.postMessage({ ready: true } satisfies ComponentThreadReply);
