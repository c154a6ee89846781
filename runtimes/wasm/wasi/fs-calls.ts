// WASI preview1 calls on the fd table: fd_*, path_*, poll_oneoff, sock_*.
// Pointer checks and struct layouts live here; filesystem semantics live in the
// backends (fs/) and the resolver (fs/resolve.ts). Every call returns an errno;
// host failures map to errnos, never to exceptions in the guest.

import {
  ClockId,
  Errno,
  EventType,
  FdFlags,
  FileType,
  FstFlags,
  LookupFlags,
  OFlags,
  Rights,
  SubclockFlags,
  Whence,
} from './constants.js';
import { Fd, FdKind, FILE_RIGHTS, DIR_RIGHTS, type FdTable } from './fdtable.js';
import { resolvePath } from './fs/resolve.js';
import { fail, toErrno, type Stat, type TimeSpec } from './fs/types.js';
import type { GuestMemory } from './memory.js';

export interface Sink {
  push(src: Uint8Array, start: number, len: number): void;
}

/** What the calls need from the host: memory, the run's fd table and stdio. */
export interface FsHost {
  readonly mem: GuestMemory;
  table(): FdTable;
  readStdin(dst: Uint8Array, offset: number, length: number): number;
  stdinRemaining(): number;
  sink(fd: 1 | 2): Sink;
}

const MAX_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function u64(v: bigint): bigint {
  return BigInt.asUintN(64, v);
}

/** A file offset from the guest as a safe JS number, or -1 when too large. */
function offsetOf(v: bigint): number {
  const x = u64(v);
  return x > MAX_OFFSET ? -1 : Number(x);
}

function timeSpec(flags: number, set: number, now: number, value: bigint): TimeSpec {
  if (flags & now) return 'now';
  if (flags & set) return u64(value);
  return undefined;
}

/** Rights that guard reads and writes map to EBADF (POSIX's answer); the rest to ENOTCAPABLE. */
function need(e: Fd | undefined, right: bigint): number {
  if (!e) return Errno.BADF;
  if ((e.rightsBase & right) === right) return Errno.SUCCESS;
  return right === Rights.FD_READ || right === Rights.FD_WRITE ? Errno.BADF : Errno.NOTCAPABLE;
}

export class FsCalls {
  constructor(private readonly host: FsHost) {}

  private get mem(): GuestMemory {
    return this.host.mem;
  }

  /** A path argument, or an errno (EFAULT out of bounds, EILSEQ not UTF-8). */
  private path(ptr: number, len: number): string | number {
    try {
      const s = this.mem.string(ptr, len);
      return s === null ? Errno.FAULT : s;
    } catch {
      return Errno.ILSEQ;
    }
  }

  /** A directory fd with the given right, or an errno. */
  private dir(fd: number, right: bigint): Fd | number {
    const e = this.host.table().get(fd);
    const err = need(e, right);
    if (err !== Errno.SUCCESS) return err;
    if (e!.kind !== FdKind.Dir) return Errno.NOTDIR;
    return e!;
  }

  /** filestat: 64 bytes; wasi_unstable's older layout (u32 nlink) is 56. */
  private writeStat(ptr: number, s: Stat, unstable = false): void {
    const v = this.mem.view;
    const p = ptr >>> 0;
    if (unstable) {
      v.setBigUint64(p, s.dev, true);
      v.setBigUint64(p + 8, s.ino, true);
      v.setUint32(p + 16, s.filetype, true);
      v.setUint32(p + 20, Number(s.nlink & 0xffffffffn), true);
      v.setBigUint64(p + 24, s.size, true);
      v.setBigUint64(p + 32, s.atimNs, true);
      v.setBigUint64(p + 40, s.mtimNs, true);
      v.setBigUint64(p + 48, s.ctimNs, true);
      return;
    }
    v.setBigUint64(p, s.dev, true);
    v.setBigUint64(p + 8, s.ino, true);
    v.setUint8(p + 16, s.filetype);
    for (let i = 17; i < 24; i++) v.setUint8(p + i, 0);
    v.setBigUint64(p + 24, s.nlink, true);
    v.setBigUint64(p + 32, s.size, true);
    v.setBigUint64(p + 40, s.atimNs, true);
    v.setBigUint64(p + 48, s.mtimNs, true);
    v.setBigUint64(p + 56, s.ctimNs, true);
  }

  // ---- fd_* ----

