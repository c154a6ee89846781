// `faasbench gate --baseline BASE.jsonl CURRENT.jsonl`: the CI cold-start gate.
// Fails (exit 1) only when a regression is both larger than --max-regression and
// significant (its bootstrap interval excludes "no change"); prints GitHub Actions
// annotations and a Markdown table. Unusable input exits 2 with a precise message.
// It fails closed: a gated series it cannot judge (no correct samples on one side,
// a zero baseline, an unbounded ratio or interval) is an error, exit 2, never a pass.
// Names from the results files are escaped for the terminal and for Markdown.
// The duet forms (--baseline-wasm/--wasm, --baseline-component/--component,
// --baseline-workload/--workload, --baseline-image/--image, --baseline-command/
// --command) measure both sides here, interleaved, and are judged in gate-duet.ts.

import { appendFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import type { RunResults } from '../../model/results/reader.js';
import { markdownCode, markdownText, terminalText } from '../../model/escape.js';
import { compareSamples, metricDirection, MIN_COMPARE_N, type Comparison } from '../../model/stats/inference.js';
import { formatValue, groupSeries, type SeriesKey } from '../../model/summary.js';
import { checkSameMachine, loadResultsFile, UnusableInputError } from '../../model/results/load.js';
import { intOption, listOption, runtimeSettingOptions } from './options.js';
import { resolve } from 'node:path';
import { resultsDirProblem } from '../../model/results/writer.js';
import { VARIANT_KINDS, type VariantKind } from '../../model/workload.js';
import { RUNTIME_SETTINGS } from '../options.js';
import { runtimeIds } from '../runtimes.js';
import type { DuetForm } from './gate-duet.js';
import type { RuntimeConfig } from '../options.js';
import type { LoadedWorkload } from '../../model/workload.js';

export interface GateMetric {
  metric: string;
  /** 'median', 'p99', 'p90', 'p999' … */
  stat: string;
  q: number;
}

export const DEFAULT_GATE_METRICS = ['cold_start_ns:median', 'cold_start_ns:p99'];

/** "cold_start_ns:p99" → { metric, stat: 'p99', q: 0.99 }; a bare metric means its median. */
export function parseGateMetric(spec: string): GateMetric {
  const [metric, stat = 'median'] = spec.split(':');
  if (!metric || !/^[a-z0-9_]+$/.test(metric))
    throw new InvalidArgumentError(`bad metric '${spec}' (expected NAME or NAME:STAT, e.g. cold_start_ns:p99)`);
  if (stat === 'median') return { metric, stat, q: 0.5 };
  const m = /^p(\d{1,3})$/.exec(stat);
  if (!m || Number(m[1]) === 0)
    throw new InvalidArgumentError(`bad statistic '${stat}' in '${spec}' (use median, p90, p99, p999)`);
  // p99 → 0.99, p999 → 0.999, p5 → 0.05
  const digits = m[1]!;
  const q = digits.length === 3 ? Number(digits) / 1000 : Number(digits) / 100;
  return { metric, stat, q };
}

/** "10%" or "10" → 0.10. */
export function parsePercent(value: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(value.trim());
  if (!m || Number(m[1]) > 1000)
    throw new InvalidArgumentError(`--max-regression must be a percentage like 10% (got '${value}')`);
  return Number(m[1]) / 100;
}

/** 'error': the gate cannot decide on this series (exit 2); 'missing': a new series, not gated. */
export type GateStatus = 'fail' | 'error' | 'warn' | 'pass' | 'missing';

export interface GateCheck extends Omit<SeriesKey, 'mode'> {
  mode: string;
  stat: string;
  status: GateStatus;
  comparison: Comparison | null;
  /** Relative regression (0.12 = 12 % worse); negative for an improvement. */
  change: number;
  reason: string;
}

export interface GateOptions {
  metrics: GateMetric[];
  maxRegression: number;
  seed: number;
  resamples: number;
  baselineName: string;
  currentName: string;
}

/** Pure: the checks of one gate run. Throws UnusableInputError for a metric missing from either side, or no series in both. */
export function gate(baseline: RunResults[], current: RunResults[], opts: GateOptions): GateCheck[] {
  const totals = (runs: RunResults[]) => groupSeries(runs.flatMap((r) => r.samples).filter((s) => s.phase === 'total'));
  const sb = totals(baseline);
  const sc = totals(current);
  // A metric is "in" a file when it has rows, correct or not: a series whose every
  // sample failed is judged below (cannot decide), not reported as an unknown metric.
  const metricsIn = (m: typeof sb) =>
    [...new Set([...m.values()].filter((s) => s.values.length + s.failed > 0).map((s) => s.metric))].sort();
  const checks: GateCheck[] = [];
  let common = 0;
  const cannotDecide = (why: string) => `cannot decide: ${why}`;
  for (const gm of opts.metrics) {
    for (const [name, m] of [
      [opts.baselineName, sb],
      [opts.currentName, sc],
    ] as const) {
      if (!metricsIn(m).includes(gm.metric)) {
        throw new UnusableInputError(
          `metric '${gm.metric}' is not in ${name} (it has: ${metricsIn(m).join(', ') || 'no samples'}); choose with --metric`,
        );
      }
    }
    for (const [id, b] of sb) {
      if (b.metric !== gm.metric) continue;
      const { values: _v, failed: _f, ...key } = b;
      const c = sc.get(id);
      const error = (why: string) =>
        checks.push({ ...key, stat: gm.stat, status: 'error', comparison: null, change: 0, reason: cannotDecide(why) });
      // Fail closed: a series measured in the baseline must be judged in the current run.
      if (b.values.length === 0) {
        error(`no correct samples in ${opts.baselineName} (${b.failed} failed)`);
        continue;
      }
      if (!c) {
        error(`not measured in ${opts.currentName} (it is in the baseline)`);
        continue;
      }
      if (c.values.length === 0) {
        error(`no correct samples in ${opts.currentName} (${c.failed} failed)`);
        continue;
      }
      const comparison = compareSamples(b.values, c.values, {
        q: gm.q,
        seed: opts.seed,
        resamples: opts.resamples,
        metric: gm.metric,
      });
      if (comparison.undecided !== null) {
        checks.push({
          ...key,
          stat: gm.stat,
          status: 'error',
          comparison,
          change: 0,
          reason: cannotDecide(comparison.undecided),
        });
        continue;
      }
      const higherBetter = metricDirection(gm.metric) === 'higher-is-better';
      const change = higherBetter ? 1 - comparison.ratio : comparison.ratio - 1;
      const over = change > opts.maxRegression;
      const significantRegression = comparison.significant && comparison.regression;
      const limit = `${(opts.maxRegression * 100).toFixed(1)}%`;
      let status: GateStatus = 'pass';
      let reason: string;
      if (comparison.verdict === 'too few samples') {
        status = 'warn';
        reason = `too few samples to judge (${b.values.length} vs ${c.values.length}, need ${MIN_COMPARE_N} a side): raise --iterations`;
      } else if (over && significantRegression) {
        status = 'fail';
        reason = `regressed ${pct(change)}: above ${limit} and significant`;
      } else if (over) {
        status = 'warn';
        reason = `regressed ${pct(change)}, above ${limit} but not significant (interval includes no change): re-run with more iterations`;
      } else if (significantRegression) {
        status = 'warn';
        reason = `regressed ${pct(change)}: significant but within ${limit}`;
      } else if (comparison.significant) {
        reason = `improved ${pct(-change)}`;
      } else {
        reason = 'no significant difference';
      }
      checks.push({ ...key, stat: gm.stat, status, comparison, change, reason });
    }
    for (const [id, c] of sc) if (c.metric === gm.metric && sb.has(id)) common++;
    for (const [id, c] of sc) {
      if (c.metric === gm.metric && c.values.length && !sb.has(id)) {
        const { values: _v, failed: _f, ...key } = c;
        checks.push({
          ...key,
          stat: gm.stat,
          status: 'missing',
          comparison: null,
          change: 0,
          reason: `new: not in ${opts.baselineName}, not gated`,
        });
      }
    }
  }
  // Nothing measured in both files: there is nothing to gate, which is not a pass.
  if (common === 0) {
    throw new UnusableInputError(
      `${opts.baselineName} and ${opts.currentName} have no runtime × workload in common for ${[...new Set(opts.metrics.map((m) => m.metric))].join(', ')}`,
    );
  }
  return checks;
}

/** The exit code for these checks: 1 on a significant regression, else 2 when any series cannot be decided, else 0. */
export function gateExitCode(checks: GateCheck[]): 0 | 1 | 2 {
  if (checks.some((c) => c.status === 'fail')) return 1;
  if (checks.some((c) => c.status === 'error')) return 2;
  return 0;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const where = (c: GateCheck) => `${c.runtime}/${c.workload}/${c.variant}${c.tags ? ` {${c.tags}}` : ''}`;
/** A finite comparison to show; an undecided one has no figures worth printing. */
const shown = (c: GateCheck): Comparison | null =>
  c.comparison && c.comparison.undecided === null ? c.comparison : null;

/** GitHub Actions workflow-command escaping of a message. */
const ghEscape = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

export function annotations(checks: GateCheck[]): string[] {
  return checks
    .filter((c) => c.status !== 'pass')
    .map((c) => {
      const level = c.status === 'fail' || c.status === 'error' ? 'error' : 'warning';
      const k = shown(c);
      const cmp = k
        ? ` (${formatValue(k.baseline, c.metric)} → ${formatValue(k.candidate, c.metric)}, ratio ${k.ratio.toFixed(3)}, 95% CI [${k.interval.lo.toFixed(3)}, ${k.interval.hi.toFixed(3)}])`
        : '';
      // Names and reasons come from the results files: no control character reaches the log.
      return `::${level} title=faasbench gate::${ghEscape(terminalText(`${where(c)} ${c.metric} ${c.stat}: ${c.reason}${cmp}`))}`;
    });
}

const ICON: Record<GateStatus, string> = {
  fail: '❌ fail',
  error: '⛔ cannot decide',
  warn: '⚠️ warn',
  pass: '✅ pass',
  missing: '➖ skipped',
};

export function gateMarkdown(
  checks: GateCheck[],
  opts: Pick<GateOptions, 'maxRegression' | 'baselineName' | 'currentName'>,
): string {
  const failed = checks.filter((c) => c.status === 'fail').length;
  const undecided = checks.filter((c) => c.status === 'error').length;
  const head = failed
    ? `### faasbench gate: ❌ ${failed} significant regression${failed === 1 ? '' : 's'} above ${pct(opts.maxRegression)}${undecided ? `, ⛔ cannot decide on ${undecided} series` : ''}`
    : undecided
      ? `### faasbench gate: ⛔ cannot decide on ${undecided} series (no verdict is not a pass)`
      : `### faasbench gate: ✅ no significant regression above ${pct(opts.maxRegression)}`;
  const cell = markdownText;
  const rows = checks.map((c) => {
    const k = shown(c);
    return `| ${ICON[c.status]} | ${cell(where(c))} | ${cell(`${c.metric} ${c.stat}`)} | ${k ? formatValue(k.baseline, c.metric) : '—'} | ${k ? formatValue(k.candidate, c.metric) : '—'} | ${k ? `${c.change >= 0 ? '+' : ''}${pct(c.change)}` : '—'} | ${k ? `${k.ratio.toFixed(3)} [${k.interval.lo.toFixed(3)}, ${k.interval.hi.toFixed(3)}]` : '—'} | ${cell(c.reason)} |`;
  });
  return [
    head,
    '',
    `Baseline ${markdownCode(opts.baselineName)}, current ${markdownCode(opts.currentName)}. Fails only when a regression is above the threshold **and** its 95% bootstrap interval excludes no change; a series it cannot judge is an error, never a pass.`,
    '',
    '| status | runtime/workload | metric | baseline | current | change | ratio [95% CI] | note |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
  ].join('\n');
}

interface GateFlags {
  baseline?: string;
  maxRegression?: number;
  metric?: string[];
  allowDifferentMachines?: boolean;
  seed: number;
  resamples: number;
  markdown?: string;
  // The duet form (gate-duet.ts).
  baselineWasm?: string;
  wasm?: string;
  baselineComponent?: string;
  component?: string;
  baselineWorkload?: string;
  workload?: string;
  baselineImage?: string;
  image?: string;
  baselineCommand?: string;
  command?: string;
  runtime?: string[];
  variant?: string[];
  precision: number;
  budgetSeconds: number;
  minPairs: number;
  maxPairs: number;
  warmup: number;
  out: string;
  quiet?: boolean;
  /** The runtime settings' flags (--pool-size → poolSize …), read by resolveRuntimeConfig. */
  [runtimeSetting: string]: unknown;
}

/** "0.02", "2%" → 0.02: the duet's precision, a relative half-width. */
export function parsePrecision(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(value.trim());
  const x = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(x >= 0 && x < 1))
    throw new InvalidArgumentError(
      `--precision must be a fraction or percentage below 100%, e.g. 0.02 or 2% (got '${value}'); 0 samples until the budget`,
    );
  return x;
}

/** Writes the gate's output (annotations, Markdown, step summary) and sets the exit code. */
function report(checks: GateCheck[], notes: string[], md: string, flags: Pick<GateFlags, 'markdown'>): void {
  const out: string[] = notes.map((n) => `::warning title=faasbench gate::${ghEscape(terminalText(n))}`);
  out.push(...annotations(checks));
  process.stdout.write(out.map((l) => l + '\n').join('') + md);
  if (flags.markdown) writeFileSync(flags.markdown, md);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, md + '\n');
  const code = gateExitCode(checks);
  if (code !== 0) process.exitCode = code;
}

