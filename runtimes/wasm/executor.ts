// Executors run one WASI command to completion in a fresh instance and report how
// it ended. The WAGI server and the benchmarks call them; the server knows nothing
// of where the instance runs (this thread, a worker with a deadline, node:wasi).

import { WasiExit, WasiHost, WasiLimit, type PreopenSpec, type WasiRunConfig } from './wasi/host.js';
import { MEMORY_IMPORT_MODULE, MemoryRecycler, memorySpecOf, type MemorySpec } from './memory.js';

export interface ExecRequest {
  args: readonly string[];
  env: readonly string[];
  stdin: Uint8Array;
  /** What of a filesystem the guest gets; none by default. */
  fs?: GuestFs;
}

/**
 * A guest's filesystem, as plain data so it can cross to a worker thread: host
 * directories (the only way out, capability-checked by the WASI host) and a private
 * in-memory scratch directory created fresh for every run.
 */
export interface GuestFs {
  /** Guest path of a per-run in-memory directory, e.g. "/tmp". */
  scratch?: string;
  dirs?: ReadonlyArray<{ guestPath: string; hostDir: string; readOnly?: boolean }>;
}

export type ExecEnd =
  | { kind: 'exit'; code: number }
  | { kind: 'trap'; message: string }
  | { kind: 'limit'; message: string }
  | { kind: 'timeout'; message: string };

export interface ExecOutcome {
  end: ExecEnd;
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** ns spent creating the instance and running _start. */
  instantiateNs: number;
  runNs: number;
}

export interface ExecLimits {
  stdoutBytes: number;
  stderrBytes: number;
}

export const DEFAULT_LIMITS: ExecLimits = { stdoutBytes: 64 * 2 ** 20, stderrBytes: 1 * 2 ** 20 };

export interface Executor {
  readonly name: string;
  execute(module: WebAssembly.Module, req: ExecRequest): Promise<ExecOutcome>;
  /** The module will not be executed again (its app stopped): drop what is kept for it. Using it again still works. */
  forget?(module: WebAssembly.Module): void;
  close(): Promise<void>;
}

/**
 * Runs fresh instances of prepared modules on the current thread with faasbench's
 * WASI host, one at a time. One host, one import object and one memory recycler serve
 * every run, so a run allocates only its instance (and its memory when the module
 * is not pooled; see memory.ts). Isolation holds: the host keeps nothing of a run
 * after finish(), and a recycled memory is zeroed before it is handed out again.
 */
export class Runner {
  readonly host = new WasiHost();
  private readonly pool = new MemoryRecycler();
  private readonly memorySlot: { memory: WebAssembly.Memory | null } = { memory: null };
  private readonly imports: WebAssembly.Imports;
  private readonly config: WasiRunConfig;
  private lent: { spec: MemorySpec; memory: WebAssembly.Memory } | null = null;
  private readonly preopenCache = new Map<string, PreopenSpec[]>();
  private lastFs: GuestFs | undefined;

  constructor(readonly limits: ExecLimits = DEFAULT_LIMITS) {
    this.imports = {
      ...this.host.imports,
      [MEMORY_IMPORT_MODULE]: this.memorySlot as unknown as WebAssembly.ModuleImports,
    };
    // Every field present from the start: the object keeps one shape across runs.
    this.config = {
      args: [],
      env: [],
      stdin: new Uint8Array(),
      stdoutLimit: limits.stdoutBytes,
      stderrLimit: limits.stderrBytes,
      preopens: undefined,
      memfs: undefined,
    };
  }

  /** One fresh instance, run to completion. Call release() once the outcome is used. */
  run(module: WebAssembly.Module, req: ExecRequest): ExecOutcome {
    this.release();
    const config = this.config;
    config.args = req.args;
    config.env = req.env;
    config.stdin = req.stdin;
    this.applyFs(config, req.fs);
    this.host.begin(config);
    let end: ExecEnd = EXIT_0;
    const t0 = process.hrtime.bigint();
    let t1 = t0;
    try {
      const spec = memorySpecOf(module);
      if (spec) {
        const memory = this.pool.take(spec);
        this.lent = { spec, memory };
        this.memorySlot.memory = memory;
      }
      const instance = new WebAssembly.Instance(module, this.imports);
      this.memorySlot.memory = null;
      this.host.attach(instance.exports['memory'] as WebAssembly.Memory);
      t1 = process.hrtime.bigint();
      (instance.exports['_start'] as () => void)();
    } catch (e) {
      end = classify(e);
    }
    const t2 = process.hrtime.bigint();
    if (t1 === t0) t1 = t2;
    this.memorySlot.memory = null;
    const out = this.host.finish();
    return { end, stdout: out.stdout, stderr: out.stderr, instantiateNs: Number(t1 - t0), runNs: Number(t2 - t1) };
  }

