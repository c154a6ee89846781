// Owning the long-lived server processes of the external runtimes (the CGI front,
// `wasmtime serve`, a `command` runtime's server): spawn one in its own process group
// (a kill reaches whatever it started, and the terminal's Ctrl-C reaches the harness
// only, which then stops them in order), wait until it is ready (port open, an HTTP
// path answering, or a log line), stop it, and clean up after a harness that died
// without doing so.
//
// Labels: every server gets FAASBENCH_EXTERNAL_OWNER=<harness pid> in its environment
// (readable in /proc/PID/environ, like the containers' faasbench.pid label). A killed
// harness cannot stop its servers; sweepOrphanedServers(), run by each external
// adapter's available(), ends every labelled process group whose owner is gone.
// Processes that exit by themselves when orphaned (the Node CGI front) need no sweep,
// but get it anyway.

import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { waitForPort } from '../shared/net.js';
import { environText, listPids, parseEnvironVariable } from '../shared/procfs.js';
import type { Phases } from '../types.js';

export const OWNER_VARIABLE = 'FAASBENCH_EXTERNAL_OWNER';

/** How to tell that a server is ready to take requests. */
export type Readiness =
  | { kind: 'port' }
  | { kind: 'http'; path: string }
  /** A line of stdout or stderr matching this regular expression (source text). */
  | { kind: 'log'; pattern: string };

export interface ServerSpec {
  command: string;
  args: string[];
  /** The server's whole environment (nothing of ours is inherited but PATH and HOME), plus the owner label. */
  env?: Record<string, string>;
  cwd?: string;
  /** 127.0.0.1 port the server was told to listen on (used by 'port' and 'http' readiness). */
  port: number;
  ready: Readiness;
  /** spawn → ready must happen within this. */
  startDeadlineMs: number;
}

export class ServerStartError extends Error {
  override name = 'ServerStartError';
}

export interface Server {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** The last few KiB the server wrote to stdout/stderr (for error messages). */
  log(): string;
  /** Kills the process group and waits for the leader to exit. Idempotent. */
  stop(): Promise<void>;
}

const LOG_KEEP = 8192;
const live = new Set<Server>();
let exitHooked = false;

/** On exit (Ctrl-C handled by the harness, normal end, uncaught error) kill every group still running. */
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const s of live) killGroup(s.pid);
  });
}

/**
 * SIGKILL to `pid`'s process group, else to `pid`. Only a real child's pid (> 1): for
 * -1 the first call would be kill(1) (init) and, refused for a user who is not root,
 * the second kill(-1), which is every process that user may signal.
 */
function killGroup(pid: number): void {
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

// Ports come from runtimes/shared/net.ts (as the container and process runtimes'); freePort
// is passed on so the external adapters take everything about their servers from here.
export { freePort } from '../shared/net.js';

/** Resolves once GET path answers with any HTTP status; rejects when the signal fires. */
function waitForHttp(port: number, path: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (signal.aborted) return reject(signal.reason as Error);
      const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 2000 }, (res) => {
        res.resume();
        res.once('end', resolve);
      });
      req.once('timeout', () => req.destroy(new Error('timeout')));
      req.once('error', () => setTimeout(attempt, 5));
    };
    attempt();
  });
}

/**
 * Starts a server and waits until it is ready. Phases: spawn (fork + exec done) and
 * ready (exec → ready). A server that exits or is not ready in time is a
 * ServerStartError carrying the end of its output; nothing is left running.
 */
