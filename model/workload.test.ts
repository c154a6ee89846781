// Bring-your-own workloads and bad input: folders outside the repo, bare .wasm
// files, manifests that fail validation, variants that are missing or stale, and
// files that lead out of the folder or are not regular files.
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { guestModule } from '../test/wasm-fixtures.js';
import { conformWorkloads } from '../harness/conform/workloads.js';
import { builtinWorkloadsDir, isComponentVariant, loadWorkload, resolveWorkloads, WorkloadError } from './workload.js';
import { loadWasmFile, wasmFileWorkload } from '../harness/workloads-wasm.js';

const tmp = mkdtempSync(join(tmpdir(), 'faasbench-byo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of a built-in workload in a fresh folder outside the repository. */
function copyOf(name: string): string {
  const dir = mkdtempSync(join(tmp, `${name}-`));
  cpSync(join(builtinWorkloadsDir(), name), dir, { recursive: true });
  return dir;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests edit arbitrary manifest JSON
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
    // The component variant comes along when built (scripts/test.sh builds it): its artifact and build record are copied too.
    expect(w!.unbuilt, 'component variant not built: npx tsx scripts/build-components.ts').toBeUndefined();
    expect(report.rows.map((r) => r.variant).sort()).toEqual(['component', 'component-c', 'native', 'node', 'wasm']);
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
    try {
      loadWorkload(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(WorkloadError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/workload\.json: variants\.wasm\.sha256: must be 64 lower-case hex digits/);
    expect(message).toMatch(/requests\.0\.expect\.status: Expected number, received string/);
    expect(message).toMatch(/requests\.1\.size: Invalid enum value/);
    expect(message).toMatch(/\(root\): Unrecognized key\(s\) in object: 'extra'/);
  });

  it('refuses paths that leave the workload folder', () => {
    const dir = copyOf('echo');
    editManifest(dir, (m) => {
      m.requests[2].bodyFile = '../../etc/passwd';
      m.variants.node.module = '/tmp/x.mjs';
    });
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
    expect(() => loadWorkload(dir)).toThrow(
      new RegExp(`wasm artifact ${file} has SHA-256 [0-9a-f]{64}, manifest says [0-9a-f]{64}`),
    );
  });

  it('checks the component-c artifact like the wasm one: missing (with how to build it) or stale is refused', () => {
    const dir = copyOf('hello');
    expect(loadWorkload(dir).variantPaths['component-c']).toBe(join(dir, 'build', 'hello.component-c.wasm'));
    const file = join(dir, 'build', 'hello.component-c.wasm');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(file, bytes);
    expect(() => loadWorkload(dir)).toThrow(
      new RegExp(`component-c artifact ${file} has SHA-256 [0-9a-f]{64}, manifest says [0-9a-f]{64}`),
    );
    rmSync(file);
    expect(() => loadWorkload(dir)).toThrow(
      /component-c variant artifact .* is missing \(run scripts\/build-c-components\.ts\)/,
    );
    expect(isComponentVariant('component-c') && isComponentVariant('component')).toBe(true);
    expect(isComponentVariant('wasm') || isComponentVariant('native') || isComponentVariant('node')).toBe(false);
  });

  it('refuses a missing bodyFile, naming it', () => {
    const dir = copyOf('echo');
    rmSync(join(dir, 'inputs', 'large.txt'));
    expect(() => loadWorkload(dir)).toThrow(/post-large: bodyFile .*inputs\/large\.txt is missing/);
  });
});

describe('files named by a workload folder stay inside it and are regular files', () => {
  /** A host file outside every workload folder, standing for /etc/passwd and the like. */
  const secret = join(tmp, 'host-secret.txt');
  writeFileSync(secret, 'root:x:0:0:secret\n');

  it('refuses a bodyFile that is a symlink leading out of the folder (its content never read)', () => {
    const dir = copyOf('echo');
    rmSync(join(dir, 'inputs', 'large.txt'));
    symlinkSync(secret, join(dir, 'inputs', 'large.txt'));
    expect(() => loadWorkload(dir)).toThrow(
      /post-large: bodyFile .*inputs\/large\.txt leads outside the workload folder \(through a symlink, to .*host-secret\.txt\)/,
    );
  });

  it('refuses a path whose directory component is a symlink leading out', () => {
    const dir = copyOf('echo');
    const outside = mkdtempSync(join(tmp, 'outside-'));
    renameSync(join(dir, 'inputs'), join(outside, 'inputs'));
    symlinkSync(join(outside, 'inputs'), join(dir, 'inputs'));
    expect(() => loadWorkload(dir)).toThrow(/bodyFile .*inputs\/large\.txt leads outside the workload folder/);
  });

  it('refuses artifacts, node modules and the manifest itself through a symlink leading out', () => {
    const wasm = copyOf('hello');
    const outsideWasm = join(mkdtempSync(join(tmp, 'outside-')), 'hello.wasm');
    renameSync(join(wasm, 'build', 'hello.wasm'), outsideWasm); // same bytes: the SHA-256 would match
    symlinkSync(outsideWasm, join(wasm, 'build', 'hello.wasm'));
    expect(() => loadWorkload(wasm)).toThrow(
      /hello: wasm variant artifact .*build\/hello\.wasm leads outside the workload folder/,
    );

    const node = copyOf('hello');
    const outsideModule = join(mkdtempSync(join(tmp, 'outside-')), 'handler.mjs');
    renameSync(join(node, 'node', 'handler.mjs'), outsideModule);
    symlinkSync(outsideModule, join(node, 'node', 'handler.mjs'));
    expect(() => loadWorkload(node)).toThrow(
      /hello: node variant module .*node\/handler\.mjs leads outside the workload folder/,
    );

    const manifest = copyOf('hello');
    rmSync(join(manifest, 'workload.json'));
    symlinkSync(secret, join(manifest, 'workload.json'));
    let message = '';
    try {
      loadWorkload(manifest);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/workload\.json leads outside the workload folder/);
    expect(message).not.toContain('root:x'); // a JSON parse error would quote the host file
  });

  it('accepts symlinks that stay inside the folder', () => {
    const dir = copyOf('echo');
    mkdirSync(join(dir, 'data'));
    renameSync(join(dir, 'inputs', 'large.txt'), join(dir, 'data', 'large.txt'));
    symlinkSync('../data/large.txt', join(dir, 'inputs', 'large.txt'));
    const w = loadWorkload(dir);
    expect(w.requests.find((r) => r.name === 'post-large')!.body.length).toBeGreaterThan(0);
  });

  it('refuses a bodyFile that is a directory, and one over the size limit, saying which', () => {
    const dir = copyOf('echo');
    rmSync(join(dir, 'inputs', 'large.txt'));
    mkdirSync(join(dir, 'inputs', 'large.txt'));
    expect(() => loadWorkload(dir)).toThrow(
      /post-large: bodyFile .*inputs\/large\.txt is a directory, not a regular file/,
    );
    rmSync(join(dir, 'inputs', 'large.txt'), { recursive: true });
    writeFileSync(join(dir, 'inputs', 'large.txt'), '');
    truncateSync(join(dir, 'inputs', 'large.txt'), 64 * 2 ** 20 + 1); // sparse: no disk used
    expect(() => loadWorkload(dir)).toThrow(
      /post-large: bodyFile .*inputs\/large\.txt is too large \(64\.0 MiB; the limit is 64 MiB\)/,
    );
  });

  it('refuses a manifest over its size limit without parsing it', () => {
    const dir = copyOf('hello');
    truncateSync(join(dir, 'workload.json'), 2 * 2 ** 20);
    expect(() => loadWorkload(dir)).toThrow(/workload\.json is too large \(2 MiB; the limit is 1 MiB\)/);
  });

  it('names what a --workload path is when it is not a folder', () => {
    expect(() => resolveWorkloads(['/dev/null'])).toThrow(
      /--workload \/dev\/null: is a character device, not a workload folder/,
    );
    expect(() => resolveWorkloads([secret])).toThrow(
      /--workload .*host-secret\.txt: is a regular file, not a workload folder/,
    );
    const empty = mkdtempSync(join(tmp, 'empty-'));
    expect(() => resolveWorkloads([empty])).toThrow(
      new RegExp(`--workload ${empty}: a folder without a workload\\.json`),
    );
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
    expect(w.requests).toEqual([
      expect.objectContaining({ method: 'GET', path: '/', query: '', expect: { status: 200, headers: {} } }),
    ]);
    expect(w.manifest.variants.wasm?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('probes the module and expects the status it gave when below 500', async () => {
    const w = await loadWasmFile(join(builtinWorkloadsDir(), 'hello', 'build', 'hello.wasm'));
    expect(w.requests[0]!.expect.status).toBe(200);
    const notFound = await loadWasmFile(
      write('Not Found!.wasm', guestModule({ stdout: 'Status: 404\nContent-Type: text/plain\n\nnope\n' })),
    );
    expect(notFound.name).toBe('wasm-not-found-');
    expect(notFound.requests[0]!.expect.status).toBe(404);
  });

  it('refuses a module answering 5xx, a file that is not wasm, and a missing file', async () => {
    const down = write('down.wasm', guestModule({ stdout: 'Status: 503\nContent-Type: text/plain\n\ndown\n' }));
    await expect(loadWasmFile(down)).rejects.toThrow(
      /GET \/ answered 503 \("down\\n"\); a --wasm function must answer GET \/ with a status below 500/,
    );
    const text = write('text.wasm', Buffer.from('hello'));
    await expect(loadWasmFile(text)).rejects.toThrow(/text\.wasm: .*not a WebAssembly module/);
    await expect(loadWasmFile(join(tmp, 'absent.wasm'))).rejects.toThrow(/--wasm .*absent\.wasm: no such file/);
  });

  it('names a directory or a device given as --wasm instead of reading it', async () => {
    await expect(loadWasmFile(tmp)).rejects.toThrow(new RegExp(`--wasm ${tmp}: is a directory, not a regular file`));
    await expect(loadWasmFile('/dev/zero')).rejects.toThrow(
      /--wasm \/dev\/zero: is a character device, not a regular file/,
    );
  });
});
