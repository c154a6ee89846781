// The runtime's executor: fresh instances run on a pool of pre-spawned worker
// threads, each with a wall-clock deadline. A guest past its deadline is stopped by
// terminating its thread (V8 interrupts even a tight Wasm loop), its request ends
// as a timeout (the server answers 504), and a new thread takes its place while the
// others keep serving. Nothing a guest does reaches the main thread: a trap, a
// memory bomb (capped, see module.ts), an endless loop or a dying thread each end
// as an outcome.
//
// Why threads and not the main thread with a watchdog: JS cannot interrupt its own
// thread from outside except through vm's timeout, which starts a watchdog thread
// per call (measured: +150-250 µs per request, more than the instance itself);
// instrumenting every loop means rewriting code bodies. A message round trip to a
// parked worker costs ~20-40 µs on the dev machine. Tried and dropped: parking the
// thread in Atomics.wait and waking it through a shared counter (raw round trip
// ~12 µs instead of ~33 µs) made requests slower overall: a thread that never
// returns to its event loop never runs V8's GC finalization tasks, and the engine
// time per instance doubled.
//
// Dispatch (no head-of-line blocking): requests wait in one central queue and go to
// the least-loaded thread, an idle one first. To keep threads busy under load a
// thread may be sent a few requests ahead (PIPELINE); such a request is only
// *offered*: the thread claims it through a shared cell when it starts it, and until
// then the pool can take it back (an atomic swap decides who wins, see
// guest-thread-protocol.ts). The pool takes requests back from a thread whose running guest
// has been at it for STUCK_AFTER_MS when another thread has room, and from any thread
// when another one is idle, so a guest that spins never holds up the requests behind
// it while a thread could serve them.

import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../shared/module-worker.js';
import { availableParallelism } from 'node:os';
import { DEFAULT_LIMITS, type ExecLimits, type ExecOutcome, type ExecRequest, type Executor } from './executor.js';
import {
  REVOKED,
  type GuestThreadData,
  type RunMessage,
  type ToGuestThread,
  type WorkerReply,
} from './guest-thread-protocol.js';

export interface GuestThreadOptions {
  /** Threads kept ready. Default: the machine's parallelism, at least 2. */
  size?: number;
  /** Per-request wall-clock deadline in ms, from dispatch to a thread. Default 10 s. */
  deadlineMs?: number;
  limits?: ExecLimits;
  /** Requests waiting for a thread before new ones are refused (overload). Default 10,000. */
  maxQueue?: number;
  /** Requests in flight per thread (see PIPELINE). */
  pipeline?: number;
  /** A thread whose guest has run this long gives up the requests waiting behind it (see STUCK_AFTER_MS). */
  stuckAfterMs?: number;
}

export const DEFAULT_DEADLINE_MS = 10_000;
/**
 * Requests in flight per thread. With one, a thread idles for a main-thread round
 * trip between requests; a short line keeps it busy under load (measured at
 * saturation: hello through HTTP went from ~30 % to ~55 % of a bare server's req/s).
 */
const PIPELINE = 4;
/**
 * A guest running this long is treated as stuck for dispatch: the requests sent ahead
 * to its thread move to a thread with room. Far above a typical request (hello ~10 µs,
 * the heaviest built-in workload a few ms), so busy threads do not trade work back
 * and forth; far below the deadline, so no request waits for a spinning guest's.
 */
const STUCK_AFTER_MS = 20;

export class ExecutorOverloaded extends Error {
  override name = 'ExecutorOverloaded';
}

interface Job {
  module: WebAssembly.Module;
  req: ExecRequest;
  resolve: (o: ExecOutcome) => void;
  reject: (e: Error) => void;
  seq: number;
  /** Its claim cell on the thread it was sent to, and the value that cell holds until claimed (see guest-thread-protocol.ts). */
  cell: number;
  tag: number;
  /** process.hrtime.bigint() at dispatch, and the time it is due. */
  dispatchedAt?: bigint;
  dueAt?: bigint;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** In flight, in the order the thread runs them; the head is running. */
  jobs: Job[];
  modules: Set<number>;
  gone: boolean;
  /** One claim cell per job in flight, shared with the thread. */
  claims: Int32Array;
  /** modulesHeld() calls waiting for this thread's count, in order. */
  counting: Array<(held: number) => void>;
}

