// Running one request through a prepared component: a fresh instance (jco's
// instantiate(): every core module instantiated anew, new resource tables, new
// memories), incoming-handler.handle(request, response-out), and what came out.
// Reuse (`reuse: N`) keeps an instance for up to N requests, like wasmtime serve's
// --max-instance-reuse-count: faster, and what a guest keeps in its globals and memory
// is then visible to the next request (component.test.ts shows both). A kept instance
// is per component (up to MAX_KEPT components per runner, the least recently used
// dropped first), so apps served in turn on one thread each keep their own, as
// wasmtime serve (one component per process) keeps its instances.
//
// The server, the benchmarks and `conform http` call this through ComponentExecutor;
// they do not know whether it runs on this thread or a guest thread with a deadline.

import {
  ComponentExit,
  ComponentHost,
  ComponentLimit,
  DEFAULT_COMPONENT_LIMITS,
  type ComponentLimits,
  type BodySource,
  type HttpExchangeRequest,
  type HttpExchangeResponse,
  type ResponseTap,
} from './host.js';
import type { PreparedComponent } from './prepare.js';
import type { OutboundPolicy } from './outbound.js';
import { IMAGE_IMPORT, MemoryPool, type MemoryImage } from './memory-image.js';

export type ComponentEnd =
  | { kind: 'ok' }
  /** The guest trapped, exited, or misused the API: a 500, with why. */
  | { kind: 'trap'; message: string }
  | { kind: 'limit'; message: string }
  | { kind: 'timeout'; message: string }
  /** The handler returned without a usable response. */
  | { kind: 'no-response'; message: string };

export interface ComponentOutcome {
  end: ComponentEnd;
  /** Present when end.kind is 'ok'. */
  response?: HttpExchangeResponse;
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** ns creating the instance (0 when a reused one served). */
  instantiateNs: number;
  /** ns in handle(). */
  handlerNs: number;
  /** True when a kept instance served (reuse > 1). */
  reused: boolean;
  /**
   * The head, and maybe part of the body, already went out through the tap (host.ts,
   * Scope.emit): `response` holds the rest, and a failure can only cut the response.
   */
  streamed?: boolean;
  /** The streamed request body broke off (over its cap, the client gone): why. */
  requestBodyError?: string;
}

/** A request's streams while its guest runs: the response as it is written, the request body as it arrives. */
export interface ExchangeIo {
  tap?: ResponseTap;
  source?: BodySource;
}

export interface RunOptions {
  limits?: ComponentLimits;
  /** Requests one instance may serve; 1 (default) = a fresh instance per request. */
  reuse?: number;
  /** The deployment's outbound HTTP allow-list (outbound.ts); none: every outbound request is denied. */
  outbound?: OutboundPolicy;
}

type CoreHook = (m: WebAssembly.Module, i?: WebAssembly.Imports) => WebAssembly.Instance;

interface Handler {
  handle(request: unknown, outparam: unknown): void;
}

/** Components whose reused instance a runner (one per guest thread) keeps at once. */
export const MAX_KEPT = 64;

export class ComponentRunner {
  private readonly host = new ComponentHost();
  private readonly pool = new MemoryPool();
  /** Image memories the instance being created took, with their images (given back when it is not kept). */
  private taken: Array<[MemoryImage, WebAssembly.Memory]> = [];
  /** Per component, made once: jco's instantiateCore hook for its modules rewritten by memory-image.ts. */
  private readonly hooks = new WeakMap<PreparedComponent, CoreHook | undefined>();

  /** Memories the pool handed out again (memory-image.ts, MemoryPool). */
  get pooledMemories(): number {
    return this.pool.hits;
  }

  /** jco's instantiateCore hook: a module rewritten by memory-image.ts gets a memory holding its image. */
  private hook(c: PreparedComponent): CoreHook | undefined {
    if (this.hooks.has(c)) return this.hooks.get(c);
    let hook: CoreHook | undefined;
    if (c.images.size > 0) {
      const images = new Map<WebAssembly.Module, MemoryImage>();
      for (const [f, img] of c.images) images.set(c.modules.get(f)!, img);
      hook = (m, i) => {
        const img = images.get(m);
        if (!img) return new WebAssembly.Instance(m, i);
        const memory = this.pool.take(img);
        this.taken.push([img, memory]);
        return new WebAssembly.Instance(m, { ...i, [IMAGE_IMPORT.module]: { [IMAGE_IMPORT.name]: memory } });
      };
    }
    this.hooks.set(c, hook);
    return hook;
  }

