// Which apps `faasbench serve` deploys: `--app NAME=PATH` (repeatable) and `--apps DIR`
// (every NAME.wasm in DIR, not recursive). Names are checked and duplicates refused
// before anything is compiled, so a mistake costs the user one sentence, not a
// half-started server. Pure apart from reading the directory listing.

import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { AppNameError, checkAppName } from './host.js';

export interface AppSpec {
  name: string;
  path: string;
  /** Where it was named, for error messages: "--app hello=…" or "--apps DIR". */
  from: string;
}

export class AppListError extends Error {
  override name = 'AppListError';
}

/** Parses one `--app NAME=PATH`. */
export function parseAppArg(arg: string): AppSpec {
  const eq = arg.indexOf('=');
  if (eq <= 0 || eq === arg.length - 1)
    throw new AppListError(`--app ${arg}: expected NAME=PATH, e.g. --app hello=hello.wasm`);
  const name = arg.slice(0, eq);
  try {
    checkAppName(name);
  } catch (e) {
    if (e instanceof AppNameError) throw new AppListError(`--app ${arg}: ${e.message}`);
    throw e;
  }
  return { name, path: resolve(arg.slice(eq + 1)), from: `--app ${arg}` };
}

/** The NAME.wasm files of a directory, sorted by name; a file whose stem is not a valid name is refused. */
export function appsInDir(dir: string): AppSpec[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw new AppListError(
      `--apps ${dir}: cannot read the directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const out: AppSpec[] = [];
  for (const f of entries.filter((f) => f.endsWith('.wasm')).sort()) {
    const name = basename(f, '.wasm');
    try {
      checkAppName(name);
    } catch (e) {
      if (e instanceof AppNameError) throw new AppListError(`--apps ${dir}: ${f}: ${e.message} (rename the file)`);
      throw e;
    }
    out.push({ name, path: resolve(join(dir, f)), from: `--apps ${dir}` });
  }
  return out;
}

/** All apps named on the command line, in order; a name given twice is refused, naming both places. */
export function collectApps(appArgs: readonly string[], dirs: readonly string[]): AppSpec[] {
  const all = [...appArgs.map(parseAppArg), ...dirs.flatMap(appsInDir)];
  const seen = new Map<string, AppSpec>();
  for (const a of all) {
    const before = seen.get(a.name);
    if (before)
      throw new AppListError(`two apps are named ${a.name} (${before.from} and ${a.from}): app names must be unique`);
    seen.set(a.name, a);
  }
  return all;
}
