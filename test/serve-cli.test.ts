// `faasbench serve` as users run it: the real CLI in its own process. Refusals at
// start are one sentence and exit 2; apps from --app and --apps answer on one
// listener; SIGTERM while requests are in flight lets them finish and the process
// exits 0 within 2 s. Every child is killed in teardown whatever happened.

import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './cli-helpers.js';

const HELLO = join(REPO_ROOT, 'workloads/hello/build/hello.wasm');
const SLEEP = join(REPO_ROOT, 'workloads/sleep/build/sleep.wasm');
const children: ChildProcess[] = [];
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'faasbench-serve-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `faasbench serve ARGS` and resolves with its URL once it prints its listening line. */
function serve(args: string[]): Promise<{
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--disable-wasm-trap-handler',
      fileURLToPath(new URL('./cli-entry.ts', import.meta.url)),
      'serve',
      ...args,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal, at: Date.now() })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within 30 s; stderr: ${stderr}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stderr: () => stderr, exited });
      }
    });
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${e.code ?? e.signal}) before listening: ${stderr}`));
    });
  });
}

describe('faasbench serve (CLI)', () => {
  it('refuses duplicate app names, no apps, a bad name and an invalid module: one sentence, exit 2', async () => {
    const dup = await runCli(
      ['serve', '--app', `hello=${HELLO}`, '--app', `hello=${SLEEP}`, '--listen', '127.0.0.1:0'],
      { timeoutMs: 60_000 },
    );
    expect(dup.code).toBe(2);
    expect(dup.stderr).toBe(
      `faasbench: two apps are named hello (--app hello=${HELLO} and --app hello=${SLEEP}): app names must be unique\n`,
    );

    const appsDir = join(dir, 'dup');
    rmSync(appsDir, { recursive: true, force: true });
    mkdirSync(appsDir);
    copyFileSync(HELLO, join(appsDir, 'hello.wasm'));
    const dirDup = await runCli(['serve', '--app', `hello=${HELLO}`, '--apps', appsDir, '--listen', '127.0.0.1:0'], {
      timeoutMs: 60_000,
    });
    expect([dirDup.code, dirDup.stderr]).toEqual([
      2,
      `faasbench: two apps are named hello (--app hello=${HELLO} and --apps ${appsDir}): app names must be unique\n`,
    ]);

    const none = await runCli(['serve', '--listen', '127.0.0.1:0'], { timeoutMs: 60_000 });
    expect([none.code, none.stderr]).toEqual([2, 'faasbench: no apps to serve: give --app NAME=PATH or --apps DIR\n']);

    const badName = await runCli(['serve', '--app', `Hello=${HELLO}`], { timeoutMs: 60_000 });
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/^faasbench: --app Hello=.*: app name "Hello" is not valid: .*\n$/);

    const junk = join(dir, 'junk.wasm');
    writeFileSync(junk, 'not wasm at all');
    const invalid = await runCli(['serve', '--app', `junk=${junk}`, '--listen', '127.0.0.1:0'], { timeoutMs: 60_000 });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toBe(`faasbench: app junk: ${junk}: not a WebAssembly module (no \\0asm magic number)\n`);
  }, 120_000);

  it('serves --app and --apps on one listener; SIGTERM under load: running requests finish, exit 0 within 2 s', async () => {
    const appsDir = join(dir, 'apps');
    mkdirSync(appsDir, { recursive: true });
    copyFileSync(SLEEP, join(appsDir, 'sleep.wasm'));
    copyFileSync(HELLO, join(appsDir, 'greet.wasm'));
    const s = await serve(['--app', `hello=${HELLO}`, '--apps', appsDir, '--listen', '127.0.0.1:0', '--threads', '2']);
    const health = await (await fetch(`${s.url}/.faasbench/health`)).json();
    expect(health).toMatchObject({ status: 'ok', apps: 3 });
    for (const app of ['hello', 'greet'])
      expect(await (await fetch(`${s.url}/${app}/`)).text()).toBe('Hello from faasbench\n');
    expect((await fetch(`${s.url}/missing/`)).status).toBe(404);

    // Requests in flight (each sleeps 500 ms in its guest) when SIGTERM arrives.
    const inFlight = Array.from({ length: 2 }, () =>
      fetch(`${s.url}/sleep/?ms=500`).then(async (r) => [r.status, await r.text()]),
    );
    await new Promise((r) => setTimeout(r, 150));
    const signalled = Date.now();
    s.child.kill('SIGTERM');
    const exit = await Promise.race([
      s.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('serve did not exit within 10 s of SIGTERM')), 10_000),
      ),
    ]);
    expect(await Promise.all(inFlight)).toEqual([
      [200, 'slept 500 ms\n'],
      [200, 'slept 500 ms\n'],
    ]);
    expect(exit.code).toBe(0);
    expect(exit.at - signalled).toBeLessThan(2000);
    expect(s.stderr()).toMatch(/SIGTERM: shutting down[\s\S]*stopped \(2 running request\(s\) finished\)/);
  }, 60_000);

  it('Ctrl-C delivered twice at once (terminal group + bin wrapper) is still one graceful shutdown', async () => {
    const s = await serve(['--app', `sleep=${SLEEP}`, '--listen', '127.0.0.1:0', '--threads', '1']);
    const slow = fetch(`${s.url}/sleep/?ms=400`).then(async (r) => [r.status, await r.text()]);
    await new Promise((r) => setTimeout(r, 150));
    s.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    s.child.kill('SIGINT');
    const exit = await Promise.race([
      s.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('serve did not exit within 10 s')), 10_000)),
    ]);
    expect(await slow).toEqual([200, 'slept 400 ms\n']);
    expect(exit.code).toBe(0);
  }, 60_000);
});
