// The run loop: availability → plan → cells → interleaved rounds → results file.
// Every sample is written the moment it is taken; a failure in one cell is recorded
// and the run goes on; Ctrl-C ends the run cleanly with what it has.

import { join } from 'node:path';
import type { Mode, RuntimeAdapter } from '../runtimes/types.js';
import { POOL_DEFAULTS } from '../runtimes/pool/adapter.js';
import { MEASUREMENT_MODES } from './modes/index.js';
import type { Cell } from './modes/types.js';
import { emptyRuntimeConfig, resolveModeOptions, type ModeSettings, type RuntimeConfig } from './options.js';
import { seriesCellLabel, type Progress } from './progress.js';
import { seriesText } from '../model/labels.js';
import { rng, shuffled } from '../model/random.js';
import { headerRow, newRunId } from './machine.js';
import type { HeaderRow } from '../model/results/schema.js';
import { ResultsWriter, resultsDirProblem } from '../model/results/writer.js';
import { openRuntimes, type RuntimeEntry } from './runtimes.js';
import { VARIANT_KINDS, type LoadedWorkload, type SampleRequest } from '../model/workload.js';

export interface RunOptions {
  workloads: LoadedWorkload[];
  runtimes: RuntimeEntry[];
  modes: Mode[];
  /** Only these variants (default: every variant a runtime accepts). */
  variants?: string[];
  /** Manifest request to send (default: the first of size 'test'). */
  request?: string;
  iterations: number;
  warmup: number;
  seed: number;
  outDir: string;
  command: string[];
  /** The modes' settings the user gave (checked by the CLI); defaults are filled in once, here, for every mode. */
  modeOptions?: ModeSettings;
  /** Each runtime's settings (flag > FAASBENCH_* > default, resolved by the CLI), handed to the registry's create(). */
  runtimeConfig?: RuntimeConfig;
  /** Give up on a cell whose first this-many samples all failed. */
  failFast?: number;
  /**
   * Time budget per cell in ms: a cell that has spent this long sampling stops once
   * it has `minIterations` measured samples, so slow runtimes (containers, Lambda
   * environments) don't stretch a run to hours. Default: no budget.
   */
  cellBudgetMs?: number;
  minIterations?: number;
}

export interface RunOutcome {
  runId: string;
  resultsFile: string;
  samples: number;
  status: 'completed' | 'interrupted';
  skipped: Array<{ runtime: string; reason: string }>;
}

interface LiveCell {
  cell: Cell;
  /** The cell's label with its series in words ("wasm/hello/wasm [wizer, reuse 128]/cold"): progress and messages. */
  label: string;
  runtime: string;
  workload: string;
  variant: string;
  mode: Mode;
  ready: boolean;
  done: boolean;
  okSeen: boolean;
  failures: number;
  /** Wall time spent in sample() so far, ms. */
  spentMs: number;
  /** The deployment's series tags (prepareSeries), written on each of its rows. */
  tags?: Readonly<Record<string, string | number>>;
}

export function pickRequest(w: LoadedWorkload, name?: string): SampleRequest {
  if (name) {
    const r = w.requests.find((x) => x.name === name);
    if (!r)
      throw new Error(
        `workload ${w.name} has no request '${name}' (it has: ${w.requests.map((x) => x.name).join(', ')})`,
      );
    return r;
  }
  return w.requests.find((r) => r.size === 'test') ?? w.requests[0]!;
}

/** The results file's header: where, with what and how this run was made. */
async function runHeader(
  opts: RunOptions,
  runId: string,
  adapters: RuntimeAdapter[],
  skipped: RunOutcome['skipped'],
): Promise<HeaderRow> {
  const versions: Record<string, string> = {};
  for (const a of adapters) {
    for (const [k, v] of Object.entries((await a.describeVersions?.()) ?? {})) versions[`${a.id}.${k}`] = v;
  }
  return headerRow({
    runId,
    command: opts.command,
    seed: opts.seed,
    versions,
    config: {
      workloads: opts.workloads.map((w) => w.name),
      runtimes: adapters.map((a) => a.id),
      skippedRuntimes: skipped,
      modes: opts.modes,
      iterations: opts.iterations,
      warmup: opts.warmup,
      ...(opts.modeOptions ?? {}),
      ...runtimeConfigOf(opts, adapters),
    },
  });
}

/** The settings given for the runtimes of this run (the pool's inner one included), for the header; nothing when none was. */
function runtimeConfigOf(opts: RunOptions, adapters: RuntimeAdapter[]): { runtimeConfig?: Record<string, object> } {
  const given: Record<string, object> = {};
  for (const [id, c] of Object.entries(opts.runtimeConfig ?? {})) {
    const inRun =
      adapters.some((a) => a.id === id) ||
      (id === (opts.runtimeConfig?.pool.of ?? POOL_DEFAULTS.of) && adapters.some((a) => a.id === 'pool'));
    if (inRun && Object.keys(c).length > 0) given[id] = c;
  }
  return Object.keys(given).length > 0 ? { runtimeConfig: given } : {};
}

