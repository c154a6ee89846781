// faasbench's own WASI test programs (test/wasi/programs/*.c, built by
// scripts/build-wasi-tests.ts): the filesystem, poll_oneoff, sandbox escapes and
// out-of-bounds pointers, on host-directory and in-memory preopens.

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WasiExit, WasiHost, type PreopenSpec } from '../../runtimes/wasm/wasi/host.js';

const PROGRAMS = join(dirname(fileURLToPath(import.meta.url)), 'programs');
const modules = new Map<string, WebAssembly.Module>();
function program(name: string): WebAssembly.Module {
  let m = modules.get(name);
  if (!m) {
    m = new WebAssembly.Module(readFileSync(join(PROGRAMS, `${name}.wasm`)));
    modules.set(name, m);
  }
  return m;
}

const host = new WasiHost();
interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: unknown;
}

function run(name: string, args: string[], preopens: PreopenSpec[], stdin = ''): Outcome {
  host.begin({
    args: [name, ...args],
    env: [],
    stdin: Buffer.from(stdin),
    stdoutLimit: 1 << 20,
    stderrLimit: 1 << 20,
    preopens,
  });
  let code: number | null = 0;
  let error: unknown;
  try {
    const instance = new WebAssembly.Instance(program(name), host.imports);
    host.attach(instance.exports['memory'] as WebAssembly.Memory);
    (instance.exports['_start'] as () => void)();
  } catch (e) {
    if (e instanceof WasiExit) code = e.code;
    else {
      code = null;
      error = e;
    }
  }
  const out = host.finish();
  return {
    code,
    stdout: Buffer.from(out.stdout).toString(),
    stderr: Buffer.from(out.stderr).toString(),
    ...(error ? { error } : {}),
  };
}

const exactTimesHint =
  'exact host-directory times need the utimensat addon: bash runtimes/wasm/wasi/native/build.sh (scripts/test.sh runs it)';

const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'faasbench-wasi-prog-'));
  temps.push(d);
  return d;
}
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** parent/outside.txt next to the preopened parent/root, which holds inside.txt and sub/. */
function sandboxTree(): { parent: string; root: string } {
  const parent = tempDir();
  const root = join(parent, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(parent, 'outside.txt'), 'secret');
  writeFileSync(join(root, 'inside.txt'), 'inside');
  return { parent, root };
}

