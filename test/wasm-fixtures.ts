// WASI command modules assembled byte by byte, for tests and benchmarks that need
// a guest misbehaving in one precise way (trap, exit code, endless loop, memory
// bomb, stdout flood, bad CGI output, a missing import, out-of-bounds pointers)
// without a C toolchain.
//
// commandModule() is the assembler: any imports with their signatures, one
// memory, one _start whose body is raw instruction bytes. guestModule() and
// cgiGuest() build the common CGI-speaking guests on top of it.

import { encodeU32 as uleb } from '../runtimes/wasm/binary.js';

export type ValType = 'i32' | 'i64';

export interface GuestImport {
  /** Default: wasi_snapshot_preview1. */
  module?: string;
  name: string;
  params: ValType[];
  results: ValType[];
}

export interface CommandSpec {
  imports: GuestImport[];
  /** Instruction bytes of _start (without the final `end`). Import i is function i. */
  code: number[];
  pages?: number;
  maxPages?: number;
  data?: { at: number; bytes: Uint8Array | string };
  /** Export _start? (false: a module that is not a command). Default true. */
  start?: boolean;
}

export function sleb(n: bigint | number): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const vt = (t: ValType): number => (t === 'i32' ? 0x7f : 0x7e);
const str = (s: string): number[] => [...uleb(Buffer.byteLength(s)), ...Buffer.from(s)];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/** Instruction helpers. */
export const op = {
  i32: (n: number): number[] => [0x41, ...sleb(n | 0)],
  i64: (n: bigint | number): number[] => [0x42, ...sleb(n)],
  call: (f: number): number[] => [0x10, ...uleb(f)],
  drop: [0x1a],
  unreachable: [0x00],
  /** loop (empty type) ... br 0 ... end, for endless loops: `[...op.loopStart, ...body, ...op.loopEnd]`. */
  loopStart: [0x03, 0x40],
  loopEnd: [0x0c, 0x00, 0x0b],
  memorySize: [0x3f, 0x00],
  memoryGrow: [0x40, 0x00],
  i32Store: [0x36, 0x02, 0x00],
  i32Load8u: [0x2d, 0x00, 0x00],
  i32Store8: [0x3a, 0x00, 0x00],
};

export function commandModule(spec: CommandSpec): Uint8Array {
  const types = vec([
    ...spec.imports.map((i) => [0x60, ...vec(i.params.map((p) => [vt(p)])), ...vec(i.results.map((r) => [vt(r)]))]),
    [0x60, 0, 0],
  ]);
  const imports = vec(
    spec.imports.map((im, i) => [...str(im.module ?? 'wasi_snapshot_preview1'), ...str(im.name), 0x00, ...uleb(i)]),
  );
  const start = spec.imports.length;
  const limits =
    spec.maxPages === undefined
      ? [0x00, ...uleb(spec.pages ?? 1)]
      : [0x01, ...uleb(spec.pages ?? 1), ...uleb(spec.maxPages)];
  const exports = [[...str('memory'), 0x02, 0]];
  if (spec.start !== false) exports.push([...str('_start'), 0x00, ...uleb(start)]);
  const body = [0x00, ...spec.code, 0x0b];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, vec([uleb(start)])),
    ...section(5, vec([limits])),
    ...section(7, vec(exports)),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ];
  if (spec.data) {
    const d = typeof spec.data.bytes === 'string' ? Buffer.from(spec.data.bytes) : spec.data.bytes;
    bytes.push(...section(11, vec([[0x00, ...op.i32(spec.data.at), 0x0b, ...uleb(d.length), ...d]])));
  }
  return Uint8Array.from(bytes);
}

export const FD_WRITE: GuestImport = { name: 'fd_write', params: ['i32', 'i32', 'i32', 'i32'], results: ['i32'] };
export const PROC_EXIT: GuestImport = { name: 'proc_exit', params: ['i32'], results: [] };

// ------------------------------------------------------------ CGI guests

