// WASI implementations under test that are other programs: the wasmtime and wazero
// CLIs (the pinned builds, runtimes/external/tools.ts), so `conform wasi --runtime
// faasbench,node-wasi,wasmtime,wazero` puts the native runtimes' answers beside ours
// on the same suite in one table.
//
// Each test is one process: the module's bytes (the ones runWasiTest read and checked)
// written to a private folder under the test's own file name, so the guest's argv[0]
// is that name as with the in-process implementations; the test's directories
// preopened (wasmtime --dir HOST::GUEST, wazero -mount=HOST:GUEST), its variables
// passed one by one (nothing of our environment reaches the guest), stdin empty. The
// process's exit status is the guest's exit code; one killed by a signal, or past the
// timeout (its process group is killed), is an error.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool, type ToolName } from '../../runtimes/external/tools.js';
import type { PreopenDir, WasiImplementation, WasiRunResult } from './wasi.js';

export const EXTERNAL_WASI_IMPLEMENTATIONS: readonly ToolName[] = ['wasmtime', 'wazero'];

const OUTPUT_LIMIT = 16 * 2 ** 20;

export function isExternalWasi(name: string): name is ToolName {
  return (EXTERNAL_WASI_IMPLEMENTATIONS as readonly string[]).includes(name);
}

/** The command line that runs `file` once with these args, variables and preopens. */
export function externalWasiCommand(
  tool: ToolName,
  file: string,
  args: string[],
  env: Record<string, string>,
  dirs: PreopenDir[],
): string[] {
  if (tool === 'wasmtime') {
    return [
      'run',
      '-C',
      'cache=n',
      ...dirs.flatMap((d) => ['--dir', `${d.host}::${d.guest}`]),
      ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      file,
      ...args,
    ];
  }
  // wazero passes a trailing bare `--` on to the guest as an argument: only when there are arguments.
  return [
    'run',
    ...dirs.map((d) => `-mount=${d.host}:${d.guest}`),
    ...Object.entries(env).map(([k, v]) => `-env=${k}=${v}`),
    file,
    ...(args.length ? ['--', ...args] : []),
  ];
}

/** `tool` as a conformance peer; each run stops after timeoutMs. The tool's absence is each test's error (with how to install). */
export function externalWasi(tool: ToolName, timeoutMs: number): WasiImplementation {
  return {
    name: tool,
    run(): Promise<WasiRunResult> {
      return Promise.resolve({
        exitCode: null,
        stdout: '',
        stderr: '',
        error: `${tool} runs a module from its bytes only (runBytes)`,
      });
    },
    runBytes(bytes, args, env, dirs): Promise<WasiRunResult> {
      const t = findTool(tool);
      if (!t.ok) return Promise.resolve({ exitCode: null, stdout: '', stderr: '', error: t.reason });
      const work = mkdtempSync(join(tmpdir(), `faasbench-conform-${tool}-`));
      const name = args[0] ?? 'test.wasm';
      writeFileSync(join(work, name), bytes);
      return new Promise<WasiRunResult>((resolve) => {
        const child = spawn(t.path, externalWasiCommand(tool, name, args.slice(1), env, dirs), {
          cwd: work,
          env: {},
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let size = 0;
        let failure: string | null = null;
        const kill = (why: string): void => {
          failure ??= why;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        };
        const collect =
          (into: Buffer[]) =>
          (b: Buffer): void => {
            size += b.length;
            if (size > OUTPUT_LIMIT) kill(`limit: output over ${OUTPUT_LIMIT} bytes`);
            else into.push(b);
          };
        child.stdout.on('data', collect(out));
        child.stderr.on('data', collect(err));
        const timer = setTimeout(() => kill(`timeout: still running after ${timeoutMs} ms`), timeoutMs);
        const finish = (r: WasiRunResult): void => {
          clearTimeout(timer);
          rmSync(work, { recursive: true, force: true });
          resolve(r);
        };
        child.once('error', (e) =>
          finish({ exitCode: null, stdout: '', stderr: '', error: `${t.path}: ${e.message}` }),
        );
        child.once('close', (code, signal) => {
          const stdout = Buffer.concat(out).toString('utf8');
          const stderr = Buffer.concat(err).toString('utf8');
          if (failure !== null) return finish({ exitCode: null, stdout, stderr, error: failure });
          if (code === null)
            return finish({ exitCode: null, stdout, stderr, error: `${tool} ended by signal ${signal}` });
          finish({ exitCode: code, stdout, stderr });
        });
      });
    },
  };
}