  fd_read(fd: number, iovs: number, iovsLen: number, nreadPtr: number): number {
    const e = this.host.table().get(fd);
    if (e?.kind === FdKind.Dir) return Errno.ISDIR;
    const err = need(e, Rights.FD_READ);
    if (err) return err;
    if (!this.mem.inBounds(nreadPtr, 4)) return Errno.FAULT;
    const n = this.readv(e!, iovs, iovsLen, -1);
    if (n < 0) return -n;
    this.mem.view.setUint32(nreadPtr >>> 0, n, true);
    return Errno.SUCCESS;
  }

  fd_pread(fd: number, iovs: number, iovsLen: number, offset: bigint, nreadPtr: number): number {
    const e = this.host.table().get(fd);
    if (e && e.kind !== FdKind.File) return e.kind === FdKind.Dir ? Errno.ISDIR : Errno.SPIPE;
    const err = need(e, Rights.FD_READ) || need(e, Rights.FD_SEEK);
    if (err) return err;
    if (!this.mem.inBounds(nreadPtr, 4)) return Errno.FAULT;
    const pos = offsetOf(offset);
    if (pos < 0) return Errno.INVAL;
    const n = this.readv(e!, iovs, iovsLen, pos);
    if (n < 0) return -n;
    this.mem.view.setUint32(nreadPtr >>> 0, n, true);
    return Errno.SUCCESS;
  }

  /** Reads into iovecs: at `at`, or at the fd's position when at < 0. Returns bytes or -errno. */
  private readv(e: Fd, iovs: number, iovsLen: number, at: number): number {
    const mem = this.mem;
    const count = iovsLen >>> 0;
    if (!mem.inBounds(iovs, count * 8)) return -Errno.FAULT;
    if (count > 1024) return -Errno.INVAL; // IOV_MAX
    let total = 0;
    let pos = at < 0 ? e.position : at;
    try {
      for (let i = 0; i < count; i++) {
        const ptr = mem.view.getUint32((iovs >>> 0) + i * 8, true);
        const len = mem.view.getUint32((iovs >>> 0) + i * 8 + 4, true);
        if (!mem.inBounds(ptr, len)) return -Errno.FAULT;
        if (len === 0) continue;
        let n: number;
        if (e.kind === FdKind.Stdin) n = this.host.readStdin(mem.u8, ptr, len);
        else if (e.kind === FdKind.File) n = e.handle!.pread(mem.u8, ptr, len, pos);
        else return -Errno.BADF;
        total += n;
        pos += n;
        if (n < len) break;
      }
    } catch (err) {
      if (total === 0) return -toErrno(err);
    }
    if (at < 0 && e.kind === FdKind.File) e.position = pos;
    return total;
  }

  fd_write(fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
    const e = this.host.table().get(fd);
    const err = need(e, Rights.FD_WRITE);
    if (err) return err;
    if (!this.mem.inBounds(nwrittenPtr, 4)) return Errno.FAULT;
    const n = this.writev(e!, iovs, iovsLen, -1);
    if (n < 0) return -n;
    this.mem.view.setUint32(nwrittenPtr >>> 0, n, true);
    return Errno.SUCCESS;
  }

  fd_pwrite(fd: number, iovs: number, iovsLen: number, offset: bigint, nwrittenPtr: number): number {
    const e = this.host.table().get(fd);
    if (e && e.kind !== FdKind.File) return e.kind === FdKind.Dir ? Errno.ISDIR : Errno.SPIPE;
    const err = need(e, Rights.FD_WRITE) || need(e, Rights.FD_SEEK);
    if (err) return err;
    if (!this.mem.inBounds(nwrittenPtr, 4)) return Errno.FAULT;
    const pos = offsetOf(offset);
    if (pos < 0) return Errno.INVAL;
    const n = this.writev(e!, iovs, iovsLen, pos);
    if (n < 0) return -n;
    this.mem.view.setUint32(nwrittenPtr >>> 0, n, true);
    return Errno.SUCCESS;
  }

