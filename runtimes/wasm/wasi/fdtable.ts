// The WASI fd table of one run: stdio, preopened directories, opened files.
// Created lazily on the first call that needs it, so a run that only does stdio
// (the common serverless case) never builds one.

import { ALL_RIGHTS, FileType, Rights } from './constants.js';
import { HostDirFs } from './fs/hostdir.js';
import { MemFs, type MemFsOptions } from './fs/memfs.js';
import type { FileHandle, FsBackend } from './fs/types.js';

/** A directory the guest may reach, announced through fd_prestat_get. */
export interface PreopenSpec {
  /** The name the guest sees, e.g. "/" or "/tmp". */
  guestPath: string;
  /** A host directory served as is (the only way out to the host filesystem). */
  hostDir?: string;
  /** With hostDir: refuse every write (EROFS) and withhold write rights. */
  readOnly?: boolean;
  /** A fresh, private in-memory directory for each run, optionally pre-filled. */
  memfs?: boolean | MemFsOptions;
  /** Any other backend: a factory, called once per run that touches the fd table. */
  backend?: () => FsBackend;
}

const R = Rights;
export const FILE_RIGHTS =
  R.FD_DATASYNC |
  R.FD_READ |
  R.FD_SEEK |
  R.FD_FDSTAT_SET_FLAGS |
  R.FD_SYNC |
  R.FD_TELL |
  R.FD_WRITE |
  R.FD_ADVISE |
  R.FD_ALLOCATE |
  R.FD_FILESTAT_GET |
  R.FD_FILESTAT_SET_SIZE |
  R.FD_FILESTAT_SET_TIMES |
  R.POLL_FD_READWRITE;
export const DIR_RIGHTS =
  R.FD_FDSTAT_SET_FLAGS |
  R.FD_SYNC |
  R.FD_DATASYNC |
  R.FD_ADVISE |
  R.PATH_CREATE_DIRECTORY |
  R.PATH_CREATE_FILE |
  R.PATH_LINK_SOURCE |
  R.PATH_LINK_TARGET |
  R.PATH_OPEN |
  R.FD_READDIR |
  R.PATH_READLINK |
  R.PATH_RENAME_SOURCE |
  R.PATH_RENAME_TARGET |
  R.PATH_FILESTAT_GET |
  R.PATH_FILESTAT_SET_SIZE |
  R.PATH_FILESTAT_SET_TIMES |
  R.FD_FILESTAT_GET |
  R.FD_FILESTAT_SET_TIMES |
  R.PATH_SYMLINK |
  R.PATH_REMOVE_DIRECTORY |
  R.PATH_UNLINK_FILE;
const WRITE_RIGHTS =
  R.FD_WRITE |
  R.FD_ALLOCATE |
  R.FD_FILESTAT_SET_SIZE |
  R.FD_FILESTAT_SET_TIMES |
  R.FD_DATASYNC |
  R.FD_SYNC |
  R.PATH_CREATE_DIRECTORY |
  R.PATH_CREATE_FILE |
  R.PATH_LINK_SOURCE |
  R.PATH_LINK_TARGET |
  R.PATH_RENAME_SOURCE |
  R.PATH_RENAME_TARGET |
  R.PATH_FILESTAT_SET_SIZE |
  R.PATH_FILESTAT_SET_TIMES |
  R.PATH_SYMLINK |
  R.PATH_REMOVE_DIRECTORY |
  R.PATH_UNLINK_FILE;
export const STDIN_RIGHTS = R.FD_READ | R.FD_FDSTAT_SET_FLAGS | R.FD_FILESTAT_GET | R.POLL_FD_READWRITE;
export const STDOUT_RIGHTS = R.FD_WRITE | R.FD_FDSTAT_SET_FLAGS | R.FD_FILESTAT_GET | R.POLL_FD_READWRITE;

export const enum FdKind {
  Stdin,
  Stdout,
  Stderr,
  File,
  Dir,
}

export class Fd {
  /** Current offset, for files. */
  position = 0;
  /** fdflags (APPEND, NONBLOCK, ...). */
  flags = 0;
  constructor(
    readonly kind: FdKind,
    public rightsBase: bigint,
    public rightsInheriting: bigint,
    /** Files and dirs: the backend they live in, their open handle, and (dirs) their backend path. */
    readonly backend: FsBackend | null = null,
    readonly handle: FileHandle | null = null,
    readonly path = '',
    /** Preopens: the guest-visible name. */
    readonly preopen: string | null = null,
  ) {}

  get filetype(): number {
    return this.kind === FdKind.File
      ? FileType.REGULAR_FILE
      : this.kind === FdKind.Dir
        ? FileType.DIRECTORY
        : FileType.CHARACTER_DEVICE;
  }
}

const hostDirs = new WeakMap<PreopenSpec, HostDirFs>();

function backendFor(spec: PreopenSpec): FsBackend {
  if (spec.backend) return spec.backend();
  if (spec.memfs) return new MemFs(spec.memfs === true ? {} : spec.memfs);
  if (spec.hostDir !== undefined) {
    // HostDirFs keeps no per-run state: one per spec, reused across runs.
    let fs = hostDirs.get(spec);
    if (!fs) {
      fs = new HostDirFs(spec.hostDir, spec.readOnly ?? false);
      hostDirs.set(spec, fs);
    }
    return fs;
  }
  throw new Error(`preopen ${spec.guestPath}: give hostDir, memfs or backend`);
}

export class FdTable {
  readonly fds: (Fd | undefined)[] = [];

  constructor(preopens: readonly PreopenSpec[]) {
    this.fds.push(
      new Fd(FdKind.Stdin, STDIN_RIGHTS, 0n),
      new Fd(FdKind.Stdout, STDOUT_RIGHTS, 0n),
      new Fd(FdKind.Stderr, STDOUT_RIGHTS, 0n),
    );
    this.fds[1]!.flags = this.fds[2]!.flags = 1; // APPEND, as wasmtime reports stdout/stderr
    for (const spec of preopens) {
      const backend = backendFor(spec);
      const handle = backend.open('', {
        read: true,
        write: false,
        create: false,
        exclusive: false,
        truncate: false,
        directory: true,
      });
      const ro = spec.readOnly ? ~WRITE_RIGHTS & ALL_RIGHTS : ALL_RIGHTS;
      this.fds.push(new Fd(FdKind.Dir, DIR_RIGHTS & ro, ALL_RIGHTS & ro, backend, handle, '', spec.guestPath));
    }
  }

  get(fd: number): Fd | undefined {
    return this.fds[fd];
  }

  /** The lowest free descriptor number, as POSIX does. */
  add(entry: Fd): number {
    let i = 3;
    while (this.fds[i] !== undefined) i++;
    this.fds[i] = entry;
    return i;
  }

  remove(fd: number): Fd | undefined {
    const e = this.fds[fd];
    this.fds[fd] = undefined;
    while (this.fds.length > 0 && this.fds[this.fds.length - 1] === undefined) this.fds.pop();
    return e;
  }

  /** Closes every open handle and drops every backend (memfs trees become garbage). */
  dispose(): void {
    const backends = new Set<FsBackend>();
    for (const e of this.fds) {
      if (!e) continue;
      try {
        e.handle?.close();
      } catch {
        /* closing is best effort */
      }
      if (e.backend) backends.add(e.backend);
    }
    for (const b of backends) b.dispose?.();
    this.fds.length = 0;
  }
}
