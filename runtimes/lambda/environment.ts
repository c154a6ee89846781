// One execution environment: a process running a Lambda runtime client against its
// own Runtime API server. Concurrency one; init (spawn → first /next) timed apart
// from invocations; frozen with SIGSTOP while parked on /next and thawed with SIGCONT
// when an event arrives; killed on a function timeout or when the runtime dies.

import { spawn, type ChildProcess } from 'node:child_process';
import { RuntimeApiServer, type InitError, type LambdaEvent, type Outcome } from './runtime-api.js';
import { childPids, environText, listPids, parseEnvironVariable, processMemory, rssBytes } from '../shared/procfs.js';
import type { Phases } from '../types.js';

export interface EnvironmentSpec {
  functionName: string;
  /** The runtime client to run: command and arguments (e.g. node bootstrap.mjs). */
  command: string;
  args: string[];
  /** _HANDLER and LAMBDA_TASK_ROOT as Lambda sets them. */
  handler: string;
  taskRoot: string;
  memoryMb?: number;
  /** Function timeout per invocation (default 3 s, Lambda's default). */
  timeoutMs?: number;
  /** Init phase limit (Lambda: 10 s). */
  initTimeoutMs?: number;
  /** Freeze the process between invocations (default true). */
  freeze?: boolean;
  /** AWS_EXECUTION_ENV, e.g. AWS_Lambda_nodejs20.x; omitted for custom runtimes. */
  executionEnv?: string;
  /** 'on-demand' or 'provisioned-concurrency' (AWS_LAMBDA_INITIALIZATION_TYPE). */
  initializationType?: string;
  env?: Record<string, string>;
}

export class LambdaInitError extends Error {
  override name = 'LambdaInitError';
  constructor(
    readonly errorType: string,
    message: string,
    readonly payload: Uint8Array,
  ) {
    super(`${errorType}: ${message}`);
  }
}

const LOG_TAIL_BYTES = 8192;
let sequence = 0;

/** Marks every environment process with the harness's pid, to find orphans after a crash. */
export const OWNER_VARIABLE = 'FAASBENCH_LAMBDA_OWNER';

// A frozen (SIGSTOPped) child outlives its parent forever: kill every live one when this
// process exits, whatever the reason (SIGKILL works on stopped processes).
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
}

/**
 * Kills environment processes left behind by a faasbench process that died without
 * cleaning up (found by OWNER_VARIABLE in /proc/<pid>/environ). Returns how many.
 */
export function reapOrphanEnvironments(): number {
  let reaped = 0;
  const isAlive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  for (const pid of listPids()) {
    const environ = environText(pid);
    const owner = environ === null ? null : parseEnvironVariable(environ, OWNER_VARIABLE);
    if (owner === null || !/^\d+$/.test(owner)) continue;
    if (Number(owner) === process.pid || isAlive(Number(owner))) continue;
    try {
      process.kill(pid, 'SIGKILL');
      reaped++;
    } catch {
      // gone already
    }
  }
  return reaped;
}

/** RSS of a process and its direct children (the custom runtime's CGI program); without a children file (old kernel) the runtime's own. */
function treeRss(pid: number): number {
  const rssOf = (p: number) => rssBytes(p) ?? 0;
  return (childPids(pid) ?? []).reduce((total, child) => total + rssOf(child), rssOf(pid));
}

export class LambdaEnvironment {
  readonly id: string;
  readonly spec: EnvironmentSpec;
  /** Phases of this environment's cold start: spawn, init. */
  phases: Phases = [];
  private api: RuntimeApiServer;
  private child: ChildProcess | null = null;
  private frozen = false;
  private exited = false;
  /** SIGKILL sent (timeout, init failure): dead for every purpose before the exit event. */
  private killed = false;
  private logTail = '';
  private initWaiter: { resolve(): void; reject(e: Error): void } | null = null;
  invocations = 0;
  lastUsedMs = Date.now();

  private constructor(spec: EnvironmentSpec) {
    this.spec = spec;
    this.id = `${spec.functionName}-env-${++sequence}-${process.pid}`;
    this.api = new RuntimeApiServer({
      functionName: spec.functionName,
      hooks: {
        onInitDone: () => this.initWaiter?.resolve(),
        onInitError: (e: InitError) => {
          this.initWaiter?.reject(new LambdaInitError(e.errorType, e.errorMessage || 'init failed', e.payload));
          this.kill();
        },
        onIdle: () => this.freezeNow(),
        beforeDeliver: () => this.thaw(),
        onTimeout: () => this.kill(),
      },
    });
  }

  /** A cold start: Runtime API listening, process spawned, init finished (first /next). */
  static async start(spec: EnvironmentSpec): Promise<LambdaEnvironment> {
    const env = new LambdaEnvironment(spec);
    try {
      await env.boot();
    } catch (e) {
      await env.stop();
      throw e;
    }
    return env;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return !this.exited && !this.killed && this.child !== null;
  }

  get busy(): boolean {
    return this.api.busy;
  }

