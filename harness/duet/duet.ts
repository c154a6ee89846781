// The duet runner: a baseline and a candidate workload measured interleaved in one
// job, on the same runtime(s), for the duet gate (`faasbench gate --baseline-wasm A
// --wasm B`). Each round takes one cold start of each side back to back, in a seeded
// random order (A B or B A: neither side always goes first, so warm caches or a
// slowly changing machine favour neither), so both samples of a pair see the same
// machine state and the paired ratio cancels the noise they share.
//
// Adaptive: after the minimum number of pairs it keeps sampling until the paired
// ratio's 95 % interval of every gated series is within ±precision (model/stats/
// paired.ts), the time budget is spent, or the maximum number of pairs is reached,
// and says which. Every sample goes to an ordinary results file the moment it is
// taken, tagged `side: baseline|candidate` (model/duet.ts); the gate judges that
// file, never this runner's memory. Built on the adapters' and the cold mode's
// public functions (not harness/run.ts's loop, whose rounds are fixed in number and
// whose order is a shuffle of independent cells, not pairs); the runtimes are set up
// by the same helper as the run loop's (openRuntimes in harness/runtimes.ts).
//
// The two sides differ in what they serve (two modules, components or workload
// folders on one shared adapter per runtime) or in what serves it (sideRuntimeConfig:
// two container images, two serving commands): then each side gets an adapter of its
// own, made from its own settings, and a pair is still one sample of each, back to
// back, of the same workload and variant.

import { join } from 'node:path';
import type { Mode, RuntimeAdapter, VariantKind } from '../../runtimes/types.js';
import { requestCell, startCell } from '../modes/cold.js';
import type { Cell, CellContext } from '../modes/types.js';
import { emptyRuntimeConfig, resolveModeOptions, type RuntimeConfig } from '../options.js';
import type { Progress } from '../progress.js';
import { openRuntimes, type OpenedRuntimes, type RuntimeEntry } from '../runtimes.js';
import { headerRow, newRunId } from '../machine.js';
import { pickRequest } from '../run.js';
import { rng, shuffled } from '../../model/random.js';
import { ResultsWriter, resultsDirProblem } from '../../model/results/writer.js';
import type { SampleRow } from '../../model/results/schema.js';
import { DUET_SIDES, DUET_TAG, pairDuet, type DuetSide } from '../../model/duet.js';
import { comparePaired } from '../../model/stats/paired.js';
import { VARIANT_KINDS, type LoadedWorkload } from '../../model/workload.js';

/** The metrics a duet can measure: cold starts (the instance's; the app's on runtimes with an instance per request). */
export const DUET_METRICS = ['cold_start_ns', 'app_cold_start_ns'] as const;

export interface DuetGateSeries {
  metric: string;
  /** Quantile gated (0.5: the median). */
  q: number;
}

export interface DuetOptions {
  baseline: LoadedWorkload;
  candidate: LoadedWorkload;
  runtimes: RuntimeEntry[];
  runtimeConfig?: RuntimeConfig;
  /**
   * Each side's own runtime settings, when what differs is what serves the workload
   * (`gate --baseline-image/--image`: the container runtime with another image a side;
   * `--baseline-command/--command`: the command runtime with another command a side).
   * Then every runtime gets one adapter per side; absent, both sides share one adapter
   * per runtime made from runtimeConfig.
   */
  sideRuntimeConfig?: Record<DuetSide, RuntimeConfig>;
  /** Variants to measure (default: every variant both sides have that the runtime accepts). */
  variants?: VariantKind[];
  /** What the gate will judge: decides which cells run and when the precision is reached. */
  gated: DuetGateSeries[];
  /** Unrecorded rounds first (each side), to warm caches and JIT alike. */
  warmup: number;
  /** Pairs always taken before the precision can stop the run. */
  minPairs: number;
  maxPairs: number;
  /** Target half-width of the ratio's 95 % interval, relative (0.03: ±3 %). 0: sample until the budget or maxPairs. */
  precision: number;
  budgetMs: number;
  seed: number;
  resamples: number;
  outDir: string;
  command: string[];
  /** Extra header config (the gate's settings), recorded as given. */
  config?: Record<string, unknown>;
  /** Give up on a pair of cells whose first this-many rounds all failed on a side (default 5). */
  failFast?: number;
}

