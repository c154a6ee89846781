// Tiny WASI command modules assembled byte by byte, for tests that need a guest
// misbehaving in one precise way (trap, exit code, endless loop, memory bomb, bad
// CGI output, a missing import) without a C toolchain.
//
// The module: imports fd_write and proc_exit, exports "memory" and "_start";
// _start writes `stdout` to fd 1 and then ends as `end` says.

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

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const str = (s: string): number[] => [...uleb(Buffer.byteLength(s)), ...Buffer.from(s)];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

const I32 = 0x7f;
const DATA_AT = 0x100;

export function guestModule(spec: GuestSpec = {}): Uint8Array {
  const stdout = typeof spec.stdout === 'string' ? Buffer.from(spec.stdout) : Buffer.from(spec.stdout ?? new Uint8Array());
  const end = spec.end ?? { kind: 'return' };

  const types = vec([
    [0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[I32]])], // 0: fd_write
    [0x60, ...vec([[I32]]), ...vec([])], // 1: proc_exit
    [0x60, ...vec([]), ...vec([])], // 2: _start
  ]);
  const imports = [
    [...str('wasi_snapshot_preview1'), ...str('fd_write'), 0x00, ...uleb(0)],
    [...str('wasi_snapshot_preview1'), ...str('proc_exit'), 0x00, ...uleb(1)],
  ];
  if (spec.extraImport) imports.push([...str(spec.extraImport.module), ...str(spec.extraImport.name), 0x00, ...uleb(2)]);
  const startIndex = imports.length;

  const limits = spec.maxPages === undefined ? [0x00, ...uleb(1)] : [0x01, ...uleb(1), ...uleb(spec.maxPages)];
  const exports = [[...str('memory'), 0x02, ...uleb(0)]];
  if (spec.start !== false) exports.push([...str('_start'), 0x00, ...uleb(startIndex)]);

  const code: number[] = [];
  if (stdout.length > 0) {
    // iovec {buf, len} at address 0, then fd_write(1, iovs=0, 1, nwritten=8).
    code.push(0x41, ...sleb(0), 0x41, ...sleb(DATA_AT), 0x36, 0x02, 0x00);
    code.push(0x41, ...sleb(4), 0x41, ...sleb(stdout.length), 0x36, 0x02, 0x00);
    code.push(0x41, ...sleb(1), 0x41, ...sleb(0), 0x41, ...sleb(1), 0x41, ...sleb(8), 0x10, ...uleb(0), 0x1a);
    if (spec.scribble && stdout.length >= 2) code.push(0x41, ...sleb(DATA_AT + stdout.length - 2), 0x41, ...sleb(0x58), 0x3a, 0x00, 0x00);
  }
  switch (end.kind) {
    case 'return':
      break;
    case 'trap':
      code.push(0x00);
      break;
    case 'exit':
      code.push(0x41, ...sleb(end.code), 0x10, ...uleb(1));
      break;
    case 'loop':
      code.push(0x03, 0x40, 0x0c, 0x00, 0x0b);
      break;
    case 'grow':
      // loop { if (memory.grow(1) != -1) continue }
      code.push(0x03, 0x40, 0x41, ...sleb(1), 0x40, 0x00, 0x41, ...sleb(-1), 0x47, 0x0d, 0x00, 0x0b);
      break;
  }
  code.push(0x0b);
  const body = [...uleb(0), ...code]; // no locals

  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, vec(imports)),
    ...section(3, vec([uleb(2)])),
    ...section(5, vec([limits])),
    ...section(7, vec(exports)),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ];
  if (stdout.length > 0) bytes.push(...section(11, vec([[0x00, 0x41, ...sleb(DATA_AT), 0x0b, ...uleb(stdout.length), ...stdout]])));
  return Uint8Array.from(bytes);
}

/** A guest that answers like a CGI program: `Content-Type: text/plain`, blank line, `body`. */
export function cgiGuest(body: string, end?: GuestEnd): Uint8Array {
  return guestModule({ stdout: `Content-Type: text/plain\n\n${body}`, ...(end ? { end } : {}) });
}
