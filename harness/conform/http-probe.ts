// Builds `conform http`'s test component: runtimes/wasm/component/http-probe.mjs (a
// wasi:http handler on the raw WASI 0.2 bindings) made into a component with
// componentize-js from npm, against the repo's WIT (runtimes/wasm/component/wit, world
// `handler`, WASI 0.2.10), as scripts/build-components.ts makes the workloads' ones.
//
// Reproducible inputs, cached output: the build is keyed by the SHA-256 of the
// componentize-js version, the WIT files and the source, and kept in
// ~/.cache/faasbench/component-builds/ (FAASBENCH_CACHE moves it), the same cache the
// workload components use. The bytes of two builds differ (componentize-js snapshots
// a SpiderMonkey heap whose layout depends on start-up entropy; see
// build-components.ts), which is why the key is the inputs, not the output. A build
// takes 10-30 s on an idle machine; later runs read the cache.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// From harness/conform (source) or dist/harness/conform (build): the guest and WIT are sources, found from the package root.
const root = existsSync(join(here, '../../runtimes/wasm/component/http-probe.mjs'))
  ? join(here, '../..')
  : join(here, '../../..');
export const PROBE_SOURCE = join(root, 'runtimes/wasm/component/http-probe.mjs');
const WIT_DIR = join(root, 'runtimes/wasm/component/wit');

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

function cacheDir(): string {
  return join(process.env['FAASBENCH_CACHE'] || join(homedir(), '.cache', 'faasbench'), 'component-builds');
}

function componentizeVersion(): string {
  // The package's exports hide package.json (and it has no require entry to resolve from): look for it up the tree.
  for (let dir = root; ; dir = dirname(dir)) {
    const p = join(dir, 'node_modules/@bytecodealliance/componentize-js/package.json');
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
    if (dirname(dir) === dir) throw new Error('componentize-js not found');
  }
}

function witKey(): string {
  return readdirSync(WIT_DIR, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.wit'))
    .map((e) => join(e.parentPath, e.name))
    .sort()
    .map((f) => sha256(readFileSync(f)))
    .join();
}

export interface ProbeBuild {
  path: string;
  /** True when the build came from the cache. */
  cached: boolean;
}

/** The probe component's path, built (or taken from the cache). */
export async function buildHttpProbe(opts: { say?: (line: string) => void } = {}): Promise<ProbeBuild> {
  let version: string;
  try {
    version = componentizeVersion();
  } catch {
    throw new Error(
      'conform http builds its test component with @bytecodealliance/componentize-js, which is not installed (npm ci installs it with the dev dependencies)',
    );
  }
  const source = readFileSync(PROBE_SOURCE, 'utf8');
  const key = sha256(`http-probe\n${version}\n${witKey()}\n${source}`);
  const path = join(cacheDir(), `${key}.wasm`);
  if (existsSync(path)) return { path, cached: true };
  opts.say?.(`building the test component with componentize-js ${version} (10-30 s, cached after)`);
  // componentize-js reads the WIT through preview2-shim's filesystem, which starts with no preopens.
  const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
  (_setPreopens as (p: Record<string, string>) => void)({ '/': '/' });
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const { component } = await componentize(source, {
    witPath: WIT_DIR,
    worldName: 'handler',
  } as unknown as string);
  mkdirSync(dirname(path), { recursive: true });
  // Written aside and renamed in: a crash or a concurrent build never leaves half a file under the key.
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, component);
  renameSync(tmp, path);
  return { path, cached: false };
}