  /** Writes iovecs: at `at` (pwrite: POSIX, the append flag does not move it), or at the position / end. */
  private writev(e: Fd, iovs: number, iovsLen: number, at: number): number {
    const mem = this.mem;
    const count = iovsLen >>> 0;
    if (!mem.inBounds(iovs, count * 8)) return -Errno.FAULT;
    if (count > 1024) return -Errno.INVAL; // IOV_MAX
    for (let i = 0; i < count; i++) {
      const ptr = mem.view.getUint32((iovs >>> 0) + i * 8, true);
      const len = mem.view.getUint32((iovs >>> 0) + i * 8 + 4, true);
      if (!mem.inBounds(ptr, len)) return -Errno.FAULT;
    }
    let total = 0;
    if (e.kind === FdKind.Stdout || e.kind === FdKind.Stderr) {
      const sink = this.host.sink(e.kind === FdKind.Stdout ? 1 : 2);
      for (let i = 0; i < count; i++) {
        const ptr = mem.view.getUint32((iovs >>> 0) + i * 8, true);
        const len = mem.view.getUint32((iovs >>> 0) + i * 8 + 4, true);
        if (len > 0) sink.push(mem.u8, ptr, len);
        total += len;
      }
      return total;
    }
    if (e.kind !== FdKind.File) return -Errno.BADF;
    const h = e.handle!;
    try {
      let pos = at >= 0 ? at : e.flags & FdFlags.APPEND ? Number(h.stat().size) : e.position;
      for (let i = 0; i < count; i++) {
        const ptr = mem.view.getUint32((iovs >>> 0) + i * 8, true);
        const len = mem.view.getUint32((iovs >>> 0) + i * 8 + 4, true);
        if (len === 0) continue;
        const n = h.pwrite(mem.u8, ptr, len, pos);
        total += n;
        pos += n;
        if (n < len) break;
      }
      if (at < 0) e.position = pos;
    } catch (err) {
      if (total === 0) return -toErrno(err);
    }
    return total;
  }

  fd_seek(fd: number, offset: bigint, whence: number, newOffsetPtr: number): number {
    const e = this.host.table().get(fd);
    if (!e) return Errno.BADF;
    if (e.kind !== FdKind.File) return e.kind === FdKind.Dir ? Errno.BADF : Errno.SPIPE;
    const tellOnly = whence === Whence.CUR && offset === 0n;
    const err = need(e, tellOnly ? Rights.FD_TELL : Rights.FD_SEEK);
    if (err && !(tellOnly && !need(e, Rights.FD_SEEK))) return err;
    if (!this.mem.inBounds(newOffsetPtr, 8)) return Errno.FAULT;
    let base: number;
    try {
      switch (whence) {
        case Whence.SET:
          base = 0;
          break;
        case Whence.CUR:
          base = e.position;
          break;
        case Whence.END:
          base = Number(e.handle!.stat().size);
          break;
        default:
          return Errno.INVAL;
      }
    } catch (x) {
      return toErrno(x);
    }
    const next = BigInt(base) + BigInt.asIntN(64, offset);
    if (next < 0n) return Errno.INVAL;
    if (next > MAX_OFFSET) return Errno.OVERFLOW;
    e.position = Number(next);
    this.mem.view.setBigUint64(newOffsetPtr >>> 0, next, true);
    return Errno.SUCCESS;
  }

  fd_tell(fd: number, offsetPtr: number): number {
    const e = this.host.table().get(fd);
    if (!e) return Errno.BADF;
    if (e.kind !== FdKind.File) return e.kind === FdKind.Dir ? Errno.BADF : Errno.SPIPE;
    const err = need(e, Rights.FD_TELL);
    if (err) return err;
    if (!this.mem.inBounds(offsetPtr, 8)) return Errno.FAULT;
    this.mem.view.setBigUint64(offsetPtr >>> 0, BigInt(e.position), true);
    return Errno.SUCCESS;
  }

  fd_close(fd: number): number {
    const t = this.host.table();
    const e = t.remove(fd);
    if (!e) return Errno.BADF;
    try {
      e.handle?.close();
    } catch {
      /* the fd is gone either way */
    }
    return Errno.SUCCESS;
  }

  fd_renumber(from: number, to: number): number {
    const t = this.host.table();
    const a = t.get(from);
    const b = t.get(to);
    if (!a || !b) return Errno.BADF;
    if (from === to) return Errno.SUCCESS;
    try {
      b.handle?.close();
    } catch {
      /* replaced anyway */
    }
    t.fds[to] = a;
    t.remove(from);
    return Errno.SUCCESS;
  }

  fd_fdstat_get(fd: number, ptr: number): number {
    const e = this.host.table().get(fd);
    if (!e) return Errno.BADF;
    if (!this.mem.inBounds(ptr, 24)) return Errno.FAULT;
    const v = this.mem.view;
    const p = ptr >>> 0;
    v.setUint8(p, e.filetype);
    v.setUint8(p + 1, 0);
    v.setUint16(p + 2, e.flags, true);
    v.setUint32(p + 4, 0, true);
    v.setBigUint64(p + 8, e.rightsBase, true);
    v.setBigUint64(p + 16, e.rightsInheriting, true);
    return Errno.SUCCESS;
  }

  fd_fdstat_set_flags(fd: number, flags: number): number {
    const e = this.host.table().get(fd);
    const err = need(e, Rights.FD_FDSTAT_SET_FLAGS);
    if (err) return err;
    if (flags & ~(FdFlags.APPEND | FdFlags.DSYNC | FdFlags.NONBLOCK | FdFlags.RSYNC | FdFlags.SYNC)) return Errno.INVAL;
    // Writes are synchronous already, so the sync flags are honoured by construction.
    e!.flags = flags;
    return Errno.SUCCESS;
  }