export async function runBenchmark(opts: RunOptions, progress: Progress, signal: AbortSignal): Promise<RunOutcome> {
  // Before anything is started: a run that could not write its results would measure for nothing.
  const dirProblem = resultsDirProblem(opts.outDir);
  if (dirProblem) throw new Error(`results directory ${opts.outDir} ${dirProblem}`);
  // Every adapter created, available or not: each may hold worker threads, servers or
  // timers, and one left undisposed keeps the process from ever exiting. Whatever
  // fails before the sampling loop (its own finally disposes them) disposes them here.
  let created: RuntimeAdapter[] = [];
  let adapters: RuntimeAdapter[];
  let skipped: RunOutcome['skipped'];
  let runId: string;
  let resultsFile: string;
  let out: ResultsWriter;
  try {
    ({
      created,
      available: adapters,
      skipped,
    } = await openRuntimes(opts.runtimes, opts.runtimeConfig ?? emptyRuntimeConfig(), (m) => progress.log(m)));
    runId = newRunId();
    resultsFile = join(opts.outDir, `${runId}.jsonl`);
    out = new ResultsWriter(resultsFile, await runHeader(opts, runId, adapters, skipped));
  } catch (e) {
    await Promise.all(created.map((a) => a.dispose().catch(() => {})));
    progress.done();
    throw e;
  }
  for (const s of skipped) out.event('warning', `runtime unavailable: ${s.reason}`, { runtime: s.runtime });

  // Resolved once for every cell of every mode: a mode takes what it is given.
  const modeOptions = resolveModeOptions(opts, opts.modeOptions);
  const random = rng(opts.seed);
  let status: RunOutcome['status'] = 'completed';
  const liveCells: LiveCell[] = [];
  try {
    for (const mode of opts.modes) {
      const measurement = MEASUREMENT_MODES[mode];
      if (!measurement) throw new Error(`mode '${mode}' is not available in this build`);
      const cells: LiveCell[] = [];
      for (const adapter of adapters) {
        const caps = adapter.capabilities();
        if (!caps.modes.includes(mode) && !measurement.everyRuntime) {
          out.event('info', `${adapter.id} does not support mode ${mode}`, { runtime: adapter.id });
          continue;
        }
        for (const workload of opts.workloads) {
          for (const variant of VARIANT_KINDS) {
            if (!caps.variants.includes(variant) || !workload.variantPaths[variant]) continue;
            if (opts.variants && !opts.variants.includes(variant)) continue;
            if (signal.aborted) break;
            try {
              // One deployment, or one per series of the adapter's own axes (tagged; why a series cannot apply is said once).
              const prepared = adapter.prepareSeries
                ? await adapter.prepareSeries(workload, variant)
                : [await adapter.prepare(workload, variant)];
              const refusals = new Map<string, string[]>();
              for (const deployment of prepared) {
                if ('refused' in deployment) {
                  const tags = Object.entries(deployment.tags).map(([k, v]) => `${k}=${v}`);
                  refusals.set(deployment.refused, [
                    ...(refusals.get(deployment.refused) ?? []),
                    `[${seriesText(tags.join(','))}]`,
                  ]);
                  continue;
                }
                const ctx = {
                  adapter,
                  workload,
                  variant,
                  deployment,
                  request: pickRequest(workload, opts.request),
                  options: modeOptions,
                  warn: (m: string) => {
                    out.event('warning', m, { runtime: adapter.id, workload: workload.name });
                    progress.log(`warning: ${m}`);
                  },
                  log: (m: string) => progress.log(m),
                  signal,
                };
                for (const cell of measurement.cells(ctx)) {
                  cells.push({
                    cell,
                    label: seriesCellLabel(cell.label, `${adapter.id}/${workload.name}/${variant}`, deployment.tags),
                    runtime: adapter.id,
                    workload: workload.name,
                    variant,
                    mode,
                    ready: false,
                    done: false,
                    okSeen: false,
                    failures: 0,
                    spentMs: 0,
                    ...(deployment.tags && Object.keys(deployment.tags).length ? { tags: deployment.tags } : {}),
                  });
                }
              }
              for (const [why, series] of refusals) {
                const msg = `${adapter.id}/${workload.name}/${variant}: not measured (${series.join('; ')}): ${why}`;
                out.event('info', msg, { runtime: adapter.id, workload: workload.name });
                progress.log(msg);
              }
            } catch (e) {
              const msg = `${adapter.id}/${workload.name}/${variant}: prepare failed: ${(e as Error).message}`;
              out.event('error', msg, { runtime: adapter.id, workload: workload.name });
              progress.log(`error: ${msg}`);
            }
          }
        }
      }
      liveCells.push(...cells);
      await runRounds(cells, out, progress, random, signal, {
        failFast: opts.failFast ?? 5,
        budgetMs: opts.cellBudgetMs ?? Infinity,
        minSamples: opts.warmup + (opts.minIterations ?? 10),
      });
      if (signal.aborted) break;
    }
    if (signal.aborted) status = 'interrupted';
  } finally {
    for (const c of liveCells) if (c.ready && !c.done) await c.cell.teardown().catch(() => {});
    for (const a of adapters) {
      for (const m of a.runReport?.() ?? []) {
        out.sample({
          workload: m.workload,
          variant: m.variant,
          runtime: a.id,
          mode: 'idle',
          phase: 'total',
          metric: m.metric,
          value: m.value,
          ok: true,
          iteration: 0,
          ...(m.tags ? { tags: m.tags } : {}),
        });
      }
    }
    for (const a of adapters)
      await a
        .dispose()
        .catch((e: Error) => out.event('warning', `cleanup of ${a.id} failed: ${e.message}`, { runtime: a.id }));
    for (const a of created) if (!adapters.includes(a)) await a.dispose().catch(() => {});
    out.end(status);
    progress.done();
  }
  return { runId, resultsFile, samples: out.sampleCount, status, skipped };
}

