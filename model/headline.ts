// The answer to the three questions (cold start, throughput, density) per workload,
// like for like: one figure per runtime · variant, each picked by the same rule for
// every runtime, compared with the reference runtime as a ratio with its interval,
// and one sentence written from the figures. The HTML report, the Markdown summary
// and the terminal headline after a run all read this, so they never disagree.
//
// The picking rules (the "basis", stated wherever a headline is shown):
// - cold start: the median of `cold_start_ns` (total); the Wasm app cold start
//   (`app_cold_start_ns`, module not yet compiled) is its own headline.
// - throughput: closed loop, the connection count with the best median
//   `throughput_rps` of each runtime (the count is shown with the figure); rows of
//   older files that only hold `max_throughput_rps` fall back to it.
// - density: `instances_per_gib` from ONE memory source for every runtime: cgroup
//   when every runtime has it, else PSS (both charge shared pages fairly; RSS
//   charges them to everyone); a runtime without the chosen source is listed as
//   missing, never filled in from another source. Only without any cgroup or PSS
//   figure does it fall back to the source most runtimes have; host MemAvailable
//   comes last: it is noisy on a shared machine. The density mode repeats its ramp
//   (3 by default), one figure per ramp, so the figure is the median over the ramps
//   with its interval, as for cold start and throughput; files from before it
//   repeated hold one figure: "single measurement".
// - series: a runtime measured in several series of its own (the wasm runtime's
//   --preinit/--reuse, tagged preinit=…/reuse=…) gets one entry per series, each
//   labelled with its series ("wasm · wasm [wizer, reuse 128]"), every rule above
//   applied within the series. The reference is the reference runtime's default
//   series (plain, reuse 1) when it was measured, so "beats the reference" also says
//   which series beat the default; seriesLegend() gives the short words' meaning.
// Every figure: the median with its order-statistic interval; every ratio: medians'
// ratio with a seeded bootstrap interval (same seed, same sentence). Below
// MIN_COMPARE_N measurements a side (3 ramps, 3 closed-loop steps) the ratio keeps
// its interval but gets no verdict; with one measurement it is a bare ratio. Pure.

import { factorRangeText, factorText, measureTagsOf, seriesTagsOf, seriesText, sourceText } from './labels.js';
import { median } from './stats/descriptive.js';
import {
  compareSamples,
  medianCI,
  metricDirection,
  MIN_COMPARE_N,
  type Comparison,
  type Interval,
} from './stats/inference.js';
import { formatValue, type Series } from './summary.js';

export type Question = 'cold' | 'appCold' | 'throughput' | 'density';

export interface HeadlineEntry {
  runtime: string;
  variant: string;
  /** The exact series shown: metric and tagsKey(). */
  metric: string;
  tags: string;
  /** Correct values of that series. */
  values: number[];
  median: number;
  ci: Interval;
  n: number;
  /** What this figure was measured at, in words ("at 64 connections", "as idle apps"); '' when nothing to say. */
  basis: string;
  /** Against the reference's entry; null for the reference itself, or when there is none. */
  vsReference: Comparison | null;
  /** Significantly better than the reference: worth pointing at. */
  beatsReference: boolean;
}

export interface Headline {
  workload: string;
  question: Question;
  /** "Cold start", "Throughput", ... */
  title: string;
  /** The unit of every entry's value, as a metric name (for formatValue). */
  unitMetric: string;
  better: 'lower' | 'higher';
  /** The rule that picked the figures, in words, shown with the chart. */
  basis: string;
  /** Best first. */
  entries: HeadlineEntry[];
  reference: HeadlineEntry | null;
  /** Runtimes (series) with data for this question but not on the headline's basis, and why; `tags`: the series'. */
  missing: { runtime: string; variant: string; tags: string; reason: string }[];
  /** The density headline's memory source ('' for the others). */
  source: string;
  /** One sentence written from the figures. */
  sentence: string;
  /** The values span an order of magnitude or more: draw on a log scale. */
  logScale: boolean;
}

