// The `wasm` runtime as the harness drives it: `faasbench serve` in its own process.
// Apps deploy into it over IPC and answer on one listener under /aN; stop undeploys;
// usage comes from /proc of the serve process; a dead serve process is respawned by the
// next start; dispose ends it; and it ends itself when the harness dies (even SIGKILL).

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinWorkloadsDir, loadWorkload } from '../../model/workload.js';
import { checkResponse } from '../../harness/verify.js';
import { referenceWasmAdapter } from './adapter.js';
import { nodeWasiAdapter } from './node-wasi-adapter.js';
import type { ServedWasmAdapter } from './served-adapter.js';

const hello = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
const echo = loadWorkload(join(builtinWorkloadsDir(), 'echo'));
const GET = { method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() };
const adapters: ServedWasmAdapter[] = [];
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.dispose()));
});

const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
async function waitGone(pid: number, ms: number): Promise<boolean> {
  for (let t = 0; t < ms; t += 50) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

describe('served wasm adapter', () => {
  it('runs apps in a separate serve process on one listener; stop undeploys; dispose ends the process', async () => {
    const a = referenceWasmAdapter({ threads: 1 });
    adapters.push(a);
    const d = await a.prepare(echo, 'wasm');
    const pid = a.pid()!;
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toMatch(/serve\/child\.(ts|js)/);

    const one = await a.start(d);
    const two = await a.start(d);
    expect(one.phases.map((p) => p.phase)).toEqual(['compile', 'deploy']);
    expect(one.instance.url).toBe(two.instance.url);
    expect(one.instance.pathPrefix).not.toBe(two.instance.pathPrefix);
    for (const { instance } of [one, two]) {
      for (const request of echo.requests) {
        const res = await a.invoke(instance, request);
        expect(checkResponse(request.expect, res.response), request.name).toEqual({ ok: true });
        expect(res.phases.map((p) => p.phase)).toEqual(['instantiate', 'run', 'dispatch']);
      }
    }
    const u = await a.usage(one.instance);
    expect(u.rssBytes).toBeGreaterThanOrEqual(0);

    await a.stop(one.instance);
    const after = await fetch(`${one.instance.url}${one.instance.pathPrefix}/`);
    expect(after.status).toBe(404);
    expect((await a.invoke(two.instance, GET)).response.status).toBe(200);

    await a.dispose();
    expect(await waitGone(pid, 5000)).toBe(true);
  });

  it('a serve process that died is replaced by the next start (phase spawn); the old apps are gone with it', async () => {
    const a = referenceWasmAdapter({ threads: 1 });
    adapters.push(a);
    const d = await a.prepare(hello, 'wasm');
    const first = await a.start(d);
    const pid = a.pid()!;
    process.kill(pid, 'SIGKILL');
    // At once: the kill may not have been reported yet (the deploy then meets a closed channel).
    const again = await a.start(d);
    expect(await waitGone(pid, 5000)).toBe(true);
    await expect(a.invoke(first.instance, GET)).rejects.toThrow();
    expect(again.phases[0]!.phase).toBe('spawn');
    expect(a.pid()).not.toBe(pid);
    expect((await a.invoke(again.instance, GET)).response.status).toBe(200);
  });

  it('the serve process ends itself when the harness process is killed', async () => {
    const script = `
      const { referenceWasmAdapter } = await import(${JSON.stringify(new URL('./adapter.ts', import.meta.url).href)});
      const { loadWorkload, builtinWorkloadsDir } = await import(${JSON.stringify(new URL('../../model/workload.ts', import.meta.url).href)});
      const a = referenceWasmAdapter({ threads: 1 });
      await a.prepare(loadWorkload(builtinWorkloadsDir() + '/hello'), 'wasm');
      process.stdout.write(String(a.pid()) + '\\n');
      setInterval(() => {}, 1000);
    `;
    const harness = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        let out = '';
        let err = '';
        harness.stderr!.on('data', (c: Buffer) => (err += c));
        harness.stdout!.on('data', (c: Buffer) => {
          out += c;
          if (out.includes('\n')) resolve(Number(out.trim()));
        });
        harness.on('exit', (code) => reject(new Error(`harness exited (${code}): ${err}`)));
        setTimeout(() => reject(new Error(`no pid within 30 s: ${err}`)), 30_000);
      });
      expect(alive(pid)).toBe(true);
      harness.kill('SIGKILL');
      expect(await waitGone(pid, 5000)).toBe(true);
    } finally {
      harness.kill('SIGKILL');
    }
  }, 60_000);

  it('node:wasi is measured on the same footing: its own serve process', async () => {
    const a = nodeWasiAdapter();
    adapters.push(a);
    const d = await a.prepare(hello, 'wasm');
    expect(a.pid()).not.toBe(process.pid);
    const { instance } = await a.start(d);
    const r = await a.invoke(instance, GET);
    expect([r.response.status, Buffer.from(r.response.body).toString()]).toEqual([200, 'Hello from faasbench\n']);
    expect((await a.describeVersions()).executor).toBe('node:wasi');
  });
});
