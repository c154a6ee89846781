// A `faasbench serve` process: builds the executor (guest threads with deadlines, or
// node:wasi for the baseline), compiles the apps named at start, listens, and shuts
// down gracefully on SIGINT/SIGTERM. The CLI verb (harness/commands/serve.ts) calls it
// in its own process; the `wasm` adapter starts it as a child (child.ts) and deploys
// apps into it over the IPC channel (ServeControl), so the harness's measuring client
// never shares an event loop with the runtime under test.
//
// Series (../series.ts), per deploy over IPC (the adapter's tagged deployments) or for
// every app of `faasbench serve --preinit K --reuse N`:
//   - code-cache, preview1: compiled without the nonce, and one module per content kept
//     alive here (keptCode), so V8's native-module cache returns the compiled code:
//     measured with hello, 1.47 ms → 0.11 ms per compile, json 3.0 → 0.57 ms (median of
//     20, node 20), and a redeployed app starts on code V8 has already tiered up. Only
//     redeploys gain: `faasbench serve` itself compiles each app once at start anyway.
//   - code-cache, component: its glue through V8's code cache (component/prepare.ts) and
//     its core modules kept alive the same way. A plain component deploy has no nonce
//     either (its transpile is cached by content), so its core modules too come from
//     V8's cache whenever an app of the same bytes is alive (in a run, the instance
//     cell's app is): between plain and code-cache, only the glue differs for certain;
//   - wizer: the adapter deploys the bytes Wizer made at prepare; the CLI wizens each
//     preview1 app at start (../wizer.ts);
//   - reuse N: a component app's instance serves up to N requests; a preview1 app is
//     refused (a WAGI command's _start runs once per instance).

import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Executor, GuestFs } from '../executor.js';
import { GuestThreadExecutor } from '../guest-threads.js';
import { compileCommand, readWasmFile, withNonce, type PrepareOptions } from '../module.js';
import type { AppSpec } from './apps.js';
import { ComponentThreadExecutor } from '../component/executor.js';
import {
  isComponent,
  prepareComponent,
  type ComponentPrepareOptions,
  type PreparedComponent,
} from '../component/prepare.js';
import { startServeHost, type ServeHost, type ServeHostOptions } from './host.js';
import { parseOutboundHost } from '../../../model/outbound-host.js';
import { seriesRefusal, type Preinit } from '../series.js';
import { wizen } from '../wizer.js';

export type ServeExecutorKind = 'guest-threads' | 'node-wasi';

export interface ServeConfig {
  apps: readonly AppSpec[];
  host?: string;
  port?: number;
  /** Guest threads (default: the machine's parallelism, at least 2). */
  threads?: number;
  /** Per-request wall-clock deadline (default 10 s). */
  deadlineMs?: number;
  /** Per-app memory cap in bytes (default 256 MiB). */
  memoryCapBytes?: number;
  executor?: ServeExecutorKind;
  /** Module limits (size, table, data), as for the adapter. */
  module?: PrepareOptions;
  /** Filesystem every app's instances get (default none). */
  fs?: GuestFs;
  /** How every app named at start is pre-initialised (default plain). */
  preinit?: Preinit;
  /** Requests per component instance for every app named at start (default 1: a fresh instance each). */
  reuse?: number;
  /** Outbound HTTP allowed to these HOST:PORT entries for every component app named at start (default: none, all denied). */
  allowedOutboundHosts?: readonly string[];
  http?: Omit<ServeHostOptions, 'executor' | 'host' | 'port' | 'log'>;
  /** After a signal, running requests get this long to finish (default 1500 ms; the process is gone within 2 s). */
  graceMs?: number;
  /** Failure lines (default stderr). */
  log?: (line: string) => void;
  /** Progress and the listening line (default stderr). */
  say?: (line: string) => void;
  /** Install SIGINT/SIGTERM handlers (default true). */
  signals?: boolean;
}

export interface RunningServe {
  host: ServeHost;
  executor: Executor;
  /** Runs the component apps (wasi:http, WASI 0.2): guest threads with the same deadline. */
  components: ComponentThreadExecutor;
  componentOptions: ComponentPrepareOptions;
  prepare: PrepareOptions;
  /** code-cache deploys: one compiled module (or component) per content hash kept alive, so V8's caches find them. */
  keptCode: Map<string, unknown>;
  /** Resolves once shut down (after a signal or stop()), with the exit code to use. */
  stopped: Promise<number>;
  stop(reason: string): Promise<void>;
}

function componentOptions(cfg: ServeConfig): ComponentPrepareOptions {
  return cfg.memoryCapBytes ? { memoryCapBytes: cfg.memoryCapBytes } : {};
}

