// Reading files named by untrusted input (a workload folder's manifest and the files
// it lists, a --wasm file, a WASI suite's specs) without hanging, without reading
// without limit and without leaving the folder they belong to.
//
// Node's readFileSync follows every symlink and opens whatever it finds: a FIFO
// blocks the process in open(2) forever, /dev/zero is read until memory runs out,
// and a symlink planted in a folder reads any host file. So a file here is opened
// only after its real path (realpath: every symlink resolved) is checked to be
// inside the folder and a regular file within the size cap, and then the *opened*
// descriptor is checked again (fstat: same inode, still regular; on Linux
// /proc/self/fd: still inside), so a component swapped between the check and the
// open is refused instead of followed. The open uses O_NONBLOCK (a FIFO swapped in
// cannot block it) and O_NOFOLLOW (the checked real path has no symlink left).
// Written by hand rather than taken from a library: none we know of does the
// fd-based re-check, which is the part that closes the race.

import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { sep } from 'node:path';

const HAVE_PROC = process.platform === 'linux' && existsSync('/proc/self/fd');

/** Why a file was refused; `message` is a predicate to follow the file's name ("is a FIFO, not a regular file"). */
export class FileRefused extends Error {
  override name = 'FileRefused';
  constructor(
    readonly reason: 'missing' | 'type' | 'outside' | 'size' | 'io',
    message: string,
  ) {
    super(message);
  }
}

export interface ReadLimits {
  /** Refuse files larger than this many bytes. */
  maxBytes: number;
  /** A folder the file's real location must be inside (symlinks resolved); omitted: anywhere. */
  inside?: string;
  /** How to name the folder in an error ("the workload folder"). */
  insideName?: string;
}

/** What a non-regular file is, in words. */
export function fileKind(s: Stats): string {
  if (s.isFile()) return 'a regular file';
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  if (s.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** Human-readable byte count for limits: "1 MiB", "300 KiB", "12 bytes". */
export function formatBytes(n: number): string {
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20} MiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

function errnoMessage(e: unknown): FileRefused {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FileRefused('missing', 'is missing');
  if (code === 'ELOOP') return new FileRefused('io', 'is a symlink loop (or a symlink where none may be)');
  if (code === 'ENOTDIR') return new FileRefused('missing', 'is missing (a component of its path is not a directory)');
  if (code === 'EACCES' || code === 'EPERM')
    return new FileRefused('io', `cannot be read (${code}: permission denied)`);
  return new FileRefused('io', `cannot be read (${code ?? (e as Error).message})`);
}

/**
 * Opens `path` for reading after the checks above; returns the descriptor (the caller
 * closes it), its fstat and its real path. Throws FileRefused.
 */
export function openRegularFile(path: string, limits: ReadLimits): { fd: number; stat: Stats; realPath: string } {
  let root: string | undefined;
  let real: string;
  let pre: Stats;
  try {
    if (limits.inside !== undefined) root = realpathSync(limits.inside);
    real = realpathSync(path);
  } catch (e) {
    throw errnoMessage(e);
  }
  const outside = (where: string) =>
    new FileRefused('outside', `leads outside ${limits.insideName ?? limits.inside} (through a symlink, to ${where})`);
  // Checked before opening, so a device or FIFO (or anything outside) is never even opened.
  if (root !== undefined && !isInside(root, real)) throw outside(real);
  try {
    pre = statSync(real);
  } catch (e) {
    throw errnoMessage(e);
  }
  if (!pre.isFile()) throw new FileRefused('type', `is ${fileKind(pre)}, not a regular file`);
  if (pre.size > limits.maxBytes)
    throw new FileRefused(
      'size',
      `is too large (${formatBytes(pre.size)}; the limit is ${formatBytes(limits.maxBytes)})`,
    );
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP')
      throw new FileRefused('outside', 'changed while being opened (now a symlink)');
    throw errnoMessage(e);
  }
  try {
    // What was opened, not what the path said a moment ago.
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new FileRefused('type', `is ${fileKind(stat)}, not a regular file`);
    if (stat.dev !== pre.dev || stat.ino !== pre.ino)
      throw new FileRefused('outside', 'changed while being opened (a different file was opened than was checked)');
    if (root !== undefined && HAVE_PROC) {
      const where = readlinkSync(`/proc/self/fd/${fd}`);
      if (!isInside(root, where)) throw outside(where);
    }
    return { fd, stat, realPath: real };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Reads a whole regular file under the checks of openRegularFile. The size cap holds
 * while reading too: a file that grows past it after the check is refused, not read on.
 */
export function readRegularFile(path: string, limits: ReadLimits): { bytes: Buffer; realPath: string } {
  const { fd, stat, realPath } = openRegularFile(path, limits);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const chunkSize = Math.max(1, Math.min(stat.size || 65_536, 8 * 2 ** 20));
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(chunkSize, limits.maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        throw errnoMessage(e);
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > limits.maxBytes)
        throw new FileRefused('size', `is too large (over the limit of ${formatBytes(limits.maxBytes)})`);
    }
    return { bytes: Buffer.concat(chunks, total), realPath };
  } finally {
    closeSync(fd);
  }
}

/** Checks a file as openRegularFile does without reading it; returns its real path. */
export function checkRegularFile(path: string, limits: ReadLimits): string {
  const { fd, realPath } = openRegularFile(path, limits);
  closeSync(fd);
  return realPath;
}

/** "is a FIFO (named pipe)", "is missing"…: what `path` is when it should be a directory, or null when it is one. */
export function notADirectory(path: string): string | null {
  let s: Stats;
  try {
    s = statSync(path);
  } catch (e) {
    return errnoMessage(e).message;
  }
  return s.isDirectory() ? null : `is ${fileKind(s)}, not a directory`;
}