  fd_fdstat_set_rights(fd: number, base: bigint, inheriting: bigint): number {
    const e = this.host.table().get(fd);
    if (!e) return Errno.BADF;
    const b = u64(base);
    const i = u64(inheriting);
    // Rights can only be dropped, never gained.
    if ((b & ~e.rightsBase) !== 0n || (i & ~e.rightsInheriting) !== 0n) return Errno.NOTCAPABLE;
    e.rightsBase = b;
    e.rightsInheriting = i;
    return Errno.SUCCESS;
  }

  fd_filestat_get(fd: number, ptr: number, unstable = false): number {
    const e = this.host.table().get(fd);
    const err = need(e, Rights.FD_FILESTAT_GET);
    if (err) return err;
    if (!this.mem.inBounds(ptr, unstable ? 56 : 64)) return Errno.FAULT;
    if (!e!.handle) {
      this.writeStat(
        ptr,
        {
          dev: 0n,
          ino: 0n,
          filetype: FileType.CHARACTER_DEVICE,
          nlink: 1n,
          size: 0n,
          atimNs: 0n,
          mtimNs: 0n,
          ctimNs: 0n,
        },
        unstable,
      );
      return Errno.SUCCESS;
    }
    try {
      this.writeStat(ptr, e!.handle.stat(), unstable);
    } catch (x) {
      return toErrno(x);
    }
    return Errno.SUCCESS;
  }

  fd_filestat_set_size(fd: number, size: bigint): number {
    const e = this.host.table().get(fd);
    if (e && e.kind === FdKind.Dir) return Errno.ISDIR;
    const err = need(e, Rights.FD_FILESTAT_SET_SIZE);
    if (err) return err;
    if (e!.kind !== FdKind.File) return Errno.INVAL;
    const n = offsetOf(size);
    if (n < 0) return Errno.FBIG;
    try {
      e!.handle!.truncate(n);
    } catch (x) {
      return toErrno(x);
    }
    return Errno.SUCCESS;
  }

  fd_filestat_set_times(fd: number, atim: bigint, mtim: bigint, fst: number): number {
    const e = this.host.table().get(fd);
    const err = need(e, Rights.FD_FILESTAT_SET_TIMES);
    if (err) return err;
    if (badTimes(fst)) return Errno.INVAL;
    if (!e!.handle) return Errno.SUCCESS;
    try {
      e!.handle.setTimes(
        timeSpec(fst, FstFlags.ATIM, FstFlags.ATIM_NOW, atim),
        timeSpec(fst, FstFlags.MTIM, FstFlags.MTIM_NOW, mtim),
      );
    } catch (x) {
      return toErrno(x);
    }
    return Errno.SUCCESS;
  }

  fd_advise(fd: number, _offset: bigint, _len: bigint, advice: number): number {
    const e = this.host.table().get(fd);
    if (e && e.kind === FdKind.Dir) return Errno.BADF;
    const err = need(e, Rights.FD_ADVISE);
    if (err) return err;
    if (e!.kind !== FdKind.File) return Errno.SPIPE;
    if (advice < 0 || advice > 5) return Errno.INVAL;
    return Errno.SUCCESS; // Advice is a hint; ignoring it is correct.
  }

  fd_allocate(fd: number, offset: bigint, len: bigint): number {
    const e = this.host.table().get(fd);
    if (e && e.kind === FdKind.Dir) return Errno.BADF;
    const err = need(e, Rights.FD_ALLOCATE);
    if (err) return err;
    if (e!.kind !== FdKind.File) return Errno.SPIPE;
    const end = u64(offset) + u64(len);
    if (u64(len) === 0n) return Errno.INVAL;
    if (end > MAX_OFFSET) return Errno.FBIG;
    try {
      const h = e!.handle!;
      if (BigInt(Number(h.stat().size)) < end) h.truncate(Number(end));
    } catch (x) {
      return toErrno(x);
    }
    return Errno.SUCCESS;
  }

  fd_sync(fd: number): number {
    return this.sync(fd, Rights.FD_SYNC);
  }
  fd_datasync(fd: number): number {
    return this.sync(fd, Rights.FD_DATASYNC);
  }
  private sync(fd: number, right: bigint): number {
    const e = this.host.table().get(fd);
    const err = need(e, right);
    if (err) return err;
    if (!e!.handle) return Errno.INVAL;
    try {
      e!.handle.sync();
    } catch (x) {
      return toErrno(x);
    }
    return Errno.SUCCESS;
  }

