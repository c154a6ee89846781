// Builds every workload's `component` variant: its node/handler.mjs (the node variant,
// unchanged) made into a wasi:http component with componentize-js (JS in Wasm on
// StarlingMonkey: what Spin's and Fastly's JS SDKs ship), and records its SHA-256 in
// the manifest.
//
//   npx tsx scripts/build-components.ts            build, update manifests
//   npx tsx scripts/build-components.ts --check    fail if a bundled source differs from its manifest; build (or take from the cache)
//   npx tsx scripts/build-components.ts NAME…      only these workloads
//   … --no-cache                                   ignore the build cache
//
// Steps: esbuild bundles workloads/common/component/entry.mjs (fetch event → the
// node contract → Response) with the handler and small shims for what the handlers
// use of Node (Buffer from `buffer`, createHash from @noble/hashes, timers/promises);
// componentize-js compiles the bundle against runtimes/wasm/component/wit (world
// `handler`, WASI 0.2.10).
//
// Reproducibility: the bundle is deterministic, so the manifest pins it
// (`bundleSha256`) and --check proves it in CI. The component is not: componentize-js
// 0.23 snapshots an initialised SpiderMonkey heap with wizer, and two builds of the
// same bundle differ in ~3 MB of their 13 MB even with the work directory pinned
// (below) — the engine's heap layout depends on entropy it draws at start-up. So the
// artifact is gitignored, its SHA-256 goes in a `<artifact>.json` build record the
// loader checks, and `conform workloads` (in CI) proves each build answers like the
// other variants.
//
// ~12.8 MB per component (a SpiderMonkey build and its heap); a build takes 10-30 s on
// an idle 2-core machine, ~2 min under load, so results are cached by input hash in
// ~/.cache/faasbench/component-builds/ (FAASBENCH_CACHE moves it): later runs take seconds.

import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listWorkloadDirs, sha256 } from '../model/workload.js';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const witDir = join(root, 'runtimes/wasm/component/wit');
const shimDir = join(root, 'workloads/common/component');
// The package's exports hide package.json: read it beside the resolved entry (src/componentize.js).
const COMPONENTIZE_VERSION = (
  JSON.parse(
    readFileSync(
      join(dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/componentize-js'))), '..', 'package.json'),
      'utf8',
    ),
  ) as { version: string }
).version;

interface ComponentEntry {
  artifact: string;
  source: string;
  bundleSha256: string;
}

function cacheDir(): string {
  return join(process.env['FAASBENCH_CACHE'] || join(homedir(), '.cache', 'faasbench'), 'component-builds');
}

function witFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.wit'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The handler bundled with the entry and shims into one ES module, deterministically. */
async function bundle(handler: string): Promise<string> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [join(shimDir, 'entry.mjs')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    alias: {
      HANDLER: handler,
      'node:crypto': join(shimDir, 'crypto.mjs'),
      'node:timers/promises': join(shimDir, 'timers.mjs'),
    },
    inject: [join(shimDir, 'buffer.mjs')],
    // No absolute paths or dates in the output: comments off, names relative.
    legalComments: 'none',
    absWorkingDir: root,
    logLevel: 'warning',
  });
  return out.outputFiles[0]!.text;
}

async function componentize(source: string): Promise<Uint8Array> {
  // componentize-js reads the WIT through preview2-shim's filesystem, which starts with no preopens.
  const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
  (_setPreopens as (p: Record<string, string>) => void)({ '/': '/' });
  const { componentize: build } = await import('@bytecodealliance/componentize-js');
  // componentize-js records its work directory's path in the component (the engine's
  // arguments: initializer and source paths): a directory named from Math.random()
  // under tmpdir(). Pinning both for the call gives the same path on every machine, so
  // the same bytes. Builds in one process run one at a time.
  const random = Math.random;
  const tmp = process.env['TMPDIR'];
  process.env['TMPDIR'] = '/tmp';
  Math.random = () => 0.5;
  rmSync(join('/tmp', sha256(Buffer.from('0.5')).slice(0, 12)), { recursive: true, force: true });
  try {
    // The (source, options) form: the source is written inside that work directory, not read from ours.
    const { component } = await build(source, { witPath: witDir, worldName: 'handler' } as unknown as string);
    return component;
  } finally {
    Math.random = random;
    if (tmp === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = tmp;
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const useCache = !args.includes('--no-cache');
  const only = args.filter((a) => !a.startsWith('--'));
  const dirs = listWorkloadDirs(join(root, 'workloads')).filter(
    (d) => existsSync(join(d, 'node/handler.mjs')) && (only.length === 0 || only.includes(basename(d))),
  );
  const witKey = witFiles(witDir)
    .map((f) => sha256(readFileSync(f)))
    .join();
  const mismatches: string[] = [];
  for (const dir of dirs) {
    const manifestPath = join(dir, 'workload.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name: string;
      variants: Record<string, unknown> & { component?: ComponentEntry };
    };
    const entry: ComponentEntry = manifest.variants.component ?? {
      artifact: `build/${manifest.name}.component.wasm`,
      source: 'node/handler.mjs',
      bundleSha256: '',
    };
    const t0 = Date.now();
    const js = await bundle(join(dir, entry.source));
    const bundleSha256 = sha256(Buffer.from(js));
    if (check && entry.bundleSha256 !== bundleSha256) {
      mismatches.push(`${manifest.name}: bundled source ${bundleSha256}, manifest ${entry.bundleSha256 || '(none)'}`);
      continue;
    }
    const key = sha256(Buffer.from(`${COMPONENTIZE_VERSION}\n${witKey}\n${js}`));
    const cached = join(cacheDir(), `${key}.wasm`);
    let bytes: Uint8Array;
    let how: string;
    if (useCache && existsSync(cached)) {
      bytes = readFileSync(cached);
      how = 'cached';
    } else {
      process.stdout.write(`${manifest.name}: componentize-js ${COMPONENTIZE_VERSION}… `);
      bytes = await componentize(js);
      mkdirSync(cacheDir(), { recursive: true });
      const tmp = `${cached}.tmp-${process.pid}`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, cached);
      how = `built in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    }
    const target = join(dir, entry.artifact);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    writeFileSync(
      `${target}.json`,
      JSON.stringify({ sha256: sha256(bytes), bundleSha256, componentizeJs: COMPONENTIZE_VERSION }, null, 2) + '\n',
    );
    if (!check && (entry.bundleSha256 !== bundleSha256 || !manifest.variants.component)) {
      entry.bundleSha256 = bundleSha256;
      manifest.variants.component = entry;
      writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    }
    console.log(`${manifest.name} component: ${relative(root, target)} ${bytes.length} bytes (${how})`);
  }
  if (mismatches.length) {
    console.error(
      'build-components --check: the bundled sources differ from the manifests (run scripts/build-components.ts and commit):\n  ' +
        mismatches.join('\n  '),
    );
    return 1;
  }
  if (check) console.log('build-components --check: every bundled source matches its manifest; components built');
  return 0;
}

process.exitCode = await main();
