// A seeded synthetic trace that follows published statistics of production FaaS
// traffic: Shahrad et al., "Serverless in the Wild: Characterizing and Optimizing
// the Serverless Workload at a Large Cloud Provider", USENIX ATC 2020 (Azure
// Functions, two weeks of 2019). What it matches, exactly (synthetic.test.ts checks
// each on a seeded sample):
//
// 1. Invocation rates spread over 8 orders of magnitude: a function's mean daily
//    count lies in [1, 10^8] (the paper: "an 8-order-of-magnitude range").
// 2. Most functions are invoked rarely: 45 % at most once per hour on average
//    (≤ 24 a day) and 80 % at most once per minute (≤ 1440 a day) (the paper,
//    Fig. 5: 45 % and 81 % of *applications*; we apply the figures per function).
//    The daily count is drawn from a piecewise log-uniform law through exactly those
//    points: log10(count) has the CDF 0 at 0, 0.45 at log10(24), 0.80 at log10(1440),
//    1 at 8. Our choice: the paper gives the curve, not a formula; this is the
//    simplest law through its quoted points. An optional cap (maxPerMinute) lowers
//    the busiest functions so a small machine can replay them; any cap ≥ 1/min
//    leaves figures 2 untouched (and is stated in the results header).
// 3. Triggers as the paper's Fig. 3 shares of functions: http 55 %, queue 15 %,
//    timer 16 %, orchestration 7 %, event 2 %, others 5 %.
// 4. Timer functions fire periodically (inter-arrival CV = 0); every other function
//    is bursty: inter-arrival times are log-normal with a coefficient of variation
//    drawn per function, log-uniform in [1.5, 4] (our choice: the paper shows CV > 1
//    for many functions without a formula). The process is a stationary renewal
//    process: its first arrival is drawn from the equilibrium law (a uniform fraction
//    of a length-biased interval, log-normal(μ + σ², σ)), so a short window starts
//    mid-stream instead of with a burst at zero.
//
// Not modelled: diurnal patterns, correlation between functions of one app,
// per-trigger rate differences, execution time and memory (the workload sets those).

import { rng } from '../../model/random.js';
import type { Trace } from './types.js';

export interface SyntheticOptions {
  functions: number;
  /** Trace length, hours. */
  hours: number;
  seed: number;
  /** Highest mean rate of one function, invocations per minute (trace time); 0 or absent: no cap. */
  maxPerMinute?: number;
}

export interface SyntheticFunctionSpec {
  trigger: string;
  /** Mean invocations per day, after the cap. */
  dailyRate: number;
  /** Mean invocations per day drawn before the cap. */
  drawnDailyRate: number;
  /** Coefficient of variation of its inter-arrival times (0: a timer). */
  cv: number;
}

export interface SyntheticTrace {
  trace: Trace;
  specs: SyntheticFunctionSpec[];
}

/** The quoted points of the daily-count CDF (log10 of count per day → fraction of functions at or below). */
export const RATE_CDF_POINTS: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [Math.log10(24), 0.45],
  [Math.log10(1440), 0.8],
  [8, 1],
];

/** Shares of functions per trigger (the paper's Fig. 3). */
export const TRIGGER_SHARES: ReadonlyArray<readonly [string, number]> = [
  ['http', 0.55],
  ['queue', 0.15],
  ['timer', 0.16],
  ['orchestration', 0.07],
  ['event', 0.02],
  ['others', 0.05],
];

export const BURSTY_CV_RANGE: readonly [number, number] = [1.5, 4];

const DAY_MS = 86_400_000;

/** The daily count at CDF position u ∈ [0, 1): inverse of the piecewise log-uniform law. */
export function dailyRateAt(u: number): number {
  for (let i = 1; i < RATE_CDF_POINTS.length; i++) {
    const [x0, c0] = RATE_CDF_POINTS[i - 1]!;
    const [x1, c1] = RATE_CDF_POINTS[i]!;
    if (u <= c1) return 10 ** (x0 + ((u - c0) / (c1 - c0)) * (x1 - x0));
  }
  return 10 ** RATE_CDF_POINTS[RATE_CDF_POINTS.length - 1]![0];
}

function pickTrigger(u: number): string {
  let acc = 0;
  for (const [name, share] of TRIGGER_SHARES) {
    acc += share;
    if (u < acc) return name;
  }
  return TRIGGER_SHARES[TRIGGER_SHARES.length - 1]![0];
}

/** A standard normal draw (Box–Muller on two uniforms). */
function normal(random: () => number): number {
  const u1 = 1 - random(); // (0, 1]: log is finite
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export function syntheticTrace(o: SyntheticOptions): SyntheticTrace {
  if (!Number.isInteger(o.functions) || o.functions < 1)
    throw new RangeError(`functions must be a whole number ≥ 1, got ${o.functions}`);
  if (!(o.hours > 0)) throw new RangeError(`hours must be > 0, got ${o.hours}`);
  const random = rng(o.seed);
  const durationMs = o.hours * 3_600_000;
  const capDaily = o.maxPerMinute && o.maxPerMinute > 0 ? o.maxPerMinute * 1440 : Infinity;
  const specs: SyntheticFunctionSpec[] = [];
  const functions: Trace['functions'] = [];
  const width = String(o.functions - 1).length;
  for (let i = 0; i < o.functions; i++) {
    // Four draws per function from the main stream, always, in this order; its arrivals
    // come from its own stream: one function's choices (or a cap) never shift another's.
    const drawnDailyRate = dailyRateAt(random());
    const trigger = pickTrigger(random());
    const cvU = random();
    const own = rng(Math.floor(random() * 2 ** 32));
    const dailyRate = Math.min(drawnDailyRate, capDaily);
    const cv = trigger === 'timer' ? 0 : BURSTY_CV_RANGE[0] * (BURSTY_CV_RANGE[1] / BURSTY_CV_RANGE[0]) ** cvU;
    const meanMs = DAY_MS / dailyRate;
    const arrivalsMs: number[] = [];
    if (cv === 0) {
      for (let t = own() * meanMs; t < durationMs; t += meanMs) arrivalsMs.push(t);
    } else {
      const sigma2 = Math.log(1 + cv * cv);
      const sigma = Math.sqrt(sigma2);
      const mu = Math.log(meanMs) - sigma2 / 2;
      // Equilibrium start: a uniform point inside a length-biased interval.
      let t = own() * Math.exp(mu + sigma2 + sigma * normal(own));
      while (t < durationMs) {
        arrivalsMs.push(t);
        t += Math.exp(mu + sigma * normal(own));
      }
    }
    specs.push({ trigger, dailyRate, drawnDailyRate, cv });
    functions.push({ id: `f${String(i).padStart(width, '0')}`, trigger, arrivalsMs });
  }
  const cap = Number.isFinite(capDaily) ? `, capped at ${o.maxPerMinute}/min` : '';
  return {
    trace: {
      source: `synthetic (Shahrad et al. 2020 statistics): ${o.functions} functions, ${o.hours} h, seed ${o.seed}${cap}`,
      durationMs,
      functions,
    },
    specs,
  };
}
