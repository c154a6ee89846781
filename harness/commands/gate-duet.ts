// The duet form of `faasbench gate`: `--baseline-wasm A.wasm --wasm B.wasm` (or
// `--baseline-workload DIR --workload DIR`) measures both interleaved in this job
// (harness/duet/duet.ts) and gates on the paired ratio (model/stats/paired.ts),
// reading back the results file it wrote, like the two-file gate. Same exit codes,
// annotations and Markdown as the two-file gate (gate.ts); the differences:
//  - the interval is a paired bootstrap over pairs of back-to-back samples, so the
//    noise both sides shared cancels;
//  - sampling is adaptive: until every gated ratio is known within ±--precision, or
//    --budget-seconds is spent; the precision reached is reported, and a series whose
//    interval still reaches above --max-regression without being a significant
//    regression is a warning ("not enough to decide"), never a silent pass;
//  - defaults: --max-regression 5 % (a duet resolves ±2 % in seconds for the
//    reference runtime, so a 10 % threshold would let real regressions through) and
//    the median only (a p99 needs far more pairs to reach the same precision; opt in
//    with --metric cold_start_ns:p99).

import type { RunResults } from '../../model/results/reader.js';
import { UnusableInputError } from '../../model/results/load.js';
import { pairDuet } from '../../model/duet.js';
import { comparePaired } from '../../model/stats/paired.js';
import { metricDirection, MIN_COMPARE_N } from '../../model/stats/inference.js';
import { resolveWorkloads, type LoadedWorkload } from '../../model/workload.js';
import type { DuetOutcome } from '../duet/duet.js';
import type { GateCheck, GateMetric, GateOptions, GateStatus } from './gate.js';

export const DUET_DEFAULTS = {
  maxRegression: 0.05,
  metrics: ['cold_start_ns:median'],
  precision: 0.02,
  budgetSeconds: 120,
  minPairs: 30,
  maxPairs: 100_000,
  warmup: 5,
  runtimes: ['wasm'],
} as const;