export interface HeadlineOptions {
  reference: string;
  seed?: number;
  resamples?: number;
}

/** Density sources in order of preference for the headline. */
export const SOURCE_PREFERENCE = ['cgroup', 'pss', 'rss', 'heap', 'memavailable'] as const;

const QUESTIONS: { q: Question; title: string; unitMetric: string }[] = [
  { q: 'cold', title: 'Cold start', unitMetric: 'cold_start_ns' },
  { q: 'appCold', title: 'App cold start', unitMetric: 'app_cold_start_ns' },
  { q: 'throughput', title: 'Throughput', unitMetric: 'throughput_rps' },
  { q: 'density', title: 'Density', unitMetric: 'instances_per_gib' },
];

/** One headline entry per runtime · variant · series (the series part of the tags; '' for most runtimes). */
const pairKey = (s: { runtime: string; variant: string; tags: string }) =>
  `${s.runtime}\u0000${s.variant}\u0000${seriesTagsOf(s.tags)}`;
const tagOf = (tags: string, key: string): string | undefined => {
  for (const kv of tags ? tags.split(',') : []) {
    const at = kv.indexOf('=');
    if (kv.slice(0, at) === key) return kv.slice(at + 1);
  }
  return undefined;
};
const connectionsText = (c: string) =>
  `${/^\d+$/.test(c) ? Number(c).toLocaleString('en-US') : c} connection${c === '1' ? '' : 's'}`;
/** "wasm · wasm", with its series when it has one: "wasm · wasm [wizer, reuse 128]". */
export const entryLabel = (e: { runtime: string; variant: string; tags?: string }): string => {
  const series = seriesText(e.tags ?? '');
  return `${e.runtime} · ${e.variant}${series ? ` [${series}]` : ''}`;
};

/** The runtime's default series: no series tags, or preinit plain and reuse 1 (what a run without --preinit/--reuse measures). */
export const isDefaultSeries = (tags: string): boolean =>
  seriesTagsOf(tags)
    .split(',')
    .filter(Boolean)
    .every((kv) => kv === 'preinit=plain' || kv === 'reuse=1');

interface Candidate {
  series: Series;
  basis: string;
}