  /** Reused instances by component, least recently used first. */
  private readonly kept = new Map<PreparedComponent, { handler: Handler; served: number }>();

  run(
    component: PreparedComponent,
    req: HttpExchangeRequest,
    opts: RunOptions = {},
    io: ExchangeIo = {},
  ): ComponentOutcome {
    const reuse = Math.max(1, opts.reuse ?? 1);
    const { request, outparam } = this.host.begin(req, opts.limits ?? DEFAULT_COMPONENT_LIMITS, opts.outbound, io);
    let end: ComponentEnd = { kind: 'ok' };
    const t0 = process.hrtime.bigint();
    let t1 = t0;
    let reused = false;
    try {
      let handler: Handler;
      const kept = this.kept.get(component);
      if (kept && kept.served < reuse) {
        handler = kept.handler;
        kept.served++;
        reused = true;
        // Most recently used last.
        this.kept.delete(component);
        this.kept.set(component, kept);
      } else {
        this.kept.delete(component);
        const exports = component.instantiate(
          (f) => component.modules.get(f)!,
          this.host.imports,
          this.hook(component),
        );
        handler = exports[component.handlerExport] as Handler;
        if (reuse > 1) {
          this.kept.set(component, { handler, served: 1 });
          if (this.kept.size > MAX_KEPT) this.kept.delete(this.kept.keys().next().value!);
        }
      }
      t1 = process.hrtime.bigint();
      handler.handle(request, outparam);
    } catch (e) {
      end = classify(e);
      this.kept.delete(component); // an instance that trapped is not used again
    }
    const t2 = process.hrtime.bigint();
    if (t1 === t0) t1 = t2;
    const out = this.host.finish();
    if (end.kind === 'ok') {
      if (!out.outparamSet) end = { kind: 'no-response', message: 'the handler returned without setting a response' };
      else if (!out.response)
        end = {
          kind: 'no-response',
          message: `the handler answered with an error: ${describeError(out.responseError)}`,
        };
      else if (!out.bodyFinished)
        end = { kind: 'no-response', message: 'the handler returned without finishing the response body' };
    }
    const left = this.kept.get(component);
    if (reuse <= 1 || (left && left.served >= reuse)) this.kept.delete(component);
    // The memories of an instance not kept go back to the pool (fresh mode: every
    // request's). A kept instance's stay with it; when it is dropped they are collected.
    if (!this.kept.has(component) && !reused) for (const [img, memory] of this.taken) this.pool.give(img, memory);
    this.taken = [];
    return {
      end,
      ...(end.kind === 'ok' && out.response ? { response: out.response } : {}),
      stdout: out.stdout,
      stderr: out.stderr,
      instantiateNs: reused ? 0 : Number(t1 - t0),
      handlerNs: Number(t2 - t1),
      reused,
      ...(out.streamed ? { streamed: true } : {}),
      ...(out.requestBodyError !== undefined ? { requestBodyError: out.requestBodyError } : {}),
    };
  }

  /** Drops a kept instance (its app stopped). */
  forget(component?: PreparedComponent): void {
    if (component) {
      this.kept.delete(component);
      this.pool.forget(component.images.values());
    } else this.kept.clear();
  }
}

function describeError(e: unknown): string {
  if (e && typeof e === 'object' && 'tag' in e) {
    const v = (e as { tag: string; val?: unknown }).val;
    return v === undefined
      ? String((e as { tag: string }).tag)
      : `${(e as { tag: string }).tag} (${typeof v === 'object' ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x)) : String(v)})`;
  }
  return String(e);
}

export function classify(e: unknown): ComponentEnd {
  if (e instanceof ComponentLimit) return { kind: 'limit', message: e.message };
  if (e instanceof ComponentExit) return { kind: 'trap', message: e.message };
  if (e instanceof WebAssembly.RuntimeError) return { kind: 'trap', message: `trap: ${e.message}` };
  if (e instanceof RangeError && /memory|stack/i.test(e.message)) return { kind: 'limit', message: e.message };
  return { kind: 'trap', message: `host error: ${(e as Error)?.message ?? String(e)}` };
}

/** The HTTP answer for an outcome: the guest's response, or 500/504 with the reason as text. */
export function httpResponseOf(o: ComponentOutcome): HttpExchangeResponse {
  if (o.end.kind === 'ok' && o.response) return o.response;
  const status = o.end.kind === 'timeout' ? 504 : 500;
  const message = 'message' in o.end ? o.end.message : 'error';
  return { status, headers: [['content-type', 'text/plain']], body: Buffer.from(`${message}\n`) };
}
