// faasbench's command line. Each verb lives in harness/commands/<verb>.ts and
// registers itself here; `--help` works on every verb.

import { Command, CommanderError } from 'commander';
import { registerClean } from './commands/clean.js';
import { registerCompare } from './commands/compare.js';
import { registerConform } from './commands/conform.js';
import { registerGate } from './commands/gate.js';
import { registerHistory } from './commands/history.js';
import { registerReport } from './commands/report.js';
import { registerDoctor } from './commands/doctor.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { FAASBENCH_VERSION } from './machine.js';

/** Errors a user can fix: printed as one line, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function buildProgram(): Command {
  const program = new Command('faasbench')
    .description(
      'Benchmark and conformance suite: WebAssembly serverless functions vs containers, pre-warmed pools and Lambda-style runtimes',
    )
    .version(FAASBENCH_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRun(program);
  registerConform(program);
  registerCompare(program);
  registerGate(program);
  registerHistory(program);
  registerReport(program);
  registerDoctor(program);
  registerServe(program);
  registerClean(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed help/version/the usage message.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    const err = e as Error;
    process.stderr.write(`faasbench: ${err.message}\n`);
    if (process.env.FAASBENCH_DEBUG && err.stack) process.stderr.write(err.stack + '\n');
    process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 2;
  }
}