/** Candidates per runtime · variant for one question, plus the basis statement and the missing ones. */
function pick(
  q: Question,
  list: Series[],
): { chosen: Map<string, Candidate>; basis: string; source: string; missing: Headline['missing'] } {
  const total = list.filter((s) => s.phase === 'total' && s.values.length > 0);
  const byPair = new Map<string, Series[]>();
  const add = (s: Series) => byPair.set(pairKey(s), [...(byPair.get(pairKey(s)) ?? []), s]);
  const chosen = new Map<string, Candidate>();
  if (q === 'cold' || q === 'appCold') {
    const metric = q === 'cold' ? 'cold_start_ns' : 'app_cold_start_ns';
    // Rows without a measurement tag are the measurement (series tags are part of the key); other tags would be another axis.
    for (const s of total.filter((x) => x.metric === metric)) add(s);
    for (const [k, l] of byPair)
      chosen.set(k, {
        series: l.find((s) => !measureTagsOf(s.tags)) ?? l.sort((a, b) => b.values.length - a.values.length)[0]!,
        basis: '',
      });
    return {
      chosen,
      source: '',
      missing: [],
      basis:
        q === 'cold'
          ? 'median time from request to complete response of a new instance'
          : 'median time to compile, listen and answer a first request',
    };
  }
  if (q === 'throughput') {
    const closed = total.filter((x) => x.metric === 'throughput_rps' && tagOf(x.tags, 'connections') !== undefined);
    const counts = [...new Set(closed.map((s) => Number(tagOf(s.tags, 'connections'))))].sort((a, b) => a - b);
    for (const s of closed) add(s);
    for (const [k, l] of byPair) {
      // Best median; a tie goes to fewer connections.
      const best = [...l].sort(
        (a, b) =>
          median(b.values) - median(a.values) ||
          Number(tagOf(a.tags, 'connections')) - Number(tagOf(b.tags, 'connections')),
      )[0]!;
      const c = tagOf(best.tags, 'connections')!;
      chosen.set(k, { series: best, basis: `at ${connectionsText(c)}` });
    }
    // Files with only the mode's own summary row (no per-count rows).
    for (const s of total.filter((x) => x.metric === 'max_throughput_rps' && !byPair.has(pairKey(x)))) {
      const had = chosen.get(pairKey(s));
      if (!had || median(s.values) > median(had.series.values)) {
        const c = tagOf(s.tags, 'connections');
        chosen.set(pairKey(s), { series: s, basis: c ? `at ${connectionsText(c)}` : '' });
      }
    }
    const swept = counts.length ? ` over ${counts.map((c) => c.toLocaleString('en-US')).join(', ')} connections` : '';
    return {
      chosen,
      source: '',
      missing: [],
      basis: `closed loop: the best median${swept}, the count shown with each figure`,
    };
  }
  // Density.
  const dens = total.filter((x) => /^(instances|apps)_per_gib$/.test(x.metric));
  for (const s of dens) add(s);
  const sourcesOf = (l: Series[]) => new Set(l.map((s) => tagOf(s.tags, 'source') ?? ''));
  const pairs = [...byPair.values()];
  const everyone = (src: string) => pairs.every((l) => sourcesOf(l).has(src));
  const coverage = (src: string) => pairs.filter((l) => sourcesOf(l).has(src)).length;
  // cgroup and PSS are the fair sources (shared pages not charged to everyone): one of them whenever any runtime has it.
  const source = everyone('cgroup')
    ? 'cgroup'
    : everyone('pss') || coverage('pss') >= Math.max(1, coverage('cgroup'))
      ? 'pss'
      : coverage('cgroup') > 0
        ? 'cgroup'
        : [...SOURCE_PREFERENCE, ...new Set(dens.map((s) => tagOf(s.tags, 'source') ?? ''))].reduce(
            (best, s) => (coverage(s) > coverage(best) ? s : best),
            'rss',
          );
  const missing: Headline['missing'] = [];
  for (const [k, l] of byPair) {
    const at = l.filter((s) => (tagOf(s.tags, 'source') ?? '') === source);
    if (at.length === 0) {
      const has = [...sourcesOf(l)].filter(Boolean).map(sourceText);
      missing.push({
        runtime: l[0]!.runtime,
        variant: l[0]!.variant,
        tags: seriesTagsOf(l[0]!.tags),
        reason: `no ${sourceText(source)} figure (measured: ${has.join(', ') || 'none'})`,
      });
      continue;
    }
    // Live instances before idle apps when a runtime has both views.
    const best = [...at].sort(
      (a, b) =>
        (tagOf(a.tags, 'view') === 'instances' ? 0 : 1) - (tagOf(b.tags, 'view') === 'instances' ? 0 : 1) ||
        b.values.length - a.values.length,
    )[0]!;
    const view = tagOf(best.tags, 'view');
    chosen.set(k, {
      series: best,
      basis: view === 'apps' ? 'as idle apps' : view === 'instances' ? 'as live instances' : '',
    });
  }
  const why =
    source === 'cgroup'
      ? 'every runtime has it'
      : source === 'pss'
        ? 'not every runtime has a cgroup figure'
        : 'no cgroup or PSS figures';
  const basis = everyone(source)
    ? `memory source: ${sourceText(source)} for every runtime (${why})`
    : `memory source: ${sourceText(source)}, the same for every runtime shown`;
  return { chosen, source, missing, basis };
}

