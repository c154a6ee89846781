// The WAGI HTTP trigger: every request gets a fresh instance of the function's
// module, its metadata as CGI variables, its body on stdin; the guest's CGI output
// becomes the response. A failing guest gets the client a 500 (504 past its
// deadline) with the reason logged, and the server goes on serving.
//
// Guest output is untrusted: parseCgiOutput (shared/cgi.ts) refuses header bytes
// HTTP forbids and 1xx statuses, and drops framing and hop-by-hop fields; the
// server frames every body itself (its own Content-Length). Invalid output is a
// 500, like every other broken guest answer (trap, bad exit, no header block): the
// function runs inside this server, so its failure is the server's, not that of an
// upstream a gateway would answer 502 for. No exception from writing a response
// can escape: it is logged and the connection closed. A body over the limit is a
// 413 without reading it (a declared length) or past the limit (chunked), and the
// connection closes after it.
//
// The request-to-guest-to-response path is createWagiCore, shared by this one-app
// server and the multi-app host of `faasbench serve` (serve/host.ts).

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { cgiEnvironment, parseCgiOutput } from '../shared/cgi.js';
import { canChunk, flatHeaders, flatPairs, formatServerTiming, readBodyLimited, withDispatch } from '../shared/http.js';
import type { FunctionRequest } from '../types.js';
import type { ExecOutcome, Executor, GuestFs } from './executor.js';
import type { ComponentAnswer, ComponentTarget } from './component/serve.js';

// The component path (WASI 0.2, jco glue, preview2-shim) is loaded the first time a
// component is served: a preview1-only host (the wasm container image, which ships no
// node_modules) never loads it, and its cold start does not pay for it.
let componentServing: Promise<typeof import('./component/serve.js')> | undefined;
const loadComponentServing = () => (componentServing ??= import('./component/serve.js'));
type ComponentServing = typeof import('./component/serve.js');

export interface WagiServerOptions {
  module: WebAssembly.Module;
  executor: Executor;
  /** argv[0] the guest sees. */
  name: string;
  host?: string;
  port?: number;
  maxBodyBytes?: number;
  /** The filesystem every request's instance gets (default: none). */
  fs?: GuestFs;
  onGuestError?: (reason: string) => void;
  /**
   * Server-wide budget of response body bytes held in memory until handed to the
   * kernel (default 256 MiB). Past it, new requests get 503 with Retry-After.
   */
  maxPendingResponseBytes?: number;
  /** A client that takes no bytes of its response for this long loses its connection (default 10 s). */
  sendProgressTimeoutMs?: number;
}

export interface WagiServer {
  url: string;
  port: number;
  /** Response body bytes accepted but not yet handed to the kernel: now, and the most since start. */
  pendingResponseBytes(): { now: number; peak: number };
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 16 * 2 ** 20;
const DEFAULT_MAX_PENDING = 256 * 2 ** 20;
const DEFAULT_SEND_PROGRESS_MS = 10_000;
/** Bodies are written in pieces this large, so a client's progress is seen piece by piece. */
const WRITE_CHUNK = 64 * 1024;

export function describeFailure(o: ExecOutcome): string | null {
  if (o.end.kind === 'exit') {
    if (o.end.code === 0) return null;
    const err = Buffer.from(o.stderr.subarray(0, 200)).toString('utf8').trim();
    return `guest exited with code ${o.end.code}${err ? `: ${err}` : ''}`;
  }
  return o.end.message;
}

/**
 * Backpressure. A guest's whole output is in memory when its response starts (the
 * executor caps it at 64 MiB), so the memory to bound is what waits for slow or
 * absent readers: 20 clients that never read a 32 MiB answer would pin 640 MiB.
 * Two bounds, both cheap on the hot path (a small answer that the kernel takes at
 * once arms nothing):
 * - a server-wide budget of bytes held in not-yet-sent responses. Beyond it a new
 *   request is answered 503 with Retry-After (and its guest is not run), and an
 *   answer that would overflow it is replaced by a 503. Refusing rather than
 *   queueing: a queued request would hold its memory too, and a 503 tells a load
 *   generator at once that the server is saturated. One answer larger than the
 *   whole budget is still sent when nothing else is held, or it could never be.
 * - a send-progress timeout: a connection whose client takes no bytes for
 *   sendProgressTimeoutMs is destroyed, which releases its buffers. Progress is
 *   counted per 64 KiB piece written, so a slow but steady reader is never cut,
 *   and per connection, so an answer queued behind another (pipelining) is not
 *   blamed for the one before it. Retry-After is that timeout: by then the stalled
 *   holders are gone.
 */
export class ResponseBudget {
  held = 0;
  peak = 0;
  private readonly progress = new WeakMap<Socket, number>();

