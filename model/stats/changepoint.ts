// Change points in a series of measurements over commits: PELT (Killick, Fearnhead &
// Eckley 2012, "Optimal detection of changepoints with a linear computational
// cost", JASA 107:500) with the Gaussian change-in-mean cost on log values, so a
// step is a relative change (×1.1 reads the same at 300 µs and at 3 s). The noise
// scale σ is estimated robustly from the data (MAD of successive differences / √2,
// insensitive to the steps themselves), and the penalty is the BIC-like 2·ln n per
// change point, PELT's usual default. No maintained npm package implements PELT or
// E-divisive (searched: only a Bayesian online detector for the browser), so this
// is a small, documented implementation with pinned tests. Pure.

export interface ChangePointOptions {
  /** Penalty per change point, in units of σ² (default 2·ln n). */
  penalty?: number;
  /** Shortest segment (default 2). */
  minSegment?: number;
  /** Smallest relative step reported (default 0.02: a 2 % change); smaller ones are merged away. */
  minChange?: number;
}

export interface ChangePoint {
  /** Index of the first value after the change. */
  index: number;
  /** Ratio of the segment medians after / before (1.1 = 10 % higher). */
  ratio: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Segment boundaries (indices where a new segment starts) by PELT on `y` with noise scale σ. */
export function pelt(y: readonly number[], sigma: number, penalty: number, minSegment = 2): number[] {
  const n = y.length;
  if (n < 2 * minSegment || !(sigma > 0)) return [];
  const s1 = new Float64Array(n + 1);
  const s2 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    s1[i + 1] = s1[i]! + y[i]!;
    s2[i + 1] = s2[i]! + y[i]! * y[i]!;
  }
  const v = sigma * sigma;
  // Cost of y[a..b): residual sum of squares about its mean, over σ².
  const cost = (a: number, b: number) => (s2[b]! - s2[a]! - (s1[b]! - s1[a]!) ** 2 / (b - a)) / v;
  const F = new Float64Array(n + 1);
  const last = new Int32Array(n + 1);
  F[0] = -penalty;
  let candidates = [0];
  for (let t = minSegment; t <= n; t++) {
    let best = Infinity;
    let arg = 0;
    const vals: number[] = [];
    for (const s of candidates) {
      if (t - s < minSegment) {
        vals.push(NaN);
        continue;
      }
      const f = F[s]! + cost(s, t) + penalty;
      vals.push(f);
      if (f < best) {
        best = f;
        arg = s;
      }
    }
    F[t] = best;
    last[t] = arg;
    // Pruning: a start that cannot beat the best, even before paying the penalty, never will.
    candidates = candidates.filter((s, i) => Number.isNaN(vals[i]!) || vals[i]! - penalty <= best);
    if (t + 1 - minSegment >= minSegment) candidates.push(t + 1 - minSegment);
  }
  const cps: number[] = [];
  for (let t = n; t > 0; t = last[t]!) if (last[t]! > 0) cps.push(last[t]!);
  return cps.reverse();
}

/** Change points of a positive series (medians over commits), with the step of each. */
export function changePoints(values: readonly number[], opts: ChangePointOptions = {}): ChangePoint[] {
  const n = values.length;
  const minSegment = opts.minSegment ?? 2;
  if (n < 2 * minSegment || values.some((x) => !(x > 0) || !Number.isFinite(x))) return [];
  const y = values.map(Math.log);
  const diffs = y.slice(1).map((x, i) => Math.abs(x - y[i]!));
  // MAD of successive differences / √2 estimates σ; a floor keeps an almost constant series from turning every wobble into a change.
  const sigma = Math.max((1.4826 * median(diffs)) / Math.SQRT2, 0.002);
  const bounds = pelt(y, sigma, opts.penalty ?? 2 * Math.log(n), minSegment);
  const minChange = opts.minChange ?? 0.02;
  const out: ChangePoint[] = [];
  const edges = [0, ...bounds, n];
  for (let i = 1; i < edges.length - 1; i++) {
    const before = median(values.slice(edges[i - 1]!, edges[i]!) as number[]);
    const after = median(values.slice(edges[i]!, edges[i + 1]!) as number[]);
    const ratio = after / before;
    if (Math.abs(Math.log(ratio)) >= Math.log1p(minChange)) out.push({ index: edges[i]!, ratio });
  }
  return out;
}