describe('fs_ops: filesystem calls through wasi-libc', () => {
  it('passes on a host directory preopened as /', () => {
    const root = tempDir();
    const r = run('fs_ops', ['/'], [{ guestPath: '/', hostDir: root }]);
    expect(r.stdout).toMatch(/^fs_ops: \d+ checks passed\n$/);
    expect(r.code).toBe(0);
    expect(readdirSync(root)).toEqual([]); // the program cleans up after itself
  });

  it('passes on a private in-memory /tmp', () => {
    const r = run('fs_ops', ['/tmp'], [{ guestPath: '/tmp', memfs: true }]);
    expect(r.stdout).toMatch(/^fs_ops: \d+ checks passed\n$/);
    expect(r.code).toBe(0);
  });

  it('memfs is private to the run: nothing survives into the next one', () => {
    host.begin({ args: ['x'], env: [], stdin: new Uint8Array(0), stdoutLimit: 1, stderrLimit: 1, memfs: '/tmp' });
    const t = host.table();
    const fs = t.get(3)!.backend!;
    fs.mkdir('left-behind');
    host.finish();
    host.begin({ args: ['x'], env: [], stdin: new Uint8Array(0), stdoutLimit: 1, stderrLimit: 1, memfs: '/tmp' });
    expect(() => host.table().get(3)!.backend!.lstat('left-behind')).toThrow();
    host.finish();
  });

  it('read-only host preopens refuse writes', () => {
    const root = tempDir();
    const r = run('fs_ops', ['/'], [{ guestPath: '/', hostDir: root, readOnly: true }]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL fs_ops\.c:\d+: mkdir\("work", 0755\) == 0/);
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('times: fd_filestat_set_times / path_filestat_set_times to the nanosecond', () => {
  it('exact on a host directory: set times kept to the ns, omitted ones untouched, NOW from the host clock', () => {
    const root = tempDir();
    const r = run('times', ['/'], [{ guestPath: '/', hostDir: root }]);
    expect(r.stdout, exactTimesHint).toMatch(/^times: \d+ checks passed\n$/);
    expect(r.code).toBe(0);
    expect(readdirSync(root)).toEqual([]);
  });

  it('exact on a host directory preopened below / too (a nested preopen path)', () => {
    const root = tempDir();
    mkdirSync(join(root, 'data'));
    const r = run('times', ['/srv/data'], [{ guestPath: '/srv', hostDir: root }]);
    expect(r.stdout, exactTimesHint).toMatch(/^times: \d+ checks passed\n$/);
    expect(r.code).toBe(0);
  });

  it('exact on a private in-memory /tmp', () => {
    const r = run('times', ['/tmp'], [{ guestPath: '/tmp', memfs: true }]);
    expect(r.stdout).toMatch(/^times: \d+ checks passed\n$/);
    expect(r.code).toBe(0);
  });
});

describe('poll_oneoff', () => {
  it('clock and fd subscriptions', () => {
    const r = run('poll', [], [], 'abc');
    expect(r.stdout).toMatch(/^poll: \d+ checks passed\n$/);
    expect(r.code).toBe(0);
  });
});

describe('sandbox: nothing outside a preopen is reachable', () => {
  it('.., absolute paths, guest-made and host-planted symlinks, loops', () => {
    const { parent, root } = sandboxTree();
    symlinkSync('/', join(root, 'to-root'));
    symlinkSync('/etc/passwd', join(root, 'to-etc-passwd'));
    symlinkSync('../outside.txt', join(root, 'to-outside'));
    symlinkSync('..', join(root, 'to-parent'));
    symlinkSync('sub/../../outside.txt', join(root, 'hop'));
    symlinkSync('loop2', join(root, 'loop1'));
    symlinkSync('loop1', join(root, 'loop2'));
    const r = run('sandbox', ['host-links'], [{ guestPath: '/', hostDir: root }]);
    expect(r.stdout).toMatch(/^host-links sandbox: \d+ checks passed\n$/);
    expect(r.code).toBe(0);
    expect(readFileSync(join(parent, 'outside.txt'), 'utf8')).toBe('secret');
    expect(readdirSync(parent).sort()).toEqual(['outside.txt', 'root']);
    expect(existsSync('/tmp/faasbench-escaped')).toBe(false);
    expect(readdirSync(root).sort()).toEqual([
      'hop',
      'inside.txt',
      'loop1',
      'loop2',
      'sub',
      'to-etc-passwd',
      'to-parent',
    ]);
  });

  it('the same guest checks hold on an in-memory preopen', () => {
    const r = run('sandbox', [], [{ guestPath: '/', memfs: { files: { 'inside.txt': 'inside', 'sub/.keep': '' } } }]);
    expect(r.stdout).toMatch(/^sandbox: \d+ checks passed\n$/);
    expect(r.code).toBe(0);
  });
});

describe('out-of-bounds pointers', () => {
  it('every pointer-taking call answers EFAULT and the guest carries on', () => {
    const { root } = sandboxTree();
    const r = run('efault', [], [{ guestPath: '/', hostDir: root }]);
    expect(r.error).toBeUndefined();
    expect(r.stdout).toMatch(/^efault: (\d+) calls got EFAULT\n$/);
    expect(Number(/(\d+) calls/.exec(r.stdout)![1])).toBeGreaterThanOrEqual(50);
    expect(r.code).toBe(0);
    expect(readFileSync(join(root, 'inside.txt'), 'utf8')).toBe('inside');
  });
});