/** Inserts `line` under the Markdown's heading. */
const underHeading = (md: string, line: string) => md.replace(/\n\n/, `\n\n${line}\n\n`);

/** The duet forms (`gate --baseline-wasm A --wasm B`, …): run both sides interleaved, then judge the file written. */
async function duetAction(form: DuetForm, flags: GateFlags): Promise<void> {
  const [
    { DUET_DEFAULTS, SERVED_BY, commandSpecArg, duetGate, duetSummaryLine, workloadArg },
    { DUET_METRICS, runDuet },
    { loadWasmFile },
    { RUNTIMES },
    { createProgress },
    { resolveRuntimeConfig },
  ] = await Promise.all([
    import('./gate-duet.js'),
    import('../duet/duet.js'),
    import('../workloads-wasm.js'),
    import('../runtimes.js'),
    import('../progress.js'),
    import('../options.js'),
  ]);
  const outDir = resolve(flags.out);
  const outProblem = resultsDirProblem(outDir);
  if (outProblem) throw new Error(`--out ${flags.out}: ${outProblem}`);
  const runtimeConfig = resolveRuntimeConfig(flags, process.env);
  // Checked before anything is loaded or started.
  const metrics = (flags.metric ?? DUET_DEFAULTS.metrics).map(parseGateMetric);
  for (const m of metrics)
    if (!(DUET_METRICS as readonly string[]).includes(m.metric))
      throw new Error(`a duet measures ${DUET_METRICS.join(' and ')} only, not ${m.metric}`);
  // The image and command forms: one runtime, each side its own image or command; the workload is the same.
  const servedBy = SERVED_BY[form];
  if (servedBy && flags.runtime && flags.runtime.some((r) => r !== servedBy))
    throw new Error(
      `--baseline-${form}/--${form} run on the ${servedBy} runtime: give no --runtime, or --runtime ${servedBy}`,
    );
  let sideRuntimeConfig: Record<'baseline' | 'candidate', RuntimeConfig> | undefined;
  let baseline: LoadedWorkload, candidate: LoadedWorkload;
  const [baselineName, currentName] = {
    wasm: [flags.baselineWasm, flags.wasm],
    component: [flags.baselineComponent, flags.component],
    workload: [flags.baselineWorkload, flags.workload],
    image: [flags.baselineImage, flags.image],
    command: [flags.baselineCommand, flags.command],
  }[form] as [string, string];
  if (form === 'wasm' || form === 'component') {
    // Probed through one reference runtime, disposed whatever happens (its threads would keep the process alive).
    // Refused like run --wasm/--component (one sentence), naming the side's own flag.
    const adapter = (await import('../../runtimes/wasm/adapter.js')).referenceWasmAdapter();
    const load = (flag: string, file: string) =>
      loadWasmFile(file, adapter, form).catch((e: Error) => {
        throw new Error(e.message.replace(new RegExp(`^--${form} `), `${flag} `), { cause: e });
      });
    try {
      baseline = await load(`--baseline-${form}`, baselineName);
      candidate = await load(`--${form}`, currentName);
    } finally {
      await adapter.dispose();
    }
  } else if (form === 'workload') {
    baseline = workloadArg('--baseline-workload', baselineName);
    candidate = workloadArg('--workload', currentName);
  } else {
    baseline = candidate = workloadArg('--workload', flags.workload ?? 'hello');
    const side = (value: string, flag: string): RuntimeConfig => {
      if (form === 'image') {
        if (runtimeConfig.container.image !== undefined)
          throw new Error(
            '--container-image (or FAASBENCH_CONTAINER_IMAGE) cannot go with --baseline-image/--image: each side names its own image',
          );
        return { ...runtimeConfig, container: { ...runtimeConfig.container, image: value } };
      }
      if (runtimeConfig.command.specFile !== undefined)
        throw new Error(
          '--command-spec (or FAASBENCH_COMMAND_SPEC) cannot go with --baseline-command/--command: each side gives its own command',
        );
      return {
        ...runtimeConfig,
        command: { spec: commandSpecArg(flag, value, (flags.variant as VariantKind[] | undefined) ?? ['wasm']) },
      };
    };
    sideRuntimeConfig = {
      baseline: side(baselineName, `--baseline-${form}`),
      candidate: side(currentName, `--${form}`),
    };
  }
  const maxRegression = flags.maxRegression ?? DUET_DEFAULTS.maxRegression;
  const ids = servedBy ? [servedBy] : (flags.runtime ?? [...DUET_DEFAULTS.runtimes]);
  const progress = createProgress({ quiet: flags.quiet === true });
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    progress.log('interrupted: finishing the current pair and cleaning up (Ctrl-C again to force)');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const outcome = await runDuet(
    {
      baseline,
      candidate,
      runtimes: RUNTIMES.filter((r) => ids.includes(r.id)),
      runtimeConfig,
      ...(sideRuntimeConfig ? { sideRuntimeConfig } : {}),
      ...(flags.variant ? { variants: flags.variant as VariantKind[] } : {}),
      gated: metrics.map((m) => ({ metric: m.metric, q: m.q })),
      warmup: flags.warmup,
      minPairs: flags.minPairs,
      maxPairs: flags.maxPairs,
      precision: flags.precision,
      budgetMs: flags.budgetSeconds * 1000,
      seed: flags.seed,
      resamples: flags.resamples,
      outDir,
      command: ['faasbench', ...process.argv.slice(2)],
      config: { gate: { maxRegression, metrics: metrics.map((m) => `${m.metric}:${m.stat}`) } },
    },
    progress,
    abort.signal,
  ).finally(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  process.stderr.write(`results: ${outcome.resultsFile}\n`);
  if (outcome.status === 'interrupted') {
    process.stderr.write('faasbench: interrupted: no verdict (the samples taken are in the results file)\n');
    process.exitCode = 130;
    return;
  }
  // Nothing was sampled (a side could not be prepared, no runtime here takes the variant): say why.
  if (outcome.samples === 0)
    throw new UnusableInputError(
      `the duet measured nothing: ${[...outcome.skipped.map((s) => `runtime ${s.runtime} skipped: ${s.reason}`), ...outcome.errors].join('; ') || 'no runtime here runs both sides'}`,
    );
  // Judged from the file, like the two-file gate: what is gated is what was written.
  const loaded = loadResultsFile(outcome.resultsFile, { requireComplete: true });
  const opts = {
    metrics,
    maxRegression,
    seed: flags.seed,
    resamples: flags.resamples,
    precision: flags.precision,
    baselineName,
    currentName,
  };
  const errors = loaded.runs.flatMap((r) => r.events.filter((e) => e.level === 'error').map((e) => e.message));
  const checks = duetGate(loaded.runs, opts);
  const notes = [...outcome.skipped.map((s) => `runtime ${s.runtime} skipped: ${s.reason}`), ...errors];
  report(
    checks,
    notes,
    underHeading(gateMarkdown(checks, opts), duetSummaryLine(outcome, flags.precision, flags.budgetSeconds)),
    flags,
  );
}

export function registerGate(program: Command): void {
  const cmd = program
    .command('gate')
    .description(
      'CI gate: fail (exit 1) when CURRENT regresses from the baseline by more than --max-regression, significantly (exit 2: unusable input or cannot decide); or, with --baseline-X/--X (wasm, component, workload, image, command), measure both interleaved here and gate on the paired ratio',
    )
    .argument('[CURRENT.jsonl]', 'results of the run under test (two-file form)')
    .option('-b, --baseline <BASE.jsonl>', 'baseline results file (two-file form)')
    .option(
      '--max-regression <pct>',
      'largest tolerated regression, e.g. 10% (default: 10%; 5% for a duet)',
      parsePercent,
    )
    .option(
      '--metric <spec>',
      `metrics to gate, NAME[:median|pNN] (repeatable or comma-separated; default: ${DEFAULT_GATE_METRICS.join(', ')}; for a duet cold_start_ns:median)`,
      (v: string, prev: string[] = []) => {
        const items = v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        for (const i of items) parseGateMetric(i);
        return [...prev, ...items];
      },
    )
    .option(
      '--allow-different-machines',
      'gate results measured on different machines (the difference is still reported)',
    )
    .option('--seed <n>', "bootstrap seed (and a duet's A/B order)", intOption('--seed', 0, 2 ** 32 - 1), 1)
    .option('--resamples <n>', 'bootstrap resamples', intOption('--resamples', 100, 100_000), 2000)
    .option(
      '--markdown <file>',
      'also write the Markdown table to this file (it is appended to $GITHUB_STEP_SUMMARY when set)',
    )
    .option('--baseline-wasm <file>', 'duet: the baseline bare WAGI .wasm (with --wasm)')
    .option('--wasm <file>', 'duet: the candidate bare WAGI .wasm (with --baseline-wasm)')
    .option('--baseline-component <file>', 'duet: the baseline wasi:http component (with --component)')
    .option('--component <file>', 'duet: the candidate wasi:http component (with --baseline-component)')
    .option('--baseline-workload <name|dir>', 'duet: the baseline workload (with --workload)')
    .option(
      '-w, --workload <name|dir>',
      'duet: the candidate workload (with --baseline-workload); with --baseline-image/--image or --baseline-command/--command, the workload both sides serve (default: hello)',
    )
    .option(
      '--baseline-image <tag>',
      'duet: the baseline local Docker image serving the workload on $PORT (with --image; container runtime)',
    )
    .option('--image <tag>', 'duet: the candidate local Docker image (with --baseline-image)')
    .option(
      '--baseline-command <cmd>',
      "duet: the baseline serving command, e.g. 'my-server --listen {host}:{port} {module}', or a command spec .json (with --command; command runtime)",
    )
    .option('--command <cmd>', 'duet: the candidate serving command (with --baseline-command)')
    .option(
      '-r, --runtime <id...>',
      `duet: runtimes to measure both on (default: wasm; container for images, command for commands): ${runtimeIds().join(', ')}`,
      listOption(runtimeIds(), 'runtime'),
    )
    .option(
      '--variant <kind...>',
      `duet: only these variants: ${VARIANT_KINDS.join(', ')}`,
      listOption(VARIANT_KINDS, 'variant'),
    )
    .option(
      '--precision <x>',
      "duet: sample until every ratio's 95% interval is within ±x, e.g. 0.02 or 2% (0: until the budget)",
      parsePrecision,
      0.02,
    )
    .option(
      '--budget-seconds <s>',
      'duet: stop sampling after this long (after --min-pairs)',
      intOption('--budget-seconds', 1, 86_400),
      120,
    )
    .option('--min-pairs <n>', 'duet: pairs always taken', intOption('--min-pairs', 5, 1_000_000), 30)
    .option('--max-pairs <n>', 'duet: never more pairs than this', intOption('--max-pairs', 5, 10_000_000), 100_000)
    .option('--warmup <n>', 'duet: unrecorded rounds first', intOption('--warmup', 0, 100_000), 5)
    .option('-o, --out <dir>', 'duet: results directory', 'results')
    .option('-q, --quiet', 'duet: no progress');
  for (const s of RUNTIME_SETTINGS) for (const o of runtimeSettingOptions(s)) cmd.addOption(o);
  cmd
    .addHelpText(
      'after',
      `
Duet forms: both sides measured in this job, interleaved pair by pair in a seeded
random order, until every gated ratio's 95% interval (a paired bootstrap over the pairs)
is within ±--precision or --budget-seconds is spent; an ordinary results file (rows
tagged side=baseline|candidate) goes to --out and is gated. A series whose precision
was not enough to rule out a regression above --max-regression is a warning.
  faasbench gate --baseline-wasm OLD.wasm --wasm NEW.wasm            two WAGI modules (-r: default wasm)
  faasbench gate --baseline-component OLD.wasm --component NEW.wasm  two wasi:http components
  faasbench gate --baseline-workload DIR --workload DIR              two workload folders
  faasbench gate --baseline-image fn:old --image fn:new -w hello     two local images serving hello's
      HTTP contract on $PORT (container runtime; --container-image-variant: which variant they stand for)
  faasbench gate --baseline-command 'old-srv --listen {host}:{port} {module}' \\
                 --command 'new-srv --listen {host}:{port} {module}' -w hello
      two builds serving the same workload (command runtime): no shell, quotes as in sh,
      leading NAME=value words set the environment, {port} required; each cold start is
      a new server (spawn → port open → first response); a .json value is a full command
      spec (README, "The command runtime"); --variant picks the artifact for {module}

Exit codes (the gate never passes on input it cannot judge):
  0  no significant regression above --max-regression (warnings may be printed)
  1  a significant regression above --max-regression (wins over exit 2)
  2  unusable input (empty, truncated, mixed-version or invalid file, values that are
     not finite non-negative integers, different machines, a metric not in the
     results), or a gated series the gate cannot decide: no correct samples on one
     side, measured in the baseline but not in CURRENT, a zero baseline, an
     unbounded ratio or interval
  130 a duet interrupted (Ctrl-C): no verdict`,
    )
    .action(async (currentFile: string | undefined, flags: GateFlags) => {
      // Loaded here, not at start-up: the duet's modules (a shell-word parser, zod) cost every other verb nothing.
      const form = (await import('./gate-duet.js')).duetForm(flags);
      if (form) {
        if (flags.baseline !== undefined || currentFile !== undefined)
          throw new Error(
            `a duet gate measures both sides itself: give no --baseline or CURRENT.jsonl with --baseline-${form}/--${form}`,
          );
        await duetAction(form, flags);
        return;
      }
      if (flags.baseline === undefined)
        throw new Error(
          "required option '-b, --baseline <BASE.jsonl>' not specified (or measure both sides here: --baseline-wasm/--wasm)",
        );
      if (currentFile === undefined) throw new Error("missing required argument 'CURRENT.jsonl'");
      const base = loadResultsFile(flags.baseline, { requireComplete: true });
      const cur = loadResultsFile(currentFile, { requireComplete: true });
      const notes = checkSameMachine([base, cur], flags.allowDifferentMachines === true);
      const opts: GateOptions = {
        metrics: (flags.metric ?? DEFAULT_GATE_METRICS).map(parseGateMetric),
        maxRegression: flags.maxRegression ?? 0.1,
        seed: flags.seed,
        resamples: flags.resamples,
        baselineName: flags.baseline,
        currentName: currentFile,
      };
      const checks = gate(base.runs, cur.runs, opts);
      report(checks, notes, gateMarkdown(checks, opts), flags);
    });
}
