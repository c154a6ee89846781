// Chart images for slides, rendered headless from the same specs as the HTML:
// SVG through vega's Node API (no browser), PNG by screenshotting that SVG in
// Debian's headless Chromium through playwright-core (skipped, with the reason,
// when no Chromium is installed).

import { existsSync } from 'node:fs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartSpec } from './charts.js';

export async function chartSvg(chart: ChartSpec): Promise<string> {
  // Vega-Lite's layout notes (e.g. on a faceted chart's independent scales) are not the user's business: errors only.
  const { spec } = compile(chart.spec as unknown as TopLevelSpec, { logger: vega.logger(vega.Error) });
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export function chromiumPath(): string | null {
  const candidates = [process.env.FAASBENCH_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (p): p is string => !!p,
  );
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** PNGs (2× scale) of the given SVGs, in order; throws when Chromium is missing. */
export async function svgsToPngs(svgs: string[]): Promise<Buffer[]> {
  const executablePath = chromiumPath();
  if (!executablePath)
    throw new Error('no Chromium found (looked at $FAASBENCH_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser)');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 2 });
    // The page has no URL and the SVG no references: nothing can be fetched.
    await page.route('**/*', (route) => route.abort());
    const out: Buffer[] = [];
    for (const svg of svgs) {
      await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${svg}</body></html>`);
      out.push(await page.locator('svg').first().screenshot({ omitBackground: false }));
    }
    return out;
  } finally {
    await browser.close();
  }
}
