// ComponentExecutor: the seam between whatever serves HTTP (the WAGI server's sibling
// for components, conform workloads, conform http, benchmarks) and where component
// instances run. A sibling of executor.ts's Executor (ExecRequest → ExecOutcome for
// preview1 commands): a component takes an HTTP request and gives an HTTP response
// directly, so it has its own interface instead of being squeezed through CGI.
//
//   InlineComponentExecutor   this thread, no deadline: tests, in-process benchmarks
//   ComponentThreadExecutor   guest threads with a wall-clock deadline: serving. A
//                             guest past its deadline is stopped by terminating its
//                             thread (V8 interrupts even a tight Wasm loop), the
//                             request gets a 504, a new thread takes its place, the
//                             others keep serving.

import type http from 'node:http';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { rawPairs, readBodyLimited } from '../../shared/http.js';
import { startModuleWorker } from '../../shared/module-worker.js';
import type { HttpExchangeRequest, ResponseTap } from './host.js';
import type { PreparedComponent } from './prepare.js';
import { ComponentRunner, type ComponentOutcome, type RunOptions } from './runner.js';
import type {
  BodyFeed,
  ComponentLoad,
  ComponentThreadData,
  ComponentThreadReply,
  ToComponentThread,
} from './component-thread-protocol.js';

/** A request body read as the guest asks for it, instead of whole before it runs. */
export interface StreamedBody {
  /** The request; its body is read from here (paused while the guest has a megabyte unread). */
  readable: http.IncomingMessage;
  /** Bytes past which the body is refused: the guest's stream fails and the outcome says requestTooLarge. */
  maxBytes: number;
  /**
   * The body passed maxBytes after its guest answered (read only to be dropped): what
   * to do with the connection (the server: close it once the answer is out). Default:
   * stop reading.
   */
  overCap?: () => void;
}

/** How a request's bodies move while its guest runs (both optional: whole otherwise). */
export interface HandleIo {
  /** The response as the guest writes it (host.ts, Scope.emit says when). */
  tap?: ResponseTap;
  /** The request body as it arrives (req.body is then ignored). */
  body?: StreamedBody;
}

/** An outcome, and whether the streamed request body passed its cap. */
export type HandledOutcome = ComponentOutcome & { requestTooLarge?: boolean };

export interface ComponentExecutor {
  readonly name: string;
  handle(
    component: PreparedComponent,
    req: HttpExchangeRequest,
    opts?: RunOptions,
    io?: HandleIo,
  ): Promise<HandledOutcome>;
  /** The component's app stopped: drop what is kept for it (threads, kept instances). */
  forget?(component: PreparedComponent): void;
  close(): Promise<void>;
}

export class InlineComponentExecutor implements ComponentExecutor {
  readonly name = 'inline';
  private readonly runner = new ComponentRunner();
  async handle(
    component: PreparedComponent,
    req: HttpExchangeRequest,
    opts?: RunOptions,
    io: HandleIo = {},
  ): Promise<HandledOutcome> {
    // One thread: the guest cannot wait for bytes this thread would have to receive, so a
    // streamed body is read whole first; the response tap works (called as the guest writes).
    if (io.body) {
      const { body, tooLarge } = await readBodyLimited(io.body.readable, io.body.maxBytes);
      if (tooLarge) return tooLargeOutcome(io.body.maxBytes);
      req = {
        ...req,
        body,
        ...(io.body.readable.rawTrailers.length ? { trailers: rawPairs(io.body.readable.rawTrailers) } : {}),
      };
    }
    return this.runner.run(component, req, opts, io.tap ? { tap: io.tap } : {});
  }
  forget(component: PreparedComponent): void {
    this.runner.forget(component);
  }
  async close(): Promise<void> {}
}

export interface ComponentThreadOptions {
  /** Guest threads (default 2). */
  size?: number;
  /** Wall-clock deadline per request (default 10 s). */
  deadlineMs?: number;
}

interface Job {
  seq: number;
  component: PreparedComponent;
  req: HttpExchangeRequest;
  opts: RunOptions;
  io: HandleIo;
  resolve: (o: HandledOutcome) => void;
  reject: (e: Error) => void;
  /** Feeding a streamed body: resumes it when the guest asks for more; detach stops it. */
  feeding?: { pulled(): void; detach(): void; tooLarge: boolean };
}

