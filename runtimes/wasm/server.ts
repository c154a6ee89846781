// The WAGI HTTP trigger: every request gets a fresh instance of the function's
// module, its metadata as CGI variables, its body on stdin; the guest's CGI output
// becomes the response. A failing guest gets the client a 500 (504 past its
// deadline) with the reason logged, and the server goes on serving.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
}

export interface WagiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 16 * 2 ** 20;

export function describeFailure(o: ExecOutcome): string | null {
  if (o.end.kind === 'exit') {
    if (o.end.code === 0) return null;
    const err = Buffer.from(o.stderr.subarray(0, 200)).toString('utf8').trim();
    return `guest exited with code ${o.end.code}${err ? `: ${err}` : ''}`;
  }
  return o.end.message;
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: Uint8Array | string): void {
  res.writeHead(status, headers);
  res.end(body);
}

export async function startWagiServer(opts: WagiServerOptions): Promise<WagiServer> {
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const log = opts.onGuestError ?? ((r: string) => process.stderr.write(`faasbench wasm: ${r}\n`));
  let port = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) return send(res, 413, { 'content-type': 'text/plain' }, `request body larger than ${maxBody} bytes\n`);
      const target = req.url ?? '/';
      const q = target.indexOf('?');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const fnReq: FunctionRequest = {
        method: req.method ?? 'GET',
        path: q < 0 ? target : target.slice(0, q),
        query: q < 0 ? '' : target.slice(q + 1),
        headers,
        body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
      };
      const env = cgiEnvironment(fnReq, { serverName: '127.0.0.1', serverPort: port, remoteAddr: req.socket.remoteAddress ?? '127.0.0.1', scriptName: '' });
      opts.executor.execute(opts.module, { args: [opts.name], env, stdin: fnReq.body, ...(opts.fs ? { fs: opts.fs } : {}) }).then(
        (outcome) => {
          const timing = formatServerTiming([
            { phase: 'instantiate', ns: outcome.instantiateNs },
            { phase: 'run', ns: outcome.runNs },
          ]);
          const failure = describeFailure(outcome);
          if (failure) {
            log(failure);
            const status = outcome.end.kind === 'timeout' ? 504 : 500;
            return send(res, status, { 'content-type': 'text/plain', 'server-timing': timing }, `${failure}\n`);
          }
          const parsed = parseCgiOutput(outcome.stdout);
          if (!parsed.ok) {
            log(parsed.reason);
            return send(res, 500, { 'content-type': 'text/plain', 'server-timing': timing }, `${parsed.reason}\n`);
          }
          send(res, parsed.response.status, { ...parsed.response.headers, 'server-timing': timing }, parsed.response.body);
        },
        (e: Error) => {
          log(`executor failed: ${e.message}`);
          // An executor refusing work because all its threads are busy and its queue is full: 503.
          send(res, e.name === 'ExecutorOverloaded' ? 503 : 500, { 'content-type': 'text/plain' }, `executor failed: ${e.message}\n`);
        },
      );
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
