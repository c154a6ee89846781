// The command lines of the native Wasm runtimes when they run one preview1 module
// once (a CGI request, a conformance test): how to compile ahead of time into a
// private folder, and how to run the compiled result.
//
// Measurement choice: each app compiles its module once, in start() (phase `compile`:
// part of the app cold start, as the reference runtime's compile is), and every request
// runs the compiled code (`wasmtime run --allow-precompiled fn.cwasm`, `wazero run
// -cachedir`): the per-request figure is process start + instantiate + run, not the
// JIT. Running `wasmtime run fn.wasm` with no cache would recompile per request, which
// no one deploys.
//
// Both are told to pass their own environment through to the guest (wasmtime
// `-S inherit-env=y`, wazero `-env-inherit`), and runtimes/process/cgi.ts gives them
// exactly the CGI variables, so the guest sees what a WAGI host gives it.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireTool, type ToolName } from '../tools.js';

const run = promisify(execFile);

/** The reference runtime's per-function memory cap (256 MiB), as wasmtime's -W max-memory-size. */
export const MEMORY_CAP_BYTES = 256 * 2 ** 20;

export interface PreparedModule {
  /** The Wasm runtime's binary. */
  command: string;
  /** Arguments that run the compiled module once as a WAGI/CGI command. */
  args: string[];
  /** What compiling took, ns. */
  compileNs: number;
}

/** Flags that must be the same at compile and run time (a .cwasm records them; a mismatch is refused). */
function wasmtimeCodegenFlags(): string[] {
  return ['-C', 'cache=n', '-W', `max-memory-size=${MEMORY_CAP_BYTES}`];
}

/** Compiles `wasm` for `tool` into `workdir` (a private, existing folder) and returns how to run it per request. */
export async function compileForCgi(tool: ToolName, wasm: string, workdir: string): Promise<PreparedModule> {
  const bin = requireTool(tool).path;
  const t0 = process.hrtime.bigint();
  let args: string[];
  try {
    if (tool === 'wasmtime') {
      const out = join(workdir, 'fn.cwasm');
      await run(bin, ['compile', ...wasmtimeCodegenFlags(), '-o', out, wasm], { timeout: 120_000 });
      args = ['run', ...wasmtimeCodegenFlags(), '--allow-precompiled', '-S', 'inherit-env=y', out];
    } else {
      const cache = join(workdir, 'wazero-cache');
      await run(bin, ['compile', `-cachedir=${cache}`, wasm], { timeout: 120_000 });
      args = ['run', `-cachedir=${cache}`, '-env-inherit', wasm];
    }
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(
      `${tool} could not compile ${wasm}: ${(err.stderr || err.message).trim().split('\n').slice(-5).join(' ')}`,
      { cause: e },
    );
  }
  return { command: bin, args, compileNs: Number(process.hrtime.bigint() - t0) };
}

/** The version and the per-request command shape, for the results header (which prefixes the runtime id). */
export function describeRunner(tool: ToolName): Record<string, string> {
  const t = requireTool(tool);
  const shape =
    tool === 'wasmtime'
      ? `wasmtime compile, then per request: wasmtime run ${wasmtimeCodegenFlags().join(' ')} --allow-precompiled -S inherit-env=y fn.cwasm`
      : 'wazero compile -cachedir, then per request: wazero run -cachedir -env-inherit fn.wasm';
  return { version: t.version, binary: t.path, per_request: shape };
}
