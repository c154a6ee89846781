// faasbench's own WASI preview1 host.
//
// Speed: one WasiHost (and so one import object) serves every instance that runs on
// a thread, one at a time. The per-request state lives in `this.run`, swapped in by
// begin() and out by finish(), so a fresh instance costs no new closures and no new
// import object. Isolation: nothing of a run survives finish(); the next run starts
// from its own config only.
//
// Safety: every guest pointer is bounds-checked before use; a bad pointer gets
// EFAULT, never a host exception. Guest-caused stops (proc_exit, limits) are thrown
// as WasiExit / WasiLimit, which the executor turns into an outcome.

import { randomFillSync } from 'node:crypto';
import { ClockId, Errno, FileType, Rights } from './constants.js';

export interface WasiRunConfig {
  args: readonly string[];
  /** The guest's whole environment, "NAME=value" each. */
  env: readonly string[];
  stdin: Uint8Array;
  /** Bytes of stdout kept before the guest is stopped. */
  stdoutLimit: number;
  stderrLimit: number;
}

/** proc_exit: unwinds the guest. Not an Error: no stack trace is captured. */
export class WasiExit {
  constructor(readonly code: number) {}
}

/** The guest went past a limit the host enforces (stdout size, ...). */
export class WasiLimit {
  constructor(readonly reason: string) {}
}

class OutputSink {
  chunks: Uint8Array[] = [];
  size = 0;
  constructor(readonly limit: number, readonly name: string) {}
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
  args: Uint8Array[];
  env: Uint8Array[];
  stdin: Uint8Array;
  stdinPos: number;
  stdout: OutputSink;
  stderr: OutputSink;
}

export interface RunOutput {
  stdout: Uint8Array;
  stderr: Uint8Array;
}

const encoder = new TextEncoder();
const STDIO_RIGHTS = Rights.FD_READ | Rights.FD_WRITE | Rights.FD_FDSTAT_SET_FLAGS | Rights.FD_FILESTAT_GET | Rights.POLL_FD_READWRITE;
const PREVIEW1 = 'wasi_snapshot_preview1';

type WasiFn = (...args: never[]) => number | void;

export class WasiHost {
  readonly imports: WebAssembly.Imports;
  private memory: WebAssembly.Memory | null = null;
  private buffer: ArrayBuffer = new ArrayBuffer(0);
  private view = new DataView(this.buffer);
  private u8 = new Uint8Array(this.buffer);
  private run: RunState | null = null;

  constructor() {
    const fns: Record<string, WasiFn> = {
      args_get: this.args_get, args_sizes_get: this.args_sizes_get,
      environ_get: this.environ_get, environ_sizes_get: this.environ_sizes_get,
      clock_res_get: this.clock_res_get, clock_time_get: this.clock_time_get,
      random_get: this.random_get, proc_exit: this.proc_exit, sched_yield: this.sched_yield,
      fd_write: this.fd_write, fd_read: this.fd_read, fd_close: this.fd_close, fd_seek: this.fd_seek,
      fd_fdstat_get: this.fd_fdstat_get, fd_prestat_get: this.fd_prestat_get,
      fd_prestat_dir_name: this.fd_prestat_dir_name,
    };
    const table: Record<string, WasiFn> = {};
    for (const name of PREVIEW1_FUNCTIONS) table[name] = (fns[name] ?? notImplemented).bind(this) as WasiFn;
    this.imports = { [PREVIEW1]: table, wasi_unstable: table };
  }

  /** Starts a run: the next instance sees exactly this configuration. */
  begin(config: WasiRunConfig): void {
    this.run = {
      args: config.args.map((a) => encoder.encode(a)),
      env: config.env.map((e) => encoder.encode(e)),
      stdin: config.stdin,
      stdinPos: 0,
      stdout: new OutputSink(config.stdoutLimit, 'stdout'),
      stderr: new OutputSink(config.stderrLimit, 'stderr'),
    };
  }

