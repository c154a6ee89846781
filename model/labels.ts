// Words for what results files store as keys: a series' tags ("connections=64,
// source=pss") and metric names ("cold_start_ns") as a reader would say them, and
// ratios as factors ("335×", never a rounded "0.00×"). Shared by the HTML and
// Markdown reports, the chart labels and the terminal summary so they all read
// alike. Pure.

const TAG_WORDS: Record<string, (v: string) => string> = {
  connections: (v) => `${num(v)} connection${v === '1' ? '' : 's'}`,
  rate: (v) => `${num(v)} req/s offered`,
  percentile: (v) => (v.startsWith('p') ? v : `p${v}`),
  source: (v) => sourceText(v),
  view: (v) => v,
  scope: (v) => `measured on ${v}`,
  stop: (v) => `stopped by ${v}`,
  slo_ns: (v) => `SLO p99 ≤ ${Number.isFinite(Number(v)) ? durationText(Number(v)) : v}`,
  crossed_at_rps: (v) => (v === 'none' ? 'never crossed' : `crossed at ${num(v)} req/s`),
  batch: (v) => `batch ${v}`,
  size: (v) => `${num(v)} started`,
  loop: (v) => `${v} loop`,
  saturated: (v) => (v === 'true' ? 'saturated' : 'not saturated'),
  // The reference runtime's series axes (runtimes/wasm/series.ts).
  preinit: (v) => (Object.hasOwn(PREINIT_WORDS, v) ? PREINIT_WORDS[v]! : `preinit ${v}`),
  reuse: (v) => (v === '1' ? 'fresh instance per request' : `instance reused for up to ${num(v)} requests`),
};

const PREINIT_WORDS: Record<string, string> = {
  plain: 'compiled at deploy',
  'code-cache': 'V8 code cache',
  wizer: 'pre-initialised by Wizer',
};

const SOURCE_WORDS: Record<string, string> = {
  pss: 'PSS',
  rss: 'RSS',
  cgroup: 'cgroup',
  memavailable: 'host MemAvailable',
  heap: 'V8 heap',
};

/** A memory source as written in the charts: PSS, RSS, cgroup, host MemAvailable, V8 heap. */
export const sourceText = (s: string): string => (Object.hasOwn(SOURCE_WORDS, s) ? SOURCE_WORDS[s]! : s);

const num = (v: string) => (/^\d+$/.test(v) ? Number(v).toLocaleString('en-US') : v);

/**
 * The tags that name a deployment's series rather than a measurement: the reference
 * runtime's axes (runtimes/wasm/series.ts: --preinit, --reuse). The run loop writes
 * them on every row of a series' cells, beside the measurement's own tags
 * (connections, source, ...). Listed here because model/ imports nothing of ours.
 */
export const SERIES_AXES = ['preinit', 'reuse'] as const;

const splitTags = (tags: string): [string, string][] =>
  (tags ? tags.split(',') : []).map((kv) => {
    const at = kv.indexOf('=');
    return at < 0 ? [kv, ''] : [kv.slice(0, at), kv.slice(at + 1)];
  });
const isAxis = (k: string) => (SERIES_AXES as readonly string[]).includes(k);

