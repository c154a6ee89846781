// Host-directory backend: a preopened directory of the host filesystem.
//
// The resolver has already walked the guest path component by component (no '..',
// no symlink left except possibly the final name). What remains is a race with
// other processes (or other guests sharing the directory) swapping a checked
// directory for a symlink between our check and the operation. On Linux we close
// it: every operation opens the parent directory, asks the kernel where that open
// directory really is (/proc/self/fd/N), refuses if it is outside the preopen, and
// then acts on `/proc/self/fd/N/name` — the kernel resolves that name relative to
// the verified directory, like openat(2), and O_NOFOLLOW keeps the final name from
// being followed. Without /proc, plain paths are used (the race stays open).
//
// File times go through utimens.ts: utimensat/futimens via a small native addon, so
// the nanoseconds the guest asked for are kept exactly, a time it did not ask to set
// is not touched (UTIME_OMIT), and "now" is the kernel's (UTIME_NOW); Node's own
// utimes could do none of the three (see utimens.ts for why and for the fallback).

import {
  closeSync,
  constants as C,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  type BigIntStats,
} from 'node:fs';
import { Errno, FileType } from '../constants.js';
import { setTimesFd, setTimesPath } from './utimens.js';
import {
  fail,
  type DirEntry,
  type FileHandle,
  type FileTypeValue,
  type FsBackend,
  type OpenFlags,
  type Stat,
  type TimeSpec,
} from './types.js';

const HAVE_PROC = process.platform === 'linux' && existsSync('/proc/self/fd');
const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;

function typeOfStats(s: BigIntStats): FileTypeValue {
  if (s.isFile()) return FileType.REGULAR_FILE;
  if (s.isDirectory()) return FileType.DIRECTORY;
  if (s.isSymbolicLink()) return FileType.SYMBOLIC_LINK;
  if (s.isCharacterDevice()) return FileType.CHARACTER_DEVICE;
  if (s.isBlockDevice()) return FileType.BLOCK_DEVICE;
  if (s.isSocket()) return FileType.SOCKET_STREAM;
  return FileType.UNKNOWN;
}

function toStat(s: BigIntStats): Stat {
  return {
    dev: s.dev,
    ino: s.ino,
    filetype: typeOfStats(s),
    nlink: s.nlink,
    size: s.size,
    atimNs: s.atimeNs,
    mtimNs: s.mtimeNs,
    ctimNs: s.ctimeNs,
  };
}

export class HostDirFs implements FsBackend {
  private readonly real: string;

  constructor(
    readonly root: string,
    readonly readOnly = false,
  ) {
    this.real = realpathSync(root);
  }

  /** Runs fn with a host path for `rel` whose parent directory is verified to lie inside the root. */
  private at<T>(rel: string, fn: (hostPath: string) => T): T {
    const i = rel.lastIndexOf('/');
    const dir = i < 0 ? '' : rel.slice(0, i);
    const name = rel.slice(i + 1);
    // The root itself was resolved when the preopen was made.
    if (rel === '') return fn(this.real);
    if (!HAVE_PROC) return fn(`${this.real}/${rel}`);
    const fd = openSync(dir === '' ? this.real : `${this.real}/${dir}`, DIR_FLAGS);
    try {
      const where = readlinkSync(`/proc/self/fd/${fd}`);
      if (where !== this.real && !where.startsWith(this.real + '/')) fail(Errno.NOTCAPABLE);
      return fn(`/proc/self/fd/${fd}/${name}`);
    } finally {
      closeSync(fd);
    }
  }

  private writable(): void {
    if (this.readOnly) fail(Errno.ROFS);
  }

  lstat(path: string): Stat {
    return this.at(path, (p) => toStat(lstatSync(p, { bigint: true })));
  }

  readlink(path: string): string {
    return this.at(path, (p) => readlinkSync(p, 'utf8'));
  }

