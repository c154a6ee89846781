// build-workloads --check: a rebuild that differs from what is committed fails,
// naming the file. Runs on a copy (needs clang for wasm32-wasi and gcc, as test.sh installs).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinWorkloadsDir } from '../model/workload.js';

const tmp = mkdtempSync(join(tmpdir(), 'faasbench-buildcheck-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function check(dir: string) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'build-workloads.ts'), '--check', '--workloads', dir],
    { encoding: 'utf8' },
  );
  return { code: r.status, out: r.stdout + r.stderr };
}

function copy(name: string): string {
  const root = mkdtempSync(join(tmp, 'w-'));
  cpSync(join(builtinWorkloadsDir(), 'common'), join(root, 'common'), { recursive: true });
  cpSync(join(builtinWorkloadsDir(), name), join(root, name), { recursive: true });
  return root;
}

describe('build-workloads --check', () => {
  it('passes when the committed artifacts and inputs are what the sources build', () => {
    const r = check(copy('hello'));
    expect(r.out).toContain('every artifact rebuilds byte for byte');
    expect(r.code).toBe(0);
  });

  it('fails naming an artifact that differs by one byte, and a stale generated input', () => {
    const root = copy('hello');
    const wasm = join(root, 'hello', 'build', 'hello.wasm');
    const bytes = readFileSync(wasm);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(wasm, bytes);
    writeFileSync(join(root, 'hello', 'inputs', 'large.bin'), 'stale');
    const r = check(root);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/hello\/build\/hello\.wasm: built [0-9a-f]{64}, committed [0-9a-f]{64}/);
    expect(r.out).toMatch(/hello\/inputs\/large\.bin: generated [0-9a-f]{64}, committed [0-9a-f]{64}/);
  });
});
