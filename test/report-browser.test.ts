// End to end in a real browser: the HTML report opened from disk in Debian's headless
// Chromium (playwright-core) renders every chart (the answer charts and each detail
// tab), shows the figures of the results file, logs no console error and makes no
// network request; and it is legible: a few screens tall at default settings, one
// colour per runtime in every rendered mark, no raw "{tags}" in any label, the
// headline's density from one memory source, legend clicks filter, the series
// table filters as you type. Saves a screenshot under test-artifacts/ for a person
// to look at.

import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../reports/write.js';
import { readResults } from '../model/results/reader.js';
import { median } from '../model/stats/descriptive.js';
import { runtimePalette } from '../model/palette.js';
import { formatValue, tagsKey } from '../model/summary.js';
import { CHROMIUM_ARGS } from '../reports/images.js';
import { demoSeries, writeSyntheticResults } from '../reports/synthetic.js';
import { REPO_ROOT } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-browser-'));
const results = join(dir, 'demo.jsonl');
let browser: Browser;
let html: string;
/** A few screens at 1100×900: the answer, one detail tab, the collapsed rest. */
const MAX_PAGE_HEIGHT = 3 * 900;

beforeAll(async () => {
  writeSyntheticResults(results, demoSeries(2));
  html = (
    await writeReport(
      readResults(results).map((r) => ({ ...r, file: results })),
      { base: join(dir, 'demo'), images: false },
    )
  ).html;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every rendered mark that names its runtime (vega's aria-label lists the datum's fields), with its colour. */
const markColours = (page: Page) =>
  page.$$eval('div.vega svg [aria-label*="runtime: "]', (els) =>
    els.map((e) => {
      const chart = e.closest('div.vega')!.id;
      const runtime = /(?:^|; )runtime: ([^;]+)/.exec(e.getAttribute('aria-label')!)?.[1] ?? '';
      const fill = e.getAttribute('fill');
      const colour = fill && fill !== 'none' && fill !== 'transparent' ? fill : e.getAttribute('stroke');
      return { chart, runtime, colour: (colour ?? '').toUpperCase() };
    }),
  );

describe('HTML report in headless Chromium', () => {
  it('renders every chart, matches the results, legible, no console error, no network request', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    const pageUrl = pathToFileURL(html).href;
    // Every request the page makes, of any scheme, passes through here; only the page itself is allowed.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url === pageUrl) return route.continue();
      requests.push(url);
      return route.abort();
    });
    page.on('request', (r) => {
      if (r.url() !== pageUrl) requests.push(r.url());
    });

    await page.goto(pageUrl);
    await page.evaluate(() => (globalThis as unknown as { faasbenchCharts: Promise<unknown> }).faasbenchCharts);

    // At default settings (details closed, first tab) the page is a few screens, not a data dump.
    const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
    expect(height).toBeLessThanOrEqual(MAX_PAGE_HEIGHT);
    expect(height).toBeGreaterThan(900);

    // The answer first: one sentence per question, then one chart per question.
    const sentences = await page.$$eval('ul.answers li', (lis) => lis.map((li) => li.textContent!));
    expect(sentences.map((s) => s.split(':')[0])).toEqual([
      'Cold start',
      'App cold start',
      'Throughput, 3 measurements each (too few for a verdict)',
      'Density (PSS), single measurements',
    ]);
    for (const s of sentences) expect(s).not.toMatch(/0\.00×|NaN|\{/);

    // Every chart: an SVG with marks and a real size, the detail charts visible one tab at a time.
    const measure = () =>
      page.$$eval('div.vega', (divs) =>
        divs.map((d) => {
          const svg = d.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return {
            id: d.id,
            rendered: d.getAttribute('data-rendered'),
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            marks: svg ? svg.querySelectorAll('path, rect, line, text').length : 0,
          };
        }),
      );
    const all = await measure();
    expect(all.map((c) => c.id)).toEqual([
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
    const check = (c: (typeof all)[number]) => {
      expect(c.rendered, c.id).toBe('true');
      expect(c.width, c.id).toBeGreaterThan(100);
      expect(c.height, c.id).toBeGreaterThan(50);
      expect(c.marks, c.id).toBeGreaterThan(10);
    };
    for (const c of all.slice(0, 4)) check(c);
    expect(all.slice(4).every((c) => c.width === 0)).toBe(true); // in hidden tabs
    const tabs = await page.$$('.tablist button');
    expect(tabs).toHaveLength(6);
    for (const [i, tab] of tabs.entries()) {
      await tab.click();
      const now = await measure();
      check(now[3 + i]!);
      expect(now.filter((c) => c.width > 0).map((c) => c.id)).toEqual([
        ...all.slice(0, 3).map((c) => c.id),
        all[3 + i]!.id,
      ]);
    }

    // One colour per runtime in every rendered mark of every chart, the palette's colour.
    const palette = runtimePalette(['wasm', 'node-wasi', 'container', 'pool', 'lambda', 'process']);
    const marks = await markColours(page);
    const charts = new Set(marks.map((m) => m.chart));
    expect([...charts].sort()).toEqual([
      'answer-cold-hello',
      'answer-density-hello',
      'answer-throughput-hello',
      'cold-hello',
      'density-hello',
      'idle-hello',
      'latency-hello',
      'throughput-hello',
    ]);
    for (const m of marks) expect(m.colour, `${m.chart} ${m.runtime}`).toBe(palette.get(m.runtime)!.toUpperCase());
    expect(new Set(marks.map((m) => m.runtime))).toEqual(new Set(palette.keys()));

    // No label anywhere holds a raw tag: chart texts, sentences, tables.
    const texts = await page.$$eval('svg text, li, td, th, h2, h3, h4, .caption, summary', (els) =>
      els.map((e) => e.textContent ?? ''),
    );
    expect(texts.filter((t) => t.includes('{'))).toEqual([]);

    // The headline table shows the medians of the results file, for the exact series it names.
    const samples = readResults(results)[0]!.samples.filter((s) => s.ok && s.phase === 'total');
    const cells = await page.$$eval('#summary-hello tbody td[data-metric]', (tds) =>
      tds.map((td) => ({
        runtime: td.parentElement!.getAttribute('data-runtime')!,
        variant: td.parentElement!.getAttribute('data-variant')!,
        metric: td.getAttribute('data-metric')!,
        tags: td.getAttribute('data-tags')!,
        median: Number(td.getAttribute('data-median')),
        n: Number(td.getAttribute('data-n')),
        text: td.querySelector('.v')!.textContent!,
      })),
    );
    expect(cells.length).toBe(16); // cold: 6 runtimes; app cold: wasm; throughput: 4; density: 5
    for (const c of cells) {
      const values = samples
        .filter(
          (s) =>
            s.runtime === c.runtime && s.variant === c.variant && s.metric === c.metric && tagsKey(s.tags) === c.tags,
        )
        .map((s) => s.value);
      expect(values.length, `${c.runtime} ${c.metric}`).toBe(c.n);
      expect(c.median, `${c.runtime} ${c.metric}`).toBe(median(values));
      expect(c.text).toBe(formatValue(c.median, c.metric));
    }
    // Like for like: throughput at each runtime's best connection count; density from one source for all.
    expect(new Set(cells.filter((c) => /_rps$/.test(c.metric)).map((c) => `${c.metric} ${c.tags}`))).toEqual(
      new Set(['throughput_rps connections=64']),
    );
    const densitySources = new Set(
      cells.filter((c) => c.metric === 'instances_per_gib').map((c) => /source=(\w+)/.exec(c.tags)![1]),
    );
    expect(densitySources).toEqual(new Set(['pss']));
    expect(await page.$eval('#answer-density-hello svg', (s) => s.textContent)).toContain('memory source: PSS');
    const containerRatio = await page.$eval(
      '#summary-hello tr[data-runtime="container"] td[data-metric="cold_start_ns"] .ratio',
      (e) => e.textContent,
    );
    expect(containerRatio).toMatch(/^[\d,]+–[\d,]+× slower than wasm · wasm$/);

    // Clicking a runtime in the cold-start legend leaves it alone in full colour.
    await tabs[0]!.click();
    await page.locator('#cold-hello .role-legend-label text', { hasText: /^container$/ }).click();
    await page.waitForFunction(
      `[...document.querySelectorAll('#cold-hello .role-mark path[aria-label*="runtime: wasm"]')].every((p) => Number(p.getAttribute('opacity') ?? 1) < 0.5)`,
    );
    const opacity = await page.$$eval('#cold-hello .role-mark path[aria-label*="runtime: "]', (ps) =>
      ps.map((p) => ({
        runtime: /runtime: ([^;]+)/.exec(p.getAttribute('aria-label')!)![1],
        opacity: Number(p.getAttribute('opacity') ?? 1),
      })),
    );
    for (const o of opacity) expect(o.opacity >= 0.9, o.runtime).toBe(o.runtime === 'container');

    // The series table: collapsed by default, filtered as you type.
    await page.click('details.series summary');
    const rows = await page.$$eval('table.details tbody tr', (r) => r.length);
    await page.fill('#series-filter', 'lambda latency');
    const shown = await page.$$eval('table.details tbody tr:not([hidden])', (r) => r.map((x) => x.textContent!));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(rows);
    for (const t of shown) expect(t).toMatch(/lambda[\s\S]*latency/);
    expect(await page.textContent('#series-count')).toBe(`${shown.length} of ${rows}`);
    await page.fill('#series-filter', '');
    await page.click('details.series summary');

    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);

    mkdirSync(join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    const shot = join(REPO_ROOT, 'test-artifacts', 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    await page.close();
  });

  it('stays a few screens with two workloads: about two per workload, each with its own answer', async () => {
    const two = join(dir, 'two.jsonl');
    writeSyntheticResults(two, [...demoSeries(0.5), ...demoSeries(0.5).map((x) => ({ ...x, workload: 'json' }))]);
    const file = (
      await writeReport(
        readResults(two).map((r) => ({ ...r, file: two })),
        { base: join(dir, 'two'), images: false },
      )
    ).html;
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(pathToFileURL(file).href);
    await page.evaluate(() => (globalThis as unknown as { faasbenchCharts: Promise<unknown> }).faasbenchCharts);
    expect(Number(await page.evaluate('document.documentElement.scrollHeight'))).toBeLessThanOrEqual(900 * (1 + 2 * 2));
    expect(await page.$$eval('section.workload h2', (hs) => hs.map((h) => h.textContent))).toEqual(['hello', 'json']);
    expect(
      await page.$$eval('section.workload', (ss) =>
        ss.map((s) => s.querySelectorAll('.answer-grid div.vega[data-rendered="true"]').length),
      ),
    ).toEqual([3, 3]);
    await page.close();
  });
});
