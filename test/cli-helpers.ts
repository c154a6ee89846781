// Runs the faasbench CLI from source (tsx), as the bin would, for end-to-end tests.

import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI started from source with the bin's Node flags (stdout and stderr piped unless `stdio` says otherwise); for tests that signal or watch it. */
export function spawnCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdio?: StdioOptions } = {},
): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--disable-wasm-trap-handler',
      '--no-turbo-fast-api-calls',
      fileURLToPath(new URL('./cli-entry.ts', import.meta.url)),
      ...args,
    ],
    {
      cwd: opts.cwd ?? REPO_ROOT,
      stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    },
  );
}

/** The CLI started (spawnCli) for a test that signals it: what it has printed so far (stdout and stderr), and its exit. */
export function watchCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawnCli(args, opts);
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** The CLI run to its end (killed past timeoutMs), with what it printed. */
export function runCli(
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c));
    child.stderr!.on('data', (c: Buffer) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
