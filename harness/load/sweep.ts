// Pure helpers for the throughput mode: the open-loop rate sweep and where p99
// crosses the SLO. No I/O, pinned by tests.

/** Offered rates of the default sweep, as fractions of the closed-loop maximum. */
export const DEFAULT_SWEEP = [0.1, 0.5, 0.8, 1.0, 1.2] as const;

/** Rounds to two significant digits (readable rates: 1200, 45000 ...), at least 1. */
export function roundRate(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.max(0, Math.floor(Math.log10(x)) - 1);
  return Math.max(1, Math.round(x / p) * p);
}

/** The sweep for a measured maximum: ascending, distinct, ≥ 1 req/s. */
export function sweepRates(maxRps: number, fractions: readonly number[] = DEFAULT_SWEEP): number[] {
  const base = maxRps > 0 ? maxRps : 100;
  return [...new Set(fractions.map((f) => roundRate(base * f)))].sort((a, b) => a - b);
}

export interface RatePoint {
  rate: number;
  p99Ns: number;
  /** The step had failed responses: it cannot meet any SLO. */
  failed: boolean;
}

export interface SloVerdict {
  /** Highest offered rate, below the first crossing, whose p99 met the SLO (0: none did). */
  sustainedRps: number;
  /** First offered rate whose p99 exceeded the SLO (or that failed); null if none did. */
  crossedAtRps: number | null;
}

/** Walks the points by ascending rate: the SLO holds until the first rate where p99 > SLO. */
export function sloCrossing(points: readonly RatePoint[], sloNs: number): SloVerdict {
  let sustainedRps = 0;
  for (const p of [...points].sort((a, b) => a.rate - b.rate)) {
    if (p.failed || p.p99Ns > sloNs) return { sustainedRps, crossedAtRps: p.rate };
    sustainedRps = p.rate;
  }
  return { sustainedRps, crossedAtRps: null };
}

/** Parses a duration with a unit (500us, 2ms, 1.5s; a bare number is ms) into ns. */
export function parseDurationNs(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)?\s*$/.exec(text);
  if (!m) throw new Error(`'${text}' is not a duration (e.g. 500us, 2ms, 1.5s)`);
  const scale = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 }[(m[2] ?? 'ms') as 'ns'];
  const ns = Math.round(Number(m[1]) * scale);
  if (ns <= 0) throw new Error(`'${text}' must be more than zero`);
  return ns;
}
