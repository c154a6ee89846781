import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkResponse } from '../../harness/verify.js';
import { builtinWorkloadsDir, loadWorkload, type LoadedWorkload } from '../../harness/workloads.js';
import { ProcessAdapter } from './adapter.js';

const hello = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
const get = hello.requests[0]!;
const tmp = mkdtempSync(join(tmpdir(), 'faasbench-process-'));
const adapters: ProcessAdapter[] = [];
afterAll(async () => {
  await Promise.all(adapters.map((a) => a.dispose()));
  rmSync(tmp, { recursive: true, force: true });
});
function adapter(...args: ConstructorParameters<typeof ProcessAdapter>): ProcessAdapter {
  const a = new ProcessAdapter(...args);
  adapters.push(a);
  return a;
}
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

describe('process adapter', () => {
  const cases: Array<[string, 'node' | 'native', 'httpd' | 'cgi']> = [['node', 'node', 'httpd'], ['native via busybox httpd', 'native', 'httpd'], ['native, CGI per request', 'native', 'cgi']];
  it.each(cases.filter(([, v]) => hello.variantPaths[v]))('cold-starts hello %s and it answers correctly', async (_name, variant, nativeMode) => {
    const a = adapter({ nativeMode });
    const d = await a.prepare(hello, variant);
    const { instance, phases } = await a.start(d);
    expect(phases.map((p) => p.phase)).toEqual(nativeMode === 'cgi' && variant === 'native' ? [] : ['spawn', 'ready']);
    for (let i = 0; i < 2; i++) expect(checkResponse(get.expect, (await a.invoke(instance, get)).response)).toEqual({ ok: true });
    const pid = (instance.data as { child: { pid: number } | null }).child?.pid;
    if (pid) {
      expect((await a.usage(instance)).rssBytes).toBeGreaterThan(1 << 20);
      expect(instance.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    await a.stop(instance);
    if (pid) expect(alive(pid)).toBe(false);
  });

  it('a handler that fails to load is a start failure with its stderr', async () => {
    const dir = join(tmp, 'broken');
    writeFileSync(join(tmp, 'broken.mjs'), 'export const notDefault = 1;\n');
    const w: LoadedWorkload = { ...hello, name: 'broken', dir, variantPaths: { node: join(tmp, 'broken.mjs') } };
    const a = adapter();
    await expect(a.start(await a.prepare(w, 'node'))).rejects.toThrow(/exited at start with code 2 .*must export a default function/s);
  });

  it('dispose kills every live instance', async () => {
    const a = adapter();
    const d = await a.prepare(hello, 'node');
    const pids = [];
    for (let i = 0; i < 2; i++) pids.push((( await a.start(d)).instance.data as { child: { pid: number } }).child.pid);
    expect(pids.every(alive)).toBe(true);
    await a.dispose();
    expect(pids.some(alive)).toBe(false);
  });
});