export type DuetStop = 'precision' | 'budget' | 'max-pairs' | 'interrupted' | 'failed';

export interface DuetOutcome {
  runId: string;
  resultsFile: string;
  status: 'completed' | 'interrupted';
  stoppedBy: DuetStop;
  /** Correct pairs per duet series (runtime/variant/metric). */
  pairs: Record<string, number>;
  /** Worst precision reached over the gated series at the last check (NaN before any). */
  precision: number;
  elapsedMs: number;
  skipped: Array<{ runtime: string; reason: string }>;
  /** The errors written to the results file's events (a side that could not be prepared, set up, or never answered). */
  errors: string[];
  /** Sample rows written (0: nothing could be measured). */
  samples: number;
}

/** One runtime's adapter for each side (the same one unless the sides have their own settings), under one runtime id. */
interface SidedRuntime {
  id: string;
  adapters: Record<DuetSide, RuntimeAdapter>;
}

/** The settings given for a side's runtimes (only those set), for the header. */
const givenConfig = (c: RuntimeConfig): Record<string, object> =>
  Object.fromEntries(Object.entries(c).filter(([, v]) => Object.keys(v as object).length > 0)) as Record<
    string,
    object
  >;

interface Duo {
  runtime: string;
  variant: VariantKind;
  metric: string;
  cells: Record<DuetSide, Cell>;
  workloads: Record<DuetSide, string>;
  ready: boolean;
  done: boolean;
  okSeen: Record<DuetSide, boolean>;
  failures: Record<DuetSide, number>;
  rows: SampleRow[];
}

/** The cold-mode cell measuring `metric` (as harness/modes/cold.ts builds them). */
function cellFor(ctx: CellContext, metric: string): Cell | null {
  const perRequest = ctx.adapter.capabilities().freshInstancePerRequest;
  if (metric === 'cold_start_ns')
    return perRequest ? requestCell(ctx, 'cold_start_ns', 'instance') : startCell(ctx, 'cold_start_ns', 'instance');
  if (metric === 'app_cold_start_ns') return perRequest ? startCell(ctx, 'app_cold_start_ns', 'app') : null;
  return null;
}