interface RoundLimits {
  failFast: number;
  budgetMs: number;
  /** Rounds (warmup included) a cell always gets before the budget can stop it. */
  minSamples: number;
}

async function runRounds(
  cells: LiveCell[],
  out: ResultsWriter,
  progress: Progress,
  random: () => number,
  signal: AbortSignal,
  limits: RoundLimits,
): Promise<void> {
  const { failFast } = limits;
  const total = cells.reduce((s, c) => s + c.cell.rounds, 0);
  let done = 0;
  const maxRounds = Math.max(0, ...cells.map((c) => c.cell.rounds));
  for (let round = 0; round < maxRounds && !signal.aborted; round++) {
    for (const c of shuffled(
      cells.filter((x) => !x.done && round < x.cell.rounds),
      random,
    )) {
      if (signal.aborted) break;
      const where = { runtime: c.runtime, workload: c.workload };
      if (!c.ready) {
        try {
          await c.cell.setup();
          c.ready = true;
        } catch (e) {
          c.done = true;
          done += c.cell.rounds;
          const msg = `${c.label}: setup failed: ${(e as Error).message}`;
          out.event('error', msg, where);
          progress.log(`error: ${msg}`);
          continue;
        }
      }
      let rows;
      const t0 = performance.now();
      try {
        rows = await c.cell.sample(round);
      } catch (e) {
        rows = [
          { phase: 'total', metric: 'error', value: 0, ok: false, iteration: round, error: (e as Error).message },
        ];
      }
      c.spentMs += performance.now() - t0;
      for (const r of rows)
        out.sample({
          workload: c.workload,
          variant: c.variant,
          runtime: c.runtime,
          mode: c.mode,
          ...r,
          ...(c.tags ? { tags: { ...c.tags, ...r.tags } } : {}),
        });
      const failed = rows.find((r) => r.phase === 'total' && !r.ok);
      if (failed) {
        c.failures++;
        if (c.failures <= 3) progress.log(`sample failed: ${c.label}: ${failed.error ?? 'not ok'}`);
      } else if (rows.length > 0) c.okSeen = true;
      done++;
      if (!c.okSeen && c.failures >= failFast) {
        c.done = true;
        done += c.cell.rounds - round - 1;
        const msg = `${c.label}: gave up after ${c.failures} failed samples and none correct`;
        out.event('error', msg, where);
        progress.log(`error: ${msg}`);
      } else if (round === c.cell.rounds - 1) {
        c.done = true;
      } else if (c.spentMs > limits.budgetMs && round + 1 >= limits.minSamples) {
        c.done = true;
        done += c.cell.rounds - round - 1;
        const msg = `${c.label}: stopped at ${round + 1} of ${c.cell.rounds} rounds, its time budget of ${Math.round(limits.budgetMs / 1000)} s spent (raise --cell-seconds for more samples)`;
        out.event('info', msg, where);
        progress.log(msg);
      }
      if (c.done && c.ready)
        await c.cell
          .teardown()
          .catch((e: Error) => out.event('warning', `${c.label}: teardown failed: ${e.message}`, where));
      progress.update(done, total, c.label);
    }
  }
}
