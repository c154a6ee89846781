// faasbench's own WASI preview1 host.
//
// Speed: one WasiHost (and so one import object) serves every instance that runs on
// a thread, one at a time. The per-request state lives in `this.run`, swapped in by
// begin() and out by finish(), so a fresh instance costs no new closures and no new
// import object. The fd table (stdio, preopens, files) is built only when the guest
// first needs it; a stdio-only run never builds one. Isolation: nothing of a run
// survives finish(); the next run starts from its own config only.
//
// Safety: every guest pointer is bounds-checked before use; a bad pointer gets
// EFAULT, never a host exception. Guest-caused stops (proc_exit, limits) are thrown
// as WasiExit / WasiLimit, which the executor turns into an outcome. Files are only
// reachable through preopens (fdtable.ts, fs/): see fs/resolve.ts for the sandbox.
//
// Layout: this file holds the run lifecycle, args/environ/clocks/random/proc and
// the stdio fast paths; fs-calls.ts holds fd_*/path_*/poll_oneoff/sock_*.

import { randomFillSync } from 'node:crypto';
import { ClockId, Errno, FdFlags, FileType } from './constants.js';
import { WasiExit, WasiLimit } from './errors.js';
import { FdTable, STDIN_RIGHTS, STDOUT_RIGHTS, type PreopenSpec } from './fdtable.js';
import { FsCalls, type FsHost, type Sink } from './fs-calls.js';
import { GuestMemory } from './memory.js';

export { WasiExit, WasiLimit } from './errors.js';
export type { PreopenSpec } from './fdtable.js';
export type { MemFsOptions } from './fs/memfs.js';

export interface WasiRunConfig {
  args: readonly string[];
  /** The guest's whole environment, "NAME=value" each. */
  env: readonly string[];
  stdin: Uint8Array;
  /** Bytes of stdout kept before the guest is stopped. */
  stdoutLimit: number;
  stderrLimit: number;
  /** Directories the guest may reach (fd 3, 4, ... in this order). None by default. */
  preopens?: readonly PreopenSpec[];
  /** Shorthand: a private in-memory scratch directory per run, preopened under this name (e.g. "/tmp"). */
  memfs?: string;
}

class OutputSink implements Sink {
  chunks: Uint8Array[] = [];
  size = 0;
  constructor(
    readonly limit: number,
    readonly name: string,
  ) {}
  push(src: Uint8Array, start: number, len: number): void {
    if (this.size + len > this.limit) throw new WasiLimit(`${this.name} exceeded ${this.limit} bytes`);
    this.chunks.push(src.slice(start, start + len));
    this.size += len;
  }
  bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    return Buffer.concat(this.chunks, this.size);
  }
}

interface RunState {
  /** As given; encoded on the guest's first args_/environ_ call (most never read their environment: a CGI hello costs 15 encodes per request otherwise). */
  argsText: readonly string[];
  envText: readonly string[];
  args: Uint8Array[] | null;
  env: Uint8Array[] | null;
  stdin: Uint8Array;
  stdinPos: number;
  stdout: OutputSink;
  stderr: OutputSink;
  preopens: readonly PreopenSpec[];
  /** Built on first use. */
  fds: FdTable | null;
}

export interface RunOutput {
  stdout: Uint8Array;
  stderr: Uint8Array;
}

const encoder = new TextEncoder();
const PREVIEW1 = 'wasi_snapshot_preview1';
const NO_PREOPENS: readonly PreopenSpec[] = [];
const memfsSpecs = new Map<string, readonly PreopenSpec[]>();

type WasiFn = (...args: never[]) => number | void;

export class WasiHost implements FsHost {
  readonly imports: WebAssembly.Imports;
  readonly mem = new GuestMemory();
  private run: RunState | null = null;
  private readonly fs = new FsCalls(this);

  constructor() {
    const fs = this.fs;
    const sock = (fd: number): number => fs.sock(fd);
    const fns: Record<string, WasiFn> = {
      args_get: this.args_get,
      args_sizes_get: this.args_sizes_get,
      environ_get: this.environ_get,
      environ_sizes_get: this.environ_sizes_get,
      clock_res_get: this.clock_res_get,
      clock_time_get: this.clock_time_get,
      random_get: this.random_get,
      proc_exit: this.proc_exit,
      sched_yield: this.sched_yield,
      fd_write: this.fd_write,
      fd_read: this.fd_read,
      fd_close: this.fd_close,
      fd_seek: this.fd_seek,
      fd_fdstat_get: this.fd_fdstat_get,
      fd_prestat_get: this.fd_prestat_get,
      proc_raise: () => Errno.NOSYS,
      sock_accept: sock,
      sock_recv: sock,
      sock_send: sock,
      sock_shutdown: sock,
    };
    const table: Record<string, WasiFn> = {};
    for (const name of PREVIEW1_FUNCTIONS) {
      const own = fns[name];
      if (own) table[name] = own.bind(this) as WasiFn;
      else {
        const m = (fs as unknown as Record<string, WasiFn | undefined>)[name];
        if (typeof m !== 'function') throw new Error(`WASI host: ${name} is missing`);
        table[name] = guarded(m.bind(fs) as WasiFn);
      }
    }
    this.imports = { [PREVIEW1]: table, wasi_unstable: unstableTable(table, fs, this) };
  }

