// `faasbench run`: measure the chosen runtimes × workloads × modes, write the raw
// results (JSON Lines), print the summary and write the HTML report.
// Every setting is resolved here, once: flags parsed strictly (exit 2 with what is
// valid), runtime settings falling back to their FAASBENCH_* variables
// (harness/options.ts), then passed down typed to the run loop, the modes and, through
// the registry, the adapters.

import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { MODES, type Mode } from '../../runtimes/types.js';
import { parseDurationNs } from '../load/sweep.js';
import { createProgress } from '../progress.js';
import { readResults } from '../../model/results/reader.js';
import { resultsDirProblem } from '../../model/results/writer.js';
import { runBenchmark } from '../run.js';
import { RUNTIMES, runtimeIds } from '../runtimes.js';
import { runSummaryText } from '../../model/run-summary.js';
import { summarizeSamples } from '../../model/summary.js';
import { VARIANT_KINDS, resolveWorkloads, type LoadedWorkload } from '../../model/workload.js';
import { loadWasmFile, type WasmFileOptions } from '../workloads-wasm.js';
import { collectOutbound } from './serve.js';
import {
  DENSITY_DEFAULTS,
  LOAD_CLIENTS,
  RUNTIME_SETTINGS,
  SERIES_SETTINGS,
  THROUGHPUT_DEFAULTS,
  TRACE_DEFAULTS,
  resolveRuntimeConfig,
  type LoadClient,
  type ModeSettings,
  type TraceOptions,
} from '../options.js';
import { POLICY_HELP, parsePolicy } from '../trace/policy.js';
import { loadTrace } from '../modes/trace.js';
import { intOption, listOption, runtimeSettingOptions } from './options.js';
import { writeReport } from '../../reports/write.js';
import { traceMarkdown } from '../../reports/trace.js';

interface RunFlags {
  workload?: string[];
  wasm?: string[];
  component?: string[];
  allowOutbound?: string[];
  runtime?: string[];
  mode?: string[];
  variant?: string[];
  request?: string;
  iterations: number;
  cellSeconds: number;
  warmup: number;
  seed?: number;
  out: string;
  quiet?: boolean;
  verbose?: boolean;
  report: boolean;
  connections?: number[];
  rates?: number[];
  duration?: number;
  slo?: number;
  budgetMib?: number;
  maxInstances?: number;
  densityRepeats?: number;
  throughputRepeats?: number;
  loadClient?: LoadClient;
  traceFile?: string;
  traceFunctions?: number;
  traceHours?: number;
  traceSeed?: number;
  traceMaxPerMinute?: number;
  traceCompress?: number;
  tracePolicy?: string[];
  priceGibSecond?: number;
  priceRequest?: number;
  /** The runtime settings' flags (--pool-size → poolSize …), read by resolveRuntimeConfig. */
  [runtimeSetting: string]: unknown;
}

/** Positive whole numbers, repeatable or comma-separated. */
function intList(name: string, max: number) {
  const one = intOption(name, 1, max);
  return (value: string, previous: number[] = []): number[] => [
    ...previous,
    ...value
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)
      .map(one),
  ];
}

function secondsOption(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n >= 0.1 && n <= 3600))
    throw new InvalidArgumentError('--duration must be seconds from 0.1 to 3600');
  return n;
}

function sloOption(value: string): number {
  try {
    return parseDurationNs(value);
  } catch (e) {
    throw new InvalidArgumentError(`--slo: ${(e as Error).message}`);
  }
}

