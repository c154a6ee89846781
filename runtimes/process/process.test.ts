import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkResponse } from '../../harness/verify.js';
import { builtinWorkloadsDir, loadWorkload, type LoadedWorkload } from '../../model/workload.js';
import { spawn } from 'node:child_process';
import { ProcessAdapter, sweepOrphanedHttpd } from './adapter.js';

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
/** Running (a zombie waiting for pid 1 to reap it counts as gone). */
const alive = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

describe('process adapter', () => {
  const cases: Array<[string, 'node' | 'native', 'httpd' | 'cgi']> = [
    ['node', 'node', 'httpd'],
    ['native via busybox httpd', 'native', 'httpd'],
    ['native, CGI per request', 'native', 'cgi'],
  ];
  it.each(cases.filter(([, v]) => hello.variantPaths[v]))(
    'cold-starts hello %s and it answers correctly',
    async (_name, variant, nativeMode) => {
      const a = adapter({ nativeMode });
      const d = await a.prepare(hello, variant);
      const { instance, phases } = await a.start(d);
      expect(phases.map((p) => p.phase)).toEqual(
        nativeMode === 'cgi' && variant === 'native' ? [] : ['spawn', 'ready'],
      );
      for (let i = 0; i < 2; i++)
        expect(checkResponse(get.expect, (await a.invoke(instance, get)).response)).toEqual({ ok: true });
      const pid = instance.data.child?.pid;
      if (pid) {
        expect((await a.usage(instance)).rssBytes).toBeGreaterThan(1 << 20);
        expect(instance.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      }
      await a.stop(instance);
      if (pid) expect(alive(pid)).toBe(false);
    },
  );

  it('a handler that fails to load is a start failure with its stderr', async () => {
    const dir = join(tmp, 'broken');
    writeFileSync(join(tmp, 'broken.mjs'), 'export const notDefault = 1;\n');
    const w: LoadedWorkload = { ...hello, name: 'broken', dir, variantPaths: { node: join(tmp, 'broken.mjs') } };
    const a = adapter();
    await expect(a.start(await a.prepare(w, 'node'))).rejects.toThrow(
      /exited at start with code 2 .*must export a default function/s,
    );
  });

  it('after a kill -9 of the harness, node servers end themselves and the next start ends orphaned httpd servers', async () => {
    const script = `
      const { ProcessAdapter } = await import('./runtimes/process/adapter.ts');
      const { loadWorkload } = await import('./model/workload.ts');
      const w = loadWorkload('workloads/hello');
      const a = new ProcessAdapter();
      const pids = [];
      for (const v of ['node', 'native']) if (w.variantPaths[v]) pids.push((await a.start(await a.prepare(w, v))).instance.data.child.pid);
      process.stdout.write(JSON.stringify(pids) + '\\n');
      setInterval(() => {}, 1000);`;
    const root = join(import.meta.dirname, '..', '..');
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pids = await new Promise<number[]>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b;
        if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
      });
      child.once('exit', () => reject(new Error(`harness exited early: ${out}`)));
    });
    child.kill('SIGKILL');
    const [nodePid, httpdPid] = pids;
    for (let i = 0; i < 50 && alive(nodePid!); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(nodePid!)).toBe(false);
    if (httpdPid) {
      expect(alive(httpdPid)).toBe(true);
      expect(sweepOrphanedHttpd()).toContain(httpdPid);
      await new Promise((r) => setTimeout(r, 200));
      expect(alive(httpdPid)).toBe(false);
    }
  });

  it('dispose kills every live instance', async () => {
    const a = adapter();
    const d = await a.prepare(hello, 'node');
    const pids = [];
    for (let i = 0; i < 2; i++) pids.push((await a.start(d)).instance.data.child!.pid!);
    expect(pids.every(alive)).toBe(true);
    await a.dispose();
    expect(pids.some(alive)).toBe(false);
  });
});
