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
// can escape: it is logged and the connection closed.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { cgiEnvironment, parseCgiOutput } from '../shared/cgi.js';
import { formatServerTiming } from '../shared/http.js';
import type { FunctionRequest } from '../types.js';
import type { ExecOutcome, Executor, GuestFs } from './executor.js';

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
class ResponseBudget {
  held = 0;
  peak = 0;
  private readonly progress = new WeakMap<Socket, number>();

  constructor(readonly max: number, readonly progressMs: number, private readonly log: (reason: string) => void) {}

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
    res.once('finish', release);
    res.once('close', release);
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

/** Header fields as Node's raw list (name, value, name, value...): repeated names stay separate lines. */
function flatFields(fields: ReadonlyArray<readonly [string, string]>): string[] {
  const flat: string[] = [];
  for (const [name, value] of fields) flat.push(name, value);
  return flat;
}

export async function startWagiServer(opts: WagiServerOptions): Promise<WagiServer> {
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const log = opts.onGuestError ?? ((r: string) => process.stderr.write(`faasbench wasm: ${r}\n`));
  const budget = new ResponseBudget(opts.maxPendingResponseBytes ?? DEFAULT_MAX_PENDING, opts.sendProgressTimeoutMs ?? DEFAULT_SEND_PROGRESS_MS, log);
  let port = 0;

  /** Writes a whole response; whatever goes wrong is logged and ends the connection, never the process. */
  const send = (res: http.ServerResponse, status: number, fields: ReadonlyArray<readonly [string, string]>, body: Uint8Array | string, fromGuest = false, fallback = true): void => {
    if (res.headersSent || res.destroyed) return;
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    try {
      const flat = flatFields(fields);
      // 204 and 304 carry no body and (204) must not say a length; Node drops their body itself.
      if (status !== 204 && status !== 304) flat.push('content-length', String(bytes.length));
      res.writeHead(status, flat);
      budget.writeBody(res, bytes, fromGuest);
    } catch (e) {
      log(`could not write the response: ${(e as Error).message}`);
      if (res.headersSent || !fallback) res.destroy();
      else send(res, 500, [['content-type', 'text/plain']], 'could not write the response\n', false, false);
    }
  };
  const sendPlain = (res: http.ServerResponse, status: number, text: string, extra: Array<[string, string]> = []): void =>
    send(res, status, [['content-type', 'text/plain'], ...extra], text);
  const overloaded = (res: http.ServerResponse, why: string): void => {
    log(why);
    sendPlain(res, 503, `${why}\n`, [['retry-after', String(budget.retryAfterSeconds)]]);
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void => {
    if (budget.full()) return overloaded(res, `server busy: ${budget.held} bytes of responses wait for their clients (budget ${budget.max})`);
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const fnReq: FunctionRequest = {
      method: req.method ?? 'GET',
      path: q < 0 ? target : target.slice(0, q),
      query: q < 0 ? '' : target.slice(q + 1),
      headers,
      body,
    };
    const env = cgiEnvironment(fnReq, { serverName: '127.0.0.1', serverPort: port, remoteAddr: req.socket.remoteAddress ?? '127.0.0.1', scriptName: '' });
    let running: Promise<ExecOutcome>;
    try {
      running = opts.executor.execute(opts.module, { args: [opts.name], env, stdin: fnReq.body, ...(opts.fs ? { fs: opts.fs } : {}) });
    } catch (e) {
      running = Promise.reject(e);
    }
    running
      .then(
        (outcome) => {
          const timing: [string, string] = ['server-timing', formatServerTiming([
            { phase: 'instantiate', ns: outcome.instantiateNs },
            { phase: 'run', ns: outcome.runNs },
          ])];
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
            return overloaded(res, `server busy: a ${parsed.response.body.length}-byte response would pass the budget of ${budget.max} bytes (${budget.held} held)`);
          }
          // Server-Timing is the server's measurement: a guest's own is not passed on.
          send(res, parsed.response.status, [...parsed.fields.filter(([n]) => n !== 'server-timing'), timing], parsed.response.body, true);
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

  const server = http.createServer((req, res) => {
    // A write error on a connection the client dropped is that connection's end, nothing more.
    res.on('error', () => {});
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        if (tooLarge) return sendPlain(res, 413, `request body larger than ${maxBody} bytes\n`);
        handle(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      } catch (e) {
        log(`request failed: ${(e as Error).message}`);
        res.destroy();
      }
    });
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
    pendingResponseBytes: () => ({ now: budget.held, peak: budget.peak }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