export interface DuetGateOptions extends GateOptions {
  /** Asked precision, relative half-width (0.02: ±2 %); 0: none asked. */
  precision: number;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * Pure: the checks of a duet results file. Throws UnusableInputError when the runs
 * hold no duet samples, or none of a gated metric.
 */
export function duetGate(runs: RunResults[], opts: DuetGateOptions): GateCheck[] {
  const series = pairDuet(runs.flatMap((r) => r.samples));
  if (series.length === 0)
    throw new UnusableInputError(
      `${opts.currentName}: no duet samples (rows tagged side=baseline|candidate): not written by a duet gate`,
    );
  const checks: GateCheck[] = [];
  for (const gm of opts.metrics) {
    const of = series.filter((s) => s.metric === gm.metric);
    if (of.length === 0)
      throw new UnusableInputError(
        `metric '${gm.metric}' is not in ${opts.currentName} (it has: ${[...new Set(series.map((s) => s.metric))].join(', ')}); choose with --metric`,
      );
    for (const s of of) checks.push(judge(s, gm, opts));
  }
  return checks;
}

function judge(s: ReturnType<typeof pairDuet>[number], gm: GateMetric, opts: DuetGateOptions): GateCheck {
  const workload =
    s.workloads.baseline === s.workloads.candidate
      ? s.workloads.candidate
      : `${s.workloads.baseline} → ${s.workloads.candidate}`;
  const key = {
    runtime: s.runtime,
    workload,
    variant: s.variant,
    mode: s.mode,
    metric: s.metric,
    phase: 'total',
    tags: '',
    stat: gm.stat,
  };
  const n = s.baseline.length;
  const lost = `${opts.baselineName}: ${s.failed.baseline} of ${s.measured.baseline} failed, ${opts.currentName}: ${s.failed.candidate} of ${s.measured.candidate} failed`;
  if (n === 0)
    return {
      ...key,
      status: 'error',
      comparison: null,
      change: 0,
      reason: `cannot decide: no pair with both samples correct (${lost})`,
    };
  const comparison = comparePaired(s.baseline, s.candidate, {
    q: gm.q,
    seed: opts.seed,
    resamples: opts.resamples,
    metric: s.metric,
  });
  if (comparison.undecided !== null)
    return { ...key, status: 'error', comparison, change: 0, reason: `cannot decide: ${comparison.undecided}` };
  const higherBetter = metricDirection(s.metric) === 'higher-is-better';
  const change = higherBetter ? 1 - comparison.ratio : comparison.ratio - 1;
  // The largest regression the interval allows.
  const worst = higherBetter ? 1 - comparison.interval.lo : comparison.interval.hi - 1;
  const over = change > opts.maxRegression;
  const significantRegression = comparison.significant && comparison.regression;
  const limit = pct(opts.maxRegression);
  const reached = `±${pct(comparison.precision)} after ${n} pairs${s.brokenPairs ? ` (${s.brokenPairs} incomplete)` : ''}`;
  const preciseEnough = opts.precision <= 0 || comparison.precision <= opts.precision;
  let status: GateStatus = 'pass';
  let reason: string;
  if (n < MIN_COMPARE_N) {
    status = 'warn';
    reason = `too few pairs to judge (${n}, need ${MIN_COMPARE_N}): raise --budget-seconds`;
  } else if (over && significantRegression) {
    status = 'fail';
    reason = `regressed ${pct(change)}: above ${limit} and significant`;
  } else if (!preciseEnough && worst > opts.maxRegression) {
    status = 'warn';
    reason = `not enough to decide: ${pct(change)} measured, but a regression up to ${pct(worst)} (above ${limit}) is not ruled out; precision asked ±${pct(opts.precision)}: raise --budget-seconds`;
  } else if (over) {
    status = 'warn';
    reason = `regressed ${pct(change)}, above ${limit} but not significant (interval includes no change): raise --budget-seconds or --precision`;
  } else if (significantRegression) {
    status = 'warn';
    reason = `regressed ${pct(change)}: significant but within ${limit}`;
  } else if (comparison.significant) {
    reason = `improved ${pct(-change)}`;
  } else {
    reason = 'no significant difference';
  }
  return {
    ...key,
    status,
    comparison,
    change,
    reason: `${reason} (${reached}${preciseEnough ? '' : `, asked ±${pct(opts.precision)}`})`,
  };
}

/** The line under the Markdown heading saying how the duet ran and why it stopped. */
export function duetSummaryLine(
  o: Pick<DuetOutcome, 'stoppedBy' | 'precision' | 'elapsedMs' | 'pairs'>,
  precision: number,
  budgetSeconds: number,
): string {
  const why: Record<DuetOutcome['stoppedBy'], string> = {
    precision: `precision ±${pct(precision)} reached`,
    budget: `time budget of ${budgetSeconds} s spent before the precision ±${pct(precision)} was reached`,
    'max-pairs': 'maximum number of pairs reached',
    interrupted: 'interrupted',
    failed: 'no pair could be measured',
  };
  const pairs =
    Object.entries(o.pairs)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ') || 'none';
  const reached = Number.isFinite(o.precision) ? `±${pct(o.precision)}` : 'none';
  return `Duet run (baseline and candidate interleaved, paired bootstrap): stopped after ${(o.elapsedMs / 1000).toFixed(1)} s, ${why[o.stoppedBy]}; worst precision ${reached}; correct pairs ${pairs}.`;
}

/** One workload from --baseline-workload/--workload (a built-in name or a folder with a workload.json). */
export function workloadArg(flag: string, value: string): LoadedWorkload {
  if (value === 'all') throw new Error(`${flag} takes one workload (a name or a folder), not all`);
  try {
    return resolveWorkloads([value])[0]!;
  } catch (e) {
    throw new Error((e as Error).message.replace(/^--workload /, `${flag} `), { cause: e });
  }
}
