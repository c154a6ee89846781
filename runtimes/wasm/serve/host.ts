// The multi-app WAGI host behind `faasbench serve`: one HTTP listener, any number of
// deployed preview1 apps, a fresh instance per request (through the same core as the
// one-app server, ../server.ts, so every promise about guest output, budgets and
// failures holds here too).
//
// Routing: a Host header whose first label names an app (`hello.localhost:8080`) goes
// to that app with the path untouched (SCRIPT_NAME ""); otherwise the first path
// segment names it (`/hello/x?y` → app hello, SCRIPT_NAME /hello, PATH_INFO /x). App
// names start with a letter, so an IP address's first label never names one.
// /.faasbench/health answers JSON with the app count. Anything else is a 404.
//
// Bad input, each answered, logged once and never able to take the host down:
//   - a body over maxBodyBytes: 413 without reading it (or past the limit when
//     chunked), connection closed after it;
//   - a client that does not finish its headers within headersTimeoutMs: 408, closed
//     (Node's own headers timer, checked every connectionsCheckingInterval);
//   - connections beyond maxConnections: their requests get 503 and the connection is
//     closed, so a flood of idle sockets cannot starve the listener of fds;
//   - shutdown (SIGINT/SIGTERM in the CLI): the listener closes, idle connections
//     close, requests already running finish, new ones on open connections get 503;
//     after graceMs whatever is left is cut, so shutdown never hangs.
//
// Memory per deployed app is a Map entry and its compiled module (V8 shares the code
// of modules with identical bytes), nothing per connection or per listener.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Executor, GuestFs } from '../executor.js';
import { createWagiCore, readAndRun, type WagiTarget } from '../server.js';
import type { ComponentTarget } from '../component/serve.js';

export interface ServeApp {
  name: string;
  /** The preview1 module; null for a component app. */
  module: WebAssembly.Module | null;
  /** A wasi:http component app: served through its ComponentExecutor (component/serve.ts). */
  component?: ComponentTarget;
  fs?: GuestFs;
  /** argv[0] the guest sees (default: the app name). */
  argv0?: string;
}

export interface ServeHostOptions {
  executor: Executor;
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** Request bodies above this get 413 (default 16 MiB). */
  maxBodyBytes?: number;
  /** A client must send its whole header block within this (default 10 s). */
  headersTimeoutMs?: number;
  /** Open connections at most; requests on connections past it get 503 (default 10,000). */
  maxConnections?: number;
  /** Idle keep-alive connections close after this (default 30 s). */
  keepAliveTimeoutMs?: number;
  maxPendingResponseBytes?: number;
  sendProgressTimeoutMs?: number;
  /** One line per failure (default: stderr, prefixed "faasbench serve: "). */
  log?: (line: string) => void;
}

export interface ShutdownResult {
  /** Requests that were running when shutdown began and finished within the grace time. */
  finished: number;
  /** Requests still running when the grace time ran out: their connections were closed. */
  cut: number;
}

export interface ServeHost {
  readonly url: string;
  readonly port: number;
  /** Adds an app; throws DuplicateAppError if one of that name is deployed. */
  deploy(app: ServeApp): void;
  /** Removes an app (its requests already running finish); returns it, or undefined. */
  undeploy(name: string): ServeApp | undefined;
  apps(): number;
  inFlight(): number;
  connections(): number;
  /** Stops taking work, lets running requests finish for up to graceMs, then closes everything. */
  shutdown(graceMs?: number): Promise<ShutdownResult>;
}

export const HEALTH_PATH = '/.faasbench/health';
/** A DNS label that starts with a letter (so a Host header's IP address never names an app). */
export const APP_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export class DuplicateAppError extends Error {
  override name = 'DuplicateAppError';
}

export class AppNameError extends Error {
  override name = 'AppNameError';
}

export function checkAppName(name: string): void {
  if (!APP_NAME.test(name))
    throw new AppNameError(
      `app name ${JSON.stringify(name)} is not valid: lower-case letters, digits and '-', starting with a letter, at most 63 characters`,
    );
}

const DEFAULTS = {
  maxBodyBytes: 16 * 2 ** 20,
  headersTimeoutMs: 10_000,
  maxConnections: 10_000,
  keepAliveTimeoutMs: 30_000,
};

interface Routed {
  app: ServeApp;
  target: WagiTarget;
}