  /** Starts a run: the next instance sees exactly this configuration. */
  begin(config: WasiRunConfig): void {
    let preopens = config.preopens ?? NO_PREOPENS;
    if (config.memfs !== undefined) {
      let withMem = memfsSpecs.get(config.memfs);
      if (!withMem) {
        withMem = [{ guestPath: config.memfs, memfs: true }];
        memfsSpecs.set(config.memfs, withMem);
      }
      preopens = preopens.length === 0 ? withMem : [...preopens, ...withMem];
    }
    this.run = {
      argsText: config.args,
      envText: config.env,
      args: null,
      env: null,
      stdin: config.stdin,
      stdinPos: 0,
      stdout: new OutputSink(config.stdoutLimit, 'stdout'),
      stderr: new OutputSink(config.stderrLimit, 'stderr'),
      preopens,
      fds: null,
    };
  }

  /** The instance's exported memory, once it exists (before _start). */
  attach(memory: WebAssembly.Memory): void {
    this.mem.attach(memory);
  }

  /** Ends the run and hands back its output; the host keeps nothing of it. */
  finish(): RunOutput {
    const run = this.state();
    this.run = null;
    this.mem.attach(null);
    run.fds?.dispose();
    return { stdout: run.stdout.bytes(), stderr: run.stderr.bytes() };
  }

  private state(): RunState {
    if (!this.run) throw new Error('WASI call outside a run');
    return this.run;
  }

  // ---- FsHost: what fs-calls.ts needs ----

  table(): FdTable {
    const run = this.state();
    return (run.fds ??= new FdTable(run.preopens));
  }
  readStdin(dst: Uint8Array, offset: number, length: number): number {
    const run = this.state();
    const n = Math.max(0, Math.min(length, run.stdin.length - run.stdinPos));
    dst.set(run.stdin.subarray(run.stdinPos, run.stdinPos + n), offset);
    run.stdinPos += n;
    return n;
  }
  stdinRemaining(): number {
    const run = this.state();
    return run.stdin.length - run.stdinPos;
  }
  sink(fd: 1 | 2): Sink {
    const run = this.state();
    return fd === 1 ? run.stdout : run.stderr;
  }

  // ---- args, environ ----

  private writeList(list: Uint8Array[], ptrsPtr: number, bufPtr: number): number {
    let size = 0;
    for (const item of list) size += item.length + 1;
    const mem = this.mem;
    if (!mem.inBounds(ptrsPtr, list.length * 4) || !mem.inBounds(bufPtr, size)) return Errno.FAULT;
    let p = bufPtr >>> 0;
    let q = ptrsPtr >>> 0;
    for (const item of list) {
      mem.view.setUint32(q, p, true);
      q += 4;
      mem.u8.set(item, p);
      p += item.length;
      mem.u8[p++] = 0;
    }
    return Errno.SUCCESS;
  }

  private writeSizes(list: Uint8Array[], countPtr: number, sizePtr: number): number {
    const mem = this.mem;
    if (!mem.inBounds(countPtr, 4) || !mem.inBounds(sizePtr, 4)) return Errno.FAULT;
    let size = 0;
    for (const item of list) size += item.length + 1;
    mem.view.setUint32(countPtr >>> 0, list.length, true);
    mem.view.setUint32(sizePtr >>> 0, size, true);
    return Errno.SUCCESS;
  }

  private argsList(): Uint8Array[] {
    const run = this.state();
    return (run.args ??= run.argsText.map((a) => encoder.encode(a)));
  }
  private envList(): Uint8Array[] {
    const run = this.state();
    return (run.env ??= run.envText.map((e) => encoder.encode(e)));
  }
  args_get(argv: number, argvBuf: number): number {
    return this.writeList(this.argsList(), argv, argvBuf);
  }
  args_sizes_get(countPtr: number, sizePtr: number): number {
    return this.writeSizes(this.argsList(), countPtr, sizePtr);
  }
  environ_get(environ: number, environBuf: number): number {
    return this.writeList(this.envList(), environ, environBuf);
  }
  environ_sizes_get(countPtr: number, sizePtr: number): number {
    return this.writeSizes(this.envList(), countPtr, sizePtr);
  }

