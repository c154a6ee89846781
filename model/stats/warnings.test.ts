import { describe, expect, it } from 'vitest';
// Pinned messages; the CV figure checked with Python statistics.stdev / statistics.mean.
import { sampleWarnings } from './warnings.js';

const quiet = Array.from({ length: 40 }, (_, i) => 100_003 + ((i * 37) % 23) * 101);
const kinds = (v: number[], o = {}) => sampleWarnings(v, o).map((w) => w.kind);

describe('noise warnings', () => {
  it('a quiet sample gets none', () => {
    expect(sampleWarnings(quiet)).toEqual([]);
  });

  it('high CV, with the figure and a hint', () => {
    const noisy = quiet.map((v, i) => (i % 2 ? v * 1.5 : v));
    const w = sampleWarnings(noisy);
    expect(w.map((x) => x.kind)).toEqual(['high-cv']);
    expect(w[0]!.message).toBe('high variation: CV 20.3% (above 10%)');
    expect(w[0]!.hint).toMatch(/iterations/);
    expect(kinds(noisy, { maxCv: 0.3 })).toEqual([]);
  });

  it('outliers beyond the far Tukey fences are counted, not removed', () => {
    const v = [...quiet];
    v[20] = 10_000_000;
    const w = sampleWarnings(v).find((x) => x.kind === 'outliers')!;
    expect(w.message).toBe('1 outlier of 40 (2.5%) beyond 3×IQR from the quartiles (1 high, 0 low)');
  });

  it('a slow first sample asks for warm-up', () => {
    const w = sampleWarnings([400_000, ...quiet]).find((x) => x.kind === 'slow-first-sample')!;
    expect(w.message).toBe('the first sample (400000) is 4.0× the median of the others');
    expect(w.hint).toMatch(/--warmup/);
    // The same value later in the run is only an outlier.
    expect(kinds([...quiet, 400_000])).not.toContain('slow-first-sample');
  });

  it('a timer too coarse for the value', () => {
    const w = sampleWarnings(Array.from({ length: 20 }, (_, i) => (1 + (i % 2)) * 1_000_000));
    expect(w.find((x) => x.kind === 'coarse-timer')!.message).toBe(
      "all values are multiples of 1000000: the timer's step is 66.7% of the median",
    );
    expect(kinds([0, 0, 5, 5, 5, 5, 5, 5, 5, 5, 5])).toContain('coarse-timer');
    expect(
      kinds(
        Array.from({ length: 20 }, (_, i) => (1 + (i % 2)) * 1_000_000),
        { timed: false },
      ),
    ).not.toContain('coarse-timer');
  });

  it('too few samples', () => {
    expect(kinds([100_003, 100_117, 100_201])).toEqual(['few-samples']);
  });

  it('the way to more samples is the one the caller names (a mode without --iterations)', () => {
    const few = [100_003, 150_117, 100_201];
    expect(sampleWarnings(few).map((w) => w.hint.includes('raise --iterations'))).toEqual([true, true]);
    const density = sampleWarnings(few, { moreSamples: 'raise --density-repeats' });
    expect(density.map((w) => w.kind)).toEqual(['few-samples', 'high-cv']);
    for (const w of density) {
      expect(w.hint).toContain('raise --density-repeats');
      expect(w.hint).not.toContain('--iterations');
    }
  });
});
