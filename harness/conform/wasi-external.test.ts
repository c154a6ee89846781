// The native runtimes as WASI conformance peers, on the official tests in
// ../shared/wasi-testsuite (read in place), against the real pinned binaries: the
// tests each one fails are exactly the ones the README names for that version (a
// change either way is news: a fix upstream, or a break in how we drive the CLI).
// Also: a peer's argv/env/preopens reach the guest, and the CLI prints one table.
// Missing binaries fail under scripts/test.sh (FAASBENCH_REQUIRE_EXTERNAL=1), skip elsewhere.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTool, TOOLS } from '../../runtimes/external/tools.js';
import { runCli } from '../../test/cli-helpers.js';
import { discoverWasiTests, runWasiSuite, wasiTable } from './wasi.js';
import { externalWasi, externalWasiCommand } from './wasi-external.js';

const SUITE = join(import.meta.dirname, '..', '..', '..', 'shared', 'wasi-testsuite');
const tests = existsSync(SUITE) ? discoverWasiTests(SUITE) : [];
const required = process.env['FAASBENCH_REQUIRE_EXTERNAL'] === '1';

/**
 * What the pinned versions fail of the 26 (wazero 1.12.0: O_APPEND pwrite and
 * sock_shutdown on a file; wasmtime 48.0.8: none). null would mean not pinned yet
 * (then at most 2 failures, and the table in the failure message is the list to pin).
 */
const KNOWN_FAILURES: Record<'wasmtime' | 'wazero', string[] | null> = {
  wazero: ['c/pwrite-with-append', 'c/sock_shutdown-not_sock'],
  wasmtime: [],
};

describe('externalWasiCommand', () => {
  it('maps preopens, variables and arguments to each CLI', () => {
    const dirs = [{ guest: '/', host: '/tmp/x' }];
    expect(externalWasiCommand('wasmtime', 't.wasm', ['a b'], { K: 'v=1' }, dirs)).toEqual([
      'run',
      '-C',
      'cache=n',
      '--dir',
      '/tmp/x::/',
      '--env',
      'K=v=1',
      't.wasm',
      'a b',
    ]);
    expect(externalWasiCommand('wazero', 't.wasm', ['a b'], { K: 'v=1' }, dirs)).toEqual([
      'run',
      '-mount=/tmp/x:/',
      '-env=K=v=1',
      't.wasm',
      '--',
      'a b',
    ]);
    // No bare trailing `--`: wazero would hand it to the guest.
    expect(externalWasiCommand('wazero', 't.wasm', [], {}, [])).toEqual(['run', 't.wasm']);
  });
});

for (const tool of ['wazero', 'wasmtime'] as const) {
  const found = findTool(tool);
  describe.skipIf(!found.ok && !required)(`${tool} as a conformance peer`, () => {
    it(`fails exactly the known tests of the official suite (pinned ${TOOLS[tool].pinned})`, async () => {
      expect(found.ok, found.ok ? '' : found.reason).toBe(true);
      expect(tests.length).toBe(26);
      const results = await runWasiSuite(tests, externalWasi(tool, 60_000));
      const table = wasiTable([tool], [results]);
      const failed = results.filter((r) => !r.pass).map((r) => r.name);
      const known = KNOWN_FAILURES[tool];
      if (known && found.ok && found.version === TOOLS[tool].pinned) expect(failed, table).toEqual(known);
      else expect(failed.length, table).toBeLessThanOrEqual(2);
    });
  });
}

describe.skipIf(!findTool('wazero').ok && !required)('conform wasi --runtime with peers', () => {
  it('prints one table with a column per implementation, comma-separated names accepted', async () => {
    const r = await runCli([
      'conform',
      'wasi',
      SUITE,
      '--runtime',
      'faasbench,node-wasi,wazero',
      '--filter',
      'args_get',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^test\s+faasbench\s+node-wasi\s+wazero\s*$/m);
    expect(r.stdout).toMatch(/^assemblyscript\/args_get-multiple-arguments\s+pass\s+pass\s+pass\s*$/m);
    expect(r.stdout).toMatch(/^passed\s+1\/1\s+1\/1\s+1\/1\s*$/m);
  });

  it('refuses an unknown implementation with the choices', async () => {
    const r = await runCli(['conform', 'wasi', SUITE, '--runtime', 'faasbench,nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown --runtime nope \(choose from faasbench, node-wasi, wasmtime, wazero\)/);
  });
});
