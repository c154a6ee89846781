// The chart libraries, inlined into every report so it opens offline and makes no
// request to any other host.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';

const require = createRequire(import.meta.url);
let cached: string | null = null;

export function inlineChartLibraries(): string {
  if (cached) return cached;
  // Resolved through each package.json: the build files are not in the packages' "exports".
  const file = (pkg: string, path: string) => join(packageDir(pkg), path);
  const files = [
    file('vega', 'build/vega.min.js'),
    file('vega-lite', 'build/vega-lite.min.js'),
    file('vega-embed', 'build/vega-embed.min.js'),
  ];
  // "</script" inside a library would end the tag early.
  cached = files
    .map((f) => `<script>${readFileSync(f, 'utf8').replace(/<\/script/gi, '<\\/script')}</script>`)
    .join('\n');
  return cached;
}

/** A package's folder, from its resolved entry point (not all of them export package.json). */
function packageDir(pkg: string): string {
  const entry = require.resolve(pkg);
  const marker = `${sep}node_modules${sep}${pkg}${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot find the folder of package ${pkg} (resolved to ${entry})`);
  return entry.slice(0, at + marker.length);
}