  constructor(
    readonly max: number,
    readonly progressMs: number,
    private readonly log: (reason: string) => void,
  ) {}

  full(): boolean {
    return this.held >= this.max;
  }

  /** Would an answer of `bytes` overflow the budget? */
  refuses(bytes: number): boolean {
    return this.held > 0 && this.held + bytes > this.max;
  }

  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.progressMs / 1000));
  }

  /** What to release when a connection closes, for answers that may never see their own 'close' (see whenGone). */
  private readonly onSocketClose = new WeakMap<Socket, Set<() => void>>();

  /**
   * Calls `release` once, when the answer finishes or is abandoned. An answer queued
   * behind another on a pipelined connection gets neither 'finish' nor 'close' when the
   * connection drops (Node destroys only the requests), so the connection's own 'close'
   * releases it too: one listener per connection, whatever its answers.
   */
  private whenGone(res: http.ServerResponse, release: () => void): void {
    const socket = res.req.socket;
    let set = this.onSocketClose.get(socket);
    if (!set) {
      const fresh = new Set<() => void>();
      set = fresh;
      this.onSocketClose.set(socket, fresh);
      socket.once('close', () => {
        for (const fn of [...fresh]) fn();
        fresh.clear();
      });
    }
    const pending = set;
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      pending.delete(once);
      release();
    };
    pending.add(once);
    res.once('finish', once);
    res.once('close', once);
    if (socket.destroyed) once();
  }

  /** Streamed answers' pending bytes and progress, per response (writePiece). */
  private readonly streams = new WeakMap<
    http.ServerResponse,
    { pending: number; lastProgress: number; timer: NodeJS.Timeout | null; gone: boolean }
  >();

  /**
   * A piece of a streamed guest answer (its guest still running): held in the budget
   * until the kernel takes it, with the same two bounds as writeBody. A piece that would
   * pass the budget, or a client that takes nothing for progressMs while pieces wait,
   * cuts the connection (the guest cannot be paused; what it writes is capped by its
   * response cap). `end` finishes the response after this piece.
   */
  writePiece(res: http.ServerResponse, bytes: Uint8Array, end = false): void {
    if (res.destroyed) return;
    let st = this.streams.get(res);
    if (!st) {
      const state = { pending: 0, lastProgress: performance.now(), timer: null as NodeJS.Timeout | null, gone: false };
      st = state;
      this.streams.set(res, state);
      // Whatever is still pending when the answer ends or is abandoned is released then.
      this.whenGone(res, () => {
        state.gone = true;
        this.held -= state.pending;
        state.pending = 0;
        if (state.timer) clearTimeout(state.timer);
      });
    }
    const state = st;
    if (state.gone) return;
    if (bytes.length > 0 && this.refuses(bytes.length)) {
      this.log(
        `server busy: a ${bytes.length}-byte piece of a streamed response would pass the budget of ${this.max} bytes (${this.held} held): connection cut`,
      );
      res.destroy();
      return;
    }
    // In WRITE_CHUNK parts, each with its callback: progress is seen part by part, so a
    // slow but steady reader of a large piece is never cut.
    for (let at = 0; at < bytes.length || (at === 0 && end); at += WRITE_CHUNK) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + WRITE_CHUNK));
      const n = part.length;
      state.pending += n;
      this.held += n;
      if (this.held > this.peak) this.peak = this.held;
      let taken = false;
      const written = () => {
        if (taken || state.gone) return;
        taken = true;
        state.pending -= n;
        this.held -= n;
        state.lastProgress = performance.now();
      };
      const last = at + WRITE_CHUNK >= bytes.length;
      if (end && last) res.end(part, written);
      else res.write(part, written);
      if (last) break;
    }
    if (!state.timer && res.writableLength > 0) {
      const check = () => {
        state.timer = null;
        if (res.destroyed || res.writableLength === 0) return;
        const idle = performance.now() - state.lastProgress;
        if (idle < this.progressMs) {
          state.timer = setTimeout(check, this.progressMs - idle).unref();
          return;
        }
        this.log(`client took no response bytes for ${this.progressMs} ms: connection closed`);
        res.destroy();
      };
      state.timer = setTimeout(check, this.progressMs).unref();
    }
  }

  /**
   * Writes `body` as the end of `res`; a guest's answer (`counted`) holds its bytes in
   * the budget until sent or abandoned. The server's own short answers (errors, 503s)
   * are not counted: refusing them would leave a client with no answer at all.
   */
  writeBody(res: http.ServerResponse, body: Uint8Array, counted: boolean): void {
    const bytes = counted ? body.length : 0;
    this.held += bytes;
    if (this.held > this.peak) this.peak = this.held;
    const socket = res.req.socket;
    let timer: NodeJS.Timeout | null = null;
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      this.held -= bytes;
      if (timer) clearTimeout(timer);
      this.progress.set(socket, performance.now());
    };
    this.whenGone(res, release);
    const progressed = () => this.progress.set(socket, performance.now());
    const watch = () => {
      if (done || timer) return;
      this.progress.set(socket, performance.now());
      const check = () => {
        if (done) return;
        const idle = performance.now() - (this.progress.get(socket) ?? 0);
        if (idle < this.progressMs) {
          timer = setTimeout(check, this.progressMs - idle).unref();
          return;
        }
        this.log(`client took no response bytes for ${this.progressMs} ms: connection closed`);
        socket.destroy();
      };
      timer = setTimeout(check, this.progressMs).unref();
    };
    if (body.length <= WRITE_CHUNK) {
      res.end(body);
      // Taken by the kernel at once (the usual case) or still waiting somewhere?
      if (!done && (res.socket === null || res.socket.writableLength > 0)) watch();
      return;
    }
    let offset = 0;
    const pump = () => {
      while (offset < body.length && !done) {
        const piece = body.subarray(offset, Math.min(offset + WRITE_CHUNK, body.length));
        offset += piece.length;
        if (!res.write(piece, progressed) && offset < body.length) {
          res.once('drain', pump);
          return;
        }
      }
      if (!done) res.end();
    };
    watch();
    pump();
  }
}

