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
  private readonly idleTimeoutMs: number;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  /** Environments started so far, replacements included. */
  started = 0;

  constructor(readonly spec: EnvironmentSpec, opts: FunctionOptions = {}) {
    this.concurrency = opts.concurrency ?? 10;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 600_000;
    this.sweeper = setInterval(() => void this.sweep(), Math.max(50, Math.min(this.idleTimeoutMs / 4, 30_000)));
    this.sweeper.unref();
  }

  environments(): LambdaEnvironment[] {
    return [...this.envs];
  }

  /** Starts one more environment (a cold start; provisioned concurrency calls this ahead of traffic). */
  async addEnvironment(): Promise<LambdaEnvironment> {
    if (this.closed) throw new Error('function is closed');
    if (this.envs.size + this.starting >= this.concurrency) throw new ThrottledError(`Rate Exceeded: concurrency limit ${this.concurrency} reached`);
    this.starting++;
    try {
      const env = await LambdaEnvironment.start(this.spec);
      this.started++;
      if (this.closed) {
        await env.stop();
        throw new Error('function is closed');
      }
      this.envs.add(env);
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
      if (!env.busy && !this.claimed.has(env)) return env;
    }
    return null;
  }

  async invoke(event: LambdaEvent): Promise<FunctionInvokeResult> {
    let env = this.takeIdle();
    let coldStart: Phases | null = null;
    if (env) this.claimed.add(env);
    else {
      env = await this.addEnvironment();
      this.claimed.add(env);
      coldStart = env.phases;
    }
    try {
      const outcome = await env.invoke(event);
      if (!env.alive) {
        // timeout or crash: the environment is gone; the next invocation gets a new one
        this.envs.delete(env);
        await env.stop();
      }
      return { outcome, coldStart, environmentId: env.id };
    } finally {
      this.claimed.delete(env);
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
    const envs = [...this.envs];
    this.envs.clear();
    await Promise.all(envs.map((e) => e.stop()));
  }
}
