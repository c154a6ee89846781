// The duet form of `faasbench gate`: two sides measured interleaved in this job
// (harness/duet/duet.ts), gated on the paired ratio (model/stats/paired.ts), reading
// back the results file it wrote, like the two-file gate. The sides differ in what is
// served (`--baseline-wasm A.wasm --wasm B.wasm`, `--baseline-component A --component
// B`, `--baseline-workload DIR --workload DIR`: one runtime serves both) or in what
// serves it (`--baseline-image IMG:A --image IMG:B`: the container runtime, an image a
// side; `--baseline-command 'CMD…' --command 'CMD…'`: the command runtime, a serving
// command a side), the workload being the same (`--workload`, default hello). Same exit codes,
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

import { existsSync } from 'node:fs';
import { parse as parseShellWords } from 'shell-quote';
import type { RunResults } from '../../model/results/reader.js';
import { UnusableInputError } from '../../model/results/load.js';
import { pairDuet } from '../../model/duet.js';
import { comparePaired } from '../../model/stats/paired.js';
import { metricDirection, MIN_COMPARE_N } from '../../model/stats/inference.js';
import { resolveWorkloads, type LoadedWorkload, type VariantKind } from '../../model/workload.js';
import { parseCommandSpec, readCommandSpec, type CommandSpec } from '../../runtimes/external/command/spec.js';
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

/** The duet forms: a pair of flags each, baseline then candidate (the attribute names are commander's). */
export const DUET_FORMS = [
  { form: 'wasm', flags: ['--baseline-wasm', '--wasm'], keys: ['baselineWasm', 'wasm'] },
  { form: 'component', flags: ['--baseline-component', '--component'], keys: ['baselineComponent', 'component'] },
  { form: 'workload', flags: ['--baseline-workload', '--workload'], keys: ['baselineWorkload', 'workload'] },
  { form: 'image', flags: ['--baseline-image', '--image'], keys: ['baselineImage', 'image'] },
  { form: 'command', flags: ['--baseline-command', '--command'], keys: ['baselineCommand', 'command'] },
] as const;
export type DuetForm = (typeof DUET_FORMS)[number]['form'];

/** The runtime a form that varies what serves the workload runs on. */
export const SERVED_BY: Partial<Record<DuetForm, string>> = { image: 'container', command: 'command' };

/**
 * Which duet form these flags ask for (null: none, the two-file gate), or why they
 * are refused. With --baseline-image/--image or --baseline-command/--command a lone
 * --workload is the workload both sides serve, not a form of its own.
 */
export function duetForm(flags: Readonly<Record<string, unknown>>): DuetForm | null {
  const given = (keys: readonly string[]) => keys.some((k) => flags[k] !== undefined);
  const servedBy = DUET_FORMS.filter((f) => SERVED_BY[f.form] && given(f.keys));
  const used = DUET_FORMS.filter((f) =>
    f.form === 'workload' && servedBy.length > 0 ? flags['baselineWorkload'] !== undefined : given(f.keys),
  );
  if (used.length === 0) return null;
  if (used.length > 1)
    throw new Error(
      `give one duet form, not several (${used.map((f) => f.flags.join('/')).join(' and ')}); the forms: ${DUET_FORMS.map((f) => f.flags.join('/')).join(', ')}`,
    );
  const f = used[0]!;
  if (!f.keys.every((k) => flags[k] !== undefined))
    throw new Error(`a duet gate needs both ${f.flags[0]} and ${f.flags[1]}`);
  return f.form;
}

const ENV_WORD = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * The command runtime's spec for one side of `--baseline-command`/`--command`: a
 * command line with the command runtime's placeholders ({host}, {port}, {module},
 * {node}, {wasmtime}, {wazero}, … and {faasbench-cgi} as a whole word), split into
 * words like a POSIX shell would (quotes and backslashes, by shell-quote, a
 * well-kept library) but never run by one: no variable expansion ($NAME stays as
 * written), no globbing, and an operator (| ; & > <) or a comment is refused. Leading
 * NAME=value words set the server's environment (`PORT={port} {node} server.mjs`).
 * The server is ready when its port accepts connections; each cold start is a new
 * server process (spawn → ready → first response). A value naming an existing .json
 * file is a full spec file instead (README, "The command runtime": readiness, fresh
 * instance per request, files).
 */
export function commandSpecArg(flag: string, value: string, variants: readonly VariantKind[] = ['wasm']): CommandSpec {
  if (/\.json$/i.test(value.trim()) && existsSync(value)) {
    try {
      return readCommandSpec(value);
    } catch (e) {
      throw new Error(`${flag} ${(e as Error).message}`, { cause: e });
    }
  }
  const what = `${flag} ${JSON.stringify(value)}`;
  const words: string[] = [];
  for (const w of parseShellWords(value, (name) => `$${name}`)) {
    if (typeof w === 'string') words.push(w);
    else if ('comment' in w) throw new Error(`${what}: a # comment; the command is not run by a shell (quote the #)`);
    else if (w.op === 'glob') words.push(w.pattern);
    else
      throw new Error(
        `${what}: '${w.op}' is a shell operator; the command is not run by a shell (one program and its arguments)`,
      );
  }
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && ENV_WORD.test(words[i]!); i++) {
    const eq = words[i]!.indexOf('=');
    env[words[i]!.slice(0, eq)] = words[i]!.slice(eq + 1);
  }
  const argv = words.slice(i);
  if (argv.length === 0) throw new Error(`${what}: no command to run`);
  if (![...argv, ...Object.values(env)].some((w) => w.includes('{port}')))
    throw new Error(
      `${what}: the server must listen where faasbench connects: put {port} in it (e.g. --listen {host}:{port}, or PORT={port} before the command)`,
    );
  return parseCommandSpec({ description: `command: ${value}`, command: argv, env, variants: [...variants] }, what);
}