  fd_prestat_get(fd: number, ptr: number): number {
    const e = this.host.table().get(fd);
    if (!e || e.preopen === null) return Errno.BADF;
    if (!this.mem.inBounds(ptr, 8)) return Errno.FAULT;
    this.mem.view.setUint32(ptr >>> 0, 0, true);
    this.mem.view.setUint32((ptr >>> 0) + 4, Buffer.byteLength(e.preopen), true);
    return Errno.SUCCESS;
  }

  fd_prestat_dir_name(fd: number, ptr: number, len: number): number {
    const e = this.host.table().get(fd);
    if (!e || e.preopen === null) return Errno.BADF;
    const name = Buffer.from(e.preopen);
    if (len >>> 0 < name.length) return Errno.NAMETOOLONG;
    if (!this.mem.inBounds(ptr, name.length)) return Errno.FAULT;
    this.mem.u8.set(name, ptr >>> 0);
    return Errno.SUCCESS;
  }

  fd_readdir(fd: number, buf: number, bufLen: number, cookie: bigint, bufusedPtr: number): number {
    const e = this.host.table().get(fd);
    if (e && e.kind === FdKind.File) return Errno.NOTDIR;
    const err = need(e, Rights.FD_READDIR);
    if (err) return err;
    if (e!.kind !== FdKind.Dir) return Errno.NOTDIR;
    if (!this.mem.inBounds(buf, bufLen) || !this.mem.inBounds(bufusedPtr, 4)) return Errno.FAULT;
    let entries;
    try {
      entries = e!.handle!.readdir();
    } catch (x) {
      return toErrno(x);
    }
    const u8 = this.mem.u8;
    const start = buf >>> 0;
    const cap = bufLen >>> 0;
    const head = new Uint8Array(24);
    const hv = new DataView(head.buffer);
    let used = 0;
    for (
      let i = Number(u64(cookie) > BigInt(entries.length) ? BigInt(entries.length) : u64(cookie));
      i < entries.length && used < cap;
      i++
    ) {
      const d = entries[i]!;
      const name = Buffer.from(d.name);
      hv.setBigUint64(0, BigInt(i + 1), true);
      hv.setBigUint64(8, d.ino, true);
      hv.setUint32(16, name.length, true);
      hv.setUint32(20, d.filetype, true); // d_type u8, then 3 bytes of padding
      // Entries that do not fit are cut short; wasi-libc then retries with a bigger buffer.
      const h = Math.min(24, cap - used);
      u8.set(head.subarray(0, h), start + used);
      used += h;
      const n = Math.min(name.length, cap - used);
      u8.set(name.subarray(0, n), start + used);
      used += n;
    }
    this.mem.view.setUint32(bufusedPtr >>> 0, used, true);
    return Errno.SUCCESS;
  }

  // ---- path_* ----

  path_open(
    dirfd: number,
    dirflags: number,
    pathPtr: number,
    pathLen: number,
    oflags: number,
    base: bigint,
    inheriting: bigint,
    fdflags: number,
    fdPtr: number,
  ): number {
    const d = this.dir(dirfd, Rights.PATH_OPEN);
    if (typeof d === 'number') return d;
    const path = this.path(pathPtr, pathLen);
    if (typeof path === 'number') return path;
    if (!this.mem.inBounds(fdPtr, 4)) return Errno.FAULT;
    const rb = u64(base);
    const ri = u64(inheriting);
    if (oflags & OFlags.CREAT && (d.rightsBase & Rights.PATH_CREATE_FILE) === 0n) return Errno.NOTCAPABLE;
    if (oflags & OFlags.TRUNC && (d.rightsBase & Rights.PATH_FILESTAT_SET_SIZE) === 0n) return Errno.NOTCAPABLE;
    if ((rb & ~d.rightsInheriting) !== 0n || (ri & ~d.rightsInheriting) !== 0n) return Errno.NOTCAPABLE;
    if (oflags & ~(OFlags.CREAT | OFlags.DIRECTORY | OFlags.EXCL | OFlags.TRUNC)) return Errno.INVAL;
    try {
      const r = resolvePath(d.backend!, d.path, path, (dirflags & LookupFlags.SYMLINK_FOLLOW) !== 0);
      const directory = (oflags & OFlags.DIRECTORY) !== 0 || r.dirOnly;
      if (directory && oflags & (OFlags.CREAT | OFlags.TRUNC))
        return r.dirOnly && !(oflags & OFlags.DIRECTORY) ? Errno.ISDIR : Errno.INVAL;
      const write =
        (rb & (Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE)) !== 0n ||
        (fdflags & FdFlags.APPEND) !== 0;
      const handle = d.backend!.open(r.path, {
        read: (rb & (Rights.FD_READ | Rights.FD_READDIR)) !== 0n || !write,
        write,
        create: (oflags & OFlags.CREAT) !== 0,
        exclusive: (oflags & OFlags.EXCL) !== 0,
        truncate: (oflags & OFlags.TRUNC) !== 0,
        directory,
      });
      const isDir = handle.isDirectory;
      const e = new Fd(
        isDir ? FdKind.Dir : FdKind.File,
        rb & (isDir ? DIR_RIGHTS : FILE_RIGHTS),
        ri,
        d.backend,
        handle,
        isDir ? r.path : '',
      );
      e.flags = fdflags & 0xffff;
      const fd = this.host.table().add(e);
      this.mem.view.setUint32(fdPtr >>> 0, fd, true);
      return Errno.SUCCESS;
    } catch (x) {
      return toErrno(x);
    }
  }

