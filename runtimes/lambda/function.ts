// A function: its execution environments, created on demand. An invocation goes to
// an idle environment; when all are busy a new one is started (a cold start), up to
// the concurrency limit, beyond which Lambda throttles (TooManyRequestsException).
// Environments idle for idleTimeoutMs are shut down; dead ones (timeout, crash) are
// dropped and replaced by the next invocation that needs one.

import { LambdaEnvironment, type EnvironmentSpec } from './environment.js';
import type { LambdaEvent, Outcome } from './runtime-api.js';
import type { Phases } from '../types.js';

export interface FunctionOptions {
  /** Reserved concurrency: most environments at once (default 10). */
  concurrency?: number;
  /** Shut an environment down after this long without an invocation (default 10 min). */
  idleTimeoutMs?: number;
  /** At the concurrency limit: 'reject' (Lambda's 429 TooManyRequestsException, default) or 'queue' for the next free environment. */
  whenThrottled?: 'reject' | 'queue';
}

export class ThrottledError extends Error {
  override name = 'TooManyRequestsException';
}

export interface FunctionInvokeResult {
  outcome: Outcome;
  /** The environment was started for this invocation; its phases. */
  coldStart: Phases | null;
  environmentId: string;
}

export class LambdaFunction {
  private readonly envs = new Set<LambdaEnvironment>();
  private readonly claimed = new Set<LambdaEnvironment>();
  private starting = 0;
  private readonly concurrency: number;
  private readonly whenThrottled: 'reject' | 'queue';
  private readonly waiters: Array<{
    resolve(v: { env: LambdaEnvironment; coldStart: Phases | null }): void;
    reject(e: Error): void;
  }> = [];
  private readonly idleTimeoutMs: number;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  /** Environments started so far, replacements included. */
  started = 0;

  constructor(
    readonly spec: EnvironmentSpec,
    opts: FunctionOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 10;
    this.whenThrottled = opts.whenThrottled ?? 'reject';
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 600_000;
    this.sweeper = setInterval(() => void this.sweep(), Math.max(50, Math.min(this.idleTimeoutMs / 4, 30_000)));
    this.sweeper.unref();
  }

  environments(): LambdaEnvironment[] {
    return [...this.envs];
  }

  /** Starts one more environment (a cold start; provisioned concurrency calls this ahead of traffic). */
  addEnvironment(): Promise<LambdaEnvironment> {
    return this.startEnvironment(false);
  }

  /** `claim`: the environment is handed to the caller before anyone else can see it idle. */
  private async startEnvironment(claim: boolean): Promise<LambdaEnvironment> {
    if (this.closed) throw new Error('function is closed');
    if (this.envs.size + this.starting >= this.concurrency)
      throw new ThrottledError(`Rate Exceeded: concurrency limit ${this.concurrency} reached`);
    this.starting++;
    try {
      const env = await LambdaEnvironment.start(this.spec);
      this.started++;
      if (this.closed) {
        await env.stop();
        throw new Error('function is closed');
      }
      this.envs.add(env);
      if (claim) this.claimed.add(env);
      return env;
    } finally {
      this.starting--;
    }
  }

  private takeIdle(): LambdaEnvironment | null {
    for (const env of this.envs) {
      if (!env.alive) {
        this.envs.delete(env);
        void env.stop();
        continue;
      }
      if (!env.busy && !this.claimed.has(env)) {
        this.claimed.add(env);
        return env;
      }
    }
    return null;
  }

  /** An environment for one invocation: an idle one, a new one, or (queue mode, at the limit) the next one freed. */
  private async acquire(): Promise<{ env: LambdaEnvironment; coldStart: Phases | null }> {
    const idle = this.takeIdle();
    if (idle) return { env: idle, coldStart: null };
    if (this.whenThrottled === 'queue' && this.envs.size + this.starting >= this.concurrency) {
      return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
    try {
      const env = await this.startEnvironment(true);
      return { env, coldStart: env.phases };
    } catch (e) {
      // the slot this start held is free again: a queued invocation may take it
      const w = this.waiters.shift();
      if (w) this.acquire().then(w.resolve, w.reject);
      throw e;
    }
  }

  private release(env: LambdaEnvironment): void {
    this.claimed.delete(env);
    const waiter = this.waiters.shift();
    if (!waiter) return;
    if (env.alive && this.envs.has(env)) {
      this.claimed.add(env);
      waiter.resolve({ env, coldStart: null });
    } else {
      this.acquire().then(waiter.resolve, waiter.reject);
    }
  }

  async invoke(event: LambdaEvent): Promise<FunctionInvokeResult> {
    const { env, coldStart } = await this.acquire();
    try {
      const outcome = await env.invoke(event);
      if (!env.alive) {
        // timeout or crash: the environment is gone; the next invocation gets a new one
        this.envs.delete(env);
        await env.stop();
      }
      return { outcome, coldStart, environmentId: env.id };
    } finally {
      this.release(env);
    }
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const env of this.envs) {
      if (this.claimed.has(env) || env.busy) continue;
      if (!env.alive || now - env.lastUsedMs >= this.idleTimeoutMs) {
        this.envs.delete(env);
        await env.stop();
      }
    }
  }

  /** RSS/PSS summed over the live environments. */
  usage(): { rssBytes: number; pssBytes: number; environments: number } {
    let rssBytes = 0;
    let pssBytes = 0;
    let environments = 0;
    for (const env of this.envs) {
      const u = env.usage();
      if (u.rssBytes === undefined) continue;
      rssBytes += u.rssBytes;
      pssBytes += u.pssBytes ?? 0;
      environments++;
    }
    return { rssBytes, pssBytes, environments };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const w of this.waiters.splice(0)) w.reject(new Error('function is closed'));
    const envs = [...this.envs];
    this.envs.clear();
    await Promise.all(envs.map((e) => e.stop()));
  }
}
