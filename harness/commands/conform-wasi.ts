// `faasbench conform wasi <dir>`: runs a directory in the wasi-testsuite format
// (NAME.wasm + NAME.json) against faasbench's WASI host and/or node:wasi and
// prints a pass/fail table. Exit 0 all pass, 1 some fail, 2 unusable input (the
// suite, or a test whose spec cannot be honoured: it is marked UNUSABLE, the rest run).

import type { Command } from 'commander';
import { discoverWasiTests, runWasiSuite, wasiTable, type WasiTestOutcome } from '../conform/wasi.js';
import { isolated, WASI_IMPLEMENTATIONS } from '../conform/wasi-impls.js';
import { EXTERNAL_WASI_IMPLEMENTATIONS, externalWasi, isExternalWasi } from '../conform/wasi-external.js';
import { terminalJson } from '../../model/escape.js';

/** In-process implementations (each in a worker thread) and the native runtimes' CLIs (a process per test). */
const CHOICES = [...Object.keys(WASI_IMPLEMENTATIONS), ...EXTERNAL_WASI_IMPLEMENTATIONS];

interface Flags {
  runtime: string[];
  filter?: string;
  json?: boolean;
  timeout: string;
}

export function registerConformWasi(conform: Command): void {
  conform
    .command('wasi')
    .description(
      'run a WASI preview1 test suite directory (wasi-testsuite format: NAME.wasm + NAME.json) and print a pass/fail table',
    )
    .argument(
      '<dir>',
      "suite directory, searched recursively for *.wasm (e.g. a wasi-testsuite checkout's tests/ folder)",
    )
    .option(
      '--runtime <name...>',
      `implementations to test, space- or comma-separated: ${CHOICES.join(', ')} (wasmtime and wazero: the CLIs runtimes/external/install/ installs)`,
      ['faasbench'],
    )
    .option('--filter <text>', 'only tests whose name contains this text')
    .option('--json', 'print results as JSON instead of a table')
    .option(
      '--timeout <seconds>',
      'per test: a guest still running after this fails (each test runs in its own worker thread)',
      '60',
    )
    .action(async (dir: string, flags: Flags) => {
      const runtimes = flags.runtime.flatMap((r) => r.split(',')).filter((r) => r !== '');
      for (const r of runtimes) {
        if (!CHOICES.includes(r)) throw new Error(`unknown --runtime ${r} (choose from ${CHOICES.join(', ')})`);
      }
      const timeoutMs = Number(flags.timeout) * 1000;
      if (!(timeoutMs > 0)) throw new Error(`--timeout must be a positive number of seconds, not ${flags.timeout}`);
      let tests = discoverWasiTests(dir);
      if (flags.filter) tests = tests.filter((t) => t.name.includes(flags.filter!));
      if (tests.length === 0) throw new Error(`no test name contains "${flags.filter}"`);
      const results: WasiTestOutcome[][] = [];
      for (const r of runtimes)
        results.push(
          await runWasiSuite(tests, isExternalWasi(r) ? externalWasi(r, timeoutMs) : isolated(r, timeoutMs)),
        );
      // terminalJson: names and guest output may hold characters a terminal acts on.
      if (flags.json)
        process.stdout.write(terminalJson(Object.fromEntries(runtimes.map((r, i) => [r, results[i]])), 2) + '\n');
      else process.stdout.write(wasiTable(runtimes, results) + '\n');
      // 2 (unusable input) over 1 (a failure): a test that could not be run says nothing about the implementation.
      if (results.some((rs) => rs.some((t) => t.unusable))) process.exitCode = 2;
      else if (results.some((rs) => rs.some((t) => !t.pass))) process.exitCode = 1;
    });
}