interface Slot {
  worker: Worker;
  /** The streamed request body's way in (component-thread.ts, FedBody). */
  feed: MessagePort;
  wake: Int32Array;
  ready: Promise<void>;
  /** Component keys this thread holds. */
  held: Set<number>;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

const EMPTY = new Uint8Array(0);
/** Bytes of a streamed body sent ahead of the guest before reading pauses until it asks for more. */
const FEED_AHEAD = 2 ** 20;
/**
 * A guest waiting for request body bytes that do not come for this long gets a failed
 * stream (and ends, freeing its thread): a client trickling or stalling its body holds
 * a guest thread for this long at a time, and never past the deadline.
 */
export const BODY_STALL_MS = 2_000;

function tooLargeOutcome(max: number): HandledOutcome {
  return {
    end: { kind: 'limit', message: `request body larger than ${max} bytes` },
    stdout: EMPTY,
    stderr: EMPTY,
    instantiateNs: 0,
    handlerNs: 0,
    reused: false,
    requestTooLarge: true,
  };
}

function spawn(): { worker: Worker; feed: MessagePort; wake: Int32Array } {
  const channel = new MessageChannel();
  const wake = new SharedArrayBuffer(4);
  const data: ComponentThreadData = { feed: channel.port2, wake };
  const worker = startModuleWorker(import.meta.url, 'component-thread', {
    workerData: data,
    transferList: [channel.port2],
  });
  channel.port1.unref();
  return { worker, feed: channel.port1, wake: new Int32Array(wake) };
}

export class ComponentThreadExecutor implements ComponentExecutor {
  readonly name = 'component-threads';
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly keys = new WeakMap<PreparedComponent, number>();
  private nextKey = 1;
  private seq = 0;
  private closed = false;
  readonly deadlineMs: number;
  /** Guests stopped at their deadline, for tests and reports. */
  timeouts = 0;

  private readonly size: number;

  constructor(opts: ComponentThreadOptions = {}) {
    this.deadlineMs = opts.deadlineMs ?? 10_000;
    this.size = Math.max(1, opts.size ?? 2);
  }

  private newSlot(): Slot {
    const { worker, feed, wake } = spawn();
    worker.unref();
    const slot: Slot = { worker, feed, wake, ready: Promise.resolve(), held: new Set(), job: null, timer: null };
    slot.ready = new Promise<void>((resolve, reject) => {
      const onFirst = (m: ComponentThreadReply) => {
        if ('ready' in m) {
          worker.off('message', onFirst);
          resolve();
        }
      };
      worker.on('message', onFirst);
      worker.once('error', reject);
    });
    slot.ready.catch(() => {});
    worker.on('message', (m: ComponentThreadReply) => {
      if ('ready' in m) return;
      const job = slot.job;
      if (!job || job.seq !== m.seq) return;
      if ('head' in m) return job.io.tap?.head(m.head.status, m.head.headers);
      if ('chunk' in m) return job.io.tap?.chunk(m.chunk);
      if ('pull' in m) return job.feeding?.pulled();
      const tooLarge = job.feeding?.tooLarge ?? false;
      this.finishJob(slot);
      if ('error' in m) job.reject(new Error(m.error));
      else job.resolve(tooLarge ? { ...m.outcome, requestTooLarge: true } : m.outcome);
      this.pump();
    });
    worker.on('error', (e) => this.replace(slot, `guest thread failed: ${e.message}`, 'trap'));
    worker.on('exit', () => {
      if (!this.closed && this.slots.includes(slot) && slot.job) this.replace(slot, 'guest thread exited', 'trap');
    });
    return slot;
  }

  private finishJob(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job?.feeding?.detach();
    slot.job = null;
  }

