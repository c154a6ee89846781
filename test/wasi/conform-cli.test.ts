// `faasbench conform wasi <dir>` end to end: the table, the exit codes (0 all pass,
// 1 a failure, 2 unusable input), both spec forms (legacy and operation-based) and
// root preopens copied per test.

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli-helpers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const OFFICIAL = join(HERE, '..', '..', '..', 'shared', 'wasi-testsuite', 'assemblyscript');

describe('faasbench conform wasi', () => {
  const suite = mkdtempSync(join(tmpdir(), 'faasbench-conform-wasi-'));
  afterAll(() => rmSync(suite, { recursive: true, force: true }));

  // exit code 33, checked both ways: the spec is right, then deliberately wrong.
  copyFileSync(join(OFFICIAL, 'proc_exit-failure.wasm'), join(suite, 'exit33.wasm'));
  writeFileSync(join(suite, 'exit33.json'), JSON.stringify({ exit_code: 33 }));
  copyFileSync(join(OFFICIAL, 'fd_write-to-stdout.wasm'), join(suite, 'hello-ops.wasm'));
  writeFileSync(join(suite, 'hello-ops.json'), JSON.stringify({
    operations: [{ type: 'run' }, { type: 'read', id: 'stdout', payload: 'hello' }, { type: 'wait', exit_code: 0 }],
  }));
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
      writeFileSync(join(loop, 'a-loop.wasm'), Buffer.from(
        '0061736d010000000104016000000302010005030100010713020' +
        '66d656d6f727902000' + '65f737461727400000a09010700034' + '00c000b0b', 'hex'));
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