export async function runDuet(opts: DuetOptions, progress: Progress, signal: AbortSignal): Promise<DuetOutcome> {
  for (const g of opts.gated) {
    if (!(DUET_METRICS as readonly string[]).includes(g.metric))
      throw new Error(`a duet measures ${DUET_METRICS.join(' and ')} only, not ${g.metric}`);
  }
  const dirProblem = resultsDirProblem(opts.outDir);
  if (dirProblem) throw new Error(`results directory ${opts.outDir} ${dirProblem}`);
  const sides: Record<DuetSide, LoadedWorkload> = { baseline: opts.baseline, candidate: opts.candidate };
  const metrics = [...new Set(opts.gated.map((g) => g.metric))];
  const created: RuntimeAdapter[] = [];
  const runtimes: SidedRuntime[] = [];
  const skipped: DuetOutcome['skipped'] = [];
  const duos: Duo[] = [];
  let out: ResultsWriter | null = null;
  const modeOptions = resolveModeOptions({ iterations: opts.maxPairs, warmup: opts.warmup });
  const runId = newRunId();
  const resultsFile = join(opts.outDir, `${runId}.jsonl`);
  const t0 = performance.now();
  let stoppedBy: DuetStop = 'max-pairs';
  let precision = NaN;
  const errors: string[] = [];
  try {
    if (!opts.sideRuntimeConfig) {
      const o = await openRuntimes(opts.runtimes, opts.runtimeConfig ?? emptyRuntimeConfig(), (m) => progress.log(m));
      created.push(...o.created);
      skipped.push(...o.skipped);
      for (const a of o.available) runtimes.push({ id: a.id, adapters: { baseline: a, candidate: a } });
    } else {
      const opened = {} as Record<DuetSide, OpenedRuntimes>;
      for (const side of DUET_SIDES) {
        const o = await openRuntimes(opts.runtimes, opts.sideRuntimeConfig[side], (m) => progress.log(`${side}: ${m}`));
        created.push(...o.created);
        skipped.push(...o.skipped.map((s) => ({ runtime: s.runtime, reason: `${side}: ${s.reason}` })));
        opened[side] = o;
      }
      // openRuntimes creates one adapter per entry, in order: entry i's adapters are created[i] of each side.
      opts.runtimes.forEach((entry, i) => {
        const b = opened.baseline.created[i]!;
        const c = opened.candidate.created[i]!;
        if (!opened.baseline.available.includes(b) || !opened.candidate.available.includes(c)) return;
        // One id for both sides, so that their samples pair (a command spec may name each side's runtime its own way).
        runtimes.push({ id: b.id === c.id ? b.id : entry.id, adapters: { baseline: b, candidate: c } });
      });
      if (runtimes.length === 0)
        throw new Error(
          `no runtime is available to both sides (${skipped.map((s) => `${s.runtime}: ${s.reason}`).join('; ')})`,
        );
    }
    const versions: Record<string, string> = {};
    for (const r of runtimes)
      for (const side of opts.sideRuntimeConfig ? DUET_SIDES : (['baseline'] as const))
        for (const [k, v] of Object.entries((await r.adapters[side].describeVersions?.()) ?? {}))
          versions[`${opts.sideRuntimeConfig ? `${side}.` : ''}${r.id}.${k}`] = v;
    const header = headerRow({
      runId,
      command: opts.command,
      seed: opts.seed,
      versions,
      config: {
        duet: {
          baseline: opts.baseline.name,
          candidate: opts.candidate.name,
          tag: DUET_TAG,
          ...(opts.sideRuntimeConfig
            ? {
                runtimeConfig: {
                  baseline: givenConfig(opts.sideRuntimeConfig.baseline),
                  candidate: givenConfig(opts.sideRuntimeConfig.candidate),
                },
              }
            : {}),
        },
        workloads: [...new Set([opts.baseline.name, opts.candidate.name])],
        runtimes: runtimes.map((r) => r.id),
        skippedRuntimes: skipped,
        modes: ['cold' satisfies Mode],
        warmup: opts.warmup,
        minPairs: opts.minPairs,
        maxPairs: opts.maxPairs,
        precision: opts.precision,
        budgetSeconds: opts.budgetMs / 1000,
        ...(opts.config ?? {}),
      },
    });
    out = new ResultsWriter(resultsFile, header);
    for (const s of skipped) out.event('warning', `runtime unavailable: ${s.reason}`, { runtime: s.runtime });
    for (const rt of runtimes) {
      const caps = { baseline: rt.adapters.baseline.capabilities(), candidate: rt.adapters.candidate.capabilities() };
      if (!caps.baseline.modes.includes('cold') || !caps.candidate.modes.includes('cold')) {
        out.event('warning', `${rt.id} does not measure cold starts`, { runtime: rt.id });
        continue;
      }
      // Else the "same" metric would be a per-request cold start on one side and a server start on the other.
      if (caps.baseline.freshInstancePerRequest !== caps.candidate.freshInstancePerRequest) {
        const msg = `${rt.id}: the sides measure different cold starts (only the ${caps.baseline.freshInstancePerRequest ? 'baseline' : 'candidate'} serves a fresh instance per request)`;
        errors.push(msg);
        out.event('error', msg, { runtime: rt.id });
        progress.log(`error: ${msg}`);
        continue;
      }
      for (const variant of VARIANT_KINDS) {
        if (
          !caps.baseline.variants.includes(variant) ||
          !caps.candidate.variants.includes(variant) ||
          !opts.baseline.variantPaths[variant] ||
          !opts.candidate.variantPaths[variant]
        )
          continue;
        if (opts.variants && !opts.variants.includes(variant)) continue;
        const w = out;
        const ctxOf = async (side: DuetSide): Promise<CellContext> => ({
          adapter: rt.adapters[side],
          workload: sides[side],
          variant,
          deployment: await rt.adapters[side].prepare(sides[side], variant).catch((e: Error) => {
            throw new Error(`${side}: ${e.message}`, { cause: e });
          }),
          request: pickRequest(sides[side]),
          options: modeOptions,
          warn: (m: string) => {
            w.event('warning', `${side}: ${m}`, { runtime: rt.id, workload: sides[side].name });
            progress.log(`warning: ${side}: ${m}`);
          },
        });
        let ctx: Record<DuetSide, CellContext>;
        try {
          ctx = { baseline: await ctxOf('baseline'), candidate: await ctxOf('candidate') };
        } catch (e) {
          const msg = `${rt.id}/${variant}: prepare failed: ${(e as Error).message}`;
          errors.push(msg);
          out.event('error', msg, { runtime: rt.id });
          progress.log(`error: ${msg}`);
          continue;
        }
        for (const metric of metrics) {
          const b = cellFor(ctx.baseline, metric);
          const c = cellFor(ctx.candidate, metric);
          if (!b || !c) {
            out.event('info', `${rt.id} has no ${metric}`, { runtime: rt.id });
            continue;
          }
          duos.push({
            runtime: rt.id,
            variant,
            metric,
            cells: { baseline: b, candidate: c },
            workloads: { baseline: opts.baseline.name, candidate: opts.candidate.name },
            ready: false,
            done: false,
            okSeen: { baseline: false, candidate: false },
            failures: { baseline: 0, candidate: 0 },
            rows: [],
          });
        }
      }
    }
    if (duos.length === 0) {
      stoppedBy = 'failed';
      errors.push('nothing to measure: no runtime here can run both sides for the gated metrics');
      out.event('error', errors.at(-1)!);
      return finish();
    }
    ({ stoppedBy, precision } = await rounds(opts, duos, out, errors, progress, signal, t0));
    return finish();
  } finally {
    for (const d of duos) if (d.ready) for (const c of Object.values(d.cells)) await c.teardown().catch(() => {});
    for (const a of created)
      await a
        .dispose()
        .catch((e: Error) => out?.event('warning', `cleanup of ${a.id} failed: ${e.message}`, { runtime: a.id }));
    out?.end(signal.aborted ? 'interrupted' : 'completed');
    progress.done();
  }

  function finish(): DuetOutcome {
    const pairs: Record<string, number> = {};
    for (const s of pairDuet(duos.flatMap((d) => d.rows)))
      pairs[`${s.runtime}/${s.variant}/${s.metric}`] = s.baseline.length;
    return {
      runId,
      resultsFile,
      status: signal.aborted ? 'interrupted' : 'completed',
      stoppedBy,
      pairs,
      precision,
      elapsedMs: performance.now() - t0,
      skipped,
      errors,
      samples: out?.sampleCount ?? 0,
    };
  }
}

