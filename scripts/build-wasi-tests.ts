// Builds the WASI host's own C test programs (test/wasi/programs/*.c) to wasm32-wasi
// next to their sources, with Debian's clang and wasi-libc.
//
//   npx tsx scripts/build-wasi-tests.ts           build and write the .wasm files
//   npx tsx scripts/build-wasi-tests.ts --check   build into a temp dir and fail if any
//                                                 byte differs from the committed .wasm
//
// Deterministic like build-workloads.ts: same compiler and flags, run from the
// programs folder with relative paths so no absolute path or time reaches the output.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPILER_ENV } from './compiler-env.js';

const FLAGS = ['--target=wasm32-wasi', '-O2', '-std=c11', '-Wall', '-Werror', '-Wl,--strip-debug'];

function build(check: boolean): number {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'wasi', 'programs');
  const scratch = mkdtempSync(join(tmpdir(), 'faasbench-wasi-build-'));
  const bad: string[] = [];
  try {
    for (const src of readdirSync(dir)
      .filter((f) => f.endsWith('.c'))
      .sort()) {
      const name = src.slice(0, -2);
      const out = join(scratch, `${name}.wasm`);
      try {
        execFileSync('clang', [...FLAGS, '-o', out, src], {
          cwd: dir,
          env: COMPILER_ENV,
          stdio: ['ignore', 'inherit', 'inherit'],
        });
      } catch {
        console.error(`build-wasi-tests: ${src}: clang failed`);
        return 1;
      }
      const target = join(dir, `${name}.wasm`);
      if (check) {
        let same = false;
        try {
          same = readFileSync(target).equals(readFileSync(out));
        } catch {
          /* missing */
        }
        if (!same) bad.push(`test/wasi/programs/${name}.wasm`);
      } else {
        copyFileSync(out, target);
        console.log(`built test/wasi/programs/${name}.wasm`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (bad.length) {
    console.error(
      `build-wasi-tests --check: rebuilt programs differ from the committed ones (run npx tsx scripts/build-wasi-tests.ts):\n  ${bad.join('\n  ')}`,
    );
    return 1;
  }
  if (check) console.log('build-wasi-tests --check: every WASI test program rebuilds byte for byte');
  return 0;
}

process.exitCode = build(process.argv.includes('--check'));
