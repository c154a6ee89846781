// Starting a worker thread on a module beside the caller, from dist (NAME.js) or from
// source under tsx/vitest (NAME.ts, through tsx's ESM loader registered inside the
// worker, since a worker does not inherit the parent's loader hooks). The guest
// threads, the component threads and `conform wasi`'s isolation threads all start so.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `from`: the caller's import.meta.url; `name`: the worker module's file name without extension. */
export function startModuleWorker(from: string, name: string, options: WorkerOptions = {}): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, from), options);
  const target = new URL(`./${name}.ts`, from).href;
  const api = pathToFileURL(
    createRequire(from)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
