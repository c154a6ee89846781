// `faasbench report` writes every output from a synthetic results file with every
// kind of row; the model's figures agree with the rows; Markdown and CSV are usable.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../test/in-process-cli.js';
import { readResults } from '../model/results/reader.js';
import { median } from '../model/stats/descriptive.js';
import { renderHtml } from './html/render.js';
import { renderMarkdown } from './markdown.js';
import { buildReportModel, moreSamplesHint } from './model.js';
import { chartSvg } from './images.js';
import { demoSeries, seriesDemo, syntheticHeader, writeSyntheticResults } from './synthetic.js';
import type { RunResults } from '../model/results/reader.js';
import type { SampleRow } from '../model/results/schema.js';
import { hasTerminalControls } from '../model/escape.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const results = join(dir, 'demo.jsonl');
writeSyntheticResults(results, demoSeries(0.5));

describe('report model', () => {
  const runs = readResults(results);
  const m = buildReportModel(runs);

  it('headlines each runtime against the reference, like for like, from the headline module', () => {
    const [t] = m.tables;
    expect(t!.workload).toBe('hello');
    expect(t!.kinds).toEqual(['cold', 'appCold', 'throughput', 'density']);
    expect(t!.rows.map((r) => `${r.runtime}·${r.variant}`)).toEqual([
      'wasm·wasm',
      'container·native',
      'lambda·node',
      'node-wasi·wasm',
      'pool·node',
      'process·native',
    ]);
    const wasmCold = runs[0]!.samples
      .filter((s) => s.runtime === 'wasm' && s.metric === 'cold_start_ns' && s.phase === 'total')
      .map((s) => s.value);
    expect(t!.rows[0]!.cells.cold).toMatchObject({ median: median(wasmCold), n: 50, vsReference: null });
    const container = t!.rows[1]!.cells;
    expect(container.cold!.vsReference!.verdict).toBe('slower');
    expect(container.cold!.vsReferenceText).toMatch(/^[\d,]+–[\d,]+× slower than wasm · wasm$/);
    // Throughput: each runtime's best connection count, stated.
    expect(container.throughput).toMatchObject({
      metric: 'throughput_rps',
      tags: 'connections=64',
      basis: 'at 64 connections',
      n: 3,
    });
    // Density: one source for all (PSS: the pool has no cgroup figure), one measurement each.
    const sources = t!.rows.flatMap((r) => (r.cells.density ? [r.cells.density.tags.match(/source=(\w+)/)![1]] : []));
    expect(sources).toEqual(['pss', 'pss', 'pss', 'pss', 'pss']);
    expect(container.density!).toMatchObject({
      n: 1,
      vsReferenceText: expect.stringMatching(/^3\d\d× less dense than wasm · wasm$/),
    });
    expect(t!.answers).toEqual(t!.headlines.map((h) => h.sentence));
    for (const a of t!.answers) expect(a).not.toMatch(/0\.00×|\{|NaN/);
  });

  it('makes the answer charts and every detail chart kind from the rows present, and only those', () => {
    expect(m.charts.map((c) => c.id)).toEqual([
      'answer-cold-hello',
      'answer-throughput-hello',
      'answer-density-hello',
      'cold-hello',
      'phases-hello',
      'latency-hello',
      'throughput-hello',
      'density-hello',
      'idle-hello',
    ]);
    const coldOnly = buildReportModel(
      readResults(results).map((r) => ({ ...r, samples: r.samples.filter((s) => s.mode === 'cold') })),
    );
    expect(coldOnly.charts.map((c) => c.id)).toEqual(['answer-cold-hello', 'cold-hello', 'phases-hello']);
    expect(coldOnly.tables[0]!.kinds).toEqual(['cold', 'appCold']);
  });

  it('charts: one colour scale (every runtime, fixed colours) wherever colour is the runtime; no raw tags in any label', () => {
    const scales: unknown[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (o['field'] === 'runtime' && o['scale']) scales.push(o['scale']);
        Object.values(o).forEach(walk);
      }
    };
    for (const c of m.charts) walk(c.spec);
    expect(scales.length).toBeGreaterThanOrEqual(8);
    for (const sc of scales) expect(sc).toEqual({ domain: Object.keys(m.palette), range: Object.values(m.palette) });
    expect(m.palette['wasm']).toBe('#0072B2');
    // Every string a chart shows (data labels, titles, captions): no "{", no "key=value".
    const texts: string[] = [];
    const strings = (v: unknown): void => {
      if (typeof v === 'string') texts.push(v);
      else if (Array.isArray(v)) v.forEach(strings);
      else if (v && typeof v === 'object')
        Object.entries(v).forEach(([k, x]) => k !== 'labelExpr' && k !== 'filter' && k !== 'test' && strings(x));
    };
    for (const c of m.charts) strings([c.title, c.caption, (c.spec as { data?: unknown }).data]);
    expect(texts.filter((t) => /[{}]|\w=\w/.test(t))).toEqual([]);
  });

  it('answer charts: log scale where values span orders of magnitude, bars from the axis start, sorted best first', () => {
    const spec = m.charts.find((c) => c.id === 'answer-density-hello')!.spec as {
      data: { values: { label: string; value: number; base: number }[] };
      layer: { encoding: { x?: { scale?: { type?: string } } } }[];
    };
    const rows = spec.data.values;
    expect(rows.map((r) => r.value)).toEqual([...rows.map((r) => r.value)].sort((a, b) => b - a));
    expect(spec.layer[0]!.encoding.x!.scale!.type).toBe('log');
    expect(rows.every((r) => r.base > 0 && r.base <= r.value)).toBe(true);
    expect(rows[0]!.label).toBe('wasm · wasm · apps');
  });

  it('warns with hints and renders a Markdown summary with the sentences and ratios in words', () => {
    expect(m.warnings.some((w) => w.kind === 'high-cv' && w.series === 'container/hello/native · cold start')).toBe(
      true,
    );
    const md = renderMarkdown(m);
    expect(md).toMatch(/^## faasbench report/);
    expect(md).toContain('- Cold start: wasm · wasm (');
    expect(md).toContain(
      '| runtime | variant | cold start (median) | app cold start (median) | throughput (best connection count) | density (one memory source) |',
    );
    expect(md).toMatch(/\| container \| native \| \d+\.\d\d ms · [\d,]+–[\d,]+× slower than wasm · wasm \|/);
    expect(md).not.toMatch(/0\.00×/);
  });

  it('says so when the reference runtime is missing, and compares with another on request', () => {
    expect(renderHtml(buildReportModel(runs, { reference: 'nonesuch' }))).toContain(
      'No run of the reference runtime (nonesuch) for this workload',
    );
    const vsPool = buildReportModel(runs, { reference: 'pool' });
    expect(vsPool.tables[0]!.rows[0]!.runtime).toBe('pool');
    expect(vsPool.tables[0]!.rows.find((r) => r.runtime === 'wasm')!.cells.cold!.vsReference!.verdict).toBe('faster');
    expect(vsPool.tables[0]!.answers[0]).toMatch(/Note: wasm · wasm beats the reference here\.$/);
  });

  it('renders a chart to SVG without a browser, with human axis labels', async () => {
    const svg = await chartSvg(m.charts[0]!);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('median cold start (log scale)');
    expect(svg).toMatch(/>100 µs<.*>1 ms<.*>10 ms</s);
  });
});

describe('hostile names in the Markdown summary', () => {
  const cold = (runtime: string, variant: string, workload: string, values: number[]): Omit<SampleRow, 'type'>[] =>
    values.map((value, i) => ({
      workload,
      variant,
      runtime,
      mode: 'cold',
      phase: 'total',
      metric: 'cold_start_ns',
      value,
      ok: i % 7 !== 6,
      iteration: i,
    }));
  const steady = (m: number) => Array.from({ length: 20 }, (_, i) => m + (i % 3) * 1000);
  const evilWorkload = 'a|b`c`<img src=x onerror=alert(1)>\n# heading\x1b[2J';
  const evilRuntime = '[click](http://evil)|**x**';
  const runs: RunResults[] = [
    {
      file: 'x.jsonl',
      events: [],
      end: null,
      warnings: [],
      header: syntheticHeader({
        command: ['faasbench', 'run', '`whoami`', '|', '\n'],
        machine: { ...syntheticHeader().machine, cpuModel: 'CPU | <b>x</b>\n', fingerprint: 'f`p' },
      }),
      samples: [
        ...cold('wasm', 'wasm', evilWorkload, steady(300_000)),
        ...cold(evilRuntime, 'v|<i>', evilWorkload, steady(900_000)),
      ].map((r) => ({ type: 'sample', ...r })),
    },
  ];
  const md = renderMarkdown(buildReportModel(runs, { resamples: 200 }));
  const lines = md.split('\n');
  const cells = (row: string) => (row.match(/(?<!\\)\|/g) ?? []).length;

  it('keeps every table row whole: the same number of unescaped bars as the header, no raw markup', () => {
    const header = lines.find((l) => l.startsWith('| runtime | variant |'))!;
    const rows = lines.slice(lines.indexOf(header) + 2).filter((l) => l.startsWith('|'));
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(cells(r)).toBe(cells(header));
    // Outside code spans (where text is literal), no tag or link survives unescaped.
    const prose = md.replace(/(`+)[^`](?:[\s\S]*?[^`])?\1(?!`)/g, '');
    expect(prose).not.toMatch(/(?<!\\)<(img|b|i)\b/);
    expect(prose).not.toMatch(/(?<!\\)\[click\]/);
    expect(hasTerminalControls(md.replace(/\n/g, ''))).toBe(false);
  });

  it('a name cannot start a new line (heading, list) and code spans hold their text', () => {
    expect(lines.filter((l) => l.startsWith('# heading'))).toEqual([]);
    expect(lines.find((l) => l.startsWith('### '))).toBe(
      String.raw`### a\|b\`c\`\<img src=x onerror=alert(1)\>\\x0a# heading\\x1b\[2J`,
    );
    expect(md).toContain('Command: `` faasbench run `whoami` | \\x0a ``');
    expect(md).toContain('machine `` f`p ``');
  });
});

describe('a ratio the report cannot decide', () => {
  it('a zero reference median gives "cannot decide" with the reason in Markdown, HTML and the answers; never NaN', () => {
    const rows = (runtime: string, value: number) =>
      Array.from({ length: 20 }, (_, i) => ({
        type: 'sample' as const,
        workload: 'hello',
        variant: 'wasm',
        runtime,
        mode: 'cold',
        phase: 'total',
        metric: 'cold_start_ns',
        value: value && value + (i % 3),
        ok: true,
        iteration: i,
      }));
    const m = buildReportModel(
      [
        {
          file: 'z.jsonl',
          header: syntheticHeader(),
          events: [],
          end: null,
          warnings: [],
          samples: [...rows('wasm', 0), ...rows('container', 900_000)],
        },
      ],
      { resamples: 200 },
    );
    const cell = m.tables[0]!.rows.find((r) => r.runtime === 'container')!.cells.cold!;
    expect(cell.vsReference).toMatchObject({
      verdict: 'cannot decide',
      undecided: expect.stringMatching(/baseline median is 0/),
    });
    expect(m.tables[0]!.answers[0]).toBe(
      'Cold start: wasm · wasm (0 ns) is not comparable with container · wasm (the baseline median is 0: the ratio is unbounded).',
    );
    const md = renderMarkdown(m);
    expect(md).toMatch(
      /\| container \| wasm \| 900\.\d µs · cannot decide \(the baseline median is 0: the ratio is unbounded\) \|/,
    );
    const html = renderHtml(m);
    expect(html).toContain(
      '<div class="ratio cannot-decide">not comparable with wasm · wasm (the baseline median is 0: the ratio is unbounded)',
    );
    for (const text of [md, html.replace(/<script>[\s\S]*?<\/script>/g, '')]) expect(text).not.toMatch(/NaN|Infinity/);
  });
});

describe('density from repeated ramps', () => {
  it('three ramps a runtime: the cell, chart and Markdown give the median, its interval with what it covers, and the ratio with its interval', () => {
    // As harness/modes/density.ts writes them: one instances_per_gib per source per ramp, the ramp in `iteration`.
    const ramps = (runtime: string, variant: string, view: string, values: number[]) =>
      values.map((value, iteration) => ({
        type: 'sample' as const,
        workload: 'hello',
        variant,
        runtime,
        mode: 'density',
        phase: 'total',
        metric: 'instances_per_gib',
        value,
        ok: true,
        iteration,
        tags: { view, source: 'pss' },
      }));
    const m = buildReportModel(
      [
        {
          file: 'd.jsonl',
          header: syntheticHeader(),
          events: [],
          end: null,
          warnings: [],
          samples: [
            ...ramps('wasm', 'wasm', 'apps', [50_000, 46_000, 52_000]),
            ...ramps('container', 'native', 'instances', [130, 120, 135]),
          ],
        },
      ],
      { resamples: 300 },
    );
    const cell = m.tables[0]!.rows.find((r) => r.runtime === 'container')!.cells.density!;
    expect(cell).toMatchObject({ n: 3, median: 130, ci: { lo: 120, hi: 135, confidence: 0.75 } });
    expect(cell.vsReferenceText).toMatch(
      /^3\d\d× less dense than wasm · wasm \(3\d\d–4\d\d×; under 5 measurements: no verdict\)$/,
    );
    // The min–max of three covers 75%, and says so: never labelled 95%.
    const html = renderHtml(m);
    expect(html).toContain('75% CI 120 instances/GiB–135 instances/GiB, n=3');
    expect(html).not.toMatch(/95% CI [^<]*n=3/);
    const chart = m.charts.find((c) => c.id === 'answer-density-hello')!.spec as {
      data: { values: { ci: string; n: number }[] };
    };
    expect(chart.data.values.map((v) => [v.n, v.ci])).toEqual([
      [3, '46,000 instances/GiB – 52,000 instances/GiB (75%: all 3)'],
      [3, '120 instances/GiB – 135 instances/GiB (75%: all 3)'],
    ]);
    expect(JSON.stringify(m.charts.find((c) => c.id === 'answer-density-hello')!.spec)).toContain(
      'whiskers: 75% CI of the median',
    );
    expect(renderMarkdown(m)).toMatch(
      /\| container \| native \| 130 instances\/GiB as live instances · 3\d\d× less dense than wasm · wasm \(3\d\d–4\d\d×; under 5 measurements: no verdict\) \|/,
    );
  });
});

describe("a run with the wasm runtime's series (--preinit, --reuse)", () => {
  const file = join(dir, 'series.jsonl');
  writeSyntheticResults(file, seriesDemo());
  const m = buildReportModel(readResults(file), { resamples: 300 });
  const md = renderMarkdown(m, { maxWarnings: 50 });

  it('one headline row per series, the reference (default series) first, and what the words mean', () => {
    expect(m.tables[0]!.rows.map((r) => `${r.runtime} · ${r.variant} [${r.seriesText}]`)).toEqual([
      'wasm · wasm [plain, reuse 1]',
      'wasm · wasm [wizer, reuse 1]',
      'wasm · component [plain, reuse 1]',
      'wasm · component [plain, reuse 128]',
      'container · native []',
    ]);
    expect(md).toContain('| wasm | wasm \\[plain, reuse 1\\] | ');
    expect(md).toContain('| wasm | wasm \\[wizer, reuse 1\\] | ');
    expect(md).toContain(
      'Series in brackets: plain: compiled at deploy; reuse 1: fresh instance per request; reuse 128: instance reused for up to 128 requests; wizer: pre-initialised by Wizer.',
    );
  });

  it('warnings name tagged series in words, with the hint that applies to their mode; no raw tag anywhere', () => {
    const w = (series: string) => m.warnings.find((x) => x.series === series);
    expect(w('wasm/hello/wasm [wizer, reuse 1] · cold start')).toMatchObject({
      kind: 'few-samples',
      message: 'only 6 samples',
    });
    expect(w('wasm/hello/wasm [wizer, reuse 1] · cold start')!.hint).toContain('raise --iterations');
    const tput = w('wasm/hello/wasm [wizer, reuse 1] · throughput · 64 connections')!;
    expect(tput.kind).toBe('high-cv');
    expect(tput.hint).toContain('--throughput-repeats');
    expect(tput.hint).not.toContain('--iterations');
    const dens = w('wasm/hello/component [plain, reuse 1] · instances per GiB · PSS, apps')!;
    expect(dens.kind).toBe('high-cv');
    expect(dens.hint).toContain('raise --density-repeats');
    expect(dens.hint).not.toContain('--iterations');
    expect(md).toContain('- wasm/hello/wasm \\[wizer, reuse 1\\] · cold start: only 6 samples');
    // Markdown, and every text a person reads in the HTML (scripts and styles aside), hold no raw tag.
    expect(md).not.toMatch(/[{}]|preinit=|reuse=/);
    const visible = renderHtml(m)
      .replace(/<script[\s\S]*?<\/script>/g, '')
      .replace(/<style>[\s\S]*?<\/style>/g, '')
      .replace(/<[^>]*>/g, ' ');
    expect(visible).not.toMatch(/[{}]|preinit=|reuse=/);
    // Chart labels (axis categories, tooltips) name each series apart.
    const labels = (
      m.charts.find((c) => c.id === 'answer-cold-hello')!.spec as { data: { values: { label: string }[] } }
    ).data.values.map((v) => v.label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toContain('wasm · component [plain, reuse 128]');
  });

  it('the way to more samples per mode', () => {
    expect(moreSamplesHint('cold')).toBe('raise --iterations');
    expect(moreSamplesHint('density')).toContain('--density-repeats');
    expect(moreSamplesHint('throughput')).toContain('--throughput-repeats');
    expect(moreSamplesHint('throughput')).not.toContain('--iterations');
  });
});

describe('faasbench report', () => {
  it('writes HTML, CSVs, Markdown and chart images', async () => {
    const r = await runCliInProcess(['report', results, '--out', join(dir, 'out', 'r')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'out', 'r.html'), 'utf8');
    // Outside the inlined libraries, nothing that would load a resource.
    const page = html.replace(/<script>[\s\S]*?<\/script>/g, '');
    expect(page.match(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|url\(/gi)).toBeNull();
    expect((html.match(/<script>/g) ?? []).length).toBe(4); // vega, vega-lite, vega-embed, the charts
    expect(html).toContain('id="summary-hello"');
    for (const id of [
      'answer-cold-hello',
      'answer-throughput-hello',
      'answer-density-hello',
      'cold-hello',
      'phases-hello',
      'throughput-hello',
      'latency-hello',
      'density-hello',
      'idle-hello',
    ]) {
      expect(html).toContain(`id="${id}"`);
      expect(readFileSync(join(dir, 'out', 'r-charts', `${id}.svg`), 'utf8')).toMatch(/^<svg/);
      if (existsSync('/usr/bin/chromium'))
        expect(
          readFileSync(join(dir, 'out', 'r-charts', `${id}.png`))
            .subarray(1, 4)
            .toString(),
        ).toBe('PNG');
    }
    const samples = readFileSync(join(dir, 'out', 'r.samples.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(samples[0]).toBe('run_id,workload,variant,runtime,mode,phase,metric,tags,iteration,request,value,ok,error');
    expect(samples).toHaveLength(1 + readResults(results)[0]!.samples.length);
    const summary = readFileSync(join(dir, 'out', 'r.summary.csv'), 'utf8');
    expect(summary).toMatch(
      /^workload,runtime,variant,mode,metric,phase,tags,n,failed,median,median_ci_lo,median_ci_hi/,
    );
    expect(summary).toContain('hello,wasm,wasm,throughput,latency_ns,p50,"percentile=p50,rate=900",1,0,');
    expect(summary).toContain('hello,wasm,wasm,throughput,latency_ns,total,"percentile=p99,rate=900",1,0,');
    expect(readFileSync(join(dir, 'out', 'r.md'), 'utf8')).toContain('### hello');
    expect(r.stdout).toMatch(/charts: +9 SVG/);
  });
});