  open(path: string, f: OpenFlags): FileHandle {
    if ((f.write || f.create || f.truncate) && this.readOnly) fail(Errno.ROFS);
    let flags = C.O_NOFOLLOW | (f.write ? (f.read ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY);
    if (f.create) flags |= C.O_CREAT;
    if (f.exclusive) flags |= C.O_EXCL;
    if (f.truncate) flags |= C.O_TRUNC;
    if (f.directory) flags |= C.O_DIRECTORY;
    const fd = this.at(path, (p) => openSync(p, flags, 0o666));
    try {
      const s = fstatSync(fd, { bigint: true });
      if (HAVE_PROC) {
        // Belt and braces: the open file must be inside the root too.
        const where = readlinkSync(`/proc/self/fd/${fd}`);
        if (where !== this.real && !where.startsWith(this.real + '/')) fail(Errno.NOTCAPABLE);
      }
      return new HostHandle(fd, s.isDirectory(), path === '');
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  mkdir(path: string): void {
    this.writable();
    this.at(path, (p) => mkdirSync(p, 0o777));
  }
  rmdir(path: string): void {
    this.writable();
    if (path === '') fail(Errno.BUSY);
    this.at(path, (p) => rmdirSync(p));
  }
  unlink(path: string): void {
    this.writable();
    this.at(path, (p) => {
      // Linux unlink(2) on a directory says EISDIR; POSIX allows EPERM. WASI wants EISDIR.
      if (lstatSync(p).isDirectory()) fail(Errno.ISDIR);
      unlinkSync(p);
    });
  }
  rename(from: string, to: string): void {
    this.writable();
    this.at(from, (a) => this.at(to, (b) => renameSync(a, b)));
  }
  link(from: string, to: string): void {
    this.writable();
    this.at(from, (a) => this.at(to, (b) => linkSync(a, b)));
  }
  symlink(target: string, path: string): void {
    this.writable();
    this.at(path, (p) => symlinkSync(target, p));
  }
  setTimes(path: string, atim: TimeSpec, mtim: TimeSpec): void {
    this.writable();
    this.at(path, (p) => setTimesPath(p, atim, mtim));
  }
}

class HostHandle implements FileHandle {
  /** isRoot: the preopened directory itself, whose '..' (outside) is not shown. */
  constructor(
    private fd: number,
    readonly isDirectory: boolean,
    private readonly isRoot = false,
  ) {}

  pread(dst: Uint8Array, offset: number, length: number, position: number): number {
    if (this.isDirectory) fail(Errno.ISDIR);
    return readSync(this.fd, dst, offset, length, position);
  }
  pwrite(src: Uint8Array, offset: number, length: number, position: number): number {
    if (this.isDirectory) fail(Errno.ISDIR);
    return writeSync(this.fd, src, offset, length, position);
  }
  stat(): Stat {
    return toStat(fstatSync(this.fd, { bigint: true }));
  }
  truncate(size: number): void {
    if (this.isDirectory) fail(Errno.ISDIR);
    ftruncateSync(this.fd, size);
  }
  setTimes(atim: TimeSpec, mtim: TimeSpec): void {
    setTimesFd(this.fd, atim, mtim);
  }
  sync(): void {
    fsyncSync(this.fd);
  }
  readdir(): DirEntry[] {
    if (!this.isDirectory) fail(Errno.NOTDIR);
    const self = fstatSync(this.fd, { bigint: true });
    const base = `/proc/self/fd/${this.fd}`;
    let parentIno = self.ino;
    if (!this.isRoot)
      try {
        parentIno = lstatSync(`${base}/..`, { bigint: true }).ino;
      } catch {
        /* keep self */
      }
    const out: DirEntry[] = [
      { name: '.', ino: self.ino, filetype: FileType.DIRECTORY },
      { name: '..', ino: parentIno, filetype: FileType.DIRECTORY },
    ];
    for (const name of readdirSync(base).sort()) {
      try {
        const s = lstatSync(`${base}/${name}`, { bigint: true });
        out.push({ name, ino: s.ino, filetype: typeOfStats(s) });
      } catch {
        /* vanished meanwhile */
      }
    }
    return out;
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