export async function startServer(spec: ServerSpec): Promise<{ server: Server; phases: Phases }> {
  hookExit();
  const env: Record<string, string> = {
    ...(process.env['PATH'] !== undefined ? { PATH: process.env['PATH'] } : {}),
    ...(process.env['HOME'] !== undefined ? { HOME: process.env['HOME'] } : {}),
    ...spec.env,
    [OWNER_VARIABLE]: String(process.pid),
  };
  const t0 = process.hrtime.bigint();
  const child = spawn(spec.command, spec.args, {
    env,
    cwd: spec.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  let lineWaiter: ((line: string) => void) | null = null;
  let partial = '';
  const onData = (b: Buffer): void => {
    const text = b.toString('utf8');
    log = (log + text).slice(-LOG_KEEP);
    if (!lineWaiter) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) lineWaiter?.(l);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const tail = (): string => (log.trim() ? `; output: ${log.trim().split('\n').slice(-10).join('\n')}` : '');
  const spawned = new Promise<bigint>((resolve, reject) => {
    child.once('spawn', () => resolve(process.hrtime.bigint()));
    child.once('error', (e) => reject(new ServerStartError(`${spec.command}: ${e.message}`)));
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(
        new ServerStartError(
          `${spec.command} exited at start with ${signal ? `signal ${signal}` : `code ${code}`} before it was ready${tail()}`,
        ),
      ),
    );
  });
  exited.catch(() => {});
  const deadline = AbortSignal.timeout(spec.startDeadlineMs);
  const stopWaiting = new AbortController();
  const signal = AbortSignal.any([deadline, stopWaiting.signal]);
  let server: Server | null = null;
  try {
    const t1 = await Promise.race([spawned, exited]);
    const pid = child.pid!;
    let stopping: Promise<void> | null = null;
    server = {
      child,
      pid,
      port: spec.port,
      log: () => log,
      stop(): Promise<void> {
        live.delete(this);
        if (stopping) return stopping;
        if (child.exitCode !== null || child.signalCode !== null) {
          killGroup(pid); // the leader is gone; anything it left in its group goes too
          return (stopping = Promise.resolve());
        }
        stopping = new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          killGroup(pid);
        });
        return stopping;
      },
    };
    live.add(server);
    let ready: Promise<void>;
    const r = spec.ready;
    if (r.kind === 'port') ready = waitForPort(spec.port, signal);
    else if (r.kind === 'http') ready = waitForHttp(spec.port, r.path, signal);
    else {
      const re = new RegExp(r.pattern);
      ready = new Promise<void>((resolve, reject) => {
        const lines = log.split('\n');
        // Complete lines so far; the unfinished last one is where the next chunk continues.
        partial = lines.pop() ?? '';
        if (lines.some((l) => re.test(l))) return resolve();
        lineWaiter = (line) => {
          if (re.test(line)) resolve();
        };
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    }
    const guarded = ready.catch((e: Error) => {
      if (deadline.aborted)
        throw new ServerStartError(
          `${spec.command} was not ready within ${spec.startDeadlineMs} ms (${describeReadiness(r, spec.port)})${tail()}`,
        );
      throw e;
    });
    guarded.catch(() => {});
    await Promise.race([guarded, exited]);
    lineWaiter = null;
    const t2 = process.hrtime.bigint();
    return {
      server,
      phases: [
        { phase: 'spawn', ns: Number(t1 - t0) },
        { phase: 'ready', ns: Number(t2 - t1) },
      ],
    };
  } catch (e) {
    if (server) await server.stop();
    else if (child.pid !== undefined) killGroup(child.pid); // no pid: the spawn failed, nothing runs
    throw e;
  } finally {
    stopWaiting.abort();
  }
}

export function describeReadiness(r: Readiness, port: number): string {
  return r.kind === 'port'
    ? `port ${port} accepting`
    : r.kind === 'http'
      ? `GET ${r.path} on port ${port} answering`
      : `a log line matching /${r.pattern}/`;
}

function ownerOf(pid: number): number | null {
  const environ = environText(pid); // null: gone, or not ours to read
  const owner = environ === null ? null : parseEnvironVariable(environ, OWNER_VARIABLE);
  return owner === null ? null : Number(owner);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Ends the servers (with their process groups) that a faasbench process started and
 * left behind when it died: labelled with an owner pid that no longer runs. Returns
 * the pids ended. Servers of a live faasbench (another run beside this one) are left.
 */
export function sweepOrphanedServers(): number[] {
  const ended: number[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const owner = ownerOf(pid);
    if (owner === null || !Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    killGroup(pid);
    ended.push(pid);
  }
  return ended;
}