/** One app as the core runs it: its module, argv[0], filesystem and where it is mounted. */
export interface WagiTarget {
  /** The preview1 module; unused when `component` is set. */
  module: WebAssembly.Module | null;
  /** A wasi:http component app (component/serve.ts): answered through its ComponentExecutor, not CGI. */
  component?: ComponentTarget;
  /** argv[0] the guest sees. */
  name: string;
  fs?: GuestFs;
  /** CGI SCRIPT_NAME: the route the app is mounted at ('' for the root). */
  scriptName: string;
}

export interface WagiCoreOptions {
  executor: Executor;
  /** Request body cap (default 16 MiB): a streamed component body past it gets a 413, or a cut response. */
  maxBodyBytes?: number;
  log: (reason: string) => void;
  maxPendingResponseBytes?: number;
  sendProgressTimeoutMs?: number;
  /** Port the guests see as SERVER_PORT (filled once the listener is up). */
  port: () => number;
}

/**
 * What every WAGI listener shares, whatever it routes: running a request's guest
 * through the executor, turning its CGI output into a response (or a 500/504 with the
 * reason), the response budget, and writing answers that can never throw. The
 * single-app server below and the multi-app host (serve/host.ts) both answer through it.
 */
export interface WagiCore {
  budget: ResponseBudget;
  /**
   * Runs `target` for the request (path and query already routed) with its body (null:
   * a component's, read as its guest asks: readAndRun); answers `res`. `startedAt` adds
   * a `dispatch` phase (server time outside the instance).
   */
  run(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer | null,
    target: WagiTarget,
    path: string,
    query: string,
    startedAt?: bigint,
  ): void;
  sendPlain(res: http.ServerResponse, status: number, text: string, extra?: Array<[string, string]>): void;
  overloaded(res: http.ServerResponse, why: string): void;
}

