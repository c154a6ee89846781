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

import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../shared/module-worker.js';
import type { HttpExchangeRequest } from './host.js';
import type { PreparedComponent } from './prepare.js';
import { ComponentRunner, type ComponentOutcome, type RunOptions } from './runner.js';
import type { ComponentLoad, ComponentThreadReply, ToComponentThread } from './component-thread-protocol.js';

export interface ComponentExecutor {
  readonly name: string;
  handle(component: PreparedComponent, req: HttpExchangeRequest, opts?: RunOptions): Promise<ComponentOutcome>;
  /** The component's app stopped: drop what is kept for it (threads, kept instances). */
  forget?(component: PreparedComponent): void;
  close(): Promise<void>;
}

export class InlineComponentExecutor implements ComponentExecutor {
  readonly name = 'inline';
  private readonly runner = new ComponentRunner();
  async handle(component: PreparedComponent, req: HttpExchangeRequest, opts?: RunOptions): Promise<ComponentOutcome> {
    return this.runner.run(component, req, opts);
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
  resolve: (o: ComponentOutcome) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  /** Component keys this thread holds. */
  held: Set<number>;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

const EMPTY = new Uint8Array(0);

function spawn(): Worker {
  return startModuleWorker(import.meta.url, 'component-thread');
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
    const worker = spawn();
    worker.unref();
    const slot: Slot = { worker, ready: Promise.resolve(), held: new Set(), job: null, timer: null };
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
      this.finishJob(slot);
      if ('error' in m) job.reject(new Error(m.error));
      else job.resolve(m.outcome);
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
    slot.job = null;
  }

  /** Ends a slot's thread (deadline or crash), answers its job, and starts a fresh thread in its place. */
  private replace(slot: Slot, message: string, kind: 'timeout' | 'trap'): void {
    const job = slot.job;
    this.finishJob(slot);
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    void slot.worker.terminate();
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

  handle(component: PreparedComponent, req: HttpExchangeRequest, opts: RunOptions = {}): Promise<ComponentOutcome> {
    if (this.closed) return Promise.reject(new Error('executor closed'));
    // Threads start with the first request: a host with no component app pays nothing.
    while (this.slots.length < this.size) this.slots.push(this.newSlot());
    return new Promise((resolve, reject) => {
      this.queue.push({ seq: ++this.seq, component, req, opts, resolve, reject });
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
    const msg: ToComponentThread = { seq: job.seq, key, req: job.req, opts: job.opts, ...(load ? { load } : {}) };
    // The deadline runs from when the thread is ready to take the job.
    void slot.ready.then(() => {
      if (slot.job !== job) return;
      slot.timer = setTimeout(
        () => this.replace(slot, `deadline of ${this.deadlineMs} ms exceeded`, 'timeout'),
        this.deadlineMs,
      );
      slot.worker.postMessage(msg);
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