  path_create_directory(fd: number, pathPtr: number, pathLen: number): number {
    return this.pathOp(fd, Rights.PATH_CREATE_DIRECTORY, pathPtr, pathLen, false, (e, p) => {
      if (p === e.path) fail(Errno.EXIST);
      e.backend!.mkdir(p);
    });
  }

  path_remove_directory(fd: number, pathPtr: number, pathLen: number): number {
    return this.pathOp(fd, Rights.PATH_REMOVE_DIRECTORY, pathPtr, pathLen, false, (e, p) => {
      if (p === e.path) fail(Errno.INVAL); // "." (or a path leading back to the fd itself)
      e.backend!.rmdir(p);
    });
  }

  path_unlink_file(fd: number, pathPtr: number, pathLen: number): number {
    return this.pathOp(fd, Rights.PATH_UNLINK_FILE, pathPtr, pathLen, false, (e, p, dirOnly) => {
      if (dirOnly) {
        // "name/": a directory gets EISDIR, anything else ENOTDIR (the resolver checked it is a dir).
        fail(e.backend!.lstat(p).filetype === FileType.DIRECTORY ? Errno.ISDIR : Errno.NOTDIR);
      }
      e.backend!.unlink(p);
    });
  }

  path_filestat_get(
    fd: number,
    flags: number,
    pathPtr: number,
    pathLen: number,
    statPtr: number,
    unstable = false,
  ): number {
    if (!this.mem.inBounds(statPtr, unstable ? 56 : 64)) return Errno.FAULT;
    return this.pathOp(
      fd,
      Rights.PATH_FILESTAT_GET,
      pathPtr,
      pathLen,
      (flags & LookupFlags.SYMLINK_FOLLOW) !== 0,
      (e, p) => {
        this.writeStat(statPtr, e.backend!.lstat(p), unstable);
      },
    );
  }

  path_filestat_set_times(
    fd: number,
    flags: number,
    pathPtr: number,
    pathLen: number,
    atim: bigint,
    mtim: bigint,
    fst: number,
  ): number {
    if (badTimes(fst)) return Errno.INVAL;
    return this.pathOp(
      fd,
      Rights.PATH_FILESTAT_SET_TIMES,
      pathPtr,
      pathLen,
      (flags & LookupFlags.SYMLINK_FOLLOW) !== 0,
      (e, p) => {
        e.backend!.setTimes(
          p,
          timeSpec(fst, FstFlags.ATIM, FstFlags.ATIM_NOW, atim),
          timeSpec(fst, FstFlags.MTIM, FstFlags.MTIM_NOW, mtim),
        );
      },
    );
  }

  path_readlink(fd: number, pathPtr: number, pathLen: number, buf: number, bufLen: number, bufusedPtr: number): number {
    if (!this.mem.inBounds(buf, bufLen) || !this.mem.inBounds(bufusedPtr, 4)) return Errno.FAULT;
    return this.pathOp(fd, Rights.PATH_READLINK, pathPtr, pathLen, false, (e, p) => {
      const target = Buffer.from(e.backend!.readlink(p));
      const n = Math.min(target.length, bufLen >>> 0);
      this.mem.u8.set(target.subarray(0, n), buf >>> 0);
      this.mem.view.setUint32(bufusedPtr >>> 0, n, true);
    });
  }