export type GuestEnd =
  | { kind: 'return' }
  | { kind: 'trap' }
  | { kind: 'exit'; code: number }
  | { kind: 'loop' }
  /** memory.grow(1) until it fails, then return normally. */
  | { kind: 'grow' };

export interface GuestSpec {
  stdout?: string | Uint8Array;
  end?: GuestEnd;
  /** Export _start? (false: a reactor-like module that is not a command). */
  start?: boolean;
  /** Declared maximum of the memory, in 64 KiB pages. */
  maxPages?: number;
  /**
   * After writing, overwrite the second-to-last output byte in linear memory with
   * 'X': a runtime that reused an instance's memory without resetting it would
   * answer differently the next time.
   */
  scribble?: boolean;
  /** One more imported function, e.g. one the host does not provide. */
  extraImport?: { module: string; name: string };
}

const DATA_AT = 0x100;

/** _start writes `stdout` to fd 1 (imports: fd_write, proc_exit), then ends as `end` says. */
export function guestModule(spec: GuestSpec = {}): Uint8Array {
  const stdout =
    typeof spec.stdout === 'string' ? Buffer.from(spec.stdout) : Buffer.from(spec.stdout ?? new Uint8Array());
  const end = spec.end ?? { kind: 'return' };
  const code: number[] = [];
  if (stdout.length > 0) {
    // iovec {buf, len} at address 0, then fd_write(1, iovs=0, 1, nwritten=8).
    code.push(...op.i32(0), ...op.i32(DATA_AT), ...op.i32Store);
    code.push(...op.i32(4), ...op.i32(stdout.length), ...op.i32Store);
    code.push(...op.i32(1), ...op.i32(0), ...op.i32(1), ...op.i32(8), ...op.call(0), ...op.drop);
    if (spec.scribble && stdout.length >= 2)
      code.push(...op.i32(DATA_AT + stdout.length - 2), ...op.i32(0x58), ...op.i32Store8);
  }
  if (end.kind === 'trap') code.push(...op.unreachable);
  else if (end.kind === 'exit') code.push(...op.i32(end.code), ...op.call(1));
  else if (end.kind === 'loop') code.push(...op.loopStart, ...op.loopEnd);
  // loop { if (memory.grow(1) != -1) continue }
  else if (end.kind === 'grow')
    code.push(...op.loopStart, ...op.i32(1), ...op.memoryGrow, ...op.i32(-1), 0x47, 0x0d, 0x00, 0x0b);
  return commandModule({
    imports: [FD_WRITE, PROC_EXIT, ...(spec.extraImport ? [{ ...spec.extraImport, params: [], results: [] }] : [])],
    code,
    ...(spec.maxPages === undefined ? {} : { maxPages: spec.maxPages }),
    ...(stdout.length > 0 ? { data: { at: DATA_AT, bytes: stdout } } : {}),
    ...(spec.start === false ? { start: false } : {}),
  });
}

/** A guest that answers like a CGI program: `Content-Type: text/plain`, blank line, `body`. */
export function cgiGuest(body: string, end?: GuestEnd): Uint8Array {
  return guestModule({ stdout: `Content-Type: text/plain\n\n${body}`, ...(end ? { end } : {}) });
}

// ------------------------------------------------------------ every WASI call

/**
 * Every wasi_snapshot_preview1 function with its parameters by role: f = fd,
 * p = pointer, n = length or count, i = other i32, I = i64. proc_exit left out.
 */
