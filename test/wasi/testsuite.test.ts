// The official WASI preview1 tests in ../shared/wasi-testsuite, read in place, run
// against faasbench's host: every one must pass. node:wasi runs too, as the
// baseline whose count the README quotes (it fails the sock_shutdown tests).

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverWasiTests, runWasiSuite, runWasiTest, wasiTable } from '../../harness/conform/wasi.js';
import { faasbenchWasi, nodeWasi } from '../../harness/conform/wasi-impls.js';

const SUITE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'wasi-testsuite');
const tests = existsSync(SUITE) ? discoverWasiTests(SUITE) : [];

describe('official wasi-testsuite (preview1 subset)', () => {
  it('finds the 26 tests', () => {
    expect(existsSync(SUITE), `${SUITE} is missing`).toBe(true);
    expect(tests.length).toBe(26);
  });

  const ours = faasbenchWasi();
  for (const t of tests) {
    it(`faasbench passes ${t.name}`, async () => {
      const r = await runWasiTest(t, ours);
      expect(r.detail).toMatch(/^exit /);
      expect(r.pass).toBe(true);
    });
  }

  it('node:wasi baseline passes fewer (sock_shutdown errnos are wrong there)', async () => {
    const node = await runWasiSuite(tests, nodeWasi());
    const mine = await runWasiSuite(tests, ours);
    const table = wasiTable(['faasbench', 'node:wasi'], [mine, node]);
    expect(
      mine.every((r) => r.pass),
      table,
    ).toBe(true);
    const failed = node.filter((r) => !r.pass).map((r) => r.name);
    expect(failed, table).toEqual(['c/sock_shutdown-invalid_fd', 'c/sock_shutdown-not_sock']);
  });
});