/** The headlines of one workload, in question order; questions without data are left out. */
export function workloadHeadlines(workload: string, series: Series[], opts: HeadlineOptions): Headline[] {
  const { reference, seed = 1, resamples = 1000 } = opts;
  const inW = series.filter((s) => s.workload === workload);
  const out: Headline[] = [];
  for (const { q, title, unitMetric } of QUESTIONS) {
    const { chosen, basis, source, missing } = pick(q, inW);
    if (chosen.size === 0) continue;
    const entries: HeadlineEntry[] = [...chosen.values()].map(({ series: s, basis: b }) => ({
      runtime: s.runtime,
      variant: s.variant,
      metric: s.metric,
      tags: s.tags,
      values: s.values,
      median: median(s.values),
      ci: medianCI(s.values),
      n: s.values.length,
      basis: b,
      vsReference: null,
      beatsReference: false,
    }));
    const better = metricDirection(unitMetric) === 'higher-is-better' ? 'higher' : 'lower';
    const sign = better === 'higher' ? -1 : 1;
    entries.sort((a, b) => sign * (a.median - b.median) || entryLabel(a).localeCompare(entryLabel(b)));
    // The reference runtime's own variant first (wasm · wasm), else any of its variants; its default series first.
    const ofRef = entries.filter((e) => e.runtime === reference);
    const ref =
      [
        (e: HeadlineEntry) => e.variant === reference && isDefaultSeries(e.tags),
        (e: HeadlineEntry) => e.variant === reference,
        (e: HeadlineEntry) => isDefaultSeries(e.tags),
        () => true,
      ]
        .map((test) => ofRef.find(test))
        .find((e) => e !== undefined) ?? null;
    if (ref) {
      for (const e of entries) {
        if (e === ref) continue;
        e.vsReference = compareSamples(ref.values, e.values, { seed, resamples, metric: e.metric });
        e.beatsReference = e.vsReference.significant && !e.vsReference.regression;
      }
    }
    const positive = entries.map((e) => e.median).filter((v) => v > 0);
    const logScale = positive.length > 1 && Math.max(...positive) / Math.min(...positive) >= 10;
    const h: Headline = {
      workload,
      question: q,
      title,
      unitMetric,
      better,
      basis,
      entries,
      reference: ref,
      missing,
      source,
      sentence: '',
      logScale,
    };
    h.sentence = headlineSentence(h, { reference });
    out.push(h);
  }
  return out;
}

/**
 * The confidence of a median's interval in words: "95%", or below it what the
 * interval really covers. The order-statistic interval cannot reach 95% under 6
 * measurements; it is then the whole range, e.g. 75% for density's 3 ramps.
 */
export const confidenceText = (ci: Interval): string =>
  ci.confidence >= 0.95 ? '95%' : `${Math.floor(ci.confidence * 100)}%`;

/** Every workload's headlines, workloads in name order. */
export function buildHeadlines(series: Series[], opts: HeadlineOptions): Headline[] {
  const workloads = [...new Set(series.filter((s) => s.values.length > 0).map((s) => s.workload))].sort();
  return workloads.flatMap((w) => workloadHeadlines(w, series, opts));
}

const WORDS: Record<Question, { better: string; worse: string }> = {
  cold: { better: 'faster', worse: 'slower' },
  appCold: { better: 'faster', worse: 'slower' },
  throughput: { better: 'more throughput', worse: 'less throughput' },
  density: { better: 'denser', worse: 'less dense' },
};

/**
 * The comparison of `e` with the reference `ref` in words, from the reference's side
 * ("84–170× faster than container · native") or from the candidate's ("84–170×
 * slower than wasm · wasm"). Factors are always ≥ 1 (the ratio is inverted rather
 * than printed as 0.00×); one measurement on either side is said, not judged; under
 * MIN_COMPARE_N a side the ratio comes with its interval and no verdict.
 * `saidAlready`: the caveat (single measurement, too few) is stated elsewhere.
 */