  path_symlink(oldPtr: number, oldLen: number, fd: number, newPtr: number, newLen: number): number {
    const target = this.path(oldPtr, oldLen);
    if (typeof target === 'number') return target;
    return this.pathOp(fd, Rights.PATH_SYMLINK, newPtr, newLen, false, (e, p, dirOnly) => {
      if (target.length === 0 || target.includes('\0')) fail(target.length === 0 ? Errno.NOENT : Errno.INVAL);
      // Refuse targets that lexically leave the backend root: absolute, or too many '..'.
      // (Following is checked again at lookup; this keeps escape links off host disks.)
      if (target.charCodeAt(0) === 47) fail(Errno.NOTCAPABLE);
      let depth = p.split('/').length - 1;
      for (const c of target.split('/')) {
        if (c === '..') {
          if (--depth < 0) fail(Errno.NOTCAPABLE);
        } else if (c !== '' && c !== '.') depth++;
      }
      if (dirOnly) {
        // "name/": an existing directory is EEXIST (as Linux says); a missing name cannot be a directory link.
        let exists = true;
        try {
          e.backend!.lstat(p);
        } catch {
          exists = false;
        }
        fail(exists ? Errno.EXIST : Errno.NOENT);
      }
      e.backend!.symlink(target, p);
    });
  }

  path_link(
    oldFd: number,
    oldFlags: number,
    oldPtr: number,
    oldLen: number,
    newFd: number,
    newPtr: number,
    newLen: number,
  ): number {
    return this.twoPaths(
      oldFd,
      Rights.PATH_LINK_SOURCE,
      oldPtr,
      oldLen,
      (oldFlags & LookupFlags.SYMLINK_FOLLOW) !== 0,
      newFd,
      Rights.PATH_LINK_TARGET,
      newPtr,
      newLen,
      (e, from, to, toDirOnly) => {
        if (toDirOnly) fail(Errno.NOENT);
        e.backend!.link(from, to);
      },
    );
  }

  path_rename(oldFd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): number {
    return this.twoPaths(
      oldFd,
      Rights.PATH_RENAME_SOURCE,
      oldPtr,
      oldLen,
      false,
      newFd,
      Rights.PATH_RENAME_TARGET,
      newPtr,
      newLen,
      (e, from, to, toDirOnly, fromDirOnly) => {
        if (from === '' || to === '') fail(Errno.BUSY);
        const src = e.backend!.lstat(from);
        if ((toDirOnly || fromDirOnly) && src.filetype !== FileType.DIRECTORY) fail(Errno.NOTDIR);
        e.backend!.rename(from, to);
      },
    );
  }

  private pathOp(
    fd: number,
    right: bigint,
    pathPtr: number,
    pathLen: number,
    follow: boolean,
    op: (dir: Fd, path: string, dirOnly: boolean) => void,
  ): number {
    const d = this.dir(fd, right);
    if (typeof d === 'number') return d;
    const path = this.path(pathPtr, pathLen);
    if (typeof path === 'number') return path;
    try {
      const r = resolvePath(d.backend!, d.path, path, follow);
      op(d, r.path, r.dirOnly);
      return Errno.SUCCESS;
    } catch (x) {
      return toErrno(x);
    }
  }

  private twoPaths(
    aFd: number,
    aRight: bigint,
    aPtr: number,
    aLen: number,
    aFollow: boolean,
    bFd: number,
    bRight: bigint,
    bPtr: number,
    bLen: number,
    op: (dir: Fd, from: string, to: string, toDirOnly: boolean, fromDirOnly: boolean) => void,
  ): number {
    const a = this.dir(aFd, aRight);
    if (typeof a === 'number') return a;
    const b = this.dir(bFd, bRight);
    if (typeof b === 'number') return b;
    const pa = this.path(aPtr, aLen);
    if (typeof pa === 'number') return pa;
    const pb = this.path(bPtr, bLen);
    if (typeof pb === 'number') return pb;
    if (a.backend !== b.backend) return Errno.XDEV;
    try {
      const ra = resolvePath(a.backend!, a.path, pa, aFollow);
      const rb = resolvePath(b.backend!, b.path, pb, false);
      op(a, ra.path, rb.path, rb.dirOnly, ra.dirOnly);
      return Errno.SUCCESS;
    } catch (x) {
      return toErrno(x);
    }
  }

  // ---- poll_oneoff ----