/** A decimal number in [min, max] (trace hours, compression, prices). */
function decimalOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?(e-?\d+)?$/.test(value) || !(n >= min && n <= max))
      throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}`);
    return n;
  };
}

/** Trace policy specs, repeatable or comma-separated, each checked (harness/trace/policy.ts). */
function policyList(value: string, previous: string[] = []): string[] {
  const specs = value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const s of specs) {
    try {
      parsePolicy(s);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  }
  return [...previous, ...specs];
}

/** The trace settings, complete (defaults filled in) so the results header states the trace and its compression. */
function traceSettings(f: RunFlags): TraceOptions {
  return {
    ...TRACE_DEFAULTS,
    ...(f.traceFile !== undefined ? { file: resolve(f.traceFile) } : {}),
    ...(f.traceFunctions !== undefined ? { functions: f.traceFunctions } : {}),
    ...(f.traceHours !== undefined ? { hours: f.traceHours } : {}),
    ...(f.traceSeed !== undefined ? { seed: f.traceSeed } : {}),
    ...(f.traceMaxPerMinute !== undefined ? { maxPerMinute: f.traceMaxPerMinute } : {}),
    ...(f.traceCompress !== undefined ? { compress: f.traceCompress } : {}),
    ...(f.tracePolicy ? { policies: f.tracePolicy } : {}),
    ...(f.priceGibSecond !== undefined ? { gibSecondUsd: f.priceGibSecond } : {}),
    ...(f.priceRequest !== undefined ? { requestUsd: f.priceRequest } : {}),
  };
}

/** The throughput, density and trace settings given, in the modes' units (harness/options.ts fills in the rest). */
function modeSettings(f: RunFlags, modes: readonly Mode[]): ModeSettings {
  return {
    ...(modes.includes('trace') ? { trace: traceSettings(f) } : {}),
    ...(f.connections ? { connections: f.connections } : {}),
    ...(f.rates ? { rates: f.rates } : {}),
    ...(f.duration !== undefined ? { durationMs: Math.round(f.duration * 1000) } : {}),
    ...(f.slo !== undefined ? { sloNs: f.slo } : {}),
    ...(f.budgetMib !== undefined ? { budgetMiB: f.budgetMib } : {}),
    ...(f.maxInstances !== undefined ? { maxInstances: f.maxInstances } : {}),
    ...(f.densityRepeats !== undefined ? { densityRepeats: f.densityRepeats } : {}),
    ...(f.throughputRepeats !== undefined ? { throughputRepeats: f.throughputRepeats } : {}),
    ...(f.loadClient ? { loadClient: f.loadClient } : {}),
  };
}

/**
 * Loads the --wasm files one after another through one reference runtime, disposed
 * whatever happens: its worker threads would otherwise keep the process alive after
 * an error.
 */
async function probeWasmFiles(
  files: string[],
  kind: 'wasm' | 'component' = 'wasm',
  opts: WasmFileOptions = {},
): Promise<LoadedWorkload[]> {
  if (files.length === 0) return [];
  const adapter = (await import('../../runtimes/wasm/adapter.js')).referenceWasmAdapter();
  try {
    const out: LoadedWorkload[] = [];
    for (const f of files) out.push(await loadWasmFile(f, adapter, kind, opts));
    return out;
  } finally {
    await adapter.dispose();
  }
}

/**
 * The default suite: `hello`, the cold-start probe, on every available runtime. The
 * whole suite is `--workload all`.
 */
export const DEFAULT_WORKLOADS = ['hello'];

export function registerRun(program: Command): void {
  const run = program
    .command('run')
    .description('measure cold start (and, with --mode, warm latency, throughput, density) on every available runtime')
    .option(
      '-w, --workload <name...>',
      `built-in workload name, "all", or a folder with a workload.json (repeatable; default: ${DEFAULT_WORKLOADS.join(', ')})`,
      listOption(null, 'workload'),
    )
    .option(
      '--wasm <file...>',
      'a bare WAGI .wasm file as a workload (GET /, must answer with a status below 500); repeatable',
      listOption(null, 'wasm'),
    )
    .option(
      '--component <file...>',
      'a wasi:http component (WASI 0.2) as a workload (GET /, must answer with a status below 500); repeatable',
      listOption(null, 'component'),
    )
    .option(
      '--allow-outbound <host:port>',
      'the --component files may make outbound HTTP requests to this host, plain http (repeatable; default: none, every request denied)',
      collectOutbound,
    )
    .option(
      '-r, --runtime <id...>',
      `runtimes to measure (repeatable or comma-separated; default: every available one): ${runtimeIds().join(', ')}`,
      listOption(runtimeIds(), 'runtime'),
    )
    .option('-m, --mode <mode...>', `measurement modes: ${MODES.join(', ')} (default: cold)`, listOption(MODES, 'mode'))
    .option(
      '--variant <kind...>',
      `only these workload variants: ${VARIANT_KINDS.join(', ')}`,
      listOption(VARIANT_KINDS, 'variant'),
    )
    .option('--request <name>', 'manifest request to send (default: the first of size "test")')
    .option(
      '-n, --iterations <n>',
      'samples per runtime × workload × measurement',
      intOption('--iterations', 1, 1_000_000),
      100,
    )
    .option(
      '--cell-seconds <s>',
      'time budget per runtime × workload × measurement: stop sampling after this long once 10 samples are in (0: no budget)',
      intOption('--cell-seconds', 0, 86_400),
      30,
    )
    .option('--warmup <n>', 'unrecorded samples before measuring', intOption('--warmup', 0, 100_000), 5)
    .option(
      '--seed <n>',
      'seed for the interleaving order (default: random, recorded in the results)',
      intOption('--seed', 0, 2 ** 32 - 1),
    )
    .option('-o, --out <dir>', 'results directory', 'results')
    .option('-q, --quiet', 'no progress, only the summary')
    .option('-v, --verbose', 'after the run, print every series, not only the headline')
    .option('--no-report', 'do not write the HTML report')
    .option(
      '--connections <n...>',
      'throughput: closed-loop connection counts (default: 8,64)',
      intList('--connections', 10_000),
    )
    .option(
      '--rates <rps...>',
      'throughput: open-loop offered rates in req/s (default: 10, 50, 80, 100, 120% of the closed-loop maximum)',
      intList('--rates', 10_000_000),
    )
    .option('--duration <s>', 'throughput: seconds per load step (default: 2)', secondsOption)
    .option('--slo <latency>', 'throughput: p99 latency objective, e.g. 500us, 2ms (default: 10ms)', sloOption)
    .option(
      '--throughput-repeats <n>',
      `throughput: closed-loop steps per connection count, interleaved, so the headline has an interval (default: ${THROUGHPUT_DEFAULTS.repeats})`,
      intOption('--throughput-repeats', 1, 100),
    )
    .addOption(
      new Option(
        '--load-client <client>',
        "throughput: closed-loop client (raw: faasbench's own, cheaper per request)",
      ).choices(LOAD_CLIENTS),
    )
    .option(
      '--budget-mib <n>',
      'density: stop when instances use this much memory (default: 2048)',
      intOption('--budget-mib', 1, 1_048_576),
    )
    .option(
      '--max-instances <n>',
      'density: stop at this many instances (default: 1000)',
      intOption('--max-instances', 1, 1_000_000),
    )
    .option(
      '--density-repeats <n>',
      `density: full ramps per runtime × workload, interleaved across runtimes, within the ${DENSITY_DEFAULTS.timeLimitMs / 1000} s limit (default: ${DENSITY_DEFAULTS.repeats})`,
      intOption('--density-repeats', 1, 100),
    )
    .option(
      '--trace-file <csv>',
      'trace: replay this Azure Functions trace (invocations per function per minute) instead of the synthetic one',
    )
    .option(
      '--trace-functions <n>',
      `trace: functions, generated or sampled from --trace-file (default: ${TRACE_DEFAULTS.functions})`,
      intOption('--trace-functions', 1, 100_000),
    )
    .option(
      '--trace-hours <h>',
      `trace: hours of trace (default: ${TRACE_DEFAULTS.hours})`,
      decimalOption('--trace-hours', 0.001, 336),
    )
    .option(
      '--trace-seed <n>',
      `trace: seed of the synthetic trace or of the file's sample (default: ${TRACE_DEFAULTS.seed})`,
      intOption('--trace-seed', 0, 2 ** 32 - 1),
    )
    .option(
      '--trace-max-per-minute <n>',
      `trace: synthetic: cap on one function's mean rate, per minute of trace (default: ${TRACE_DEFAULTS.maxPerMinute}; 0: none)`,
      decimalOption('--trace-max-per-minute', 0, 1e8),
    )
    .option(
      '--trace-compress <x>',
      `trace: trace time ÷ wall time (default: ${TRACE_DEFAULTS.compress}: an hour in five minutes)`,
      decimalOption('--trace-compress', 0.01, 1e6),
    )
    .option(
      '--trace-policy <spec...>',
      `trace: scaling policies to sweep: ${POLICY_HELP} (default: ${TRACE_DEFAULTS.policies.join(',')})`,
      policyList,
    )
    .option(
      '--price-gib-second <usd>',
      `trace: cost model, USD per GiB-second held (default: ${TRACE_DEFAULTS.gibSecondUsd}, AWS Lambda x86)`,
      decimalOption('--price-gib-second', 0, 1),
    )
    .option(
      '--price-request <usd>',
      `trace: cost model, USD per request (default: ${TRACE_DEFAULTS.requestUsd}, AWS Lambda)`,
      decimalOption('--price-request', 0, 1),
    );
  // One flag per runtime setting (pool, lambda, container, process), from the one table of them.
  for (const s of RUNTIME_SETTINGS) for (const o of runtimeSettingOptions(s)) run.addOption(o);
  // The reference runtime's sweep axes (--preinit, --reuse): each value a series of its own, tagged on its rows.
  for (const s of SERIES_SETTINGS) for (const o of runtimeSettingOptions(s)) run.addOption(o);
  run.action(async (flags: RunFlags) => {
    // Checked (and created) first: a run that cannot write its results must not start anything.
    const outProblem = resultsDirProblem(resolve(flags.out));
    if (outProblem) throw new Error(`--out ${flags.out}: ${outProblem}`);
    // flag > FAASBENCH_* > default, before anything starts: a bad environment value exits 2 like a bad flag.
    const runtimeConfig = resolveRuntimeConfig(flags, process.env);
    if (flags.allowOutbound && !flags.component)
      throw new Error(
        "--allow-outbound applies to --component files (a workload's component variant lists allowedOutboundHosts in its workload.json)",
      );
    // --wasm/--component alone run only those files; with --workload, both.
    const workloads = [
      ...((flags.wasm || flags.component) && !flags.workload
        ? []
        : resolveWorkloads(flags.workload ?? DEFAULT_WORKLOADS)),
      ...(await probeWasmFiles(flags.wasm ?? [])),
      ...(await probeWasmFiles(
        flags.component ?? [],
        'component',
        flags.allowOutbound ? { allowedOutboundHosts: flags.allowOutbound } : {},
      )),
    ];
    const ids = flags.runtime ?? RUNTIMES.filter((r) => r.default).map((r) => r.id);
    const runtimes = RUNTIMES.filter((r) => ids.includes(r.id));
    const modes = (flags.mode ?? ['cold']) as Mode[];
    // A trace that cannot be read or generated is refused before anything starts.
    if (modes.includes('trace')) loadTrace(traceSettings(flags));
    const quiet = flags.quiet === true;
    const progress = createProgress({ quiet });
    const abort = new AbortController();
    const onSignal = () => {
      if (abort.signal.aborted) process.exit(130);
      progress.log('interrupted: finishing the current sample and cleaning up (Ctrl-C again to force)');
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const outDir = resolve(flags.out);
    const outcome = await runBenchmark(
      {
        workloads,
        runtimes,
        modes,
        ...(flags.variant ? { variants: flags.variant } : {}),
        ...(flags.request ? { request: flags.request } : {}),
        iterations: flags.iterations,
        warmup: flags.warmup,
        ...(flags.cellSeconds > 0 ? { cellBudgetMs: flags.cellSeconds * 1000 } : {}),
        seed: flags.seed ?? Math.floor(Math.random() * 2 ** 32),
        outDir,
        command: ['faasbench', ...process.argv.slice(2)],
        modeOptions: modeSettings(flags, modes),
        runtimeConfig,
      },
      progress,
      abort.signal,
    ).finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
    const runs = readResults(outcome.resultsFile);
    const summaries = summarizeSamples(runs.flatMap((r) => r.samples));
    // The headline (every series with --verbose); the runtimes' report colours only on a terminal.
    process.stdout.write(
      runSummaryText(runs, {
        verbose: flags.verbose === true,
        colour: process.stdout.isTTY === true && !process.env['NO_COLOR'],
      }),
    );
    // -m trace: per workload, each policy's figures, the Pareto front and who wins at which price.
    if (modes.includes('trace')) process.stdout.write(traceMarkdown(runs));
    process.stdout.write(`\nresults: ${outcome.resultsFile}\n`);
    if (flags.report && summaries.length) {
      // The same renderer as `faasbench report` (HTML, CSVs, Markdown; chart images only there).
      const report = await writeReport(runs, { base: outcome.resultsFile.replace(/\.jsonl$/, ''), images: false });
      process.stdout.write(`report:  ${report.html}\n`);
    }
    if (outcome.status === 'interrupted') process.exitCode = 130;
    else if (summaries.length === 0) process.exitCode = 1;
  });
}