export function comparisonText(
  q: Question,
  e: HeadlineEntry,
  ref: HeadlineEntry,
  side: 'reference' | 'candidate' = 'reference',
  saidAlready = false,
): string {
  const k = e.vsReference;
  const other = entryLabel(side === 'reference' ? e : ref);
  if (!k) return '';
  if (k.undecided !== null) return `not comparable with ${other} (${k.undecided})`;
  const higherBetter = metricDirection(e.metric) === 'higher-is-better';
  // The reference is better when the candidate's ratio is above 1 for times, below 1 for rates and densities.
  const refBetter = higherBetter ? k.ratio < 1 : k.ratio > 1;
  const inv = (x: number) => (x === 0 ? Infinity : 1 / x);
  const f = k.ratio >= 1 ? k.ratio : inv(k.ratio);
  const [lo, hi] = k.ratio >= 1 ? [k.interval.lo, k.interval.hi] : [inv(k.interval.hi), inv(k.interval.lo)];
  const word = refBetter === (side === 'reference') ? WORDS[q].better : WORDS[q].worse;
  if (Math.min(e.n, ref.n) <= 1)
    return `${factorText(f)} ${word} than ${other}${saidAlready ? '' : ' (single measurement)'}`;
  // A few measurements a side (density's 3 ramps): the ratio with its interval, but no verdict.
  if (k.verdict === 'too few samples')
    return `${factorText(f)} ${word} than ${other} (${factorRangeText(lo, hi)}${saidAlready ? '' : `; under ${MIN_COMPARE_N} measurements: no verdict`})`;
  if (!k.significant) return `not significantly different from ${other} (${factorRangeText(lo, hi)})`;
  return `${factorRangeText(lo, hi)} ${word} than ${other}`;
}

function headlineSentence(h: Headline, opts: { reference: string }): string {
  const fmt = (e: HeadlineEntry) => `${formatValue(e.median, e.metric)}${e.basis ? ` ${e.basis}` : ''}`;
  const ref = h.reference;
  const what = h.question === 'density' ? `${h.title} (${sourceText(h.source)})` : h.title;
  if (!ref) {
    const [best, ...rest] = h.entries;
    if (!best) return `${what}: no figures.`;
    // The reference was measured, only not on this headline's basis (a density without the chosen memory source).
    const refMissing = h.missing.find((m) => m.runtime === opts.reference);
    const why = refMissing
      ? `the reference ${entryLabel(refMissing)} has ${refMissing.reason.replace(/ \(measured: .*\)$/, '')}`
      : 'no reference runtime measured';
    return `${what}: ${rest.length ? `best ${entryLabel(best)}` : entryLabel(best)}, ${fmt(best)}${rest.length || refMissing ? `; ${why}, so no ratios` : ''}.`;
  }
  const others = h.entries.filter((e) => e !== ref);
  const single = ref.n <= 1 ? ' (single measurement)' : '';
  if (others.length === 0) return `${what}: ${entryLabel(ref)} ${fmt(ref)}${single}; no other runtime to compare with.`;
  // When every figure is one measurement (or too few for a verdict), say so once, not after each comparison.
  const counts = h.entries.map((e) => e.n);
  const allSingle = Math.max(...counts) <= 1;
  const allFew = !allSingle && Math.max(...counts) < MIN_COMPARE_N;
  const caveat = allSingle
    ? ', single measurements'
    : allFew
      ? `, ${Math.min(...counts) === Math.max(...counts) ? Math.max(...counts) : `${Math.min(...counts)}–${Math.max(...counts)}`} measurements each (too few for a verdict)`
      : '';
  // Said once above, except a single measurement among a few: that one is named ("single measurement").
  const parts = others.map((e) =>
    comparisonText(h.question, e, ref, 'reference', allSingle || (allFew && Math.min(e.n, ref.n) > 1)),
  );
  const beat = others.filter((e) => e.beatsReference).map(entryLabel);
  const note = beat.length ? ` Note: ${beat.join(', ')} beat${beat.length === 1 ? 's' : ''} the reference here.` : '';
  return `${what}${caveat}: ${entryLabel(ref)} (${fmt(ref)}) is ${parts.join('; ')}.${note}`;
}