export function createWagiCore(opts: WagiCoreOptions): WagiCore {
  const log = opts.log;
  const budget = new ResponseBudget(
    opts.maxPendingResponseBytes ?? DEFAULT_MAX_PENDING,
    opts.sendProgressTimeoutMs ?? DEFAULT_SEND_PROGRESS_MS,
    log,
  );

  /** Writes a whole response; whatever goes wrong is logged and ends the connection, never the process. */
  const send = (
    res: http.ServerResponse,
    status: number,
    fields: ReadonlyArray<readonly [string, string]>,
    body: Uint8Array | string,
    fromGuest = false,
    fallback = true,
    trailers?: ReadonlyArray<readonly [string, string]>,
  ): void => {
    if (res.headersSent || res.destroyed) return;
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    try {
      const flat = flatPairs(fields);
      // A component's trailers need chunked framing (no length), announced in Trailer; Node
      // writes them after the body. Where there is none (HTTP/1.0, HEAD, 204/304) they are dropped.
      const withTrailers =
        trailers !== undefined && trailers.length > 0 && status !== 204 && status !== 304 && canChunk(res.req);
      if (withTrailers) {
        flat.push('trailer', [...new Set(trailers.map(([n]) => n))].join(', '));
        res.addTrailers(trailers.map(([n, v]): [string, string] => [n, v]));
      }
      // 204 and 304 carry no body and (204) must not say a length; Node drops their body itself.
      else if (status !== 204 && status !== 304) flat.push('content-length', String(bytes.length));
      res.writeHead(status, flat);
      budget.writeBody(res, bytes, fromGuest);
    } catch (e) {
      log(`could not write the response: ${(e as Error).message}`);
      res.statusMessage = ''; // the failed writeHead's, else the fallback's status line would say it
      if (res.headersSent || !fallback) res.destroy();
      else send(res, 500, [['content-type', 'text/plain']], 'could not write the response\n', false, false);
    }
  };
  const sendPlain = (
    res: http.ServerResponse,
    status: number,
    text: string,
    extra: Array<[string, string]> = [],
  ): void => send(res, status, [['content-type', 'text/plain'], ...extra], text);
  const overloaded = (res: http.ServerResponse, why: string): void => {
    log(why);
    sendPlain(res, 503, `${why}\n`, [['retry-after', String(budget.retryAfterSeconds)]]);
  };

  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  /**
   * A component app's answer. The response streams once the guest has a head and a
   * reason to (a wait, a megabyte, time: host.ts, Scope.emit): StreamedAnswer writes
   * head and pieces as they come, the rest and the trailers (Server-Timing among them)
   * when the guest returns. A guest failing after its head went out can only cut it.
   */
  const answerComponent = async (
    { serveComponent, componentResponseFields, StreamedAnswer }: ComponentServing,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer | null,
    target: WagiTarget,
    path: string,
    query: string,
    startedAt: bigint | undefined,
  ): Promise<void> => {
    const tap = new StreamedAnswer(req, res, budget, (why) => log(`${target.name}: ${why}`));
    // A body that passes the cap after its guest answered: the answer is finished, then the connection closed.
    const overCap = () => {
      const close = () => req.socket?.destroy();
      if (res.writableFinished || res.destroyed) close();
      else {
        res.once('finish', close);
        res.once('close', close);
      }
    };
    let r: ComponentAnswer;
    try {
      r = await serveComponent(target.component!, req, body, path, query, startedAt, {
        tap,
        ...(body === null ? { body: { readable: req, maxBytes: maxBody, overCap } } : {}),
      });
    } catch (e) {
      log(`executor failed: ${(e as Error).message}`);
      if (tap.started) return tap.cut();
      return sendPlain(res, 500, `executor failed: ${(e as Error).message}\n`);
    }
    if (r.failure) log(r.failure);
    if (r.requestTooLarge)
      log(`${target.name}: request body larger than ${maxBody} bytes: ${res.headersSent ? 'response cut' : '413'}`);
    if (tap.started) {
      // Streamed: the guest's good end finishes the response; anything else cuts it.
      if (!r.fromGuest || r.requestTooLarge) return tap.cut();
      return tap.finish(r.body, r.trailers ?? [], r.timing);
    }
    if (r.requestTooLarge) {
      res.shouldKeepAlive = false;
      return sendPlain(res, 413, `request body larger than ${maxBody} bytes\n`, [['connection', 'close']]);
    }
    // A head the tap kept (HEAD, HTTP/1.0, 204/304 cannot stream): the pieces it kept, then the rest.
    const whole = tap.kept && r.fromGuest ? Buffer.concat([...tap.kept, r.body]) : r.body;
    if (r.fromGuest && budget.refuses(whole.length))
      return overloaded(
        res,
        `server busy: a ${whole.length}-byte response would pass the budget of ${budget.max} bytes (${budget.held} held)`,
      );
    send(res, r.status, componentResponseFields(r), whole, r.fromGuest, true, r.trailers);
  };

  const run = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer | null,
    target: WagiTarget,
    path: string,
    query: string,
    startedAt?: bigint,
  ): void => {
    if (budget.full())
      return overloaded(
        res,
        `server busy: ${budget.held} bytes of responses wait for their clients (budget ${budget.max})`,
      );
    if (target.component) {
      void loadComponentServing()
        .then((serving) => answerComponent(serving, req, res, body, target, path, query, startedAt))
        .catch((e: Error) => {
          log(`request failed: ${e.message}`);
          res.destroy();
        });
      return;
    }
    if (body === null) throw new Error(`app ${target.name}: a preview1 module takes its body whole`);
    const headers = flatHeaders(req.headers);
    const fnReq: FunctionRequest = { method: req.method ?? 'GET', path, query, headers, body };
    const env = cgiEnvironment(fnReq, {
      serverName: '127.0.0.1',
      serverPort: opts.port(),
      remoteAddr: req.socket.remoteAddress ?? '127.0.0.1',
      scriptName: target.scriptName,
    });
    let running: Promise<ExecOutcome>;
    try {
      if (!target.module) throw new Error(`app ${target.name} has no module`);
      running = opts.executor.execute(target.module, {
        args: [target.name],
        env,
        stdin: fnReq.body,
        ...(target.fs ? { fs: target.fs } : {}),
      });
    } catch (e) {
      running = Promise.reject(e);
    }
    running
      .then(
        (outcome) => {
          const phases = withDispatch(
            [
              { phase: 'instantiate', ns: outcome.instantiateNs },
              { phase: 'run', ns: outcome.runNs },
            ],
            startedAt,
          );
          const timing: [string, string] = ['server-timing', formatServerTiming(phases)];
          const failure = describeFailure(outcome);
          if (failure) {
            log(failure);
            return sendPlain(res, outcome.end.kind === 'timeout' ? 504 : 500, `${failure}\n`, [timing]);
          }
          const parsed = parseCgiOutput(outcome.stdout);
          if (!parsed.ok) {
            log(parsed.reason);
            return sendPlain(res, 500, `${parsed.reason}\n`, [timing]);
          }
          if (budget.refuses(parsed.response.body.length)) {
            return overloaded(
              res,
              `server busy: a ${parsed.response.body.length}-byte response would pass the budget of ${budget.max} bytes (${budget.held} held)`,
            );
          }
          // Server-Timing is the server's measurement: a guest's own is not passed on.
          send(
            res,
            parsed.response.status,
            [...parsed.fields.filter(([n]) => n !== 'server-timing'), timing],
            parsed.response.body,
            true,
          );
        },
        (e: Error) => {
          log(`executor failed: ${e.message}`);
          // An executor refusing work because all its threads are busy and its queue is full: 503.
          sendPlain(res, e.name === 'ExecutorOverloaded' ? 503 : 500, `executor failed: ${e.message}\n`);
        },
      )
      .catch((e: unknown) => {
        log(`request failed: ${(e as Error)?.message ?? String(e)}`);
        res.destroy();
      });
  };
  return { budget, run, sendPlain, overloaded };
}