  // ---- clocks, random, proc ----

  clock_res_get(id: number, resPtr: number): number {
    if (id < ClockId.REALTIME || id > ClockId.THREAD_CPUTIME_ID) return Errno.INVAL;
    if (!this.mem.inBounds(resPtr, 8)) return Errno.FAULT;
    this.mem.view.setBigUint64(resPtr >>> 0, id === ClockId.REALTIME ? 1000n : 1n, true);
    return Errno.SUCCESS;
  }

  clock_time_get(id: number, _precision: bigint, timePtr: number): number {
    if (!this.mem.inBounds(timePtr, 8)) return Errno.FAULT;
    let t: bigint;
    switch (id) {
      case ClockId.REALTIME:
        t = BigInt(Date.now()) * 1_000_000n;
        break;
      case ClockId.MONOTONIC:
      case ClockId.PROCESS_CPUTIME_ID:
      case ClockId.THREAD_CPUTIME_ID:
        t = process.hrtime.bigint();
        break;
      default:
        return Errno.INVAL;
    }
    this.mem.view.setBigUint64(timePtr >>> 0, t, true);
    return Errno.SUCCESS;
  }

  random_get(ptr: number, len: number): number {
    if (!this.mem.inBounds(ptr, len)) return Errno.FAULT;
    // randomFillSync refuses more than 2^31-1 bytes at once.
    for (let done = 0, total = len >>> 0; done < total;) {
      const n = Math.min(total - done, 1 << 30);
      randomFillSync(this.mem.u8, (ptr >>> 0) + done, n);
      done += n;
    }
    return Errno.SUCCESS;
  }

  proc_exit(code: number): never {
    throw new WasiExit(code >>> 0);
  }

  sched_yield(): number {
    return Errno.SUCCESS;
  }

  // ---- stdio fast paths: without an fd table, fds 0-2 are the only ones ----

  fd_write(fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
    const run = this.state();
    const sink = fd === 1 ? run.stdout : fd === 2 ? run.stderr : null;
    if (run.fds !== null || !sink) return this.fs.fd_write(fd, iovs, iovsLen, nwrittenPtr);
    const mem = this.mem;
    const count = iovsLen >>> 0;
    if (!mem.inBounds(iovs, count * 8) || !mem.inBounds(nwrittenPtr, 4)) return Errno.FAULT;
    const base = iovs >>> 0;
    for (let i = 0; i < count; i++) {
      if (!mem.inBounds(mem.view.getUint32(base + i * 8, true), mem.view.getUint32(base + i * 8 + 4, true)))
        return Errno.FAULT;
    }
    let written = 0;
    for (let i = 0; i < count; i++) {
      const ptr = mem.view.getUint32(base + i * 8, true);
      const len = mem.view.getUint32(base + i * 8 + 4, true);
      if (len > 0) sink.push(mem.u8, ptr, len);
      written += len;
    }
    mem.view.setUint32(nwrittenPtr >>> 0, written, true);
    return Errno.SUCCESS;
  }

  fd_read(fd: number, iovs: number, iovsLen: number, nreadPtr: number): number {
    const run = this.state();
    if (run.fds !== null || fd !== 0) return this.fs.fd_read(fd, iovs, iovsLen, nreadPtr);
    const mem = this.mem;
    const count = iovsLen >>> 0;
    if (!mem.inBounds(iovs, count * 8) || !mem.inBounds(nreadPtr, 4)) return Errno.FAULT;
    const base = iovs >>> 0;
    let read = 0;
    for (let i = 0; i < count; i++) {
      const ptr = mem.view.getUint32(base + i * 8, true);
      const len = mem.view.getUint32(base + i * 8 + 4, true);
      if (!mem.inBounds(ptr, len)) return Errno.FAULT;
      const n = Math.min(len, run.stdin.length - run.stdinPos);
      if (n <= 0) break;
      mem.u8.set(run.stdin.subarray(run.stdinPos, run.stdinPos + n), ptr);
      run.stdinPos += n;
      read += n;
    }
    mem.view.setUint32(nreadPtr >>> 0, read, true);
    return Errno.SUCCESS;
  }

  fd_close(fd: number): number {
    return this.fs.fd_close(fd);
  }

