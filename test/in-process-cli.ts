// Runs a faasbench verb inside the test process (no child process, no tsx start-up):
// stdout/stderr captured, the exit code read from process.exitCode as main() sets it.
// For verbs that only read and write files (compare, gate, report); end-to-end tests
// of the real binary keep using runCli.

import { main } from '../harness/cli.js';
import type { CliResult } from './cli-helpers.js';

type Write = typeof process.stdout.write;

let queue: Promise<unknown> = Promise.resolve();

export function runCliInProcess(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  // One at a time: the capture replaces process-wide streams.
  const run = queue.then(() => runOne(args, env));
  queue = run.catch(() => undefined);
  return run;
}

async function runOne(args: string[], env: Record<string, string>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const capture = (append: (s: string) => void): Write =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as Write;
  process.stdout.write = capture((s) => (stdout += s));
  process.stderr.write = capture((s) => (stderr += s));
  Object.assign(process.env, env);
  process.exitCode = undefined;
  try {
    await main(['node', 'faasbench', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    process.exitCode = undefined;
  }
}