  /** The instance's exported memory, once it exists (before _start). */
  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.refresh();
  }

  /** Ends the run and hands back its output; the host keeps nothing of it. */
  finish(): RunOutput {
    const run = this.state();
    this.run = null;
    this.memory = null;
    this.buffer = new ArrayBuffer(0);
    this.view = new DataView(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
    return { stdout: run.stdout.bytes(), stderr: run.stderr.bytes() };
  }

  private state(): RunState {
    if (!this.run) throw new Error('WASI call outside a run');
    return this.run;
  }

  /** memory.grow detaches the old ArrayBuffer: re-derive the views when it changed. */
  private refresh(): void {
    const b = this.memory?.buffer;
    if (b && b !== this.buffer) {
      this.buffer = b;
      this.view = new DataView(b);
      this.u8 = new Uint8Array(b);
    }
  }

  /** True when [ptr, ptr+len) lies inside linear memory. */
  private inBounds(ptr: number, len: number): boolean {
    this.refresh();
    return ptr >= 0 && len >= 0 && ptr + len <= this.buffer.byteLength;
  }

  private writeList(list: Uint8Array[], ptrsPtr: number, bufPtr: number): number {
    let size = 0;
    for (const item of list) size += item.length + 1;
    if (!this.inBounds(ptrsPtr >>> 0, list.length * 4) || !this.inBounds(bufPtr >>> 0, size)) return Errno.FAULT;
    let p = bufPtr >>> 0;
    let q = ptrsPtr >>> 0;
    for (const item of list) {
      this.view.setUint32(q, p, true);
      q += 4;
      this.u8.set(item, p);
      p += item.length;
      this.u8[p++] = 0;
    }
    return Errno.SUCCESS;
  }

  private writeSizes(list: Uint8Array[], countPtr: number, sizePtr: number): number {
    if (!this.inBounds(countPtr >>> 0, 4) || !this.inBounds(sizePtr >>> 0, 4)) return Errno.FAULT;
    let size = 0;
    for (const item of list) size += item.length + 1;
    this.view.setUint32(countPtr >>> 0, list.length, true);
    this.view.setUint32(sizePtr >>> 0, size, true);
    return Errno.SUCCESS;
  }

  args_get(argv: number, argvBuf: number): number {
    return this.writeList(this.state().args, argv, argvBuf);
  }
  args_sizes_get(countPtr: number, sizePtr: number): number {
    return this.writeSizes(this.state().args, countPtr, sizePtr);
  }
  environ_get(environ: number, environBuf: number): number {
    return this.writeList(this.state().env, environ, environBuf);
  }
  environ_sizes_get(countPtr: number, sizePtr: number): number {
    return this.writeSizes(this.state().env, countPtr, sizePtr);
  }

  clock_res_get(id: number, resPtr: number): number {
    if (id < ClockId.REALTIME || id > ClockId.THREAD_CPUTIME_ID) return Errno.INVAL;
    if (!this.inBounds(resPtr >>> 0, 8)) return Errno.FAULT;
    this.view.setBigUint64(resPtr >>> 0, id === ClockId.REALTIME ? 1000n : 1n, true);
    return Errno.SUCCESS;
  }

  clock_time_get(id: number, _precision: bigint, timePtr: number): number {
    if (!this.inBounds(timePtr >>> 0, 8)) return Errno.FAULT;
    let t: bigint;
    switch (id) {
      case ClockId.REALTIME: t = BigInt(Date.now()) * 1_000_000n; break;
      case ClockId.MONOTONIC:
      case ClockId.PROCESS_CPUTIME_ID:
      case ClockId.THREAD_CPUTIME_ID: t = process.hrtime.bigint(); break;
      default: return Errno.INVAL;
    }
    this.view.setBigUint64(timePtr >>> 0, t, true);
    return Errno.SUCCESS;
  }

  random_get(ptr: number, len: number): number {
    if (!this.inBounds(ptr >>> 0, len >>> 0)) return Errno.FAULT;
    if (len > 0) randomFillSync(this.u8, ptr >>> 0, len >>> 0);
    return Errno.SUCCESS;
  }

  proc_exit(code: number): never {
    throw new WasiExit(code >>> 0);
  }

  sched_yield(): number {
    return Errno.SUCCESS;
  }

  fd_write(fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
    const run = this.state();
    const sink = fd === 1 ? run.stdout : fd === 2 ? run.stderr : null;
    if (!sink) return Errno.BADF;
    if (!this.inBounds(iovs >>> 0, (iovsLen >>> 0) * 8) || !this.inBounds(nwrittenPtr >>> 0, 4)) return Errno.FAULT;
    let written = 0;
    for (let i = 0; i < iovsLen >>> 0; i++) {
      const ptr = this.view.getUint32((iovs >>> 0) + i * 8, true);
      const len = this.view.getUint32((iovs >>> 0) + i * 8 + 4, true);
      if (!this.inBounds(ptr, len)) return Errno.FAULT;
      if (len > 0) sink.push(this.u8, ptr, len);
      written += len;
    }
    this.view.setUint32(nwrittenPtr >>> 0, written, true);
    return Errno.SUCCESS;
  }

  fd_read(fd: number, iovs: number, iovsLen: number, nreadPtr: number): number {
    const run = this.state();
    if (fd !== 0) return fd === 1 || fd === 2 ? Errno.BADF : Errno.BADF;
    if (!this.inBounds(iovs >>> 0, (iovsLen >>> 0) * 8) || !this.inBounds(nreadPtr >>> 0, 4)) return Errno.FAULT;
    let read = 0;
    for (let i = 0; i < iovsLen >>> 0; i++) {
      const ptr = this.view.getUint32((iovs >>> 0) + i * 8, true);
      const len = this.view.getUint32((iovs >>> 0) + i * 8 + 4, true);
      if (!this.inBounds(ptr, len)) return Errno.FAULT;
      const n = Math.min(len, run.stdin.length - run.stdinPos);
      if (n <= 0) break;
      this.u8.set(run.stdin.subarray(run.stdinPos, run.stdinPos + n), ptr);
      run.stdinPos += n;
      read += n;
    }
    this.view.setUint32(nreadPtr >>> 0, read, true);
    return Errno.SUCCESS;
  }

  fd_close(fd: number): number {
    return fd <= 2 ? Errno.SUCCESS : Errno.BADF;
  }

  fd_seek(fd: number, _offset: bigint, _whence: number, _newOffsetPtr: number): number {
    return fd <= 2 ? Errno.SPIPE : Errno.BADF;
  }

  fd_fdstat_get(fd: number, statPtr: number): number {
    if (fd > 2) return Errno.BADF;
    if (!this.inBounds(statPtr >>> 0, 24)) return Errno.FAULT;
    const p = statPtr >>> 0;
    this.view.setUint8(p, FileType.CHARACTER_DEVICE);
    this.view.setUint16(p + 2, 0, true);
    this.view.setBigUint64(p + 8, STDIO_RIGHTS, true);
    this.view.setBigUint64(p + 16, 0n, true);
    return Errno.SUCCESS;
  }

  fd_prestat_get(_fd: number, _ptr: number): number {
    return Errno.BADF;
  }

  fd_prestat_dir_name(_fd: number, _ptr: number, _len: number): number {
    return Errno.BADF;
  }
}

function notImplemented(): number {
  return Errno.NOSYS;
}

/** Every function of wasi_snapshot_preview1, so any preview1 module links. */
export const PREVIEW1_FUNCTIONS = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times',
  'path_link', 'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'random_get', 'sched_yield', 'sock_accept',
  'sock_recv', 'sock_send', 'sock_shutdown',
] as const;
