// Builds every workload's compiled variants from source with Debian's toolchain and
// records each artifact's SHA-256 in its manifest.
//
//   npx tsx scripts/build-workloads.ts           build, update manifests
//   npx tsx scripts/build-workloads.ts --check   build into a temp dir and fail if any
//                                                byte differs from what is committed
//   npx tsx scripts/build-workloads.ts NAME…     only these workloads
//   … --workloads DIR                            another workloads folder (with its own common/)
//
// A workload may also have an `inputs.mjs` whose default export returns
// { 'relative/path': bytes }: deterministic request bodies (bodyFile), generated
// here rather than hand-made, and checked like the artifacts.
//
// Builds are deterministic (same compiler, flags, no paths or times in the output),
// so CI can prove the committed artifacts are what the sources make.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { listWorkloadDirs, sha256 } from '../model/workload.js';
import { COMPILER_ENV } from './compiler-env.js';

type Kind = 'wasm' | 'native';

/** Compiler invocations, one per compiled variant. Keep flags free of paths and dates. */
const COMPILERS: Record<Kind, (src: string, out: string, includeDir: string) => [string, string[]]> = {
  wasm: (src, out, inc) => [
    'clang',
    ['--target=wasm32-wasi', '-O2', '-std=c11', '-Wall', '-Werror', `-I${inc}`, '-Wl,--strip-debug', '-o', out, src],
  ],
  native: (src, out, inc) => [
    'gcc',
    ['-O2', '-std=c11', '-Wall', '-Werror', `-I${inc}`, '-static', '-s', '-Wl,--build-id=none', '-o', out, src],
  ],
};

interface ArtifactEntry {
  artifact: string;
  sha256: string;
  source?: string;
}

async function build(check: boolean, only: string[], workloadsDir?: string): Promise<number> {
  const root = join(dirname(new URL(import.meta.url).pathname), '..');
  const workloads = workloadsDir ? resolve(workloadsDir) : join(root, 'workloads');
  const includeDir = join(workloads, 'common');
  const scratch = mkdtempSync(join(tmpdir(), 'faasbench-build-'));
  const dirs = listWorkloadDirs(workloads).filter((d) => only.length === 0 || only.includes(basename(d)));
  try {
    return await buildAll(root, dirs, includeDir, scratch, check);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function buildAll(
  root: string,
  dirs: string[],
  includeDir: string,
  scratch: string,
  check: boolean,
): Promise<number> {
  const mismatches: string[] = [];
  for (const dir of dirs) {
    const manifestPath = join(dir, 'workload.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name: string;
      variants: Partial<Record<Kind, ArtifactEntry>>;
    };
    let changed = false;
    for (const kind of ['wasm', 'native'] as const) {
      const entry = manifest.variants[kind];
      if (!entry?.source) continue;
      const target = join(dir, entry.artifact);
      const out = join(scratch, `${manifest.name}.${kind}`);
      // Run from the workload folder with relative source paths, so no absolute path can leak into the binary.
      const [cmd, args] = COMPILERS[kind](entry.source, out, relative(dir, includeDir));
      try {
        execFileSync(cmd, args, { cwd: dir, env: COMPILER_ENV, stdio: ['ignore', 'inherit', 'inherit'] });
      } catch {
        console.error(`build-workloads: ${manifest.name} (${kind}): ${cmd} failed`);
        return 1;
      }
      const hash = sha256(readFileSync(out));
      if (check) {
        let committed: string;
        try {
          committed = sha256(readFileSync(target));
        } catch {
          committed = '(missing)';
        }
        if (committed !== hash || entry.sha256 !== hash)
          mismatches.push(`${relative(root, target)}: built ${hash}, committed ${committed}, manifest ${entry.sha256}`);
      } else {
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(out, target);
        if (entry.sha256 !== hash) {
          entry.sha256 = hash;
          changed = true;
        }
        console.log(`${manifest.name} ${kind}: ${relative(root, target)} ${hash.slice(0, 12)}`);
      }
    }
    const gen = join(dir, 'inputs.mjs');
    if (existsSync(gen)) {
      const files = (
        (await import(pathToFileURL(gen).href)) as { default: () => Record<string, Uint8Array> }
      ).default();
      for (const [rel, bytes] of Object.entries(files)) {
        const target = join(dir, rel);
        if (check) {
          const committed = existsSync(target) ? sha256(readFileSync(target)) : '(missing)';
          if (committed !== sha256(bytes))
            mismatches.push(`${relative(root, target)}: generated ${sha256(bytes)}, committed ${committed}`);
        } else {
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, bytes);
          console.log(`${manifest.name} input: ${relative(root, target)} ${bytes.length} bytes`);
        }
      }
    }
    if (changed) writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  }
  if (mismatches.length) {
    console.error(
      'build-workloads --check: rebuilt artifacts differ from the committed ones:\n  ' + mismatches.join('\n  '),
    );
    return 1;
  }
  if (check) console.log('build-workloads --check: every artifact rebuilds byte for byte');
  return 0;
}

const args = process.argv.slice(2);
const at = args.indexOf('--workloads');
const workloadsDir = at >= 0 ? args.splice(at, 2)[1] : undefined;
process.exitCode = await build(
  args.includes('--check'),
  args.filter((a) => !a.startsWith('--')),
  workloadsDir,
);
