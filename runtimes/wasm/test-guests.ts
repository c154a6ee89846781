// Hand-assembled guest commands for the executor's attack tests: one _start whose
// body is raw instruction bytes, any WASI imports with their signatures, one
// memory. (test/wasm-fixtures.ts covers the common CGI guests; these are the
// misbehaving ones that need other imports or code.)

export type ValType = 'i32' | 'i64';

export interface GuestImport {
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
}

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
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
  const types = vec([...spec.imports.map((i) => [0x60, ...vec(i.params.map((p) => [vt(p)])), ...vec(i.results.map((r) => [vt(r)]))]), [0x60, 0, 0]]);
  const imports = vec(spec.imports.map((im, i) => [...str('wasi_snapshot_preview1'), ...str(im.name), 0x00, ...uleb(i)]));
  const start = spec.imports.length;
  const limits = spec.maxPages === undefined ? [0x00, ...uleb(spec.pages ?? 1)] : [0x01, ...uleb(spec.pages ?? 1), ...uleb(spec.maxPages)];
  const body = [0x00, ...spec.code, 0x0b];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, vec([uleb(start)])),
    ...section(5, vec([limits])),
    ...section(7, vec([[...str('memory'), 0x02, 0], [...str('_start'), 0x00, ...uleb(start)]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ];
  if (spec.data) {
    const d = typeof spec.data.bytes === 'string' ? Buffer.from(spec.data.bytes) : spec.data.bytes;
    bytes.push(...section(11, vec([[0x00, ...op.i32(spec.data.at), 0x0b, ...uleb(d.length), ...d]])));
  }
  return Uint8Array.from(bytes);
}

/**
 * Every wasi_snapshot_preview1 function with its parameters by role: f = fd,
 * p = pointer, n = length or count, i = other i32, I = i64. proc_exit left out.
 */
export const PREVIEW1_SIGNATURES: Record<string, string> = {
  args_get: 'pp', args_sizes_get: 'pp', environ_get: 'pp', environ_sizes_get: 'pp',
  clock_res_get: 'ip', clock_time_get: 'iIp',
  fd_advise: 'fIIi', fd_allocate: 'fII', fd_close: 'f', fd_datasync: 'f', fd_fdstat_get: 'fp',
  fd_fdstat_set_flags: 'fi', fd_fdstat_set_rights: 'fII', fd_filestat_get: 'fp', fd_filestat_set_size: 'fI',
  fd_filestat_set_times: 'fIIi', fd_pread: 'fpnIp', fd_prestat_get: 'fp', fd_prestat_dir_name: 'fpn',
  fd_pwrite: 'fpnIp', fd_read: 'fpnp', fd_readdir: 'fpnIp', fd_renumber: 'ff', fd_seek: 'fIip', fd_sync: 'f',
  fd_tell: 'fp', fd_write: 'fpnp',
  path_create_directory: 'fpn', path_filestat_get: 'fipnp', path_filestat_set_times: 'fipnIIi',
  path_link: 'fipnfpn', path_open: 'fipniIIip', path_readlink: 'fpnpnp', path_remove_directory: 'fpn',
  path_rename: 'fpnfpn', path_symlink: 'pnfpn', path_unlink_file: 'fpn',
  poll_oneoff: 'ppnp', proc_raise: 'i', random_get: 'pn', sched_yield: '',
  sock_accept: 'fip', sock_recv: 'fpnipp', sock_send: 'fpnip', sock_shutdown: 'fi',
};

/**
 * A guest that calls `fn` once with the given argument values by role and exits
 * with the errno it returned (proc_exit is import 1).
 */
export function callAndExit(fn: string, values: { f: number; p: number; n: number }): Uint8Array {
  const roles = [...PREVIEW1_SIGNATURES[fn]!];
  const params = roles.map((r): ValType => (r === 'I' ? 'i64' : 'i32'));
  const args = roles.flatMap((r) => (r === 'I' ? op.i64(0) : op.i32(r === 'f' ? values.f : r === 'p' ? values.p : r === 'n' ? values.n : 0)));
  return commandModule({
    imports: [
      { name: fn, params, results: ['i32'] },
      { name: 'proc_exit', params: ['i32'], results: [] },
    ],
    code: [...args, ...op.call(0), ...op.call(1)],
  });
}
