// The WASI implementations `faasbench conform wasi` can test: faasbench's own host
// (the reference runtime) and Node's node:wasi (the baseline it is compared with).

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../runtimes/shared/module-worker.js';
import { WasiExit, WasiHost, WasiLimit } from '../../runtimes/wasm/wasi/host.js';
import type { WasiImplementation, WasiRunResult } from './wasi.js';

const text = new TextDecoder();
const OUTPUT_LIMIT = 16 * 2 ** 20;

function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/** faasbench's WASI host, run inline on this thread. */
export function faasbenchWasi(): WasiImplementation {
  const host = new WasiHost();
  return {
    name: 'faasbench',
    async run(module, args, env, dirs): Promise<WasiRunResult> {
      host.begin({
        args,
        env: envList(env),
        stdin: new Uint8Array(0),
        stdoutLimit: OUTPUT_LIMIT,
        stderrLimit: OUTPUT_LIMIT,
        preopens: dirs.map((d) => ({ guestPath: d.guest, hostDir: d.host })),
      });
      let exitCode: number | null = 0;
      let error: string | undefined;
      try {
        const instance = new WebAssembly.Instance(module, host.imports);
        host.attach(instance.exports['memory'] as WebAssembly.Memory);
        (instance.exports['_start'] as () => void)();
      } catch (e) {
        if (e instanceof WasiExit) exitCode = e.code;
        else {
          exitCode = null;
          error =
            e instanceof WasiLimit
              ? `limit: ${e.reason}`
              : `${e instanceof WebAssembly.RuntimeError ? 'trap' : 'error'}: ${(e as Error).message}`;
        }
      }
      const out = host.finish();
      return {
        exitCode,
        stdout: text.decode(out.stdout),
        stderr: text.decode(out.stderr),
        ...(error ? { error } : {}),
      };
    },
  };
}

/** Loaded on first use: importing node:wasi prints an ExperimentalWarning, which users of faasbench's own host should not see. */
let nodeWasiModule: Promise<typeof import('node:wasi')> | null = null;
function loadNodeWasi(): Promise<typeof import('node:wasi')> {
  return (nodeWasiModule ??= import('node:wasi'));
}

/** Node's node:wasi, stdout/stderr captured through temp files (it only writes to real fds). */
export function nodeWasi(): WasiImplementation {
  return {
    name: 'node:wasi',
    async run(module, args, env, dirs): Promise<WasiRunResult> {
      const dir = mkdtempSync(join(tmpdir(), 'faasbench-nodewasi-'));
      const outFd = openSync(join(dir, 'stdout'), 'w+');
      const errFd = openSync(join(dir, 'stderr'), 'w+');
      const inFd = openSync('/dev/null', 'r');
      let exitCode: number | null = null;
      let error: string | undefined;
      try {
        const { WASI } = await loadNodeWasi();
        const wasi = new WASI({
          version: 'preview1',
          args,
          env,
          returnOnExit: true,
          stdin: inFd,
          stdout: outFd,
          stderr: errFd,
          preopens: Object.fromEntries(dirs.map((d) => [d.guest, d.host])),
        });
        const instance = new WebAssembly.Instance(module, wasi.getImportObject() as WebAssembly.Imports);
        exitCode = wasi.start(instance);
      } catch (e) {
        error = `${e instanceof WebAssembly.RuntimeError ? 'trap' : 'error'}: ${(e as Error).message}`;
      } finally {
        closeSync(outFd);
        closeSync(errFd);
        closeSync(inFd);
      }
      const result: WasiRunResult = {
        exitCode,
        stdout: readFileSync(join(dir, 'stdout'), 'utf8'),
        stderr: readFileSync(join(dir, 'stderr'), 'utf8'),
        ...(error ? { error } : {}),
      };
      rmSync(dir, { recursive: true, force: true });
      return result;
    },
  };
}

export const WASI_IMPLEMENTATIONS: Record<string, () => WasiImplementation> = {
  faasbench: faasbenchWasi,
  'node-wasi': nodeWasi,
};

/**
 * An implementation run in a worker thread, one test at a time, each stopped after
 * timeoutMs: a guest that loops forever fails its test (its worker is terminated and
 * the next test gets a new one) instead of hanging the suite.
 */
export function isolated(impl: string, timeoutMs: number): WasiImplementation {
  if (!WASI_IMPLEMENTATIONS[impl]) throw new Error(`unknown WASI implementation ${impl}`);
  let current: { worker: Worker; ready: Promise<string | null> } | null = null;
  const fail = (error: string): WasiRunResult => ({ exitCode: null, stdout: '', stderr: '', error });
  return {
    name: impl,
    async run(module, args, env, dirs): Promise<WasiRunResult> {
      const c = (current ??= startWorker());
      const bootError = await c.ready;
      if (bootError !== null) {
        current = null;
        void c.worker.terminate();
        return fail(bootError);
      }
      const w = c.worker;
      return new Promise((resolve) => {
        const done = (r: WasiRunResult, keep: boolean): void => {
          clearTimeout(timer);
          w.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
          if (!keep) {
            void w.terminate();
            if (current === c) current = null;
          }
          resolve(r);
        };
        const timer = setTimeout(() => done(fail(`timeout: still running after ${timeoutMs} ms`), false), timeoutMs);
        w.once('message', (r: WasiRunResult) => done(r, true));
        w.once('error', (e) => done(fail(`worker error: ${e.message}`), false));
        w.once('exit', (code) => done(fail(`worker exited (${code}) without a result`), false));
        w.postMessage({ impl, module, args, env, dirs });
      });
    },
    async close(): Promise<void> {
      const c = current;
      current = null;
      await c?.worker.terminate();
    },
  };
}

/** A worker and a promise for its 'ready' message (null) or why it never came. */
function startWorker(): { worker: Worker; ready: Promise<string | null> } {
  const worker = spawnWorker();
  const ready = new Promise<string | null>((resolve) => {
    const settle = (v: string | null): void => {
      worker.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
      resolve(v);
    };
    worker.once('message', () => settle(null));
    worker.once('error', (e) => settle(`worker error: ${e.message}`));
    worker.once('exit', (code) => settle(`worker exited (${code}) while starting`));
  });
  return { worker, ready };
}

/** The worker from dist (wasi-worker.js) or from source under tsx/vitest (wasi-worker.ts). */
function spawnWorker(): Worker {
  return startModuleWorker(import.meta.url, 'wasi-worker');
}