  /** wasi_unstable's subscriptions are 56 bytes: the clock has an extra u64 identifier first. */
  poll_oneoff(inPtr: number, outPtr: number, nsubs: number, neventsPtr: number, unstable = false): number {
    const size = unstable ? 56 : 48;
    const c = unstable ? 8 : 0;
    const n = nsubs >>> 0;
    if (n === 0) return Errno.INVAL;
    const mem = this.mem;
    if (n > 4096 || !mem.inBounds(inPtr, n * size) || !mem.inBounds(outPtr, n * 32) || !mem.inBounds(neventsPtr, 4))
      return Errno.FAULT;
    const v = mem.view;
    const table = this.host.table();
    const now = process.hrtime.bigint();
    let nevents = 0;
    let wakeAt = -1n; // monotonic ns of the earliest clock subscription
    const event = (userdata: bigint, error: number, type: number, nbytes: bigint): void => {
      const o = (outPtr >>> 0) + nevents * 32;
      for (let i = 0; i < 32; i += 8) v.setBigUint64(o + i, 0n, true);
      v.setBigUint64(o, userdata, true);
      v.setUint16(o + 8, error, true);
      v.setUint8(o + 10, type);
      v.setBigUint64(o + 16, nbytes, true);
      nevents++;
    };
    // Pass 1: fd subscriptions are always ready (stdio is in memory, files never block); note clock deadlines.
    for (let i = 0; i < n; i++) {
      const s = (inPtr >>> 0) + i * size;
      const userdata = v.getBigUint64(s, true);
      const tag = v.getUint8(s + 8);
      if (tag === EventType.CLOCK) {
        const id = v.getUint32(s + c + 16, true);
        const timeout = v.getBigUint64(s + c + 24, true);
        const abs = (v.getUint16(s + c + 40, true) & SubclockFlags.ABSTIME) !== 0;
        let at: bigint;
        if (id === ClockId.REALTIME) at = abs ? now + (timeout - BigInt(Date.now()) * 1_000_000n) : now + timeout;
        else if (id === ClockId.MONOTONIC || id === ClockId.PROCESS_CPUTIME_ID || id === ClockId.THREAD_CPUTIME_ID)
          at = abs ? timeout : now + timeout;
        else {
          event(userdata, Errno.INVAL, EventType.CLOCK, 0n);
          continue;
        }
        if (wakeAt < 0n || at < wakeAt) wakeAt = at;
      } else if (tag === EventType.FD_READ || tag === EventType.FD_WRITE) {
        const fd = v.getUint32(s + 16, true);
        const e = table.get(fd);
        let err = need(e, Rights.POLL_FD_READWRITE);
        let nbytes = 0n;
        if (!err) {
          if (tag === EventType.FD_READ) {
            if (e!.kind === FdKind.Stdin) nbytes = BigInt(this.host.stdinRemaining());
            else if (e!.kind === FdKind.File) {
              try {
                const size = e!.handle!.stat().size;
                nbytes = size > BigInt(e!.position) ? size - BigInt(e!.position) : 0n;
              } catch (x) {
                err = toErrno(x);
              }
            } else err = Errno.BADF;
          } else if (e!.kind === FdKind.Stdin || e!.kind === FdKind.Dir) err = Errno.BADF;
        }
        event(userdata, err, tag, nbytes);
      } else {
        event(userdata, Errno.INVAL, tag, 0n);
      }
    }
    if (nevents === 0 && wakeAt >= 0n) sleepUntil(wakeAt);
    // Pass 2: clock subscriptions that are due.
    if (wakeAt >= 0n) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const s = (inPtr >>> 0) + i * size;
        if (v.getUint8(s + 8) !== EventType.CLOCK) continue;
        const id = v.getUint32(s + c + 16, true);
        if (id > ClockId.THREAD_CPUTIME_ID) continue;
        const timeout = v.getBigUint64(s + c + 24, true);
        const abs = (v.getUint16(s + c + 40, true) & SubclockFlags.ABSTIME) !== 0;
        const at =
          id === ClockId.REALTIME
            ? abs
              ? now + (timeout - BigInt(Date.now()) * 1_000_000n)
              : now + timeout
            : abs
              ? timeout
              : now + timeout;
        if (at <= t) event(v.getBigUint64(s, true), Errno.SUCCESS, EventType.CLOCK, 0n);
      }
    }
    v.setUint32(neventsPtr >>> 0, nevents, true);
    return Errno.SUCCESS;
  }

  // ---- sock_*: no sockets are ever handed out, so an fd is either bad or not a socket ----

  sock(fd: number): number {
    return this.host.table().get(fd) ? Errno.NOTSOCK : Errno.BADF;
  }
}

function badTimes(fst: number): boolean {
  return (
    (fst & FstFlags.ATIM && fst & FstFlags.ATIM_NOW) !== 0 ||
    (fst & FstFlags.MTIM && fst & FstFlags.MTIM_NOW) !== 0 ||
    (fst & ~15) !== 0
  );
}

/** Blocks this thread until the monotonic clock reaches `at` (Atomics.wait, then a short spin for sub-ms precision). */
function sleepUntil(at: bigint): void {
  for (;;) {
    const left = at - process.hrtime.bigint();
    if (left <= 0n) return;
    if (left > 2_000_000n) Atomics.wait(sleepCell, 0, 0, Number(left / 1_000_000n) - 1);
  }
}
