// Scaling policies of a trace replay, as parameters (one run sweeps several). Each
// says when the driver starts an instance, when it keeps one and when it stops it;
// the driver (driver.ts) applies it to any runtime through start/invoke/stop.
//
//   fresh          a runtime with a fresh instance per request (the Wasm model): one
//                  app per function, started at its first request and kept; every
//                  request is a new instance inside it. `fresh:10m`: the app is
//                  stopped after 10 min idle (scale to zero) and compiled again later.
//   per-request    a new instance for every request, stopped after it (a container
//                  per request).
//   lambda:X       Lambda-style: scale out (a new instance when none is idle, one
//                  request at a time each), keep an idle instance X, then stop it
//                  (scale to zero). lambda:0 is per-request.
//   pool:N         N instances per function started before the trace and kept for
//                  all of it (pre-warmed, provisioned); a request finding all N busy
//                  gets a new instance, stopped after it. pool:N:W keeps those extra
//                  instances W after their last request.
//
// Durations are trace time (a keep-alive of 10 min in a trace compressed 12× lasts
// 50 s of wall time): 0, 500ms, 30s, 1m, 10m, 1h.

export type PolicyKind = 'fresh' | 'per-request' | 'lambda' | 'pool';

export interface TracePolicy {
  kind: PolicyKind;
  /** The spec as the user would write it, canonical: the `policy` tag of the results rows. */
  label: string;
  /** Instances per function kept from before the trace to its end. */
  warm: number;
  /** How long an instance beyond `warm` is kept idle, trace ms; Infinity: until the end. */
  keepAliveMs: number;
}

export const POLICY_HELP =
  'fresh[:keep], per-request, lambda:KEEP, pool:N[:KEEP] (KEEP: 0, 500ms, 30s, 10m, 1h; trace time)';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration like 0, 500ms, 30s, 1.5m, 10m, 1h → ms. */
export function parseKeepAlive(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!m || (m[2] === undefined && Number(m[1]) !== 0))
    throw new Error(`'${text}' is not a duration: 0, or a number with ms, s, m or h (e.g. 30s, 10m)`);
  return Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
}

/** Shortest text of a duration in ms, in the largest whole unit. */
export function formatKeepAlive(ms: number): string {
  if (ms === 0) return '0';
  for (const u of ['h', 'm', 's'] as const) if (ms % UNIT_MS[u]! === 0) return `${ms / UNIT_MS[u]!}${u}`;
  return `${ms}ms`;
}

/** Parses one policy spec; throws a one-sentence error saying what is valid. */
export function parsePolicy(spec: string): TracePolicy {
  const parts = spec.trim().split(':');
  const bad = (why: string) => new Error(`trace policy '${spec}': ${why} (valid: ${POLICY_HELP})`);
  const keep = (text: string) => {
    try {
      return parseKeepAlive(text);
    } catch (e) {
      throw bad((e as Error).message);
    }
  };
  switch (parts[0]) {
    case 'fresh': {
      if (parts.length > 2) throw bad('too many parts');
      const keepAliveMs = parts[1] === undefined ? Infinity : keep(parts[1]);
      return {
        kind: 'fresh',
        label: parts[1] === undefined ? 'fresh' : `fresh:${formatKeepAlive(keepAliveMs)}`,
        warm: 0,
        keepAliveMs,
      };
    }
    case 'per-request':
      if (parts.length > 1) throw bad('per-request takes no parameter');
      return { kind: 'per-request', label: 'per-request', warm: 0, keepAliveMs: 0 };
    case 'lambda': {
      if (parts.length !== 2) throw bad('lambda needs its keep-alive, e.g. lambda:10m');
      const keepAliveMs = keep(parts[1]!);
      return { kind: 'lambda', label: `lambda:${formatKeepAlive(keepAliveMs)}`, warm: 0, keepAliveMs };
    }
    case 'pool': {
      if (parts.length < 2 || parts.length > 3) throw bad('pool needs its size, e.g. pool:2 or pool:2:1m');
      if (!/^\d+$/.test(parts[1]!) || Number(parts[1]) < 1 || Number(parts[1]) > 64)
        throw bad('the pool size must be a whole number from 1 to 64');
      const warm = Number(parts[1]);
      const keepAliveMs = parts[2] === undefined ? 0 : keep(parts[2]);
      return {
        kind: 'pool',
        label: keepAliveMs === 0 ? `pool:${warm}` : `pool:${warm}:${formatKeepAlive(keepAliveMs)}`,
        warm,
        keepAliveMs,
      };
    }
    default:
      throw bad(`unknown kind '${parts[0]}'`);
  }
}

/** Does the policy suit a runtime? `fresh` needs a fresh instance per request; the others need runtimes whose instance serves many requests. */
export function policyFits(p: TracePolicy, freshInstancePerRequest: boolean): boolean {
  return (p.kind === 'fresh') === freshInstancePerRequest;
}

/** The default sweep: the measured set. */
export const DEFAULT_POLICIES = ['fresh', 'lambda:0', 'lambda:1m', 'lambda:10m', 'pool:1', 'pool:2', 'pool:4'];