  get runtimeApi(): string {
    return this.api.runtimeApi;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  /** Last bytes the runtime wrote to stdout/stderr (its log), for error messages. */
  get log(): string {
    return this.logTail;
  }

  private async boot(): Promise<void> {
    const s = this.spec;
    const t0 = process.hrtime.bigint();
    const address = await this.api.listen();
    const t1 = process.hrtime.bigint();
    const initDone = new Promise<void>((resolve, reject) => {
      this.initWaiter = { resolve, reject };
    });
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      AWS_LAMBDA_RUNTIME_API: address,
      AWS_LAMBDA_FUNCTION_NAME: s.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(s.memoryMb ?? 128),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${s.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `faasbench/[$LATEST]${this.id}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: s.initializationType ?? 'on-demand',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      LAMBDA_TASK_ROOT: s.taskRoot,
      LAMBDA_RUNTIME_DIR: s.taskRoot,
      _HANDLER: s.handler,
      [OWNER_VARIABLE]: String(process.pid),
      ...(s.executionEnv ? { AWS_EXECUTION_ENV: s.executionEnv } : {}),
      ...s.env,
    };
    const child = spawn(s.command, s.args, { env, cwd: s.taskRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    track(child);
    const keep = (b: Buffer) => {
      this.logTail = (this.logTail + b.toString('utf8')).slice(-LOG_TAIL_BYTES);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let spawnedAt = t1;
    child.once('spawn', () => {
      spawnedAt = process.hrtime.bigint();
    });
    child.once('error', (e) => {
      // spawn failed: there will be no 'exit'
      this.exited = true;
      this.initWaiter?.reject(new LambdaInitError('Runtime.InvalidEntrypoint', e.message, new Uint8Array()));
    });
    child.once('exit', (code, signal) => this.onExit(code, signal));
    const initTimeoutMs = s.initTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      this.initWaiter?.reject(
        new LambdaInitError('Sandbox.Timedout', `init did not finish within ${initTimeoutMs} ms`, new Uint8Array()),
      );
      this.kill();
    }, initTimeoutMs);
    try {
      await initDone;
    } finally {
      clearTimeout(timer);
      this.initWaiter = null;
    }
    const t2 = process.hrtime.bigint();
    this.phases = [
      { phase: 'listen', ns: Number(t1 - t0) },
      { phase: 'spawn', ns: Number(spawnedAt - t1) },
      { phase: 'init', ns: Number(t2 - spawnedAt) },
    ];
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    this.frozen = false;
    const how = signal ? `signal ${signal}` : `exit status ${code}`;
    const tail = this.logTail.trim().split('\n').slice(-3).join(' | ');
    const message = `Runtime exited with error: ${how}${tail ? ` (${tail})` : ''}`;
    this.initWaiter?.reject(new LambdaInitError('Runtime.ExitError', message, new Uint8Array()));
    this.api.failCurrent('Runtime.ExitError', message, 'exit');
  }

  /** One invocation. Rejects (EnvironmentBusyError) if one is already in flight. */
  async invoke(event: LambdaEvent): Promise<Outcome> {
    if (!this.alive) throw new Error(`environment ${this.id} is not running`);
    const eventWithTimeout = { ...event, timeoutMs: event.timeoutMs ?? this.spec.timeoutMs ?? 3000 };
    this.invocations++;
    const watchdog = this.memoryWatchdog();
    try {
      return await this.api.submit(eventWithTimeout);
    } finally {
      if (watchdog) clearInterval(watchdog);
      this.lastUsedMs = Date.now();
    }
  }

  /**
   * Lambda kills an environment that outgrows its memory size. Without a cgroup per
   * process we watch the RSS of the runtime and its children while an invocation runs.
   */
  private memoryWatchdog(): NodeJS.Timeout | null {
    const limitMb = this.spec.memoryMb;
    const pid = this.child?.pid;
    if (!limitMb || !pid || process.platform !== 'linux') return null;
    const limit = limitMb * 2 ** 20;
    const t = setInterval(() => {
      const rss = treeRss(pid);
      if (rss <= limit || !this.alive) return;
      clearInterval(t);
      const msg = `Runtime exited with error: memory ${Math.round(rss / 2 ** 20)} MB exceeded the function's ${limitMb} MB`;
      this.api.failCurrent('Runtime.OutOfMemory', msg, 'exit');
      this.kill();
    }, 20);
    t.unref();
    return t;
  }

  private freezeNow(): void {
    if (this.spec.freeze === false || !this.alive || this.frozen) return;
    if (this.child?.kill('SIGSTOP')) this.frozen = true;
  }

  private thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    this.child?.kill('SIGCONT');
  }

  /** Resident set of the environment's process (frozen or not), from /proc. */
  usage(): { rssBytes?: number; pssBytes?: number } {
    const pid = this.child?.pid;
    if (!pid || this.exited) return {};
    // {} when not on Linux, or the process just went away
    return processMemory(pid);
  }

  private kill(): void {
    this.killed = true;
    if (this.child && !this.exited) this.child.kill('SIGKILL');
  }

  /** Kills the process (SIGKILL works on a frozen one too) and closes the Runtime API. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && !this.exited) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await gone;
    }
    await this.api.close();
  }
}