const EMPTY = new Uint8Array(0);

/** Starts a guest thread from dist (guest-thread.js) or from source under tsx/vitest (guest-thread.ts). */
function spawnGuestThread(limits: ExecLimits, claims: Int32Array): Worker {
  const workerData: GuestThreadData = { limits, claims };
  return startModuleWorker(import.meta.url, 'guest-thread', { workerData });
}

export class GuestThreadExecutor implements Executor {
  readonly name: string;
  readonly deadlineMs: number;
  private readonly size: number;
  private readonly limits: ExecLimits;
  private readonly maxQueue: number;
  private readonly pipeline: number;
  private readonly stuckNs: bigint;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly keys = new WeakMap<WebAssembly.Module, number>();
  private nextKey = 1;
  private seq = 0;
  private closed = false;
  private startFailures = 0;
  private broken: string | null = null;
  /** One sweeper for all deadlines while any job runs (a timer per request cost more than the guest). */
  private sweeper: NodeJS.Timeout | null = null;
  private readonly sweepMs: number;
  /** Threads replaced after a deadline or a crash (for tests and reports). */
  replaced = 0;
  /** Requests taken back from a thread that had not started them, to run on another (for tests and reports). */
  takenBack = 0;

  constructor(opts: GuestThreadOptions = {}) {
    this.size = Math.max(1, opts.size ?? Math.max(2, availableParallelism()));
    this.deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.maxQueue = opts.maxQueue ?? 10_000;
    this.pipeline = Math.max(1, opts.pipeline ?? PIPELINE);
    this.stuckNs = BigInt(Math.round((opts.stuckAfterMs ?? STUCK_AFTER_MS) * 1e6));
    // Checks every 1/8 of the deadline: a guest is stopped by 1.125x its deadline
    // (plus timer lateness), within the promised 2x.
    this.sweepMs = Math.max(1, Math.floor(this.deadlineMs / 8));
    this.name = `guest-threads(${this.size}, deadline ${this.deadlineMs} ms)`;
    for (let i = 0; i < this.size; i++) this.spawn();
  }

  /** Resolves once every thread is up (optional: requests queue until then anyway). */
  async ready(): Promise<void> {
    while (!this.closed && !this.broken && this.slots.some((s) => !s.ready)) await new Promise((r) => setTimeout(r, 5));
    if (this.broken) throw new Error(this.broken);
  }

  execute(module: WebAssembly.Module, req: ExecRequest): Promise<ExecOutcome> {
    if (this.closed) return Promise.reject(new Error('executor is closed'));
    if (this.broken) return Promise.reject(new Error(this.broken));
    if (this.queue.length >= this.maxQueue)
      return Promise.reject(
        new ExecutorOverloaded(`overloaded: ${this.queue.length} requests already waiting for a guest thread`),
      );
    return new Promise((resolve, reject) => {
      const seq = ++this.seq;
      this.queue.push({ module, req, resolve, reject, seq, cell: -1, tag: (seq % 0x7ffffffe) + 1 });
      this.pump();
    });
  }

  /**
   * Each thread keeps the modules it was sent; without this a thread would hold every
   * module of every app ever started (each start compiles anew). Messages to a thread
   * are handled in order, so a run already sent is not affected.
   */
  forget(module: WebAssembly.Module): void {
    const key = this.keys.get(module);
    if (key === undefined) return;
    this.keys.delete(module);
    for (const s of this.slots)
      if (s.modules.delete(key)) s.worker.postMessage({ forget: key } satisfies ToGuestThread);
  }

