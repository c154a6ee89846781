// Owned server processes: each readiness kind, start failures with the server's own
// words, stop() ending the whole process group, and the sweep after a harness killed
// with SIGKILL (its servers are ended by the next start; a live owner's are left).

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { freePort, startServer, sweepOrphanedServers, type Server } from './supervise.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const alive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

/** A node one-liner HTTP server on PORT that prints `up` after `delayMs`. */
const httpServer = (port: number, delayMs = 0): string[] => [
  '-e',
  `setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', () => console.log('up on ${port}')), ${delayMs})`,
];

describe('startServer', () => {
  it.each([
    ['port', { kind: 'port' as const }],
    ['http', { kind: 'http' as const, path: '/' }],
    ['log', { kind: 'log' as const, pattern: '^up on \\d+' }],
  ])('waits for readiness by %s, then stop() ends the process', async (_name, ready) => {
    const port = await freePort();
    const { server, phases } = await startServer({
      command: process.execPath,
      args: httpServer(port, 50),
      port,
      ready,
      startDeadlineMs: 10_000,
    });
    servers.push(server);
    expect(phases.map((p) => p.phase)).toEqual(['spawn', 'ready']);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('ok');
    // Labelled with its owner.
    expect(readFileSync(`/proc/${server.pid}/environ`, 'latin1')).toContain(`FAASBENCH_EXTERNAL_OWNER=${process.pid}`);
    await server.stop();
    expect(alive(server.pid)).toBe(false);
  });

  it('a server that exits at start is an error carrying its output', async () => {
    await expect(
      startServer({
        command: process.execPath,
        args: ['-e', 'console.error("bad config line 3"); process.exit(3)'],
        port: 1,
        ready: { kind: 'port' },
        startDeadlineMs: 10_000,
      }),
    ).rejects.toThrow(/exited at start with code 3.*bad config line 3/s);
  });

  // No wall-clock bound here: the reason names the deadline, and a start that hung past it
  // would end at this test's own timeout instead.
  it('a server never ready is stopped at the deadline, with the reason', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const marker = `never-ready-${process.pid}-${Date.now()}`;
    await expect(
      startServer({
        command: process.execPath,
        args: ['-e', `setInterval(() => {}, 1000); // ${marker}`],
        port,
        ready: { kind: 'port' },
        startDeadlineMs: 500,
      }),
    ).rejects.toThrow(/not ready within 500 ms \(port \d+ accepting\)/);
    // And it was stopped: no process with its command line is left (given a moment to be reaped).
    const alive = () =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .some((d) => {
          try {
            return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker);
          } catch {
            return false;
          }
        });
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive()).toBe(false);
  });

  it('a missing command is a one-line error', async () => {
    await expect(
      startServer({
        command: '/nonexistent/wasm-runtime',
        args: [],
        port: 1,
        ready: { kind: 'port' },
        startDeadlineMs: 1000,
      }),
    ).rejects.toThrow(/nonexistent\/wasm-runtime: spawn .*ENOENT/);
  });

  it('a missing command signals nothing: no pid means no kill (kill(1), then kill(-1): every process of the user)', async () => {
    // Mocked, so that the code before this fix, which did exactly that, is harmless under test.
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    try {
      await expect(
        startServer({
          command: '/nonexistent/command-server',
          args: ['{port}'],
          port: 1,
          ready: { kind: 'port' },
          startDeadlineMs: 1000,
        }),
      ).rejects.toThrow(/ENOENT/);
      expect(kill.mock.calls).toEqual([]);
    } finally {
      kill.mockRestore();
    }
  });
});

describe('sweepOrphanedServers', () => {
  it('after a kill -9 of the harness its servers are ended by the next sweep; a live harness keeps its own', async () => {
    const port = await freePort();
    const script = `
      const { startServer } = await import('./runtimes/external/supervise.ts');
      const { server } = await startServer({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000); console.log("up")'], port: ${port}, ready: { kind: 'log', pattern: '^up' }, startDeadlineMs: 10000 });
      process.stdout.write(server.pid + '\\n');
      setInterval(() => {}, 1000);`;
    const root = join(import.meta.dirname, '..', '..');
    const harness = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      harness.stdout.on('data', (b: Buffer) => {
        out += b;
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      harness.once('exit', () => reject(new Error(`harness exited early: ${out}`)));
    });
    // Ours, alive: a sweep leaves it (its owner runs).
    const mine = await startServer({
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000); console.log("up")'],
      port: 1,
      ready: { kind: 'log', pattern: '^up' },
      startDeadlineMs: 10_000,
    });
    servers.push(mine.server);
    expect(sweepOrphanedServers()).not.toContain(pid);
    harness.kill('SIGKILL');
    await new Promise((r) => harness.once('exit', r));
    expect(alive(pid)).toBe(true);
    expect(sweepOrphanedServers()).toContain(pid);
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive(pid)).toBe(false);
    expect(alive(mine.server.pid)).toBe(true);
  });
});
