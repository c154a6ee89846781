// The `wasmtime` runtime against the real pinned binary: `wasmtime serve` serves a
// wasi:http component (hello's answer, built offline from WAT by the components
// issue's runtimes/wasm/component/wat.ts) with the pooling allocator on and off, each
// response checked against the hello manifest; a component given as a bare `wasm`
// artifact is recognised and served the same way; preview1 modules go the CGI way.
// Missing wasmtime fails under scripts/test.sh (FAASBENCH_REQUIRE_EXTERNAL=1), skips elsewhere.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkResponse } from '../../../harness/verify.js';
import { builtinWorkloadsDir, loadWorkload, type LoadedWorkload } from '../../../model/workload.js';
import { helloComponent } from '../../wasm/component/wat.js';
import { findTool } from '../tools.js';
import { isComponentFile, serveArgs, WasmtimeAdapter } from './adapter.js';

const required = process.env['FAASBENCH_REQUIRE_EXTERNAL'] === '1';
const found = findTool('wasmtime');
const tmp = mkdtempSync(join(tmpdir(), 'faasbench-wasmtime-test-'));
const adapters: WasmtimeAdapter[] = [];
afterAll(async () => {
  await Promise.all(adapters.map((a) => a.dispose()));
  rmSync(tmp, { recursive: true, force: true });
});

const hello = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
const get = hello.requests.find((r) => r.size === 'test')!;

const alive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

describe('wasmtime adapter, without the binary', () => {
  it('tells components from core modules by their header', async () => {
    const component = join(tmp, 'c.wasm');
    writeFileSync(component, await helloComponent());
    expect(isComponentFile(component)).toBe(true);
    expect(isComponentFile(hello.variantPaths.wasm!)).toBe(false);
  });

  it('states the pooling allocator either way on the serve command line', () => {
    expect(serveArgs('/x.wasm', 8080, true)).toEqual(
      expect.arrayContaining(['--addr', '127.0.0.1:8080', '-O', 'pooling-allocator=y', '/x.wasm']),
    );
    expect(serveArgs('/x.wasm', 8080, false)).toContain('pooling-allocator=n');
  });
});

describe.skipIf(!found.ok && !required)('wasmtime adapter against the real wasmtime', () => {
  it('is installed (scripts/test.sh installs it)', async () => {
    expect(found.ok, found.ok ? '' : found.reason).toBe(true);
    const a = new WasmtimeAdapter();
    adapters.push(a);
    expect(await a.available()).toMatchObject({ ok: true });
    expect(await a.describeVersions()).toMatchObject({ version: expect.stringMatching(/^\d+\./), pooling: 'on' });
  });

  it.each(['echo', 'sha256'])(
    "wasmtime serve answers %s's component-c variant (the C source behind the WAGI bridge) as the manifest says",
    async (name) => {
      const w = loadWorkload(join(builtinWorkloadsDir(), name));
      const a = new WasmtimeAdapter();
      adapters.push(a);
      const { instance } = await a.start(await a.prepare(w, 'component-c'));
      for (const r of w.requests.filter((q) => q.size === 'test'))
        expect(checkResponse(r.expect, (await a.invoke(instance, r)).response), r.name).toEqual({ ok: true });
      await a.stop(instance);
    },
  );

  it.each([true, false])(
    "wasmtime serve (pooling %s) answers hello's component as the manifest says, then stops",
    async (pooling) => {
      const file = join(tmp, `hello-${pooling}.wasm`);
      writeFileSync(file, await helloComponent());
      const w: LoadedWorkload = { ...hello, variantPaths: { ...hello.variantPaths, component: file } };
      const a = new WasmtimeAdapter({ pooling });
      adapters.push(a);
      const { instance, phases } = await a.start(await a.prepare(w, 'component'));
      expect(phases.map((p) => p.phase)).toEqual(['spawn', 'ready']);
      for (let i = 0; i < 3; i++)
        expect(checkResponse(get.expect, (await a.invoke(instance, get)).response)).toEqual({ ok: true });
      expect((await a.usage(instance)).rssBytes).toBeGreaterThan(1 << 20);
      const pid = (instance.data as { server: { pid: number } }).server.pid;
      await a.stop(instance);
      expect(alive(pid)).toBe(false);
    },
  );

  it('a component given as the wasm artifact (run --wasm) is served by wasmtime serve', async () => {
    const file = join(tmp, 'bare.wasm');
    writeFileSync(file, await helloComponent());
    const a = new WasmtimeAdapter();
    adapters.push(a);
    const d = await a.prepare({ ...hello, variantPaths: { wasm: file } }, 'wasm');
    expect((d.data as { kind?: string }).kind).toBe('serve');
    const { instance } = await a.start(d);
    expect(checkResponse(get.expect, (await a.invoke(instance, get)).response)).toEqual({ ok: true });
    await a.stop(instance);
  });

  it('a preview1 module goes through wasmtime run per request (CGI front)', async () => {
    const a = new WasmtimeAdapter();
    adapters.push(a);
    const { instance, phases } = await a.start(await a.prepare(hello, 'wasm'));
    expect(phases.map((p) => p.phase)).toEqual(['compile', 'spawn', 'ready']);
    const res = await a.invoke(instance, get);
    expect(checkResponse(get.expect, res.response)).toEqual({ ok: true });
    expect(res.phases.map((p) => p.phase)).toEqual(['spawn', 'process']);
    await a.stop(instance);
  });
});
