// In-memory filesystem backend: a private scratch directory (e.g. /tmp) per request.
// Nothing touches the host filesystem; the tree is garbage once the run ends.

import { Errno, FileType } from '../constants.js';
import {
  fail,
  type DirEntry,
  type FileHandle,
  type FsBackend,
  type OpenFlags,
  type Stat,
  type TimeSpec,
} from './types.js';

const MEMFS_DEV = 0x6d656d66n; // "memf"

interface Times {
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}
interface FileNode extends Times {
  kind: 'file';
  ino: bigint;
  nlink: number;
  data: Uint8Array;
  size: number;
}
interface DirNode extends Times {
  kind: 'dir';
  ino: bigint;
  nlink: number;
  entries: Map<string, Node>;
  parent: DirNode | null;
}
interface LinkNode extends Times {
  kind: 'symlink';
  ino: bigint;
  nlink: number;
  target: string;
}
type Node = FileNode | DirNode | LinkNode;

export interface MemFsOptions {
  /** Initial files: relative path → contents. Parent directories are created. */
  files?: Record<string, string | Uint8Array>;
  /** Total bytes of file data the tree may hold (ENOSPC past it). Default 64 MiB. */
  maxBytes?: number;
}

function now(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

function typeOf(n: Node): (typeof FileType)[keyof typeof FileType] {
  return n.kind === 'file' ? FileType.REGULAR_FILE : n.kind === 'dir' ? FileType.DIRECTORY : FileType.SYMBOLIC_LINK;
}

function statOf(n: Node): Stat {
  const size = n.kind === 'file' ? n.size : n.kind === 'symlink' ? Buffer.byteLength(n.target) : 4096;
  return {
    dev: MEMFS_DEV,
    ino: n.ino,
    filetype: typeOf(n),
    nlink: BigInt(n.nlink),
    size: BigInt(size),
    atimNs: n.atim,
    mtimNs: n.mtim,
    ctimNs: n.ctim,
  };
}

/** Exact ns as given; setting neither time changes nothing, ctime included (as Linux's utimensat). */
function applyTimes(n: Times, atim: TimeSpec, mtim: TimeSpec): void {
  if (atim === undefined && mtim === undefined) return;
  const t = now();
  if (atim !== undefined) n.atim = atim === 'now' ? t : atim;
  if (mtim !== undefined) n.mtim = mtim === 'now' ? t : mtim;
  n.ctim = t;
}

export class MemFs implements FsBackend {
  private nextIno = 1n;
  private readonly root: DirNode;
  private used = 0;
  private readonly maxBytes: number;

  constructor(options: MemFsOptions = {}) {
    this.maxBytes = options.maxBytes ?? 64 * 2 ** 20;
    this.root = this.newDir(null);
    for (const [path, contents] of Object.entries(options.files ?? {})) {
      const parts = path.split('/').filter((p) => p && p !== '.');
      let dir = this.root;
      for (const part of parts.slice(0, -1)) {
        let next = dir.entries.get(part);
        if (!next) {
          next = this.newDir(dir);
          dir.entries.set(part, next);
          dir.nlink++;
        }
        if (next.kind !== 'dir') throw new Error(`memfs: ${part} is not a directory`);
        dir = next;
      }
      const data = typeof contents === 'string' ? Buffer.from(contents) : contents;
      const file = this.newFile();
      this.reserve(file, data.length);
      file.data.set(data);
      file.size = data.length;
      dir.entries.set(parts[parts.length - 1]!, file);
    }
  }

  private newDir(parent: DirNode | null): DirNode {
    const t = now();
    return { kind: 'dir', ino: this.nextIno++, nlink: 2, entries: new Map(), parent, atim: t, mtim: t, ctim: t };
  }

  private newFile(): FileNode {
    const t = now();
    return { kind: 'file', ino: this.nextIno++, nlink: 1, data: new Uint8Array(0), size: 0, atim: t, mtim: t, ctim: t };
  }

  /** Grows a file's buffer to hold `size` bytes, within the tree's byte budget. */
  reserve(f: FileNode, size: number): void {
    if (size <= f.data.length) return;
    if (size > Number.MAX_SAFE_INTEGER) fail(Errno.FBIG);
    const cap = Math.max(size, Math.min(f.data.length * 2, size + 2 ** 20));
    if (this.used - f.data.length + cap > this.maxBytes) {
      if (this.used - f.data.length + size > this.maxBytes) fail(Errno.NOSPC);
      return this.resize(f, size);
    }
    this.resize(f, cap);
  }

  private resize(f: FileNode, cap: number): void {
    const next = new Uint8Array(cap);
    next.set(f.data.subarray(0, Math.min(f.size, cap)));
    this.used += cap - f.data.length;
    f.data = next;
  }

  /** The node at path (no symlink following; the resolver already did that). */
  private lookup(path: string): Node {
    if (path === '') return this.root;
    let n: Node = this.root;
    for (const part of path.split('/')) {
      if (n.kind !== 'dir') fail(Errno.NOTDIR);
      const next: Node | undefined = n.entries.get(part);
      if (!next) fail(Errno.NOENT);
      n = next;
    }
    return n;
  }

  private parentOf(path: string): [DirNode, string] {
    const i = path.lastIndexOf('/');
    const dir = this.lookup(i < 0 ? '' : path.slice(0, i));
    if (dir.kind !== 'dir') fail(Errno.NOTDIR);
    const name = path.slice(i + 1);
    if (name === '') fail(Errno.EXIST); // the root itself
    return [dir, name];
  }

  private touch(d: DirNode): void {
    d.mtim = d.ctim = now();
  }

  lstat(path: string): Stat {
    return statOf(this.lookup(path));
  }

  readlink(path: string): string {
    const n = this.lookup(path);
    if (n.kind !== 'symlink') fail(Errno.INVAL);
    return n.target;
  }

  open(path: string, flags: OpenFlags): FileHandle {
    let n: Node | undefined;
    if (path === '') n = this.root;
    else {
      const [dir, name] = this.parentOf(path);
      n = dir.entries.get(name);
      if (n && flags.create && flags.exclusive) fail(Errno.EXIST);
      if (!n) {
        if (!flags.create) fail(Errno.NOENT);
        if (flags.directory) fail(Errno.INVAL);
        n = this.newFile();
        dir.entries.set(name, n);
        this.touch(dir);
      }
    }
    if (n.kind === 'symlink') fail(Errno.LOOP);
    if (n.kind === 'dir' && flags.create && !flags.directory) fail(Errno.ISDIR);
    if (flags.directory && n.kind !== 'dir') fail(Errno.NOTDIR);
    if (n.kind === 'dir') {
      if (flags.write || flags.truncate) fail(Errno.ISDIR);
      return new MemDirHandle(n);
    }
    if (flags.truncate && n.size > 0) {
      n.size = 0;
      n.mtim = n.ctim = now();
    }
    return new MemFileHandle(this, n);
  }

  mkdir(path: string): void {
    const [dir, name] = this.parentOf(path);
    if (dir.entries.has(name)) fail(Errno.EXIST);
    dir.entries.set(name, this.newDir(dir));
    dir.nlink++;
    this.touch(dir);
  }

  rmdir(path: string): void {
    if (path === '') fail(Errno.BUSY);
    const [dir, name] = this.parentOf(path);
    const n = dir.entries.get(name);
    if (!n) fail(Errno.NOENT);
    if (n.kind !== 'dir') fail(Errno.NOTDIR);
    if (n.entries.size > 0) fail(Errno.NOTEMPTY);
    dir.entries.delete(name);
    dir.nlink--;
    n.nlink = 0;
    this.touch(dir);
  }

  unlink(path: string): void {
    const [dir, name] = this.parentOf(path);
    const n = dir.entries.get(name);
    if (!n) fail(Errno.NOENT);
    if (n.kind === 'dir') fail(Errno.ISDIR);
    dir.entries.delete(name);
    n.nlink--;
    if (n.kind === 'file' && n.nlink === 0) {
      this.used -= n.data.length;
    }
    this.touch(dir);
  }

  rename(from: string, to: string): void {
    const [fdir, fname] = this.parentOf(from);
    const n = fdir.entries.get(fname);
    if (!n) fail(Errno.NOENT);
    const [tdir, tname] = this.parentOf(to);
    const existing = tdir.entries.get(tname);
    if (existing === n) return;
    if (n.kind === 'dir') {
      // A directory cannot move into itself or below itself.
      for (let d: DirNode | null = tdir; d; d = d.parent) if (d === n) fail(Errno.INVAL);
    }
    if (existing) {
      if (n.kind === 'dir' && existing.kind !== 'dir') fail(Errno.NOTDIR);
      if (n.kind !== 'dir' && existing.kind === 'dir') fail(Errno.ISDIR);
      if (existing.kind === 'dir' && existing.entries.size > 0) fail(Errno.NOTEMPTY);
      existing.nlink = existing.kind === 'dir' ? 0 : existing.nlink - 1;
      if (existing.kind === 'file' && existing.nlink === 0) this.used -= existing.data.length;
      if (existing.kind === 'dir') tdir.nlink--;
    }
    fdir.entries.delete(fname);
    tdir.entries.set(tname, n);
    if (n.kind === 'dir') {
      fdir.nlink--;
      tdir.nlink++;
      n.parent = tdir;
    }
    this.touch(fdir);
    this.touch(tdir);
  }

  link(from: string, to: string): void {
    const n = this.lookup(from);
    if (n.kind === 'dir') fail(Errno.PERM);
    const [tdir, tname] = this.parentOf(to);
    if (tdir.entries.has(tname)) fail(Errno.EXIST);
    tdir.entries.set(tname, n);
    n.nlink++;
    n.ctim = now();
    this.touch(tdir);
  }

  symlink(target: string, path: string): void {
    const [dir, name] = this.parentOf(path);
    if (dir.entries.has(name)) fail(Errno.EXIST);
    const t = now();
    dir.entries.set(name, { kind: 'symlink', ino: this.nextIno++, nlink: 1, target, atim: t, mtim: t, ctim: t });
    this.touch(dir);
  }

  setTimes(path: string, atim: TimeSpec, mtim: TimeSpec): void {
    applyTimes(this.lookup(path), atim, mtim);
  }
}

class MemFileHandle implements FileHandle {
  readonly isDirectory = false;
  constructor(
    private readonly fs: MemFs,
    private readonly node: FileNode,
  ) {}

  pread(dst: Uint8Array, offset: number, length: number, position: number): number {
    const n = this.node;
    if (position >= n.size) return 0;
    const count = Math.min(length, n.size - position);
    dst.set(n.data.subarray(position, position + count), offset);
    return count;
  }

  pwrite(src: Uint8Array, offset: number, length: number, position: number): number {
    const n = this.node;
    const end = position + length;
    if (end > n.size) this.fs.reserve(n, end);
    if (position > n.size) n.data.fill(0, n.size, position);
    n.data.set(src.subarray(offset, offset + length), position);
    if (end > n.size) n.size = end;
    n.mtim = n.ctim = now();
    return length;
  }

  stat(): Stat {
    return statOf(this.node);
  }

  truncate(size: number): void {
    const n = this.node;
    if (size > n.size) {
      this.fs.reserve(n, size);
      n.data.fill(0, n.size, size);
    }
    n.size = size;
    n.mtim = n.ctim = now();
  }

  setTimes(atim: TimeSpec, mtim: TimeSpec): void {
    applyTimes(this.node, atim, mtim);
  }

  sync(): void {}
  readdir(): DirEntry[] {
    return fail(Errno.NOTDIR);
  }
  close(): void {}
}

class MemDirHandle implements FileHandle {
  readonly isDirectory = true;
  constructor(private readonly node: DirNode) {}
  pread(): number {
    return fail(Errno.ISDIR);
  }
  pwrite(): number {
    return fail(Errno.ISDIR);
  }
  stat(): Stat {
    return statOf(this.node);
  }
  truncate(): void {
    fail(Errno.ISDIR);
  }
  setTimes(atim: TimeSpec, mtim: TimeSpec): void {
    applyTimes(this.node, atim, mtim);
  }
  sync(): void {}
  readdir(): DirEntry[] {
    const d = this.node;
    const out: DirEntry[] = [
      { name: '.', ino: d.ino, filetype: FileType.DIRECTORY },
      { name: '..', ino: (d.parent ?? d).ino, filetype: FileType.DIRECTORY },
    ];
    for (const [name, n] of d.entries) out.push({ name, ino: n.ino, filetype: typeOf(n) });
    return out;
  }
  close(): void {}
}
