// Builds every C workload's `component-c` variant: its C source (the one the wasm and
// native variants are built from, unchanged) as a wasi:http component, and records
// the artifact's SHA-256 in the manifest.
//
//   npx tsx scripts/build-c-components.ts           build, update manifests
//   npx tsx scripts/build-c-components.ts --check   build into a temp dir and fail if any
//                                                   byte differs from what is committed
//   npx tsx scripts/build-c-components.ts NAME…     only these workloads
//   … --workloads DIR                               another workloads folder (with its own common/)
//
// Steps (all offline, from the registries):
// 1. wit-bindgen's C generator (crates.io, pinned, built once into ~/.cache/faasbench by
//    runtimes/wasm/component/install/install-wit-bindgen.sh) writes the bindings of the
//    world every faasbench component targets (runtimes/wasm/component/wit, `handler`:
//    wasi:http/proxy 0.2.10) — handler.c/.h and the component-type object.
// 2. Debian's clang (wasm32-wasi, -O2, as build-workloads.ts) compiles the workload's
//    source with its main() renamed and stdio redirected (common/component/c/wagi-stdio.h),
//    the WAGI bridge (common/component/c/bridge.c: the incoming-handler export that
//    gives the workload its CGI environment, stdin and stdout) and the bindings, and
//    links a preview1 *reactor* core module (-mexec-model=reactor: no _start, the
//    handler export is the entry).
// 3. jco's `componentNew` (wasm-tools' component new, compiled to Wasm, from npm) with
//    jco's preview1 reactor adapter turns it into a component: the adapter maps what
//    wasi-libc imports of preview1 (fd_write, environ_get, …) onto WASI 0.2.
//
// Why not the other ways: componentize-js gives the JS component (`component` variant,
// scripts/build-components.ts); a preview1 *command* plus the command adapter gives a
// wasi:cli/run component, which no wasi:http host serves. Hand-written canonical-ABI
// imports would duplicate what wit-bindgen generates and keeps correct.
//
// Every step is deterministic (no paths or dates: compilers run from the scratch folder
// with relative paths, debug info stripped), so the artifact is committed and pinned
// like the wasm and native ones, and --check proves it in CI.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { componentNew, preview1AdapterReactorPath } from '@bytecodealliance/jco';
import { listWorkloadDirs, sha256 } from '../model/workload.js';
import { COMPILER_ENV } from './compiler-env.js';

/** The wit-bindgen release the bindings come from (install-wit-bindgen.sh pins the same). */
export const WIT_BINDGEN_VERSION = '0.63.0';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const witDir = join(root, 'runtimes/wasm/component/wit');

/** Flags shared by every compile: build-workloads.ts's wasm flags (no paths, no dates). */
const CFLAGS = ['--target=wasm32-wasi', '-O2', '-std=c11', '-Wall', '-Werror'];

interface ArtifactEntry {
  artifact: string;
  sha256: string;
  source?: string;
}

interface Manifest {
  name: string;
  variants: Record<string, unknown> & { wasm?: ArtifactEntry; 'component-c'?: ArtifactEntry };
}

export function witBindgenPath(): string {
  const cache = process.env['FAASBENCH_CACHE'] || join(homedir(), '.cache', 'faasbench');
  return join(cache, `wit-bindgen-${WIT_BINDGEN_VERSION}`, 'bin', 'wit-bindgen');
}

