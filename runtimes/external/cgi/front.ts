// The CGI front: a small HTTP server, in its own process, that runs a command once per
// request the classic CGI way (RFC 3875: request in environment variables, body on
// stdin, header block + body on stdout). It is how the `wasmtime` and `wazero` runtimes
// serve preview1 WAGI modules: `wasmtime run …/wazero run … fn.wasm` per request, the
// process-per-request baseline beside the reference runtime's instance per request.
// It is also a building block for the `command` runtime ({faasbench-cgi} in a template).
//
//   node front.js --listen 127.0.0.1:PORT [--deadline-ms 10000] [--max-procs 64] -- COMMAND ARGS…
//
// The command gets exactly the CGI environment (runtimes/shared/cgi.ts, the same
// variables the reference runtime gives its guests), so a Wasm runtime told to pass
// its environment through (wasmtime `-S inherit-env`, wazero `-env-inherit`) hands the
// guest what a WAGI host would. Its output is parsed by the same parser as the
// reference runtime's (runtimes/shared/cgi.ts): a malformed block is a 500 with the
// reason, a command past the deadline is killed with its process group and answered
// 504, a non-zero exit is a 500 with the end of its stderr. The answer carries
// Server-Timing `spawn` (fork+exec) and `process` (spawn → exit, output read), the
// server's own view of the per-request cold start.
//
// Prints `faasbench-cgi-front listening on http://HOST:PORT` once it accepts requests.
// Exits when its parent dies (its parent pid changes), on SIGTERM/SIGINT, and then
// kills any command still running (runtimes/process/cgi.ts's exit hook).

import { realpathSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { formatServerTiming, functionRequestOf, readBodyLimited } from '../../shared/http.js';
import { runCgiProcess, CgiProcessError } from '../../process/cgi.js';

export const READY_PREFIX = 'faasbench-cgi-front listening on ';

export interface FrontOptions {
  host: string;
  port: number;
  deadlineMs: number;
  /** Commands running at once; more requests wait their turn (a CGI server's process limit). */
  maxProcs: number;
  maxBodyBytes: number;
  command: string;
  args: string[];
}

export function parseFrontArgs(argv: string[]): FrontOptions {
  const sep = argv.indexOf('--');
  if (sep < 0 || sep === argv.length - 1)
    throw new Error(
      'usage: front --listen HOST:PORT [--deadline-ms N] [--max-procs N] [--max-body BYTES] -- COMMAND ARGS…',
    );
  const flags = argv.slice(0, sep);
  const o: FrontOptions = {
    host: '127.0.0.1',
    port: 0,
    deadlineMs: 10_000,
    maxProcs: 64,
    maxBodyBytes: 64 * 2 ** 20,
    command: argv[sep + 1]!,
    args: argv.slice(sep + 2),
  };
  for (let i = 0; i < flags.length; i += 2) {
    const [flag, value] = [flags[i]!, flags[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const n = Number(value);
    if (flag === '--listen') {
      const m = /^(.+):(\d+)$/.exec(value);
      if (!m) throw new Error(`--listen wants HOST:PORT, not ${value}`);
      o.host = m[1]!;
      o.port = Number(m[2]);
    } else if (flag === '--deadline-ms' && n > 0) o.deadlineMs = n;
    else if (flag === '--max-procs' && Number.isInteger(n) && n > 0) o.maxProcs = n;
    else if (flag === '--max-body' && Number.isInteger(n) && n >= 0) o.maxBodyBytes = n;
    else throw new Error(`unknown flag or bad value: ${flag} ${value}`);
  }
  return o;
}

/** A counting semaphore: at most `n` commands run at once, the rest wait in order. */
function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (job) => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await job();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

function plain(res: http.ServerResponse, status: number, text: string, timing?: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...(timing ? { 'server-timing': timing } : {}) });
  res.end(text.endsWith('\n') ? text : `${text}\n`);
}

export function startFront(o: FrontOptions): Promise<http.Server> {
  const limit = limiter(o.maxProcs);
  const server = http.createServer((req, res) => {
    // The shared reader: a declared or grown body over the limit is a 413 (connection closed), the rest unread.
    readBodyLimited(req, o.maxBodyBytes).then(
      ({ body, tooLarge }) => {
        if (tooLarge) {
          res.shouldKeepAlive = false;
          return plain(res, 413, `request body over ${o.maxBodyBytes} bytes`);
        }
        const request = functionRequestOf(req, body);
        const serverInfo = {
          serverName: o.host,
          serverPort: o.port,
          remoteAddr: req.socket.remoteAddress ?? '127.0.0.1',
          scriptName: '',
        };
        limit(() => runCgiProcess(o.command, request, { args: o.args, timeoutMs: o.deadlineMs, serverInfo })).then(
          (r) => {
            const timing = formatServerTiming([
              { phase: 'spawn', ns: r.spawnNs },
              { phase: 'process', ns: r.totalNs },
            ]);
            // The command's header lines as written (repeats kept: several Set-Cookie stay several);
            // Server-Timing is the server's measurement: a guest's own is not passed on.
            const raw = r.fields.filter(([n]) => n !== 'server-timing').flatMap(([n, v]) => [n, v]);
            res.writeHead(r.status, [...raw, 'server-timing', timing]);
            res.end(r.body);
          },
          (e: Error) => {
            const timedOut = e instanceof CgiProcessError && /timed out after/.test(e.message);
            plain(res, timedOut ? 504 : 500, e.message);
          },
        );
      },
      () => {},
    ); // the client went away while sending: nobody to answer
  });
  // Many short requests on kept-alive connections, as the harness sends them.
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve(server));
  });
}

async function main(): Promise<void> {
  let o: FrontOptions;
  try {
    o = parseFrontArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`faasbench-cgi-front: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const server = await startFront(o);
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  o.port = port;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
  // Orphaned (the harness was killed): reparenting means the parent is gone.
  const parent = process.ppid;
  if (parent > 1)
    setInterval(() => {
      if (process.ppid !== parent) process.exit(0);
    }, 500).unref();
  process.stdout.write(`${READY_PREFIX}http://${o.host}:${port}\n`);
}

// Run as a program (not when imported by a test).
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: Error) => {
    process.stderr.write(`faasbench-cgi-front: ${e.message}\n`);
    process.exit(1);
  });
}