export function makeExecutor(
  kind: ServeExecutorKind,
  threads: number | undefined,
  deadlineMs: number | undefined,
): Promise<Executor> {
  if (kind === 'node-wasi') return import('../node-wasi-executor.js').then((m) => new m.NodeWasiExecutor());
  const ex = new GuestThreadExecutor({ ...(threads ? { size: threads } : {}), ...(deadlineMs ? { deadlineMs } : {}) });
  return ex.ready().then(() => ex);
}

export async function runServe(cfg: ServeConfig): Promise<RunningServe> {
  const say = cfg.say ?? ((l: string) => process.stderr.write(`faasbench serve: ${l}\n`));
  const kind = cfg.executor ?? 'guest-threads';
  const prepare: PrepareOptions = {
    ...cfg.module,
    ...(cfg.memoryCapBytes ? { memoryCapBytes: cfg.memoryCapBytes } : {}),
    ...(kind === 'node-wasi' ? { poolMemory: false } : {}),
  };
  const preinit = cfg.preinit ?? 'plain';
  const reuse = cfg.reuse ?? 1;
  // Checked before anything starts: a bad entry is one sentence and no server.
  const outbound = outboundOf(cfg.allowedOutboundHosts);
  // Compile everything before listening: a bad module is one sentence and no server.
  const compiled: Array<{ name: string; module: WebAssembly.Module | null; component?: PreparedComponent }> = [];
  const t0 = Date.now();
  for (const a of cfg.apps) {
    try {
      // Named by its path in messages: "app NAME: PATH: what is wrong".
      let bytes = readWasmFile(a.path, prepare.maxModuleBytes);
      const refused = seriesRefusal(isComponent(bytes) ? 'component' : 'wasm', { preinit, reuse });
      if (refused) throw new Error(refused);
      // A wasi:http component (WASI 0.2) is prepared for the component host instead.
      if (isComponent(bytes))
        compiled.push({
          name: a.name,
          module: null,
          component: await prepareComponent(bytes, a.path, {
            ...componentOptions(cfg),
            ...(preinit === 'code-cache' ? { codeCache: true } : {}),
          }),
        });
      else {
        if (preinit === 'wizer') bytes = (await wizen(bytes, a.path)).bytes;
        compiled.push({ name: a.name, module: await compileCommand(bytes, a.path, prepare) });
      }
    } catch (e) {
      throw new Error(`app ${a.name}: ${(e as Error).message}`, { cause: e });
    }
    if (cfg.apps.length >= 1000 && compiled.length % 1000 === 0)
      say(`compiled ${compiled.length} of ${cfg.apps.length} apps (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const executor = await makeExecutor(kind, cfg.threads ?? Math.max(2, availableParallelism()), cfg.deadlineMs);
  let host: ServeHost;
  try {
    host = await startServeHost({
      executor,
      host: cfg.host ?? '127.0.0.1',
      port: cfg.port ?? 0,
      ...cfg.http,
      ...(cfg.log ? { log: cfg.log } : {}),
    });
  } catch (e) {
    await executor.close();
    const err = e as NodeJS.ErrnoException;
    throw new Error(
      err.code === 'EADDRINUSE'
        ? `cannot listen on ${cfg.host ?? '127.0.0.1'}:${cfg.port}: the address is in use`
        : `cannot listen: ${err.message}`,
      { cause: e },
    );
  }
  const components = new ComponentThreadExecutor({
    size: cfg.threads ?? Math.max(2, availableParallelism()),
    ...(cfg.deadlineMs ? { deadlineMs: cfg.deadlineMs } : {}),
  });
  for (const c of compiled)
    host.deploy({
      name: c.name,
      module: c.module,
      ...(c.component ? { component: { prepared: c.component, executor: components, reuse, ...outbound } } : {}),
      ...(cfg.fs ? { fs: cfg.fs } : {}),
    });

  let resolveStopped!: (code: number) => void;
  const stopped = new Promise<number>((r) => (resolveStopped = r));
  let stopping: Promise<void> | null = null;
  const stop = (reason: string): Promise<void> => {
    if (stopping) return stopping;
    say(`${reason}: shutting down (running requests get ${cfg.graceMs ?? 1500} ms)`);
    stopping = (async () => {
      const r = await host.shutdown(cfg.graceMs ?? 1500);
      await executor.close();
      await components.close();
      say(`stopped (${r.finished} running request(s) finished${r.cut ? `, ${r.cut} cut` : ''})`);
      resolveStopped(0);
    })();
    return stopping;
  };
  if (cfg.signals !== false) {
    let firstAt = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      // A second signal while shutting down: leave at once. One within 500 ms is the same
      // Ctrl-C delivered twice (to the terminal's process group, and passed on by bin/faasbench.js).
      if (stopping) {
        if (Date.now() - firstAt > 500) process.exit(130);
        return;
      }
      firstAt = Date.now();
      void stop(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return {
    host,
    executor,
    components,
    componentOptions: componentOptions(cfg),
    prepare,
    keptCode: new Map(),
    stopped,
    stop,
  };
}

/** Messages from the adapter to a serve child, and its answers (ServeReply). */
export type ServeControl =
  | {
      op: 'deploy';
      id: number;
      name: string;
      argv0?: string;
      bytes: Uint8Array;
      nonce: number;
      fs?: GuestFs;
      /** code-cache: reuse what V8 compiled for the same bytes (see the head of this file); absent: plain. */
      preinit?: 'code-cache';
      /** Requests per component instance (absent: 1). */
      reuse?: number;
      /** A component's outbound HTTP allow-list, HOST:PORT entries (absent: all denied). */
      allowedOutboundHosts?: string[];
    }
  | { op: 'undeploy'; id: number; name: string };

/** The allow-list for a component target, each entry checked (a bad one is refused in one sentence). */
function outboundOf(hosts: readonly string[] | undefined): { allowedOutboundHosts?: string[] } {
  return hosts?.length ? { allowedOutboundHosts: hosts.map(parseOutboundHost) } : {};
}

export type ServeReply =
  | { ready: { port: number; executor: string } }
  | { id: number; ok: true; compileNs: number; deployNs: number }
  | { id: number; ok: false; error: string };

/** Answers the adapter's deploy/undeploy messages until the channel closes (the harness is gone: shut down). */
export function serveControl(
  running: RunningServe,
  send: (m: ServeReply) => void,
  onMessage: (f: (m: ServeControl) => void) => void,
): void {
  onMessage((m) => {
    if (m.op === 'undeploy') {
      const app = running.host.undeploy(m.name);
      // Its module is never run again (a new deploy compiles anew): the guest threads drop it.
      if (app?.module) running.executor.forget?.(app.module);
      if (app?.component) running.components.forget(app.component.prepared);
      return send({ id: m.id, ok: true, compileNs: 0, deployNs: 0 });
    }
    const t0 = process.hrtime.bigint();
    const codeCache = m.preinit === 'code-cache';
    const component = isComponent(m.bytes);
    const refused = seriesRefusal(component ? 'component' : 'wasm', { preinit: 'plain', reuse: m.reuse ?? 1 });
    if (refused) return send({ id: m.id, ok: false, error: refused });
    let outbound: { allowedOutboundHosts?: string[] };
    try {
      outbound = outboundOf(m.allowedOutboundHosts);
    } catch (e) {
      return send({ id: m.id, ok: false, error: (e as Error).message });
    }
    if (component) {
      // No nonce for a component: its transpiled form is cached by content hash (a nonce
      // would make every deploy a ~10 s transpile); its core modules are compiled anew.
      prepareComponent(m.bytes, m.argv0 ?? m.name, {
        ...running.componentOptions,
        ...(codeCache ? { codeCache: true } : {}),
      }).then(
        (prepared) => {
          const t1 = process.hrtime.bigint();
          if (codeCache && !running.keptCode.has(prepared.sha256)) running.keptCode.set(prepared.sha256, prepared);
          try {
            running.host.deploy({
              name: m.name,
              module: null,
              component: { prepared, executor: running.components, reuse: m.reuse ?? 1, ...outbound },
            });
          } catch (e) {
            return send({ id: m.id, ok: false, error: (e as Error).message });
          }
          send({ id: m.id, ok: true, compileNs: Number(t1 - t0), deployNs: Number(process.hrtime.bigint() - t1) });
        },
        (e: Error) => send({ id: m.id, ok: false, error: e.message }),
      );
      return;
    }
    compileCommand(codeCache ? m.bytes : withNonce(m.bytes, m.nonce), m.argv0 ?? m.name, running.prepare).then(
      (module) => {
        const t1 = process.hrtime.bigint();
        // Kept by content hash (hashing ~40 KB takes ~0.1 ms, after the compile phase: it falls in deploy).
        if (codeCache) {
          const key = createHash('sha256').update(m.bytes).digest('hex');
          if (!running.keptCode.has(key)) running.keptCode.set(key, module);
        }
        try {
          running.host.deploy({
            name: m.name,
            module,
            ...(m.argv0 ? { argv0: m.argv0 } : {}),
            ...(m.fs ? { fs: m.fs } : {}),
          });
        } catch (e) {
          return send({ id: m.id, ok: false, error: (e as Error).message });
        }
        send({ id: m.id, ok: true, compileNs: Number(t1 - t0), deployNs: Number(process.hrtime.bigint() - t1) });
      },
      (e: Error) => send({ id: m.id, ok: false, error: e.message }),
    );
  });
}
