// End to end in a real browser: the HTML report opened from disk in Debian's headless
// Chromium (playwright-core) renders every chart, shows the figures of the results
// file, logs no console error and makes no network request. Saves a screenshot
// under test-artifacts/ for a person to look at.

import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../reports/write.js';
import { readResults } from '../model/results/reader.js';
import { median } from '../model/stats/descriptive.js';
import { formatValue, tagsKey } from '../model/summary.js';
import { CHROMIUM_ARGS } from '../reports/images.js';
import { demoSeries, writeSyntheticResults } from '../reports/synthetic.js';
import { REPO_ROOT } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-browser-'));
const results = join(dir, 'demo.jsonl');
let browser: Browser;
let html: string;

beforeAll(async () => {
  writeSyntheticResults(results, demoSeries(2));
  html = (await writeReport(readResults(results).map((r) => ({ ...r, file: results })), { base: join(dir, 'demo'), images: false })).html;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTML report in headless Chromium', () => {
  it('renders every chart, matches the results, no console error, no network request', async () => {
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

    // Every chart: an SVG with marks and a real size.
    const charts = await page.$$eval('div.vega', (divs) =>
      divs.map((d) => {
        const svg = d.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: d.id, rendered: d.getAttribute('data-rendered'), hasSvg: !!svg, width: box?.width ?? 0, height: box?.height ?? 0,
          marks: svg ? svg.querySelectorAll('path, rect, line, text').length : 0,
        };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual(['cold-hello', 'phases-hello', 'throughput-hello', 'latency-hello', 'density-hello', 'idle-hello']);
    for (const c of charts) {
      expect(c, c.id).toMatchObject({ rendered: 'true', hasSvg: true });
      expect(c.width, c.id).toBeGreaterThan(100);
      expect(c.height, c.id).toBeGreaterThan(50);
      expect(c.marks, c.id).toBeGreaterThan(10);
    }

    // The summary table shows the medians of the results file.
    const samples = readResults(results)[0]!.samples.filter((s) => s.ok && s.phase === 'total');
    const cells = await page.$$eval('#summary-hello tbody td[data-metric]', (tds) =>
      tds.map((td) => ({
        runtime: td.parentElement!.getAttribute('data-runtime')!, variant: td.parentElement!.getAttribute('data-variant')!,
        metric: td.getAttribute('data-metric')!, tags: td.getAttribute('data-tags')!, median: Number(td.getAttribute('data-median')), n: Number(td.getAttribute('data-n')),
        text: td.querySelector('.v')!.textContent!,
      })),
    );
    expect(cells.length).toBe(11); // cold: 4 runtimes; app cold: wasm; throughput and density: wasm, container, pool
    for (const c of cells) {
      // The exact series the cell names (runtime, variant, metric, tags), recomputed from the file.
      const values = samples
        .filter((s) => s.runtime === c.runtime && s.variant === c.variant && s.metric === c.metric && tagsKey(s.tags) === c.tags)
        .map((s) => s.value);
      expect(values.length, `${c.runtime} ${c.metric}`).toBe(c.n);
      expect(c.median, `${c.runtime} ${c.metric}`).toBe(median(values));
      expect(c.text).toBe(formatValue(c.median, c.metric));
    }
    // Headline choices: the closed-loop maximum, density of live instances by PSS.
    expect(cells.filter((c) => /_rps$/.test(c.metric)).map((c) => c.metric)).toEqual(['max_throughput_rps', 'max_throughput_rps', 'max_throughput_rps']);
    expect(cells.filter((c) => c.metric === 'instances_per_gib').every((c) => c.tags === 'source=pss,view=instances')).toBe(true);
    const cold = cells.find((c) => c.runtime === 'wasm' && c.metric === 'cold_start_ns')!;
    expect(cold.n).toBe(200);
    const containerRatio = await page.$eval('#summary-hello tr[data-runtime="container"] td[data-metric="cold_start_ns"] .ratio', (e) => e.textContent);
    expect(containerRatio).toMatch(/^\d+\.\d\d× \[\d+\.\d\d, \d+\.\d\d\] slower$/);

    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);

    mkdirSync(join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    const shot = join(REPO_ROOT, 'test-artifacts', 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    await page.close();
  });
});
