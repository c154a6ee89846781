// Runs a native CGI binary once for one request: the `native` variant's contract
// (CGI environment variables, body on stdin, CGI headers + body on stdout). The
// process and container adapters and `conform workloads` build on this.

import { spawn } from 'node:child_process';
import type { FunctionRequest, FunctionResponse } from '../types.js';
import { cgiEnvironment, parseCgiOutput, type CgiServerInfo } from '../shared/cgi.js';

export interface CgiProcessOptions {
  /** Kill the process after this many ms (default 30 s). */
  timeoutMs?: number;
  /** Kill the process once stdout exceeds this many bytes (default 64 MiB). */
  maxOutputBytes?: number;
  /** Kept stderr bytes, for error messages (default 64 KiB). */
  maxStderrBytes?: number;
  serverInfo?: CgiServerInfo;
  /** Extra variables added after the CGI ones (e.g. PATH for a shell script). */
  extraEnv?: Record<string, string>;
  cwd?: string;
  /** Arguments for the program (default none): e.g. `run … fn.wasm` when the "binary" is a Wasm runtime's CLI. */
  args?: string[];
}

export interface CgiProcessResult extends FunctionResponse {
  /** The header lines as the program wrote them, in order, repeats kept (several Set-Cookie stay several); `headers` joins repeats. */
  fields: Array<[name: string, value: string]>;
  /** spawn → process exit with all output read, in ns. */
  totalNs: number;
  /** spawn → the 'spawn' event (the exec has happened), in ns. */
  spawnNs: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: Uint8Array;
}

export class CgiProcessError extends Error {
  override name = 'CgiProcessError';
  constructor(
    message: string,
    readonly stderr: Uint8Array = new Uint8Array(),
  ) {
    super(message);
  }
}

// Each program runs in its own process group (so a kill reaches its children too),
// which also keeps it out of our terminal's Ctrl-C: groups still alive when we exit
// are killed here.
const liveGroups = new Set<number>();
let exitHook = false;
function track(pid: number): void {
  liveGroups.add(pid);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const g of liveGroups)
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        /* gone */
      }
  });
}

const DEFAULTS = { timeoutMs: 30_000, maxOutputBytes: 64 * 2 ** 20, maxStderrBytes: 64 * 2 ** 10 };

function envObject(req: FunctionRequest, opts: CgiProcessOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of cgiEnvironment(req, opts.serverInfo)) {
    const eq = kv.indexOf('=');
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { ...env, ...opts.extraEnv };
}

/**
 * Spawns `binaryPath` once with the request's CGI environment (and nothing else from
 * ours), writes the body to stdin and parses stdout as a CGI response. Rejects with a
 * CgiProcessError on timeout, output over the cap, a non-zero exit or malformed output.
 */
export function runCgiProcess(
  binaryPath: string,
  request: FunctionRequest,
  opts: CgiProcessOptions = {},
): Promise<CgiProcessResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULTS.timeoutMs;
  const maxOut = opts.maxOutputBytes ?? DEFAULTS.maxOutputBytes;
  const maxErr = opts.maxStderrBytes ?? DEFAULTS.maxStderrBytes;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let spawnNs = 0;
    const child = spawn(binaryPath, opts.args ?? [], {
      env: envObject(request, opts),
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group, so a kill also reaches anything the program started.
      detached: true,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let failure: string | null = null;
    const kill = (why: string) => {
      if (failure === null) failure = why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => kill(`timed out after ${timeoutMs} ms`), timeoutMs);
    child.on('spawn', () => {
      spawnNs = Number(process.hrtime.bigint() - t0);
      if (child.pid !== undefined) track(child.pid);
    });
    child.stdout.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes > maxOut) return kill(`stdout exceeded ${maxOut} bytes`);
      out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      if (errBytes < maxErr) err.push(b.subarray(0, maxErr - errBytes));
      errBytes += b.length;
    });
    // The guest may exit without reading its body (EPIPE): that is its right, not our error.
    child.stdin.on('error', () => {});
    child.stdin.end(Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CgiProcessError(`${binaryPath}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Children left behind holding no pipe would outlive us: the group goes with the leader.
      if (child.pid !== undefined) {
        liveGroups.delete(child.pid);
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      const totalNs = Number(process.hrtime.bigint() - t0);
      const stderr = new Uint8Array(Buffer.concat(err));
      const tail = stderr.length ? `; stderr: ${Buffer.from(stderr).toString('utf8').trim().slice(0, 200)}` : '';
      if (failure !== null) return reject(new CgiProcessError(`${binaryPath}: ${failure}${tail}`, stderr));
      if (code !== 0)
        return reject(
          new CgiProcessError(
            `${binaryPath}: exited with ${signal ? `signal ${signal}` : `code ${code}`}${tail}`,
            stderr,
          ),
        );
      const parsed = parseCgiOutput(new Uint8Array(Buffer.concat(out)));
      if (!parsed.ok) return reject(new CgiProcessError(`${binaryPath}: ${parsed.reason}${tail}`, stderr));
      resolve({ ...parsed.response, fields: parsed.fields, totalNs, spawnNs, exitCode: code, signal, stderr });
    });
  });
}