/** Runs a tool quietly (wit-bindgen lists every file it writes); its output is shown when it fails. */
function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, env: COMPILER_ENV, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${basename(cmd)} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}${r.stderr}`);
}

/**
 * The bindings and the bridge, compiled once per build into `scratch`: bindings/ (what
 * wit-bindgen generated), handler.o, bridge.o and the component-type object.
 */
function buildShared(scratch: string, commonDir: string): string[] {
  const wb = witBindgenPath();
  if (!existsSync(wb))
    throw new Error(
      `wit-bindgen ${WIT_BINDGEN_VERSION} is not installed (${wb}): run bash runtimes/wasm/component/install/install-wit-bindgen.sh`,
    );
  // Relative paths from the scratch folder: nothing of this machine's layout reaches the output.
  const wit = relative(scratch, witDir);
  run(wb, ['c', '--world', 'handler', '--out-dir', 'bindings', wit], scratch);
  const bridgeDir = relative(scratch, join(commonDir, 'component', 'c'));
  run('clang', [...CFLAGS, '-Ibindings', '-c', 'bindings/handler.c', '-o', 'handler.o'], scratch);
  run('clang', [...CFLAGS, '-Ibindings', '-c', join(bridgeDir, 'bridge.c'), '-o', 'bridge.o'], scratch);
  return ['handler.o', 'bridge.o', 'bindings/handler_component_type.o'].map((f) => join(scratch, f));
}

/** One workload's component: its source compiled against the bridge, linked as a reactor, adapted. */
async function buildOne(
  dir: string,
  source: string,
  commonDir: string,
  shared: string[],
  scratch: string,
  adapter: Uint8Array,
): Promise<Uint8Array> {
  const name = basename(dir);
  const obj = join(scratch, `${name}.o`);
  const core = join(scratch, `${name}.core.wasm`);
  // From the workload folder with relative paths, as build-workloads.ts compiles it.
  const inc = relative(dir, commonDir);
  run(
    'clang',
    [
      ...CFLAGS,
      `-I${inc}`,
      '-include',
      join(inc, 'component', 'c', 'wagi-stdio.h'),
      '-Dmain=wagi_workload_main',
      '-c',
      source,
      '-o',
      relative(dir, obj),
    ],
    dir,
  );
  run(
    'clang',
    [
      '--target=wasm32-wasi',
      '-O2',
      '-mexec-model=reactor',
      '-Wl,--strip-debug',
      '-o',
      basename(core),
      ...[obj, ...shared].map((f) => relative(scratch, f)),
    ],
    scratch,
  );
  return componentNew(readFileSync(core), [['wasi_snapshot_preview1', adapter]]);
}

export async function buildCComponents(opts: {
  check: boolean;
  only: string[];
  workloadsDir?: string;
}): Promise<number> {
  const workloads = opts.workloadsDir ? resolve(opts.workloadsDir) : join(root, 'workloads');
  const commonDir = join(workloads, 'common');
  const scratch = mkdtempSync(join(tmpdir(), 'faasbench-ccomp-'));
  const mismatches: string[] = [];
  try {
    // Workloads with a C source: the wasm variant's.
    const dirs = listWorkloadDirs(workloads).filter((d) => opts.only.length === 0 || opts.only.includes(basename(d)));
    const manifests = dirs
      .map((dir) => ({ dir, path: join(dir, 'workload.json') }))
      .map((m) => ({ ...m, manifest: JSON.parse(readFileSync(m.path, 'utf8')) as Manifest }))
      .filter((m) => m.manifest.variants['component-c']?.source ?? m.manifest.variants.wasm?.source);
    if (manifests.length === 0) return 0;
    let shared: string[];
    try {
      shared = buildShared(scratch, commonDir);
    } catch (e) {
      console.error(`build-c-components: ${(e as Error).message}`);
      return 1;
    }
    const adapter = readFileSync(preview1AdapterReactorPath());
    for (const { dir, path, manifest } of manifests) {
      const entry: ArtifactEntry = manifest.variants['component-c'] ?? {
        source: manifest.variants.wasm!.source!,
        artifact: `build/${manifest.name}.component-c.wasm`,
        sha256: '',
      };
      let bytes: Uint8Array;
      try {
        bytes = await buildOne(dir, entry.source!, commonDir, shared, scratch, adapter);
      } catch (e) {
        console.error(`build-c-components: ${manifest.name}: ${(e as Error).message}`);
        return 1;
      }
      const hash = sha256(bytes);
      const target = join(dir, entry.artifact);
      if (opts.check) {
        const committed = existsSync(target) ? sha256(readFileSync(target)) : '(missing)';
        if (committed !== hash || entry.sha256 !== hash)
          mismatches.push(
            `${relative(workloads, target)}: built ${hash}, committed ${committed}, manifest ${entry.sha256 || '(none)'}`,
          );
        continue;
      }
      mkdirSync(dirname(target), { recursive: true });
      const out = join(scratch, `${manifest.name}.component.wasm`);
      writeFileSync(out, bytes);
      copyFileSync(out, target);
      if (entry.sha256 !== hash || !manifest.variants['component-c']) {
        entry.sha256 = hash;
        manifest.variants['component-c'] = entry;
        writeFileSync(path, JSON.stringify(manifest, null, 2) + '\n');
      }
      console.log(`${manifest.name} component-c: ${relative(root, target)} ${bytes.length} bytes ${hash.slice(0, 12)}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (mismatches.length) {
    console.error(
      'build-c-components --check: rebuilt C components differ from the committed ones (run scripts/build-c-components.ts and commit):\n  ' +
        mismatches.join('\n  '),
    );
    return 1;
  }
  if (opts.check) console.log('build-c-components --check: every C component rebuilds byte for byte');
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--workloads');
  const workloadsDir = at >= 0 ? args.splice(at, 2)[1] : undefined;
  process.exitCode = await buildCComponents({
    check: args.includes('--check'),
    only: args.filter((a) => !a.startsWith('--')),
    ...(workloadsDir ? { workloadsDir } : {}),
  });
}
