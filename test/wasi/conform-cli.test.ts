// `faasbench conform wasi <dir>` end to end: the table, the exit codes (0 all pass,
// 1 a failure, 2 unusable input), both spec forms (legacy and operation-based),
// root preopens copied per test and confined to the suite, and the guest's stderr
// shown with a failure.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli-helpers.js';
import { commandModule, FD_WRITE, op } from '../wasm-fixtures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const OFFICIAL = join(HERE, '..', '..', '..', 'shared', 'wasi-testsuite', 'assemblyscript');

describe('faasbench conform wasi', () => {
  const suite = mkdtempSync(join(tmpdir(), 'faasbench-conform-wasi-'));
  afterAll(() => rmSync(suite, { recursive: true, force: true }));

  // exit code 33, checked both ways: the spec is right, then deliberately wrong.
  copyFileSync(join(OFFICIAL, 'proc_exit-failure.wasm'), join(suite, 'exit33.wasm'));
  writeFileSync(join(suite, 'exit33.json'), JSON.stringify({ exit_code: 33 }));
  copyFileSync(join(OFFICIAL, 'fd_write-to-stdout.wasm'), join(suite, 'hello-ops.wasm'));
  writeFileSync(
    join(suite, 'hello-ops.json'),
    JSON.stringify({
      operations: [{ type: 'run' }, { type: 'read', id: 'stdout', payload: 'hello' }, { type: 'wait', exit_code: 0 }],
    }),
  );
  // Our sandbox program on a root directory, which must come back unchanged.
  mkdirSync(join(suite, 'sub', 'root', 'sub'), { recursive: true });
  writeFileSync(join(suite, 'sub', 'root', 'inside.txt'), 'inside');
  copyFileSync(join(HERE, 'programs', 'sandbox.wasm'), join(suite, 'sub', 'sandbox.wasm'));
  writeFileSync(join(suite, 'sub', 'sandbox.json'), JSON.stringify({ root: 'root' }));

  it('prints a table and exits 0 when everything passes', async () => {
    const r = await runCli(['conform', 'wasi', suite, '--runtime', 'faasbench']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/exit33\s+pass/);
    expect(r.stdout).toMatch(/hello-ops\s+pass/);
    expect(r.stdout).toMatch(/sub\/sandbox\s+pass/);
    expect(r.stdout).toMatch(/passed\s+3\/3/);
    expect(r.code).toBe(0);
    expect(readdirSync(join(suite, 'sub', 'root')).sort()).toEqual(['inside.txt', 'sub']);
  });

  it('exits 1 and says why when a test fails', async () => {
    writeFileSync(join(suite, 'exit33.json'), JSON.stringify({ exit_code: 0 }));
    const r = await runCli(['conform', 'wasi', suite, '--filter', 'exit33']);
    writeFileSync(join(suite, 'exit33.json'), JSON.stringify({ exit_code: 33 }));
    expect(r.stdout).toMatch(/exit33\s+FAIL/);
    expect(r.stdout).toContain('exit code 33, expected 0');
    expect(r.code).toBe(1);
  });

  it('stops a guest that never ends and carries on with the next test', async () => {
    const loop = mkdtempSync(join(tmpdir(), 'faasbench-conform-loop-'));
    try {
      // (module (memory (export "memory") 1) (func (export "_start") (loop (br 0))))
      writeFileSync(
        join(loop, 'a-loop.wasm'),
        Buffer.from(
          '0061736d010000000104016000000302010005030100010713020' +
            '66d656d6f727902000' +
            '65f737461727400000a09010700034' +
            '00c000b0b',
          'hex',
        ),
      );
      copyFileSync(join(OFFICIAL, 'proc_exit-success.wasm'), join(loop, 'b-exit0.wasm'));
      const r = await runCli(['conform', 'wasi', loop, '--timeout', '5']);
      expect(r.stdout).toMatch(/a-loop\s+FAIL/);
      expect(r.stdout).toContain('timeout: still running after 5000 ms');
      expect(r.stdout).toMatch(/b-exit0\s+pass/);
      expect(r.code).toBe(1);
    } finally {
      rmSync(loop, { recursive: true, force: true });
    }
  });

  it('exits 2 on unusable input', async () => {
    const missing = await runCli(['conform', 'wasi', join(suite, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/not a directory/);
    const bad = mkdtempSync(join(tmpdir(), 'faasbench-conform-bad-'));
    try {
      copyFileSync(join(OFFICIAL, 'proc_exit-success.wasm'), join(bad, 't.wasm'));
      writeFileSync(join(bad, 't.json'), '{ not json');
      const r = await runCli(['conform', 'wasi', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/t\.json: not valid JSON/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

/** _start writes `text` to stderr (fd 2), then traps on `unreachable`. */
function stderrThenTrap(text: string): Uint8Array {
  const bytes = Buffer.from(text);
  return commandModule({
    imports: [FD_WRITE],
    pages: Math.ceil((0x100 + bytes.length) / 65536),
    code: [
      ...op.i32(0),
      ...op.i32(0x100),
      ...op.i32Store,
      ...op.i32(4),
      ...op.i32(bytes.length),
      ...op.i32Store,
      ...op.i32(2),
      ...op.i32(0),
      ...op.i32(1),
      ...op.i32(8),
      ...op.call(0),
      ...op.drop,
      ...op.unreachable,
    ],
    data: { at: 0x100, bytes },
  });
}

describe('conform wasi: preopens stay inside the suite directory', () => {
  const parent = mkdtempSync(join(tmpdir(), 'faasbench-conform-confine-'));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));
  const suite = join(parent, 'suite');
  const outside = join(parent, 'outside');
  mkdirSync(join(suite, 'inside'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'host file');
  symlinkSync(outside, join(suite, 'link'));
  const test = (name: string, spec: object): void => {
    copyFileSync(join(OFFICIAL, 'proc_exit-success.wasm'), join(suite, `${name}.wasm`));
    writeFileSync(join(suite, `${name}.json`), JSON.stringify(spec));
  };
  test('a-root-dotdot', { root: '../outside' });
  test('b-dirs-dotdot', { dirs: ['inside', '../outside'] });
  test('c-root-symlink', { root: 'link' });
  test('d-fine', { root: 'inside' });

  it('marks each escaping test unusable with a precise message, runs the rest, exits 2', async () => {
    const r = await runCli(['conform', 'wasi', suite]);
    expect(r.stdout).toMatch(/a-root-dotdot\s+UNUSABLE/);
    expect(r.stdout).toMatch(/b-dirs-dotdot\s+UNUSABLE/);
    expect(r.stdout).toMatch(/c-root-symlink\s+UNUSABLE/);
    expect(r.stdout).toMatch(/d-fine\s+pass/);
    expect(r.stdout).toContain(
      `a-root-dotdot.json: root "../outside" leads outside the suite directory (to ${outside}); not preopened`,
    );
    expect(r.stdout).toContain(
      `b-dirs-dotdot.json: dirs "../outside" leads outside the suite directory (to ${outside}); not preopened`,
    );
    expect(r.stdout).toContain(
      `c-root-symlink.json: root "link" leads outside the suite directory (to ${outside}); not preopened`,
    );
    expect(r.code).toBe(2);
    const json = await runCli(['conform', 'wasi', suite, '--json']);
    const results = JSON.parse(json.stdout).faasbench as Array<{ name: string; pass: boolean; unusable?: boolean }>;
    expect(results.map((t) => [t.name, t.pass, t.unusable ?? false])).toEqual([
      ['a-root-dotdot', false, true],
      ['b-dirs-dotdot', false, true],
      ['c-root-symlink', false, true],
      ['d-fine', true, false],
    ]);
    expect(json.code).toBe(2);
  });

  it('names a FIFO in a root directory instead of failing the whole suite on the copy', async () => {
    const fifoSuite = mkdtempSync(join(parent, 'fifo-'));
    mkdirSync(join(fifoSuite, 'root'));
    execFileSync('mkfifo', [join(fifoSuite, 'root', 'pipe')]);
    copyFileSync(join(OFFICIAL, 'proc_exit-success.wasm'), join(fifoSuite, 't.wasm'));
    writeFileSync(join(fifoSuite, 't.json'), JSON.stringify({ root: 'root' }));
    const r = await runCli(['conform', 'wasi', fifoSuite], { timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/t\s+UNUSABLE/);
    expect(r.stdout).toMatch(
      /t\.json: the directory preopened as "\/" holds .*root\/pipe, a FIFO \(named pipe\): a test's directories may hold only files, directories and symlinks/,
    );
    expect(r.code).toBe(2);
  });
});

describe("conform wasi: a failing test shows the guest's stderr", () => {
  const suite = mkdtempSync(join(tmpdir(), 'faasbench-conform-stderr-'));
  afterAll(() => rmSync(suite, { recursive: true, force: true }));
  // Long enough to be cut to its tail; ends with an escape sequence that must not reach the terminal.
  const message = 'x'.repeat(5000) + 'assertion failed: fd_read returned 8, expected 0\n\x1b[2J\x1b]0;pwned\x07';
  writeFileSync(join(suite, 'trapper.wasm'), stderrThenTrap(message));

  it('in the table: the tail of stderr, capped, control characters escaped', async () => {
    const r = await runCli(['conform', 'wasi', suite]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/trapper\s+FAIL/);
    expect(r.stdout).toContain('trap: unreachable');
    expect(r.stdout).toContain('assertion failed: fd_read returned 8, expected 0\\x0a\\x1b[2J\\x1b]0;pwned\\x07');
    expect(r.stdout).toMatch(/stderr \(last 2000 of 5\d{3} bytes\)/);
    expect(r.stdout).not.toContain('x'.repeat(2500));
    expect(r.stdout).not.toContain('\x1b');
  });

  it('in --json: the same tail as its own field', async () => {
    const r = await runCli(['conform', 'wasi', suite, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('\x1b');
    const [t] = JSON.parse(r.stdout).faasbench as Array<{ detail: string; stderr: string }>;
    expect(t!.detail).toContain('trap: unreachable');
    expect(t!.stderr).toMatch(/assertion failed: fd_read returned 8, expected 0\\x0a\\x1b\[2J/);
    expect(t!.stderr.length).toBeLessThan(2200);
  });
});

describe('conform wasi: suite files that are not regular files get a clear error, promptly (exit 2)', () => {
  const parent = mkdtempSync(join(tmpdir(), 'faasbench-conform-files-'));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));
  const suiteWith = (name: string, plant: (spec: string) => void): string => {
    const dir = join(parent, name);
    mkdirSync(dir);
    copyFileSync(join(OFFICIAL, 'proc_exit-success.wasm'), join(dir, 't.wasm'));
    plant(join(dir, 't.json'));
    return dir;
  };
  // Each once hung (a FIFO spec blocks in open) or read without end: runCli's timeout would leave code null.
  const bounded = { timeoutMs: 60_000 };

  it('a spec that is a FIFO, or a symlink to /dev/zero or to a host file', async () => {
    const fifo = await runCli(['conform', 'wasi', suiteWith('fifo', (f) => execFileSync('mkfifo', [f]))], bounded);
    expect(fifo.stderr).toMatch(/t\.json is a FIFO \(named pipe\), not a regular file/);
    expect(fifo.code).toBe(2);
    const zero = await runCli(['conform', 'wasi', suiteWith('zero', (f) => symlinkSync('/dev/zero', f))], bounded);
    expect(zero.stderr).toMatch(/t\.json leads outside the suite directory \(through a symlink, to \/dev\/zero\)/);
    expect(zero.code).toBe(2);
    writeFileSync(join(parent, 'secret'), 'root:x:0:0');
    const host = await runCli(
      ['conform', 'wasi', suiteWith('host', (f) => symlinkSync(join(parent, 'secret'), f))],
      bounded,
    );
    expect(host.stderr).toMatch(/t\.json leads outside the suite directory/);
    expect(host.stderr).not.toContain('root:x');
    expect(host.code).toBe(2);
  });

  it('a suite argument that is a device or a file', async () => {
    const r = await runCli(['conform', 'wasi', '/dev/null'], bounded);
    expect(r.stderr).toMatch(/\/dev\/null: is a character device, not a directory/);
    expect(r.code).toBe(2);
  });
});
