// Finds faasbench's own files (non-TS assets such as the .mjs function server, and
// the compiled dist/ runtime) from both the source tree (tsx, vitest) and dist/.
// Shared: the container images and the host-process runtime both serve the node
// variant with node-function-server.mjs.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The faasbench package root: the nearest ancestor with package.json and runtimes/ or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && (existsSync(join(dir, 'runtimes')) || existsSync(join(dir, 'dist'))))
      return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the faasbench package root');
}

/** A file under runtimes/ (e.g. 'shared/node-function-server.mjs'), from source or dist. */
export function runtimeAsset(rel: string): string {
  const root = packageRoot();
  for (const p of [join(root, 'runtimes', rel), join(root, 'dist', 'runtimes', rel)]) if (existsSync(p)) return p;
  throw new Error(`faasbench asset runtimes/${rel} is missing (looked in ${root}/runtimes and ${root}/dist/runtimes)`);
}

export function nodeFunctionServerPath(): string {
  return runtimeAsset('shared/node-function-server.mjs');
}
