// The process-per-request runtimes (wazero, and wasmtime's preview1 half) against the
// real binaries: the built-in workloads answer every manifest request correctly through
// the CGI front, a guest past its deadline is a 504 and the app goes on serving, a
// trap is a 500 with the reason, and stop() ends the front.
//
// The binaries come from runtimes/external/install/*.sh. scripts/test.sh installs
// them and sets FAASBENCH_REQUIRE_EXTERNAL=1: there a missing binary fails these tests
// with the install error's pointer; elsewhere they are skipped, saying why.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkResponse } from '../../../harness/verify.js';
import { builtinWorkloadsDir, loadWorkload, type LoadedWorkload } from '../../../model/workload.js';
import { cgiGuest } from '../../../test/wasm-fixtures.js';
import { findTool, type ToolName } from '../tools.js';
import { CgiRuntimeAdapter } from './adapter.js';

const required = process.env['FAASBENCH_REQUIRE_EXTERNAL'] === '1';
const tmp = mkdtempSync(join(tmpdir(), 'faasbench-cgi-test-'));
const adapters: CgiRuntimeAdapter[] = [];
afterAll(async () => {
  await Promise.all(adapters.map((a) => a.dispose()));
  rmSync(tmp, { recursive: true, force: true });
});

const alive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

/** A one-module workload around a hand-built guest (bare WAGI module, as `run --wasm` makes them). */
function bareWorkload(name: string, bytes: Uint8Array): LoadedWorkload {
  const file = join(tmp, `${name}.wasm`);
  writeFileSync(file, bytes);
  const hello = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
  return { ...hello, name, dir: tmp, variantPaths: { wasm: file } };
}

for (const tool of ['wazero', 'wasmtime'] as ToolName[]) {
  const found = findTool(tool);
  const missing = found.ok ? null : found.reason;
  describe.skipIf(missing !== null && !required)(`${tool} (process per request behind the CGI front)`, () => {
    it('is installed (scripts/test.sh installs it)', async () => {
      const a = new CgiRuntimeAdapter(tool);
      adapters.push(a);
      expect(missing, missing ?? '').toBeNull();
      expect(await a.available()).toMatchObject({ ok: true });
      const env = await a.describeVersions();
      expect(env['version']).toMatch(/^\d+\.\d+\.\d+/);
    });

    it.each(['hello', 'echo', 'json'])(
      'serves %s: every test-size manifest request answered as the manifest says',
      async (name) => {
        const w = loadWorkload(join(builtinWorkloadsDir(), name));
        const a = new CgiRuntimeAdapter(tool);
        adapters.push(a);
        const { instance, phases } = await a.start(await a.prepare(w, 'wasm'));
        expect(phases.map((p) => p.phase)).toEqual(['compile', 'spawn', 'ready']);
        const requests = w.requests.filter((r) => r.size === 'test');
        expect(requests.length).toBeGreaterThan(0);
        for (const r of requests) {
          const res = await a.invoke(instance, r);
          expect(checkResponse(r.expect, res.response), `${name} ${r.name}`).toEqual({ ok: true });
          // The front's own view of the per-request cold start.
          expect(res.phases.map((p) => p.phase)).toEqual(['spawn', 'process']);
        }
        const { server } = instance.data as { server: { pid: number } };
        expect((await a.usage(instance)).rssBytes).toBeGreaterThan(1 << 20);
        await a.stop(instance);
        expect(alive(server.pid)).toBe(false);
      },
    );

    it('a guest past its deadline is killed and answered 504; a trap is a 500; the app keeps serving', async () => {
      const a = new CgiRuntimeAdapter(tool, { deadlineMs: 1500 });
      adapters.push(a);
      const loop = await a.start(
        await a.prepare(bareWorkload(`loop-${tool}`, cgiGuest('never', { kind: 'loop' })), 'wasm'),
      );
      const get = { method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() };
      const stuck = await a.invoke(loop.instance, get);
      expect(stuck.response.status).toBe(504);
      expect(Buffer.from(stuck.response.body).toString()).toMatch(/timed out after 1500 ms/);
      const trap = await a.start(
        await a.prepare(bareWorkload(`trap-${tool}`, cgiGuest('half', { kind: 'trap' })), 'wasm'),
      );
      const trapped = await a.invoke(trap.instance, get);
      expect(trapped.response.status).toBe(500);
      expect(Buffer.from(trapped.response.body).toString()).toMatch(/exited with code|unreachable/);
      const ok = await a.start(await a.prepare(bareWorkload(`ok-${tool}`, cgiGuest('fine')), 'wasm'));
      const answered = await a.invoke(ok.instance, get);
      expect(answered.response.status).toBe(200);
      expect(Buffer.from(answered.response.body).toString()).toBe('fine');
      // The looping app serves again after its 504 (the stuck process is gone).
      expect((await a.invoke(loop.instance, get)).response.status).toBe(504);
    });

    it('refuses a variant it cannot run, with the reason', async () => {
      const a = new CgiRuntimeAdapter(tool);
      adapters.push(a);
      const w = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
      await expect(a.prepare(w, 'node')).rejects.toThrow(/runs wasm/);
    });
  });
}
