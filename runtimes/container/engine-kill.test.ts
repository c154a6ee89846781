// The engine killed midway through a run: the results so far are kept (the file
// stays valid, later samples are recorded failures), and the run's containers are
// removed at the next start once the engine is back. Uses a second, private Docker
// engine (own socket, data and exec roots) so the shared one is never disturbed.
// Run it with: FAASBENCH_ENGINE_KILL_TEST=1 npx vitest run runtimes/container/engine-kill.test.ts

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults } from '../../harness/results/reader.js';
import { ContainerAdapter } from './adapter.js';
import { connectEngine, engineStatus } from './engine.js';

const DOCKERD = '/usr/sbin/dockerd';
// Opt-in (FAASBENCH_ENGINE_KILL_TEST=1): a second engine is heavy on a shared 2-core machine
// and under load its restart sometimes times out waiting for its managed containerd: known flaky.
const runnable = process.env.FAASBENCH_ENGINE_KILL_TEST === '1' && process.getuid?.() === 0 && existsSync(DOCKERD) && (await engineStatus(connectEngine())).availability.ok;
const root = join(import.meta.dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startEngine(dir: string): ChildProcess {
  const log = openSync(join(dir, 'dockerd.log'), 'a');
  return spawn(DOCKERD, [
    '-H', `unix://${dir}/d.sock`, '--data-root', `${dir}/data`, '--exec-root', `${dir}/exec`, '--pidfile', `${dir}/d.pid`,
    '--bridge=none', '--iptables=false', '--ip-forward=false', '--ip-masq=false',
  ], { stdio: ['ignore', log, log] });
}

async function until(what: string, f: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe.skipIf(!runnable)('engine killed midway through a run', () => {
  it('keeps the results so far and cleans the containers up at the next start', async () => {
    const dir = mkdtempSync('/tmp/fbeng-');
    const sock = join(dir, 'd.sock');
    const out = join(dir, 'results');
    const up = async () => (await engineStatus(connectEngine({ socketPath: sock }), 2_000)).availability.ok;
    let engine: ChildProcess | null = startEngine(dir);
    let run: ChildProcess | null = null;
    try {
      await until('the private engine', up, 30_000);
      run = spawn(process.execPath, [
        '--import', 'tsx', '-e', "const {main}=await import('./harness/cli.ts'); await main(['node','faasbench',...process.argv.slice(1)])",
        'run', '--runtime', 'container', '--workload', 'hello', '--variant', 'native', '-n', '40', '--warmup', '0', '-o', out, '-q', '--no-report',
      ], { cwd: root, stdio: 'ignore', env: { ...process.env, FAASBENCH_DOCKER_SOCKET: sock } });
      const runExit = new Promise((r) => run!.once('exit', r));
      const pid = run.pid!;
      const okSamples = () => {
        if (!existsSync(out)) return 0;
        const f = readdirSync(out).find((n) => n.endsWith('.jsonl'));
        return f ? (readFileSync(join(out, f), 'utf8').match(/"type":"sample".*"phase":"total".*"ok":true/g) ?? []).length : 0;
      };
      await until('two correct samples', () => okSamples() >= 2 || run!.exitCode !== null, 60_000);
      engine.kill('SIGKILL');
      await new Promise((r) => engine!.once('exit', r));
      engine = null;
      await Promise.race([runExit, sleep(20_000)]);
      expect(run.exitCode).not.toBeNull();

      const [results] = readResults(join(out, readdirSync(out).find((n) => n.endsWith('.jsonl'))!));
      const totals = results!.samples.filter((s) => s.phase === 'total');
      expect(totals.filter((s) => s.ok).length).toBeGreaterThanOrEqual(2);
      expect(totals.some((s) => !s.ok && /socket|ECONNREFUSED|ENOENT|hang up|connect/i.test(s.error ?? ''))).toBe(true);

      // Engine back: the dead run's containers are swept by the next start.
      engine = startEngine(dir);
      await until('the restarted engine', up, 30_000);
      const a = new ContainerAdapter({ socketPath: sock });
      expect((await a.available()).ok).toBe(true);
      const left = await a.engine.docker.listContainers({ all: true, filters: { label: [`faasbench.pid=${pid}`] } });
      expect(left).toEqual([]);
      await a.dispose();
    } catch (e) {
      const log = existsSync(join(dir, 'dockerd.log')) ? readFileSync(join(dir, 'dockerd.log'), 'utf8').trim().split('\n').slice(-8).join('\n') : '';
      throw new Error(`${(e as Error).message}\nprivate dockerd log:\n${log}`);
    } finally {
      if (run && run.exitCode === null) run.kill('SIGKILL');
      if (engine) {
        // Remove the private engine's containers first, so no shim outlives it.
        const d = connectEngine({ socketPath: sock, timeoutMs: 10_000 }).docker;
        const all = await d.listContainers({ all: true }).catch(() => []);
        await Promise.all(all.map((c) => d.getContainer(c.Id).remove({ force: true }).catch(() => {})));
        engine.kill('SIGTERM');
        const gone = new Promise((r) => engine!.once('exit', r));
        await Promise.race([gone, sleep(10_000)]);
        if (engine.exitCode === null && engine.signalCode === null) {
          engine.kill('SIGKILL');
          await gone;
        }
      }
      // dockerd leaves its data-root and netns mounts behind: unmount before removing.
      const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(dir));
      for (const m of mounts.sort().reverse()) await new Promise((r) => spawn('umount', ['-l', m], { stdio: 'ignore' }).once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 170_000);
});