  fd_seek(fd: number, offset: bigint, whence: number, newOffsetPtr: number): number {
    const run = this.state();
    if (run.fds === null && fd >= 0 && fd <= 2) return Errno.SPIPE;
    return this.fs.fd_seek(fd, offset, whence, newOffsetPtr);
  }

  fd_fdstat_get(fd: number, statPtr: number): number {
    // wasi-libc asks about stdout (isatty) in nearly every program: answer without a table.
    if (this.state().fds === null && fd >= 0 && fd <= 2) {
      if (!this.mem.inBounds(statPtr, 24)) return Errno.FAULT;
      const v = this.mem.view;
      const p = statPtr >>> 0;
      v.setUint32(p, FileType.CHARACTER_DEVICE | ((fd === 0 ? 0 : FdFlags.APPEND) << 16), true);
      v.setUint32(p + 4, 0, true);
      v.setBigUint64(p + 8, fd === 0 ? STDIN_RIGHTS : STDOUT_RIGHTS, true);
      v.setBigUint64(p + 16, 0n, true);
      return Errno.SUCCESS;
    }
    return this.fs.fd_fdstat_get(fd, statPtr);
  }

  fd_prestat_get(fd: number, ptr: number): number {
    const run = this.state();
    // wasi-libc probes fd 3, 4, ... at startup: answer without building a table when there is nothing to find.
    if (run.fds === null && run.preopens.length === 0) return Errno.BADF;
    return this.fs.fd_prestat_get(fd, ptr);
  }
}

/**
 * wasi_unstable (the 2019 snapshot) is preview1 except for a few layouts: fd_seek's
 * whence numbering (CUR=0, END=1, SET=2), the 56-byte filestat (u32 nlink), and the
 * 56-byte subscription (a u64 identifier before the clock fields).
 */
function unstableTable(preview1: Record<string, WasiFn>, fs: FsCalls, host: WasiHost): Record<string, WasiFn> {
  const WHENCE = [1, 2, 0]; // unstable → preview1
  return {
    ...preview1,
    fd_seek: ((fd: number, offset: bigint, whence: number, ptr: number) =>
      host.fd_seek(fd, offset, whence >= 0 && whence <= 2 ? WHENCE[whence]! : 3, ptr)) as WasiFn,
    fd_filestat_get: guarded(((fd: number, ptr: number) => fs.fd_filestat_get(fd, ptr, true)) as WasiFn),
    path_filestat_get: guarded(((fd: number, flags: number, p: number, len: number, ptr: number) =>
      fs.path_filestat_get(fd, flags, p, len, ptr, true)) as WasiFn),
    poll_oneoff: guarded(((a: number, b: number, n: number, ptr: number) =>
      fs.poll_oneoff(a, b, n, ptr, true)) as WasiFn),
  };
}

/**
 * Safety net for the fs calls (not the stdio hot path): every guest pointer is
 * checked before use, but should a check ever be missing, a DataView/TypedArray
 * range error becomes EFAULT instead of a host exception. WasiExit/WasiLimit pass.
 */
function guarded(fn: WasiFn): WasiFn {
  return ((...args: never[]) => {
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof RangeError && /bounds|out of range|Offset/i.test(e.message)) return Errno.FAULT;
      throw e;
    }
  }) as WasiFn;
}

/** Every function of wasi_snapshot_preview1, so any preview1 module links. */
export const PREVIEW1_FUNCTIONS = [
  'args_get',
  'args_sizes_get',
  'environ_get',
  'environ_sizes_get',
  'clock_res_get',
  'clock_time_get',
  'fd_advise',
  'fd_allocate',
  'fd_close',
  'fd_datasync',
  'fd_fdstat_get',
  'fd_fdstat_set_flags',
  'fd_fdstat_set_rights',
  'fd_filestat_get',
  'fd_filestat_set_size',
  'fd_filestat_set_times',
  'fd_pread',
  'fd_prestat_get',
  'fd_prestat_dir_name',
  'fd_pwrite',
  'fd_read',
  'fd_readdir',
  'fd_renumber',
  'fd_seek',
  'fd_sync',
  'fd_tell',
  'fd_write',
  'path_create_directory',
  'path_filestat_get',
  'path_filestat_set_times',
  'path_link',
  'path_open',
  'path_readlink',
  'path_remove_directory',
  'path_rename',
  'path_symlink',
  'path_unlink_file',
  'poll_oneoff',
  'proc_exit',
  'proc_raise',
  'random_get',
  'sched_yield',
  'sock_accept',
  'sock_recv',
  'sock_send',
  'sock_shutdown',
] as const;