/**
 * Worst precision over the gated series of the duos still sampling (one that gave up
 * can never improve, and the gate reports it as undecided). Same seed and resamples
 * as the gate's, on the same rows: the precision that stopped the run is the one the
 * gate reports.
 */
function worstPrecision(duos: Duo[], gated: DuetGateSeries[], seed: number, resamples: number): number {
  // NaN when no series is still sampling: nothing was reached (never "0, precise enough").
  let worst = NaN;
  for (const s of pairDuet(duos.filter((d) => !d.done).flatMap((d) => d.rows))) {
    for (const g of gated) {
      if (g.metric !== s.metric) continue;
      if (Number.isNaN(worst)) worst = 0;
      const c = comparePaired(s.baseline, s.candidate, { q: g.q, seed, resamples, metric: s.metric });
      const p = c.undecided === null ? c.precision : Infinity;
      if (!(p <= worst)) worst = p;
    }
  }
  return worst;
}

async function rounds(
  opts: DuetOptions,
  duos: Duo[],
  out: ResultsWriter,
  errors: string[],
  progress: Progress,
  signal: AbortSignal,
  t0: number,
): Promise<{ stoppedBy: DuetStop; precision: number }> {
  const random = rng(opts.seed);
  const failFast = opts.failFast ?? 5;
  const total = opts.warmup + opts.maxPairs;
  let precision = NaN;
  let nextCheck = opts.warmup + opts.minPairs;
  for (let round = 0; round < total; round++) {
    if (signal.aborted) return { stoppedBy: 'interrupted', precision };
    const live = duos.filter((d) => !d.done);
    if (live.length === 0) return { stoppedBy: 'failed', precision };
    for (const d of shuffled(live, random)) {
      const where = { runtime: d.runtime, workload: d.workloads.candidate };
      if (!d.ready) {
        try {
          await d.cells.baseline.setup();
          await d.cells.candidate.setup();
          d.ready = true;
        } catch (e) {
          d.done = true;
          const msg = `${d.runtime}/${d.variant}/${d.metric}: setup failed: ${(e as Error).message}`;
          errors.push(msg);
          out.event('error', msg, where);
          progress.log(`error: ${msg}`);
          continue;
        }
      }
      // The coin decides who goes first in this pair.
      const order: DuetSide[] = random() < 0.5 ? ['baseline', 'candidate'] : ['candidate', 'baseline'];
      for (const side of order) {
        let rows;
        try {
          rows = await d.cells[side].sample(round);
        } catch (e) {
          rows = [
            { phase: 'total', metric: d.metric, value: 0, ok: false, iteration: round, error: (e as Error).message },
          ];
        }
        for (const r of rows) {
          const row = {
            workload: d.workloads[side],
            variant: d.variant,
            runtime: d.runtime,
            mode: 'cold',
            ...r,
            tags: { ...(r.tags ?? {}), [DUET_TAG]: side },
          };
          out.sample(row);
          d.rows.push({ type: 'sample', ...row });
        }
        const failed = rows.find((r) => r.phase === 'total' && !r.ok);
        if (failed) {
          d.failures[side]++;
          if (d.failures[side] <= 3)
            progress.log(`sample failed: ${side} ${d.runtime}/${d.variant}/${d.metric}: ${failed.error ?? 'not ok'}`);
        } else if (rows.length > 0) d.okSeen[side] = true;
        if (!d.okSeen[side] && d.failures[side] >= failFast) {
          d.done = true;
          const msg = `${side} ${d.runtime}/${d.variant}/${d.metric}: gave up after ${d.failures[side]} failed samples and none correct`;
          errors.push(msg);
          out.event('error', msg, where);
          progress.log(`error: ${msg}`);
          break;
        }
      }
    }
    // Every pair of cells gave up in this round: stop now, before a precision check over nothing.
    if (duos.every((d) => d.done)) return { stoppedBy: 'failed', precision };
    const elapsed = performance.now() - t0;
    const pairsDone = round + 1 - opts.warmup;
    // The bar shows the time budget spent (the precision usually ends the run before it fills).
    const budgetS = Math.max(1, Math.round(opts.budgetMs / 1000));
    progress.update(
      Math.min(budgetS, Math.floor(elapsed / 1000)),
      budgetS,
      `duet: ${Math.max(0, pairsDone)} pairs${Number.isFinite(precision) ? `, ±${(precision * 100).toFixed(1)}% (target ±${(opts.precision * 100).toFixed(1)}%)` : ''}`,
    );
    if (round + 1 >= nextCheck) {
      precision = worstPrecision(duos, opts.gated, opts.seed, opts.resamples);
      // Check again after another tenth of the pairs so far: the bootstrap costs O(pairs) per check.
      nextCheck = round + 1 + Math.max(10, Math.floor(pairsDone / 10));
      if (opts.precision > 0 && precision <= opts.precision) return { stoppedBy: 'precision', precision };
    }
    if (elapsed > opts.budgetMs && pairsDone >= opts.minPairs) {
      precision = worstPrecision(duos, opts.gated, opts.seed, opts.resamples);
      return { stoppedBy: 'budget', precision };
    }
  }
  precision = worstPrecision(duos, opts.gated, opts.seed, opts.resamples);
  return { stoppedBy: 'max-pairs', precision };
}
