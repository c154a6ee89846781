// Guest path → backend path, component by component, inside one directory capability.
//
// Rules (capability-safe, as wasmtime/cap-std): the directory fd is the root of what
// the path may reach. Absolute paths, '..' above that root, and symlinks whose
// targets are absolute or climb above it (including symlinks the guest created a
// moment ago) give ENOTCAPABLE. Every symlink is expanded here, by reading it
// through the backend, so the host never follows a link on our behalf.

import { Errno, FileType } from '../constants.js';
import { fail, toErrno, type FsBackend } from './types.js';

/** Symlinks expanded in one lookup before ELOOP (Linux's limit). */
const MAX_SYMLINKS = 40;
const MAX_PATH_BYTES = 4096;

export interface Resolved {
  /** Backend-relative path ('' = the backend's root). */
  path: string;
  /** The guest path ended in '/' (or '.'/'..'): the result must be a directory. */
  dirOnly: boolean;
}

/**
 * Resolves `path` against the directory `base` (a backend-relative, already resolved
 * path). With followFinal, a final symlink is expanded too; otherwise it is returned
 * as is (for unlink, readlink, lstat, O_NOFOLLOW).
 */
export function resolvePath(fs: FsBackend, base: string, path: string, followFinal: boolean): Resolved {
  if (path.length === 0) fail(Errno.NOENT);
  if (path.length > MAX_PATH_BYTES) fail(Errno.NAMETOOLONG);
  if (path.includes('\0')) fail(Errno.INVAL);
  if (path.charCodeAt(0) === 47 /* / */) fail(Errno.NOTCAPABLE);

  const stack: string[] = [];
  // Components still to walk, last one first (so pop() gives the next).
  const pending = path.split('/').reverse();
  const last = pending[0]!;
  const dirOnly = last === '' || last === '.' || last === '..';
  let links = 0;

  while (pending.length > 0) {
    const c = pending.pop()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (stack.length === 0) fail(Errno.NOTCAPABLE);
      stack.pop();
      continue;
    }
    if (Buffer.byteLength(c) > 255) fail(Errno.NAMETOOLONG);
    stack.push(c);
    const isLast = pending.every((p) => p === '');
    if (isLast && !followFinal && !dirOnly) break;
    const full = join(base, stack);
    let type: number;
    try {
      type = fs.lstat(full).filetype;
    } catch (e) {
      if (isLast && toErrno(e) === Errno.NOENT) break; // may be created
      throw e;
    }
    if (type === FileType.SYMBOLIC_LINK) {
      if (++links > MAX_SYMLINKS) fail(Errno.LOOP);
      const target = fs.readlink(full);
      if (target.length === 0) fail(Errno.NOENT);
      if (target.charCodeAt(0) === 47) fail(Errno.NOTCAPABLE);
      stack.pop();
      const parts = target.split('/');
      // A link to a directory followed by more components, or by a trailing slash, stays a directory lookup.
      for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i]!);
      continue;
    }
    if (!isLast && type !== FileType.DIRECTORY) fail(Errno.NOTDIR);
    if (isLast && dirOnly && type !== FileType.DIRECTORY) fail(Errno.NOTDIR);
  }
  return { path: join(base, stack), dirOnly };
}

function join(base: string, stack: string[]): string {
  const rest = stack.join('/');
  return base === '' ? rest : rest === '' ? base : `${base}/${rest}`;
}
