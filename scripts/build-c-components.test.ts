// build-c-components --check: the committed component-c artifacts are what the C
// sources, the WAGI bridge and the pinned tools build, byte for byte; a rebuild that
// differs fails naming the file. Runs on a copy (needs clang for wasm32-wasi and
// wit-bindgen, as scripts/test.sh installs).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinWorkloadsDir, loadWorkload } from '../model/workload.js';

const tmp = mkdtempSync(join(tmpdir(), 'faasbench-ccompcheck-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function check(dir: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'build-c-components.ts'), '--check', '--workloads', dir],
    { encoding: 'utf8', env: { ...process.env, ...env } },
  );
  return { code: r.status, out: r.stdout + r.stderr };
}

function copy(name: string): string {
  const root = mkdtempSync(join(tmp, 'w-'));
  cpSync(join(builtinWorkloadsDir(), 'common'), join(root, 'common'), { recursive: true });
  cpSync(join(builtinWorkloadsDir(), name), join(root, name), { recursive: true });
  return root;
}

describe('build-c-components --check', () => {
  it('passes when the committed component is what the source builds, and the loader accepts it', () => {
    const root = copy('hello');
    const r = check(root);
    expect(r.out).toContain('every C component rebuilds byte for byte');
    expect(r.code).toBe(0);
    const w = loadWorkload(join(root, 'hello'));
    expect(w.variantPaths['component-c']).toMatch(/hello\.component-c\.wasm$/);
  });

  it('fails naming a component that differs by one byte', () => {
    const root = copy('hello');
    const file = join(root, 'hello', 'build', 'hello.component-c.wasm');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(file, bytes);
    const r = check(root);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/hello\/build\/hello\.component-c\.wasm: built [0-9a-f]{64}, committed [0-9a-f]{64}/);
  });

  it('fails when the bridge changes and the artifact was not rebuilt', () => {
    const root = copy('hello');
    const bridge = join(root, 'common', 'component', 'c', 'bridge.c');
    writeFileSync(
      bridge,
      readFileSync(bridge, 'utf8').replace('"SERVER_SOFTWARE", "faasbench"', '"SERVER_SOFTWARE", "x"'),
    );
    const r = check(root);
    expect(r.code).toBe(1);
    expect(r.out).toContain('hello/build/hello.component-c.wasm: built');
  });

  it('says how to install wit-bindgen when it is missing', () => {
    const r = check(copy('hello'), { FAASBENCH_CACHE: join(tmp, 'empty-cache') });
    expect(r.code).toBe(1);
    expect(r.out).toContain('install-wit-bindgen.sh');
  });
});
