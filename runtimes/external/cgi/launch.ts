// How to start the CGI front (front.ts) as a process, from the source tree or dist/:
// compiled JavaScript when it is there and not older than the sources it is built
// from, so the front's own start (part of the app cold start) is a plain `node
// front.js`; otherwise the TypeScript through tsx (a few hundred ms slower to start,
// said in the results header by frontKind()).

import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../shared/assets.js';

const SOURCES = ['external/cgi/front.ts', 'shared/cgi.ts', 'shared/http.ts', 'process/cgi.ts'];

export interface FrontLaunch {
  command: string;
  /** Arguments before the front's own flags. */
  prefix: string[];
  /** Working directory (tsx is resolved from the package root). */
  cwd: string;
  kind: 'dist' | 'tsx';
}

export function frontLaunch(): FrontLaunch {
  const root = packageRoot();
  const compiled = join(root, 'dist', 'runtimes', 'external', 'cgi', 'front.js');
  const source = join(root, 'runtimes', 'external', 'cgi', 'front.ts');
  if (existsSync(compiled)) {
    const built = statSync(compiled).mtimeMs;
    const fresh =
      !existsSync(source) ||
      SOURCES.every(
        (s) => !existsSync(join(root, 'runtimes', s)) || statSync(join(root, 'runtimes', s)).mtimeMs <= built,
      );
    if (fresh) return { command: process.execPath, prefix: [compiled], cwd: root, kind: 'dist' };
  }
  if (!existsSync(source)) throw new Error(`the CGI front is missing (looked for ${compiled} and ${source})`);
  // tsx's ESM entry by absolute URL: the front may run in any folder (a command runtime's {dir}).
  const tsx = join(
    dirname(createRequire(join(root, 'package.json')).resolve('tsx/package.json')),
    'dist',
    'loader.mjs',
  );
  return { command: process.execPath, prefix: ['--import', pathToFileURL(tsx).href, source], cwd: root, kind: 'tsx' };
}