  /** Modules the threads hold, as they report it (for tests and reports). */
  async modulesHeld(): Promise<number> {
    const counts = this.slots
      .filter((s) => s.ready)
      .map(
        (s) =>
          new Promise<number>((resolve) => {
            s.counting.push(resolve);
            s.worker.postMessage({ count: true } satisfies ToGuestThread);
          }),
      );
    return (await Promise.all(counts)).reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const job of this.queue.splice(0)) job.reject(new Error('executor closed'));
    await Promise.all(
      this.slots.splice(0).map((s) => {
        s.gone = true;
        for (const job of s.jobs.splice(0)) job.reject(new Error('executor closed'));
        for (const c of s.counting.splice(0)) c(0);
        return s.worker.terminate();
      }),
    );
  }

  private spawn(): void {
    const claims = new Int32Array(new SharedArrayBuffer(4 * this.pipeline));
    const slot: Slot = {
      worker: spawnGuestThread(this.limits, claims),
      ready: false,
      jobs: [],
      modules: new Set(),
      gone: false,
      claims,
      counting: [],
    };
    slot.worker.unref();
    slot.worker.on('message', (m: WorkerReply) => this.onReply(slot, m));
    slot.worker.on('error', (e: Error) => this.onDeath(slot, `guest thread failed: ${e.message}`));
    slot.worker.on('exit', (code) => this.onDeath(slot, `guest thread exited with code ${code}`));
    this.slots.push(slot);
  }

  /**
   * Hands work to the least-loaded ready thread that is not stuck, up to `pipeline` in
   * flight each: the oldest of the queue's head and the requests waiting on a thread
   * that is stuck (or, for an idle thread, on any other thread). Ends: every step
   * dispatches a queued job, fills an idle thread, or moves a job off a stuck thread to
   * one that is not.
   */
  private pump(): void {
    const now = process.hrtime.bigint();
    for (;;) {
      // A stuck thread gets nothing more: what would wait behind it waits in the queue instead.
      let thief: Slot | null = null;
      for (const s of this.slots)
        if (
          s.ready &&
          s.jobs.length < this.pipeline &&
          !this.stuck(s, now) &&
          (!thief || s.jobs.length < thief.jobs.length)
        )
          thief = s;
      if (!thief) return;
      const job =
        this.takeBack(thief, thief.jobs.length === 0, now, this.queue[0]?.seq ?? Infinity) ?? this.queue.shift();
      if (!job) return;
      this.dispatch(thief, job);
    }
  }

  private stuck(slot: Slot, now: bigint): boolean {
    const head = slot.jobs[0];
    return head !== undefined && head.dispatchedAt !== undefined && now - head.dispatchedAt >= this.stuckNs;
  }

  /**
   * Takes back the oldest job (older than `olderThan`) waiting behind the head of a
   * stuck thread, or of any thread when `forIdle`, that its thread has not started.
   */
  private takeBack(thief: Slot, forIdle: boolean, now: bigint, olderThan: number): Job | null {
    const lost = new Set<Slot>();
    for (;;) {
      let donor: Slot | null = null;
      let at = -1;
      for (const s of this.slots) {
        if (s === thief || lost.has(s) || s.jobs.length < 2 || !(forIdle || this.stuck(s, now))) continue;
        for (let i = 1; i < s.jobs.length; i++) {
          const j = s.jobs[i]!;
          if (j.seq < olderThan && (!donor || j.seq < donor.jobs[at]!.seq)) [donor, at] = [s, i];
        }
      }
      if (!donor) return null;
      const job = donor.jobs[at]!;
      donor.jobs.splice(at, 1);
      if (Atomics.compareExchange(donor.claims, job.cell, job.tag, REVOKED) === job.tag) {
        this.takenBack++;
        return job;
      }
      // Lost the race: the thread has started it (its head has just ended), so the job is
      // running and must stay; put it back in place and look no further on that thread.
      donor.jobs.splice(at, 0, job);
      lost.add(donor);
    }
  }

  private dispatch(slot: Slot, job: Job): void {
    let key = this.keys.get(job.module);
    if (key === undefined) this.keys.set(job.module, (key = this.nextKey++));
    let cell = 0;
    while (slot.jobs.some((j) => j.cell === cell)) cell++;
    job.cell = cell;
    Atomics.store(slot.claims, cell, job.tag);
    const msg: RunMessage = { seq: job.seq, key, req: job.req, cell, tag: job.tag };
    if (!slot.modules.has(key)) {
      msg.module = job.module;
      slot.modules.add(key);
    }
    if (slot.jobs.length === 0) {
      slot.worker.ref();
      this.startClock(job);
    }
    slot.jobs.push(job);
    if (!this.sweeper) this.sweeper = setInterval(() => this.sweep(), this.sweepMs);
    slot.worker.postMessage(msg);
  }

  /** The deadline runs from when a job is at the head of its thread's line (the thread runs them in order). */
  private startClock(job: Job): void {
    job.dispatchedAt = process.hrtime.bigint();
    job.dueAt = job.dispatchedAt + BigInt(this.deadlineMs) * 1_000_000n;
  }

  private sweep(): void {
    const now = process.hrtime.bigint();
    for (const slot of [...this.slots]) {
      const head = slot.jobs[0];
      if (head && head.dueAt! <= now) this.onDeadline(slot);
    }
    if (!this.slots.some((s) => s.jobs.length > 0) && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  /** Takes the head job off a thread's line; the next one's clock starts. */
  private shiftJob(slot: Slot): Job | null {
    const job = slot.jobs.shift() ?? null;
    const next = slot.jobs[0];
    if (next) this.startClock(next);
    else if (!slot.gone) slot.worker.unref();
    return job;
  }

  private onReply(slot: Slot, m: WorkerReply): void {
    if (slot.gone) return;
    if (m.held !== undefined) return slot.counting.shift()?.(m.held);
    if (m.seq === undefined) {
      slot.ready = true;
      this.startFailures = 0;
      return this.pump();
    }
    if (slot.jobs[0]?.seq !== m.seq) return;
    const job = this.shiftJob(slot)!;
    if (m.outcome) job.resolve(m.outcome);
    else job.resolve(failed(`host error: ${m.error}`, 0));
    this.pump();
  }

  private onDeadline(slot: Slot): void {
    const job = slot.jobs.shift();
    if (!job) return;
    const ns = Number(process.hrtime.bigint() - job.dispatchedAt!);
    const message = `deadline of ${this.deadlineMs} ms exceeded, guest stopped`;
    job.resolve({ ...failed(message, ns), end: { kind: 'timeout', message } });
    this.replace(slot);
  }

  private onDeath(slot: Slot, reason: string): void {
    if (slot.gone) return;
    if (!slot.ready && ++this.startFailures >= 3) {
      this.broken = `cannot start guest threads: ${reason}`;
      for (const job of this.queue.splice(0)) job.reject(new Error(this.broken));
    }
    const job = slot.jobs.shift();
    if (job)
      job.resolve(failed(reason, Number(process.hrtime.bigint() - (job.dispatchedAt ?? process.hrtime.bigint()))));
    this.replace(slot);
  }

  /** Retires a thread; the jobs waiting behind its head never started, so they go back to the front of the queue. */
  private replace(slot: Slot): void {
    slot.gone = true;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate();
    for (const c of slot.counting.splice(0)) c(0);
    this.replaced++;
    const waiting = slot.jobs.splice(0);
    if (this.broken) for (const job of waiting) job.reject(new Error(this.broken));
    else this.queue.unshift(...waiting);
    if (!this.closed && !this.broken) this.spawn();
    this.pump();
  }
}

function failed(message: string, runNs: number): ExecOutcome {
  return { end: { kind: 'trap', message }, stdout: EMPTY, stderr: EMPTY, instantiateNs: 0, runNs };
}
