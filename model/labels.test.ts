// Words for keys and ratios: tags read as words (no "k=v", no braces), factors never
// round to 0.00×, durations pick the readable unit.
import { describe, expect, it } from 'vitest';
import {
  durationText,
  factorRangeText,
  factorText,
  measureTagsOf,
  metricText,
  seriesLegend,
  seriesTagsOf,
  seriesText,
  tagsText,
} from './labels.js';

describe('labels', () => {
  it('tags in words', () => {
    expect(tagsText('connections=64')).toBe('64 connections');
    expect(tagsText('percentile=p99,rate=1000')).toBe('p99, 1,000 req/s offered');
    expect(tagsText('crossed_at_rps=78,slo_ns=10000000')).toBe('crossed at 78 req/s, SLO p99 ≤ 10 ms');
    expect(tagsText('source=pss,view=apps')).toBe('PSS, apps');
    expect(tagsText('source=memavailable')).toBe('host MemAvailable');
    expect(tagsText('odd_key=x')).toBe('odd key x');
    expect(tagsText('')).toBe('');
    expect(tagsText('preinit=wizer,reuse=128')).toBe(
      'pre-initialised by Wizer, instance reused for up to 128 requests',
    );
    expect(tagsText('preinit=code-cache,reuse=1')).toBe('V8 code cache, fresh instance per request');
    expect(tagsText('preinit=plain')).toBe('compiled at deploy');
    expect(tagsText('preinit=constructor')).toBe('preinit constructor');
    for (const t of ['connections=1', 'a=b,c=d', 'slo_ns=5,crossed_at_rps=none'])
      expect(tagsText(t)).not.toMatch(/[{}=]/);
  });

  it("a series' tags apart from the measurement's, in short words, and what each means", () => {
    const key = 'connections=64,preinit=wizer,reuse=128';
    expect(seriesTagsOf(key)).toBe('preinit=wizer,reuse=128');
    expect(measureTagsOf(key)).toBe('connections=64');
    expect(seriesText(key)).toBe('wizer, reuse 128');
    expect(seriesText('preinit=code-cache')).toBe('code-cache');
    expect(seriesText('reuse=1000')).toBe('reuse 1,000');
    expect(seriesText('connections=64,source=pss')).toBe('');
    expect(seriesText('')).toBe('');
    expect(seriesLegend(['preinit=wizer,reuse=128', 'preinit=plain,reuse=1', '', 'preinit=wizer,reuse=1'])).toEqual([
      'plain: compiled at deploy',
      'reuse 1: fresh instance per request',
      'reuse 128: instance reused for up to 128 requests',
      'wizer: pre-initialised by Wizer',
    ]);
    expect(seriesLegend(['connections=8', ''])).toEqual([]);
  });

  it('metric names without unit suffixes', () => {
    expect(metricText('cold_start_ns')).toBe('cold start');
    expect(metricText('instances_per_gib')).toBe('instances per GiB');
    expect(metricText('some_new_thing_bytes')).toBe('some new thing');
  });

  it('factors keep their size: 335×, 1,730×, 2.8×, 1.04×; far ends below 1 keep two digits', () => {
    expect(factorText(335.2)).toBe('335×');
    expect(factorText(1734)).toBe('1,730×');
    expect(factorText(50_312)).toBe('50,300×');
    expect(factorText(34.4)).toBe('34×');
    expect(factorText(2.84)).toBe('2.8×');
    expect(factorText(1.042)).toBe('1.04×');
    expect(factorText(0.00299)).toBe('0.003×');
    expect(factorText(0.0012)).toBe('0.0012×');
    for (const f of [1e-9, 0.004, 0.3]) expect(factorText(f)).not.toBe('0.00×');
    expect(factorRangeText(84.2, 170.4)).toBe('84–170×');
    expect(factorRangeText(2.81, 2.83)).toBe('2.8×');
  });

  it('durations in the readable unit', () => {
    expect(durationText(850)).toBe('850 ns');
    expect(durationText(1_700_000)).toBe('1.7 ms');
    expect(durationText(2_510_000)).toBe('2.51 ms');
    expect(durationText(10_000_000)).toBe('10 ms');
    expect(durationText(84_200)).toBe('84.2 µs');
  });
});