export const PREVIEW1_SIGNATURES: Record<string, string> = {
  args_get: 'pp',
  args_sizes_get: 'pp',
  environ_get: 'pp',
  environ_sizes_get: 'pp',
  clock_res_get: 'ip',
  clock_time_get: 'iIp',
  fd_advise: 'fIIi',
  fd_allocate: 'fII',
  fd_close: 'f',
  fd_datasync: 'f',
  fd_fdstat_get: 'fp',
  fd_fdstat_set_flags: 'fi',
  fd_fdstat_set_rights: 'fII',
  fd_filestat_get: 'fp',
  fd_filestat_set_size: 'fI',
  fd_filestat_set_times: 'fIIi',
  fd_pread: 'fpnIp',
  fd_prestat_get: 'fp',
  fd_prestat_dir_name: 'fpn',
  fd_pwrite: 'fpnIp',
  fd_read: 'fpnp',
  fd_readdir: 'fpnIp',
  fd_renumber: 'ff',
  fd_seek: 'fIip',
  fd_sync: 'f',
  fd_tell: 'fp',
  fd_write: 'fpnp',
  path_create_directory: 'fpn',
  path_filestat_get: 'fipnp',
  path_filestat_set_times: 'fipnIIi',
  path_link: 'fipnfpn',
  path_open: 'fipniIIip',
  path_readlink: 'fpnpnp',
  path_remove_directory: 'fpn',
  path_rename: 'fpnfpn',
  path_symlink: 'pnfpn',
  path_unlink_file: 'fpn',
  poll_oneoff: 'ppnp',
  proc_raise: 'i',
  random_get: 'pn',
  sched_yield: '',
  sock_accept: 'fip',
  sock_recv: 'fpnipp',
  sock_send: 'fpnip',
  sock_shutdown: 'fi',
};

/**
 * A guest that calls `fn` once with the given argument values by role and exits
 * with the errno it returned (proc_exit is import 1).
 */
export function callAndExit(fn: string, values: { f: number; p: number; n: number }): Uint8Array {
  const roles = [...PREVIEW1_SIGNATURES[fn]!];
  const params = roles.map((r): ValType => (r === 'I' ? 'i64' : 'i32'));
  const args = roles.flatMap((r) =>
    r === 'I' ? op.i64(0) : op.i32(r === 'f' ? values.f : r === 'p' ? values.p : r === 'n' ? values.n : 0),
  );
  return commandModule({
    imports: [{ name: fn, params, results: ['i32'] }, PROC_EXIT],
    code: [...args, ...op.call(0), ...op.call(1)],
  });
}

// ------------------------------------------------------------ tables and big data

/** Where each section id goes in a module (the binary format's order; custom sections anywhere). */
const SECTION_ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

/**
 * Inserts a section into a module built above (which has none of that id) at its
 * place in the section order. Works on bytes, so a section of 100 MB costs one copy.
 */
export function insertSection(module: Uint8Array, id: number, body: Uint8Array): Uint8Array {
  const rank = SECTION_ORDER.indexOf(id);
  let pos = 8;
  while (pos < module.length) {
    const at = module[pos]!;
    let size = 0;
    let shift = 0;
    let p = pos + 1;
    for (;;) {
      const b = module[p++]!;
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (at !== 0 && SECTION_ORDER.indexOf(at) > rank) break;
    pos = p + size;
  }
  return Buffer.concat([
    module.subarray(0, pos),
    Uint8Array.from([id, ...uleb(body.length)]),
    body,
    module.subarray(pos),
  ]);
}

/** Adds a funcref table of `min` entries (and a maximum, if given) to a module built by commandModule. */
export function withTable(module: Uint8Array, min: number, max?: number): Uint8Array {
  const limits = max === undefined ? [0x00, ...uleb(min)] : [0x01, ...uleb(min), ...uleb(max)];
  return insertSection(module, 4, Uint8Array.from([1, 0x70, ...limits]));
}

/** Adds one active data segment of `size` zero bytes (or `bytes`) at address `at` to a module built without data. */
export function withData(module: Uint8Array, data: number | Uint8Array, at = 0): Uint8Array {
  const bytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const head = Uint8Array.from([1, 0x00, ...op.i32(at), 0x0b, ...uleb(bytes.length)]);
  return insertSection(module, 11, Buffer.concat([head, bytes]));
}

/** Table instructions (table 0): `ref.null func`, `table.grow`, `table.size`. */
export const tableOp = {
  refNullFunc: [0xd0, 0x70],
  grow: [0xfc, 0x0f, 0x00],
  size: [0xfc, 0x10, 0x00],
};
