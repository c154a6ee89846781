// `faasbench conform http`: the wasi:http behaviour suite (harness/conform/http.ts)
// against faasbench's component server and, as the baseline, preview2-shim's own Node
// HTTP server, both running the same probe component (built with componentize-js,
// cached). Prints one table, PASS/FAIL per case and implementation. Exit codes as
// `conform wasi`: 0 all pass, 1 some fail, 2 unusable (bad flags, the probe component
// cannot be built, or an implementation cannot be started at all).

import type { Command } from 'commander';
import {
  HTTP_IMPLEMENTATIONS,
  httpCases,
  httpTable,
  runHttpSuite,
  startTarget,
  type HttpCaseOutcome,
  type HttpImplementation,
} from '../conform/http.js';
import { buildHttpProbe } from '../conform/http-probe.js';
import { terminalJson } from '../../model/escape.js';

const CHOICES: readonly string[] = HTTP_IMPLEMENTATIONS;

interface Flags {
  runtime: string[];
  filter?: string;
  json?: boolean;
  timeout: string;
  component?: string;
}

export function registerConformHttp(conform: Command): void {
  conform
    .command('http')
    .description(
      'run the wasi:http behaviour suite (methods, paths, fields, status codes, bodies, trailers, guest failures) against component servers and print a pass/fail table',
    )
    .option(
      '--runtime <name...>',
      `implementations to test, space- or comma-separated: ${CHOICES.join(', ')} (preview2-shim: its own Node HTTPServer, the baseline, in a child process)`,
      ['faasbench', 'preview2-shim'],
    )
    .option('--filter <text>', 'only cases whose name contains this text')
    .option('--json', 'print results as JSON instead of a table')
    .option(
      '--timeout <seconds>',
      'per request: a server that has not answered completely by then fails the case (4× for the output-cap case, which moves 64 MiB)',
      '30',
    )
    .option(
      '--component <file>',
      'the probe component to use instead of building runtimes/wasm/component/http-probe.mjs (it must behave like it)',
    )
    .action(async (flags: Flags) => {
      const runtimes = flags.runtime.flatMap((r) => r.split(',')).filter((r) => r !== '');
      for (const r of runtimes) {
        if (!CHOICES.includes(r)) throw new Error(`unknown --runtime ${r} (choose from ${CHOICES.join(', ')})`);
      }
      const timeoutMs = Number(flags.timeout) * 1000;
      if (!(timeoutMs > 0)) throw new Error(`--timeout must be a positive number of seconds, not ${flags.timeout}`);
      let cases = httpCases();
      if (flags.filter) cases = cases.filter((c) => c.name.includes(flags.filter!));
      if (cases.length === 0) throw new Error(`no case name contains "${flags.filter}"`);
      const component =
        flags.component ?? (await buildHttpProbe({ say: (l) => process.stderr.write(`conform http: ${l}\n`) })).path;
      const results: HttpCaseOutcome[][] = [];
      for (const r of runtimes) {
        // A server that cannot start at all is unusable input (exit 2), not a failing implementation.
        const target = await startTarget(r as HttpImplementation, component, timeoutMs).catch((e: Error) => {
          throw new Error(`conform http: cannot start ${r}: ${e.message}`, { cause: e });
        });
        try {
          results.push(await runHttpSuite(target, cases, { timeoutMs }));
        } finally {
          await target.close();
        }
      }
      // terminalJson: failure details may quote bytes a server sent.
      if (flags.json)
        process.stdout.write(terminalJson(Object.fromEntries(runtimes.map((r, i) => [r, results[i]])), 2) + '\n');
      else process.stdout.write(httpTable(runtimes, results) + '\n');
      if (results.some((rs) => rs.some((t) => !t.pass))) process.exitCode = 1;
    });
}