  private applyFs(config: WasiRunConfig, fs: GuestFs | undefined): void {
    // The common case, on the per-request path: the same filesystem (or none) as last run.
    if (fs === this.lastFs) return;
    this.lastFs = fs;
    config.memfs = fs?.scratch || undefined;
    config.preopens = fs?.dirs?.length ? this.preopensFor(fs.dirs) : undefined;
  }

  /** The host keeps per-spec state (open host directories), so equal descriptions share specs. */
  private preopensFor(dirs: NonNullable<GuestFs['dirs']>): PreopenSpec[] {
    const key = JSON.stringify(dirs);
    let specs = this.preopenCache.get(key);
    if (!specs) {
      specs = dirs.map((d) => ({ guestPath: d.guestPath, hostDir: d.hostDir, readOnly: d.readOnly ?? false }));
      this.preopenCache.set(key, specs);
    }
    return specs;
  }

  /** Returns the last run's memory to the pool (zeroed there). Off the response's critical path. */
  release(): void {
    if (this.lent) {
      this.pool.give(this.lent.spec, this.lent.memory);
      this.lent = null;
    }
  }
}

const EXIT_0: ExecEnd = { kind: 'exit', code: 0 };

/**
 * Runs a fresh instance with another WASI implementation's imports (the node:wasi
 * baseline), with stdio served from memory by faasbench's host so both produce the
 * same bytes. `start` runs the command and returns its exit code.
 */
export function runInstanceWith(
  module: WebAssembly.Module,
  req: ExecRequest,
  limits: ExecLimits,
  wasiImport: Record<string, (...a: never[]) => number>,
  start: (instance: WebAssembly.Instance) => number,
): ExecOutcome {
  const stdio = new WasiHost();
  const ours = stdio.imports['wasi_snapshot_preview1'] as Record<string, (...a: never[]) => number>;
  const spec = memorySpecOf(module);
  const imports: WebAssembly.Imports = {
    wasi_snapshot_preview1: { ...wasiImport, fd_read: ours['fd_read']!, fd_write: ours['fd_write']! },
  };
  if (spec)
    imports[MEMORY_IMPORT_MODULE] = {
      memory: new WebAssembly.Memory({ initial: spec.initial, maximum: spec.maximum }),
    };
  stdio.begin({
    args: req.args,
    env: req.env,
    stdin: req.stdin,
    stdoutLimit: limits.stdoutBytes,
    stderrLimit: limits.stderrBytes,
  });
  let end: ExecEnd;
  const t0 = process.hrtime.bigint();
  let t1 = t0;
  try {
    const instance = new WebAssembly.Instance(module, imports);
    stdio.attach(instance.exports['memory'] as WebAssembly.Memory);
    t1 = process.hrtime.bigint();
    end = { kind: 'exit', code: start(instance) };
  } catch (e) {
    end = classify(e);
  }
  const t2 = process.hrtime.bigint();
  if (t1 === t0) t1 = t2;
  const out = stdio.finish();
  return { end, stdout: out.stdout, stderr: out.stderr, instantiateNs: Number(t1 - t0), runNs: Number(t2 - t1) };
}

export function classify(e: unknown): ExecEnd {
  if (e instanceof WasiExit) return { kind: 'exit', code: e.code };
  if (e instanceof WasiLimit) return { kind: 'limit', message: e.reason };
  if (e instanceof WebAssembly.RuntimeError) return { kind: 'trap', message: `trap: ${e.message}` };
  if (e instanceof RangeError && /memory|stack/i.test(e.message)) return { kind: 'limit', message: e.message };
  if (e instanceof WebAssembly.LinkError) return { kind: 'trap', message: `link error: ${e.message}` };
  return { kind: 'trap', message: `host error: ${(e as Error)?.message ?? String(e)}` };
}

/**
 * Fresh instance per call, on this thread. No deadline: a looping guest blocks the
 * thread, so this is for trusted guests, tests and measuring the engine alone; the
 * runtime serves through GuestThreadExecutor (guest-threads.ts).
 */
export class InlineExecutor implements Executor {
  readonly name = 'inline';
  private readonly runner: Runner;
  constructor(limits: ExecLimits = DEFAULT_LIMITS) {
    this.runner = new Runner(limits);
  }
  async execute(module: WebAssembly.Module, req: ExecRequest): Promise<ExecOutcome> {
    const outcome = this.runner.run(module, req);
    this.runner.release();
    return outcome;
  }
  async close(): Promise<void> {}
}
