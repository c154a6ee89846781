// Executors run one WASI command to completion in a fresh instance and report how
// it ended. The WAGI server and the benchmarks call them; the server knows nothing
// of where the instance runs (this thread, a worker with a deadline, node:wasi).

import { WasiExit, WasiHost, WasiLimit, type WasiRunConfig } from './wasi/host.js';

export interface ExecRequest {
  args: readonly string[];
  env: readonly string[];
  stdin: Uint8Array;
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
  close(): Promise<void>;
}

/** Runs a fresh instance of `module` on the current thread with faasbench's WASI host. */
export function runInstance(host: WasiHost, module: WebAssembly.Module, req: ExecRequest, limits: ExecLimits): ExecOutcome {
  const config: WasiRunConfig = { args: req.args, env: req.env, stdin: req.stdin, stdoutLimit: limits.stdoutBytes, stderrLimit: limits.stderrBytes };
  host.begin(config);
  let end: ExecEnd = { kind: 'exit', code: 0 };
  const t0 = process.hrtime.bigint();
  let t1 = t0;
  try {
    const instance = new WebAssembly.Instance(module, host.imports);
    host.attach(instance.exports['memory'] as WebAssembly.Memory);
    t1 = process.hrtime.bigint();
    (instance.exports['_start'] as () => void)();
  } catch (e) {
    end = classify(e);
  }
  const t2 = process.hrtime.bigint();
  if (t1 === t0) t1 = t2;
  const out = host.finish();
  return { end, stdout: out.stdout, stderr: out.stderr, instantiateNs: Number(t1 - t0), runNs: Number(t2 - t1) };
}

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
  const imports = { wasi_snapshot_preview1: { ...wasiImport, fd_read: ours['fd_read']!, fd_write: ours['fd_write']! } };
  stdio.begin({ args: req.args, env: req.env, stdin: req.stdin, stdoutLimit: limits.stdoutBytes, stderrLimit: limits.stderrBytes });
  let end: ExecEnd = { kind: 'exit', code: 0 };
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

function classify(e: unknown): ExecEnd {
  if (e instanceof WasiExit) return { kind: 'exit', code: e.code };
  if (e instanceof WasiLimit) return { kind: 'limit', message: e.reason };
  if (e instanceof WebAssembly.RuntimeError) return { kind: 'trap', message: `trap: ${e.message}` };
  if (e instanceof RangeError && /memory|stack/i.test(e.message)) return { kind: 'limit', message: e.message };
  if (e instanceof WebAssembly.LinkError) return { kind: 'trap', message: `link error: ${e.message}` };
  return { kind: 'trap', message: `host error: ${(e as Error)?.message ?? String(e)}` };
}

/** Fresh instance per call, on this thread. No deadline: a looping guest blocks the thread. */
export class InlineExecutor implements Executor {
  readonly name = 'inline';
  private readonly host = new WasiHost();
  constructor(private readonly limits: ExecLimits = DEFAULT_LIMITS) {}
  async execute(module: WebAssembly.Module, req: ExecRequest): Promise<ExecOutcome> {
    return runInstance(this.host, module, req, this.limits);
  }
  async close(): Promise<void> {}
}
