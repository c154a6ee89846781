// The baseline: Node's built-in node:wasi, a new WASI object + instance per request.
// node:wasi only takes stdio as host file descriptors, so to serve WAGI at all its
// fd_read(0) / fd_write(1, 2) are routed to memory here; every other call is
// node:wasi's own. That is the most favourable way to use it, which keeps the
// comparison fair. (Needs node --no-turbo-fast-api-calls on Node 20, or it segfaults
// after a few thousand instances.)

import { WASI } from 'node:wasi';
import type { ExecLimits, ExecOutcome, ExecRequest, Executor } from './executor.js';
import { DEFAULT_LIMITS, runInstanceWith } from './executor.js';

export class NodeWasiExecutor implements Executor {
  readonly name = 'node:wasi';
  constructor(private readonly limits: ExecLimits = DEFAULT_LIMITS) {}

  async execute(module: WebAssembly.Module, req: ExecRequest): Promise<ExecOutcome> {
    const env: Record<string, string> = {};
    for (const kv of req.env) {
      const i = kv.indexOf('=');
      env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const wasi = new WASI({ version: 'preview1', args: [...req.args], env, returnOnExit: true });
    return runInstanceWith(
      module,
      req,
      this.limits,
      wasi.wasiImport as Record<string, (...a: never[]) => number>,
      (instance) => wasi.start(instance),
    );
  }

  async close(): Promise<void> {}
}
