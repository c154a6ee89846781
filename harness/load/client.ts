// The harness side of the load generator: forks harness/load/generator in its own
// process (from dist as .js, from source through tsx) and runs load specs on it.

import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FromGenerator, LoadResult, LoadSpec, ToGenerator } from './types.js';

function generatorEntry(): { file: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./generator.js', import.meta.url));
  if (existsSync(js)) return { file: js, execArgv: [] };
  const ts = fileURLToPath(new URL('./generator.ts', import.meta.url));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { file: ts, execArgv: ['--import', tsx] };
}

export class LoadGenerator {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();
  private exited: Error | null = null;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: FromGenerator) => {
      if ('ready' in m) return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if ('result' in m) w.resolve(m.result);
      else w.reject(new Error(`load generator: ${m.error}`));
    });
    child.on('exit', (code, sig) => {
      this.exited = new Error(`load generator exited (${sig ?? code})`);
      for (const w of this.waiting.values()) w.reject(this.exited);
      this.waiting.clear();
    });
  }

  /** Forks the generator process and waits until it is ready. */
  static async start(): Promise<LoadGenerator> {
    const { file, execArgv } = generatorEntry();
    const child = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    await new Promise<void>((resolve, reject) => {
      const onMsg = (m: FromGenerator) => {
        if ('ready' in m) {
          cleanup();
          resolve();
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`load generator failed to start (exit ${code})`));
      };
      const onErr = (e: Error) => {
        cleanup();
        reject(e);
      };
      const cleanup = () => {
        child.off('message', onMsg);
        child.off('exit', onExit);
        child.off('error', onErr);
      };
      child.on('message', onMsg);
      child.on('exit', onExit);
      child.on('error', onErr);
    });
    return new LoadGenerator(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  run(spec: LoadSpec, signal?: AbortSignal): Promise<LoadResult> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<LoadResult>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const onAbort = () => this.child.send({ id, stop: true } satisfies ToGenerator);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.child.send({ id, spec } satisfies ToGenerator);
    });
  }

  async close(): Promise<void> {
    if (this.exited || this.child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
  }
}
