// Bring-your-own workloads and bad input: folders outside the repo, bare .wasm
// files, manifests that fail validation, variants that are missing or stale.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { guestModule } from '../test/wasm-fixtures.js';
import { conformWorkloads } from './conform/workloads.js';
import { builtinWorkloadsDir, loadWorkload, resolveWorkloads, WorkloadError } from './workloads.js';
import { loadWasmFile, wasmFileWorkload } from './workloads-wasm.js';

const tmp = mkdtempSync(join(tmpdir(), 'faasbench-byo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of a built-in workload in a fresh folder outside the repository. */
function copyOf(name: string): string {
  const dir = mkdtempSync(join(tmp, `${name}-`));
  cpSync(join(builtinWorkloadsDir(), name), dir, { recursive: true });
  return dir;
}

function editManifest(dir: string, edit: (m: Record<string, any>) => void): void {
  const file = join(dir, 'workload.json');
  const m = JSON.parse(readFileSync(file, 'utf8'));
  edit(m);
  writeFileSync(file, JSON.stringify(m));
}

describe('bring your own workload folder', () => {
  it('loads a manifest outside the repo and runs its variants', async () => {
    const dir = copyOf('echo');
    const [w] = resolveWorkloads([dir]);
    expect(w!.dir).toBe(dir);
    expect(w!.variantPaths.wasm).toBe(join(dir, 'build', 'echo.wasm'));
    const report = await conformWorkloads([w!], { sizes: ['test'] });
    expect(report.rows.map((r) => r.variant).sort()).toEqual(['native', 'node', 'wasm']);
    expect(report.ok).toBe(true);
  });

  it('names an unknown workload and lists the built-in ones', () => {
    expect(() => resolveWorkloads([join(tmp, 'nowhere')])).toThrow(/unknown workload .*nowhere.*built-in: .*echo/);
  });
});

describe('bad manifests are refused with field path and reason', () => {
  it('reports every invalid field by its path', () => {
    const dir = copyOf('hello');
    editManifest(dir, (m) => {
      m.variants.wasm.sha256 = 'xyz';
      m.requests[0].expect.status = '200';
      m.requests[1].size = 'huge';
      m.extra = true;
    });
    let message = '';
    try { loadWorkload(dir); } catch (e) { expect(e).toBeInstanceOf(WorkloadError); message = (e as Error).message; }
    expect(message).toMatch(/workload\.json: variants\.wasm\.sha256: must be 64 lower-case hex digits/);
    expect(message).toMatch(/requests\.0\.expect\.status: Expected number, received string/);
    expect(message).toMatch(/requests\.1\.size: Invalid enum value/);
    expect(message).toMatch(/\(root\): Unrecognized key\(s\) in object: 'extra'/);
  });

  it('refuses paths that leave the workload folder', () => {
    const dir = copyOf('echo');
    editManifest(dir, (m) => { m.requests[2].bodyFile = '../../etc/passwd'; m.variants.node.module = '/tmp/x.mjs'; });
    expect(() => loadWorkload(dir)).toThrow(/variants\.node\.module: must be a path inside the workload folder/);
    expect(() => loadWorkload(dir)).toThrow(/requests\.2\.bodyFile: must be a path inside the workload folder/);
  });

  it('refuses a manifest that is not JSON, naming the file', () => {
    const dir = copyOf('hello');
    writeFileSync(join(dir, 'workload.json'), '{ "name": ');
    expect(() => loadWorkload(dir)).toThrow(new RegExp(`${dir}/workload.json: not valid JSON`));
  });

  it('refuses a listed variant whose file is missing, naming the file', () => {
    const dir = copyOf('hello');
    rmSync(join(dir, 'build', 'hello.native'));
    expect(() => loadWorkload(dir)).toThrow(new RegExp(`native variant artifact ${dir}/build/hello.native is missing`));
    const dir2 = copyOf('hello');
    rmSync(join(dir2, 'node', 'handler.mjs'));
    expect(() => loadWorkload(dir2)).toThrow(/node variant module .*node\/handler\.mjs is missing/);
  });

  it('refuses an artifact whose SHA-256 does not match the manifest, naming the file', () => {
    const dir = copyOf('hello');
    const file = join(dir, 'build', 'hello.wasm');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(file, bytes);
    expect(() => loadWorkload(dir)).toThrow(new RegExp(`wasm artifact ${file} has SHA-256 [0-9a-f]{64}, manifest says [0-9a-f]{64}`));
  });

  it('refuses a missing bodyFile, naming it', () => {
    const dir = copyOf('echo');
    rmSync(join(dir, 'inputs', 'large.txt'));
    expect(() => loadWorkload(dir)).toThrow(/post-large: bodyFile .*inputs\/large\.txt is missing/);
  });
});

describe('--wasm FILE: a bare WAGI module as a workload', () => {
  const write = (name: string, bytes: Uint8Array) => {
    const p = join(tmp, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('builds a synthetic workload: GET /, the artifact hashed', () => {
    const w = wasmFileWorkload(join(builtinWorkloadsDir(), 'hello', 'build', 'hello.wasm'), 200);
    expect(w.name).toBe('wasm-hello');
    expect(w.requests).toEqual([expect.objectContaining({ method: 'GET', path: '/', query: '', expect: { status: 200, headers: {} } })]);
    expect(w.manifest.variants.wasm?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('probes the module and expects the status it gave when below 500', async () => {
    const w = await loadWasmFile(join(builtinWorkloadsDir(), 'hello', 'build', 'hello.wasm'));
    expect(w.requests[0]!.expect.status).toBe(200);
    const notFound = await loadWasmFile(write('Not Found!.wasm', guestModule({ stdout: 'Status: 404\nContent-Type: text/plain\n\nnope\n' })));
    expect(notFound.name).toBe('wasm-not-found-');
    expect(notFound.requests[0]!.expect.status).toBe(404);
  });

  it('refuses a module answering 5xx, a file that is not wasm, and a missing file', async () => {
    const down = write('down.wasm', guestModule({ stdout: 'Status: 503\nContent-Type: text/plain\n\ndown\n' }));
    await expect(loadWasmFile(down)).rejects.toThrow(/GET \/ answered 503 \("down\\n"\); a --wasm function must answer GET \/ with a status below 500/);
    const text = write('text.wasm', Buffer.from('hello'));
    await expect(loadWasmFile(text)).rejects.toThrow(/text\.wasm: .*not a WebAssembly module/);
    await expect(loadWasmFile(join(tmp, 'absent.wasm'))).rejects.toThrow(/--wasm .*absent\.wasm: no such file/);
  });
});