  /**
   * Feeds a streamed body to the slot's thread as it arrives: up to FEED_AHEAD bytes
   * ahead of the guest, then paused until the guest asks (a pull); past maxBytes the
   * guest's stream fails and the outcome says requestTooLarge.
   */
  private feed(slot: Slot, job: Job, body: StreamedBody): void {
    const r = body.readable;
    const post = (f: BodyFeed): void => {
      slot.feed.postMessage(f);
      Atomics.add(slot.wake, 0, 1);
      Atomics.notify(slot.wake, 0);
    };
    let size = 0;
    let ahead = 0;
    let ended = false;
    let stall: NodeJS.Timeout | null = null;
    const state = { tooLarge: false, pulled: () => {}, detach: () => {} };
    const onData = (c: Buffer): void => {
      if (stall) clearTimeout(stall);
      stall = null;
      size += c.length;
      if (size > body.maxBytes) {
        state.tooLarge = true;
        post({ seq: job.seq, error: `request body larger than ${body.maxBytes} bytes` });
        stop();
        return;
      }
      post({ seq: job.seq, data: c });
      ahead += c.length;
      if (ahead >= FEED_AHEAD) r.pause();
    };
    const onEnd = (): void => {
      ended = true;
      const trailers = rawPairs(r.rawTrailers);
      post({ seq: job.seq, end: true, ...(trailers.length ? { trailers } : {}) });
      stop();
    };
    const onAborted = (): void => {
      if (ended) return;
      post({ seq: job.seq, error: 'the client closed the connection before the request body ended' });
      stop();
    };
    const stop = (): void => {
      r.off('data', onData);
      r.off('end', onEnd);
      r.off('aborted', onAborted);
      r.off('error', onAborted);
      // Off its listener a flowing stream would go on being read (and dropped).
      if (!ended) r.pause();
      if (stall) clearTimeout(stall);
      stall = null;
      state.pulled = () => {};
    };
    state.pulled = () => {
      ahead = 0;
      r.resume();
      if (!stall)
        stall = setTimeout(() => {
          stall = null;
          post({ seq: job.seq, error: `request body stalled: no bytes for ${BODY_STALL_MS} ms` });
          stop();
        }, BODY_STALL_MS).unref();
    };
    state.detach = () => {
      stop();
      if (ended || state.tooLarge) return;
      // What the guest left unread is read and dropped, so the connection can serve the
      // next request; still within the cap, or the connection is cut.
      const drop = (c: Buffer): void => {
        size += c.length;
        if (size <= body.maxBytes) return;
        r.off('data', drop);
        r.pause();
        (body.overCap ?? (() => {}))();
      };
      r.on('data', drop);
      r.resume();
    };
    job.feeding = state;
    r.on('data', onData);
    r.on('end', onEnd);
    r.on('aborted', onAborted);
    r.on('error', onAborted);
  }

  /** Ends a slot's thread (deadline or crash), answers its job, and starts a fresh thread in its place. */
  private replace(slot: Slot, message: string, kind: 'timeout' | 'trap'): void {
    const job = slot.job;
    this.finishJob(slot);
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    void slot.worker.terminate();
    slot.feed.close();
    if (!this.closed) this.slots[i] = this.newSlot();
    if (job) {
      if (kind === 'timeout') this.timeouts++;
      job.resolve({
        end: { kind, message },
        stdout: EMPTY,
        stderr: EMPTY,
        instantiateNs: 0,
        handlerNs: 0,
        reused: false,
      });
    }
    this.pump();
  }

  handle(
    component: PreparedComponent,
    req: HttpExchangeRequest,
    opts: RunOptions = {},
    io: HandleIo = {},
  ): Promise<HandledOutcome> {
    if (this.closed) return Promise.reject(new Error('executor closed'));
    // Threads start with the first request: a host with no component app pays nothing.
    while (this.slots.length < this.size) this.slots.push(this.newSlot());
    return new Promise((resolve, reject) => {
      this.queue.push({ seq: ++this.seq, component, req, opts, io, resolve, reject });
      this.pump();
    });
  }

  private keyOf(c: PreparedComponent): number {
    let k = this.keys.get(c);
    if (k === undefined) this.keys.set(c, (k = this.nextKey++));
    return k;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      // A reused instance lives in one thread: with reuse, prefer the thread that holds the component.
      const job = this.queue.shift()!;
      this.start(slot, job);
    }
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    const key = this.keyOf(job.component);
    let load: ComponentLoad | undefined;
    if (!slot.held.has(key)) {
      const c = job.component;
      load = {
        name: c.name,
        sha256: c.sha256,
        dir: c.dir,
        handlerExport: c.handlerExport,
        imports: c.imports,
        modules: [...c.modules],
        images: [...c.images],
        bytes: c.bytes,
        ...(c.codeCache ? { codeCache: true } : {}),
      };
      slot.held.add(key);
    }
    const msg: ToComponentThread = {
      seq: job.seq,
      key,
      req: job.io.body ? { ...job.req, body: EMPTY } : job.req,
      opts: job.opts,
      ...(load ? { load } : {}),
      ...(job.io.tap ? { stream: true } : {}),
      ...(job.io.body ? { bodyFollows: true } : {}),
    };
    // The deadline runs from when the thread is ready to take the job.
    void slot.ready.then(() => {
      if (slot.job !== job) return;
      slot.timer = setTimeout(
        () => this.replace(slot, `deadline of ${this.deadlineMs} ms exceeded`, 'timeout'),
        this.deadlineMs,
      );
      slot.worker.postMessage(msg);
      if (job.io.body) this.feed(slot, job, job.io.body);
    });
  }

  forget(component: PreparedComponent): void {
    const key = this.keys.get(component);
    if (key === undefined) return;
    for (const slot of this.slots) {
      if (slot.held.delete(key)) slot.worker.postMessage({ forget: key } satisfies ToComponentThread);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('executor closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