/** The series part of a tagsKey(): "connections=64,preinit=wizer,reuse=128" → "preinit=wizer,reuse=128". */
export const seriesTagsOf = (tags: string): string =>
  splitTags(tags)
    .filter(([k]) => isAxis(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** A tagsKey() without its series part: what the measurement itself was tagged with. */
export const measureTagsOf = (tags: string): string =>
  splitTags(tags)
    .filter(([k]) => !isAxis(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/**
 * A series in the short words of its flags, for labels that must stay short (progress
 * line, chart axes, table rows): "wizer, reuse 128"; '' for a deployment without
 * series. The flag's own value is kept (what the user typed: --preinit wizer) and
 * seriesLegend() says what each means.
 */
export function seriesText(tags: string): string {
  return splitTags(tags)
    .filter(([k]) => isAxis(k))
    .map(([k, v]) => (k === 'reuse' ? `reuse ${num(v)}` : v))
    .join(', ');
}

/** The words of every series value seen in these tagsKeys, one "short: long" each: "wizer: pre-initialised by Wizer". */
export function seriesLegend(tagsList: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const tags of tagsList)
    for (const [k, v] of splitTags(tags))
      if (isAxis(k)) seen.set(k === 'reuse' ? `reuse ${num(v)}` : v, TAG_WORDS[k]!(v));
  return [...seen].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([s, l]) => `${s}: ${l}`);
}

/** A tagsKey() ("a=1,b=2") in words: "64 connections, PSS". '' stays ''. */
export function tagsText(tags: string): string {
  if (!tags) return '';
  return tags
    .split(',')
    .map((kv) => {
      const at = kv.indexOf('=');
      const k = at < 0 ? kv : kv.slice(0, at);
      const v = at < 0 ? '' : kv.slice(at + 1);
      return Object.hasOwn(TAG_WORDS, k) ? TAG_WORDS[k]!(v) : `${k.replace(/_/g, ' ')} ${v}`.trim();
    })
    .join(', ');
}

const METRIC_WORDS: Record<string, string> = {
  cold_start_ns: 'cold start',
  app_cold_start_ns: 'app cold start',
  throughput_rps: 'throughput',
  max_throughput_rps: 'max throughput',
  slo_rate_rps: 'highest rate within the SLO',
  latency_ns: 'latency',
  service_time_ns: 'service time',
  send_lag_ns: 'send lag',
  instances_per_gib: 'instances per GiB',
  apps_per_gib: 'apps per GiB',
  instances_count: 'instances started',
  memory_per_instance_bytes: 'memory per instance',
  memory_delta_bytes: 'memory growth',
  deploy_batch_ns: 'deploy time per batch',
};

/** A metric name in words, without its unit suffix: cold_start_ns → "cold start". */
export function metricText(metric: string): string {
  if (Object.hasOwn(METRIC_WORDS, metric)) return METRIC_WORDS[metric]!;
  return metric.replace(/_(ns|bytes|rps|count|per_s)$/, '').replace(/_/g, ' ');
}

/** Nanoseconds in the unit that reads best: 850 ns, 12.5 µs, 2.51 ms, 1.20 s. */
export function durationText(ns: number): string {
  const a = Math.abs(ns);
  if (a < 1e3) return `${trim(ns, 3)} ns`;
  if (a < 1e6) return `${trim(ns / 1e3, 3)} µs`;
  if (a < 1e9) return `${trim(ns / 1e6, 3)} ms`;
  return `${trim(ns / 1e9, 3)} s`;
}

/** `digits` significant digits, no trailing zeros past the point, thousands separated. */
function trim(v: number, digits: number): string {
  if (v === 0) return '0';
  const mag = Math.floor(Math.log10(Math.abs(v)));
  const decimals = Math.max(0, digits - 1 - mag);
  return Number(v.toFixed(decimals)).toLocaleString('en-US', { maximumFractionDigits: decimals });
}

/**
 * A factor (≥ 1 expected) in words with sensible precision: 1.04×, 2.8×, 34×, 335×,
 * 1,730×; below 1 (the far end of an interval) two significant digits, never 0.00×.
 */
export function factorText(f: number): string {
  if (!Number.isFinite(f)) return '∞×';
  // Below 1 (an interval's far end), two significant digits: 0.32×, 0.0041×: never 0.00×.
  if (f < 1) return `${Number(f.toPrecision(2))}×`;
  if (f < 1.1) return `${f.toFixed(2)}×`;
  if (f < 10) return `${f.toFixed(1)}×`;
  if (f < 100) return `${Math.round(f)}×`;
  // Three significant digits: 335×, 1,730×, 50,300×.
  const mag = 10 ** (Math.floor(Math.log10(f)) - 2);
  return `${(Math.round(f / mag) * mag).toLocaleString('en-US')}×`;
}

/** A range of factors: "84–170×", or one factor when both ends read the same. */
export function factorRangeText(lo: number, hi: number): string {
  const a = factorText(Math.min(lo, hi));
  const b = factorText(Math.max(lo, hi));
  return a === b ? a : `${a.slice(0, -1)}–${b}`;
}
