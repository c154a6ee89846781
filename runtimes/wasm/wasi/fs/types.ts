// The filesystem backend interface behind the WASI host.
//
// A backend serves one preopened directory. Paths handed to it are relative to its
// root ('' is the root itself), '/'-separated, already resolved by resolve.ts: no
// '.', '..', empty components, and no symlink in any component but possibly the
// last. Backends therefore never interpret guest paths; escapes are stopped before
// a backend sees a path. Errors are thrown as FsError(errno).

import { Errno, FileType } from '../constants.js';

export type FileTypeValue = (typeof FileType)[keyof typeof FileType];

export interface Stat {
  dev: bigint;
  ino: bigint;
  filetype: FileTypeValue;
  nlink: bigint;
  size: bigint;
  atimNs: bigint;
  mtimNs: bigint;
  ctimNs: bigint;
}

export interface DirEntry {
  name: string;
  ino: bigint;
  filetype: FileTypeValue;
}

export interface OpenFlags {
  read: boolean;
  write: boolean;
  create: boolean;
  exclusive: boolean;
  truncate: boolean;
  directory: boolean;
}

/** A time to set: a value in ns, 'now', or undefined for "leave as is". */
export type TimeSpec = bigint | 'now' | undefined;

/** An open file or directory. Positions are kept by the host (WASI fds), not here. */
export interface FileHandle {
  readonly isDirectory: boolean;
  pread(dst: Uint8Array, offset: number, length: number, position: number): number;
  pwrite(src: Uint8Array, offset: number, length: number, position: number): number;
  stat(): Stat;
  truncate(size: number): void;
  setTimes(atim: TimeSpec, mtim: TimeSpec): void;
  sync(): void;
  readdir(): DirEntry[];
  close(): void;
}

export interface FsBackend {
  /** Stat without following a final symlink. */
  lstat(path: string): Stat;
  readlink(path: string): string;
  /** Opens an existing or new file/dir at path; the final component is never a symlink to follow. */
  open(path: string, flags: OpenFlags): FileHandle;
  mkdir(path: string): void;
  rmdir(path: string): void;
  unlink(path: string): void;
  rename(from: string, to: string): void;
  link(from: string, to: string): void;
  symlink(target: string, path: string): void;
  /** Sets times on the entry itself (a symlink is not followed). */
  setTimes(path: string, atim: TimeSpec, mtim: TimeSpec): void;
  /** Releases whatever the backend holds (memfs: its tree). */
  dispose?(): void;
}

/** A WASI errno raised by a backend or the resolver. Not an Error: no stack trace. */
export class FsError {
  constructor(readonly errno: number) {}
}

export function fail(errno: number): never {
  throw new FsError(errno);
}

const NODE_CODES: Record<string, number> = {
  ENOENT: Errno.NOENT,
  EEXIST: Errno.EXIST,
  ENOTDIR: Errno.NOTDIR,
  EISDIR: Errno.ISDIR,
  ENOTEMPTY: Errno.NOTEMPTY,
  EACCES: Errno.ACCES,
  EPERM: Errno.PERM,
  EBADF: Errno.BADF,
  EINVAL: Errno.INVAL,
  ELOOP: Errno.LOOP,
  ENAMETOOLONG: Errno.NAMETOOLONG,
  EXDEV: Errno.XDEV,
  EMLINK: Errno.MLINK,
  ENOSPC: Errno.NOSPC,
  EROFS: Errno.ROFS,
  EFBIG: Errno.FBIG,
  EBUSY: Errno.BUSY,
  EMFILE: Errno.MFILE,
  ENFILE: Errno.NFILE,
  EIO: Errno.IO,
  ENXIO: Errno.NXIO,
  ESPIPE: Errno.SPIPE,
  EAGAIN: Errno.AGAIN,
  EDQUOT: Errno.DQUOT,
  ETXTBSY: Errno.TXTBSY,
  ENOTSUP: Errno.NOTSUP,
  EOPNOTSUPP: Errno.NOTSUP,
  EOVERFLOW: Errno.OVERFLOW,
};

/**
 * Maps what a backend call threw to a WASI errno. Only filesystem failures are
 * mapped (FsError, Node system errors, Node's argument range checks); anything else
 * (WasiExit, WasiLimit, a host bug) is rethrown.
 */
export function toErrno(e: unknown): number {
  if (e instanceof FsError) return e.errno;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && e instanceof Error) {
    if (code in NODE_CODES) return NODE_CODES[code]!;
    if (code === 'ERR_OUT_OF_RANGE' || code === 'ERR_INVALID_ARG_VALUE') return Errno.INVAL;
    if (code.startsWith('E') && !code.startsWith('ERR_')) return Errno.IO;
  }
  throw e;
}