export async function startServeHost(opts: ServeHostOptions): Promise<ServeHost> {
  const maxBody = opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const headersTimeout = opts.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs;
  const maxConnections = opts.maxConnections ?? DEFAULTS.maxConnections;
  const log = opts.log ?? ((l: string) => process.stderr.write(`faasbench serve: ${l}\n`));
  let port = 0;
  const core = createWagiCore({
    executor: opts.executor,
    log,
    maxBodyBytes: maxBody,
    ...(opts.maxPendingResponseBytes !== undefined ? { maxPendingResponseBytes: opts.maxPendingResponseBytes } : {}),
    ...(opts.sendProgressTimeoutMs !== undefined ? { sendProgressTimeoutMs: opts.sendProgressTimeoutMs } : {}),
    port: () => port,
  });
  // Two targets per app, built once at deploy: mounted at /NAME (path routing) and at the root (Host routing).
  const byName = new Map<string, { path: Routed; host: Routed }>();
  let draining = false;
  let inFlight = 0;
  let open = 0;
  const overLimit = new WeakSet<Socket>();
  let drained: (() => void) | null = null;

  const refuse = (
    res: http.ServerResponse,
    status: number,
    text: string,
    extra: Array<[string, string]> = [],
  ): void => {
    res.shouldKeepAlive = false;
    core.sendPlain(res, status, text, [...extra, ['connection', 'close']]);
  };

  const server = http.createServer(
    // Node checks its headers timer every connectionsCheckingInterval: a fraction of the timeout keeps the cut close to it.
    {
      headersTimeout: headersTimeout,
      requestTimeout: Math.max(headersTimeout, 120_000),
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
    (req, res) => {
      res.on('error', () => {});
      inFlight++;
      res.once('close', () => {
        if (--inFlight === 0 && drained) drained();
        else if (draining) server.closeIdleConnections();
      });
      const startedAt = process.hrtime.bigint();
      try {
        if (draining) return refuse(res, 503, 'server shutting down\n', [['retry-after', '1']]);
        if (overLimit.has(req.socket)) {
          log(`connection limit of ${maxConnections} reached: 503`);
          return refuse(res, 503, `too many connections (limit ${maxConnections})\n`, [['retry-after', '1']]);
        }
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        const path = q < 0 ? url : url.slice(0, q);
        const query = q < 0 ? '' : url.slice(q + 1);
        let routed: Routed | undefined;
        let pathInfo = path;
        const host = req.headers.host;
        const dot = host ? host.indexOf('.') : -1;
        if (dot > 0) routed = byName.get(host!.slice(0, dot).toLowerCase())?.host;
        if (!routed) {
          if (path === HEALTH_PATH) {
            req.resume();
            return core.sendPlain(
              res,
              200,
              JSON.stringify({ status: 'ok', apps: byName.size, inFlight: inFlight - 1, connections: open }) + '\n',
              [
                ['content-type', 'application/json'],
                ['cache-control', 'no-store'],
              ],
            );
          }
          const slash = path.indexOf('/', 1);
          const name = slash < 0 ? path.slice(1) : path.slice(1, slash);
          routed = byName.get(name)?.path;
          if (!routed) {
            req.resume();
            return core.sendPlain(res, 404, `no app named ${JSON.stringify(name.slice(0, 64))} is deployed here\n`);
          }
          pathInfo = slash < 0 ? '/' : path.slice(slash);
        }
        const target = routed.target;
        readAndRun(core, req, res, target, maxBody, pathInfo, query, log, startedAt);
      } catch (e) {
        log(`request failed: ${(e as Error).message}`);
        res.destroy();
      }
    },
  );
  server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? DEFAULTS.keepAliveTimeoutMs;
  server.on('connection', (socket: Socket) => {
    if (++open > maxConnections) overLimit.add(socket);
    socket.once('close', () => void open--);
  });
  // Malformed requests and slow headers: Node's default answers (400/408/431), plus one log line.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE')
      log(
        timeout
          ? `client sent no complete request headers within ${headersTimeout} ms: 408, connection closed`
          : `bad request (${err.code ?? err.message}): connection closed`,
      );
    if (socket.writable && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      const status = timeout
        ? '408 Request Timeout'
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroySoon?.();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = (opts.host ?? '127.0.0.1').includes(':') ? `[${opts.host}]` : (opts.host ?? '127.0.0.1');

  return {
    url: `http://${shownHost}:${port}`,
    port,
    deploy(app) {
      checkAppName(app.name);
      if (byName.has(app.name)) throw new DuplicateAppError(`an app named ${app.name} is already deployed`);
      const base = {
        module: app.module,
        name: app.argv0 ?? app.name,
        ...(app.fs ? { fs: app.fs } : {}),
        ...(app.component ? { component: app.component } : {}),
      };
      byName.set(app.name, {
        path: { app, target: { ...base, scriptName: `/${app.name}` } },
        host: { app, target: { ...base, scriptName: '' } },
      });
    },
    undeploy(name) {
      const entry = byName.get(name);
      byName.delete(name);
      return entry?.path.app;
    },
    apps: () => byName.size,
    inFlight: () => inFlight,
    connections: () => open,
    async shutdown(graceMs = 1500) {
      if (draining) return { finished: 0, cut: 0 };
      draining = true;
      const running = inFlight;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      const cut = inFlight;
      if (cut > 0) log(`shutdown: ${cut} request(s) still running after ${graceMs} ms: connections closed`);
      server.closeAllConnections();
      await closed;
      return { finished: running - cut, cut };
    },
  };
}