/**
 * Reads a request body up to `maxBody` bytes (runtimes/shared/http.ts's reader, as the
 * Lambda servers'). A declared Content-Length over the limit is refused before a byte
 * of the body is read; a body that grows past it (chunked) stops being read there.
 * Either way `tooLarge` is set and the connection must be closed after the answer (its
 * unread rest cannot be parsed as the next request). A request that fails while its
 * body is read (the client went away) is never answered.
 */
export function readBody(
  req: http.IncomingMessage,
  maxBody: number,
  done: (body: Buffer, tooLarge: boolean) => void,
): void {
  // No Content-Length (or 0) and no Transfer-Encoding: the request has no body (RFC 9112
  // 6.3). The usual GET is answered at once, with no stream events, promise or tick to
  // wait for; Node drains the empty stream itself.
  const declared = req.headers['content-length'];
  if ((declared === undefined || declared === '0') && req.headers['transfer-encoding'] === undefined) {
    req.resume();
    return done(NO_BODY, false);
  }
  readBodyLimited(req, maxBody).then(
    ({ body, tooLarge }) => done(body, tooLarge),
    () => {},
  );
}

const NO_BODY = Buffer.alloc(0);

/** The request says it has a body (a length above 0, or chunked framing). */
function hasBody(req: http.IncomingMessage): boolean {
  const declared = req.headers['content-length'];
  return (declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Runs the target with the request's body: read whole first for a preview1 module (its
 * stdin), streamed in as the guest reads it for a component with a body (a declared
 * length over the cap is refused at once either way). A 413 closes the connection.
 */
export function readAndRun(
  core: WagiCore,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  target: WagiTarget,
  maxBody: number,
  path: string,
  query: string,
  log: (reason: string) => void,
  startedAt?: bigint,
): void {
  const refuse = () => {
    log(`${target.name}: request body over ${maxBody} bytes: 413`);
    refuseTooLarge(core, res, maxBody);
  };
  if (target.component && hasBody(req)) {
    const declared = req.headers['content-length'];
    if (declared !== undefined && /^[0-9]+$/.test(declared) && Number(declared) > maxBody) {
      req.pause();
      return refuse();
    }
    return core.run(req, res, null, target, path, query, startedAt);
  }
  readBody(req, maxBody, (body, tooLarge) => {
    try {
      if (tooLarge) return refuse();
      core.run(req, res, body, target, path, query, startedAt);
    } catch (e) {
      log(`request failed: ${(e as Error).message}`);
      res.destroy();
    }
  });
}

/** The 413 for a body over the limit; the connection closes after it (its body was not read). */
export function refuseTooLarge(core: WagiCore, res: http.ServerResponse, maxBody: number): void {
  res.shouldKeepAlive = false;
  core.sendPlain(res, 413, `request body larger than ${maxBody} bytes\n`, [['connection', 'close']]);
}

export async function startWagiServer(opts: WagiServerOptions): Promise<WagiServer> {
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const log = opts.onGuestError ?? ((r: string) => process.stderr.write(`faasbench wasm: ${r}\n`));
  let port = 0;
  const core = createWagiCore({
    executor: opts.executor,
    log,
    maxBodyBytes: maxBody,
    ...(opts.maxPendingResponseBytes !== undefined ? { maxPendingResponseBytes: opts.maxPendingResponseBytes } : {}),
    ...(opts.sendProgressTimeoutMs !== undefined ? { sendProgressTimeoutMs: opts.sendProgressTimeoutMs } : {}),
    port: () => port,
  });
  const target: WagiTarget = {
    module: opts.module,
    name: opts.name,
    scriptName: '',
    ...(opts.fs ? { fs: opts.fs } : {}),
  };

  const server = http.createServer((req, res) => {
    // A write error on a connection the client dropped is that connection's end, nothing more.
    res.on('error', () => {});
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      readAndRun(core, req, res, target, maxBody, q < 0 ? url : url.slice(0, q), q < 0 ? '' : url.slice(q + 1), log);
    } catch (e) {
      log(`request failed: ${(e as Error).message}`);
      res.destroy();
    }
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    pendingResponseBytes: () => ({ now: core.budget.held, peak: core.budget.peak }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
