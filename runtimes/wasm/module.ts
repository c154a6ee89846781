// Loading a guest module: the checks that turn a bad file into one clear sentence
// before anything runs, and compilation.
//
// Limits, all refused here at load time with the limit's option name and the value
// (a guest is untrusted: what it declares, each instance pays for on every request):
//   - maxModuleBytes (64 MiB): the file, before it is read whole, and the bytes; the
//     built-in workloads are 10-60 KiB, large real-world WASI programs a few MiB;
//   - maxTableEntries (100,000): a table's initial size, and its maximum is lowered
//     to it (table.grow past it returns -1 in the guest). V8 allocates every entry
//     per instance (8 bytes: a 10M-entry table is 80 MB a request); C and Rust
//     programs hold one entry per address-taken function, hundreds to thousands;
//   - maxDataBytes (32 MiB): the data segments, copied into memory by every
//     instantiation (a 100 MB segment = 100 MB written per request);
//   - memoryCapBytes (256 MiB): the memory a module needs to start (see binary.ts).

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { PREVIEW1_FUNCTIONS } from './wasi/host.js';
import { MAX_PAGES, PAGE_BYTES, WasmBinaryError, WasmLimitError, dataSegmentBytes, rewriteMemory } from './binary.js';
import { MEMORY_IMPORT_MODULE, MEMORY_IMPORT_NAME, MEMORY_SPEC_SECTION, encodeMemorySpec } from './memory.js';

export class WasmModuleError extends Error {
  override name = 'WasmModuleError';
}

const WASI_MODULES = new Set(['wasi_snapshot_preview1', 'wasi_unstable']);
const KNOWN = new Set<string>(PREVIEW1_FUNCTIONS);

/**
 * Reads a module file: only a regular file (opened non-blocking, so a FIFO cannot hang
 * us; a device or a directory is named, not read), and only up to maxBytes.
 */
export function readWasmFile(path: string, maxBytes = DEFAULT_MODULE_LIMITS.maxModuleBytes): Uint8Array {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile()) throw new WasmModuleError(`${path}: not a regular file (${fileKind(st)})`);
    if (st.size > maxBytes)
      throw new WasmModuleError(
        `${path}: the file is ${st.size} bytes, over the module size limit of ${maxBytes} bytes (maxModuleBytes)`,
      );
    // Read at most one byte past the size seen: a file that grew meanwhile is caught below.
    bytes = Buffer.alloc(st.size + 1);
    let n = 0;
    for (let r; n < bytes.length && (r = readSync(fd, bytes, n, bytes.length - n, null)) > 0;) n += r;
    if (n > maxBytes)
      throw new WasmModuleError(
        `${path}: the file is over the module size limit of ${maxBytes} bytes (maxModuleBytes)`,
      );
    bytes = bytes.subarray(0, Math.min(n, st.size));
  } catch (e) {
    if (e instanceof WasmModuleError) throw e;
    throw new WasmModuleError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x0061736d) {
    throw new WasmModuleError(`${path}: not a WebAssembly module (no \\0asm magic number)`);
  }
  return bytes;
}

function fileKind(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

export interface ModuleLimits {
  /** Largest module accepted, bytes. */
  maxModuleBytes: number;
  /** Largest table (initial size; the maximum is lowered to it), entries. */
  maxTableEntries: number;
  /** Largest sum of data segment sizes, bytes. */
  maxDataBytes: number;
}

export const DEFAULT_MODULE_LIMITS: ModuleLimits = {
  maxModuleBytes: 64 * 2 ** 20,
  maxTableEntries: 100_000,
  maxDataBytes: 32 * 2 ** 20,
};

export interface PrepareOptions extends Partial<ModuleLimits> {
  /** Per-function memory cap in bytes (rounded down to whole pages). Default 256 MiB. */
  memoryCapBytes?: number;
  /** Import the memory from the host so instances can use recycled memories. Default true. */
  poolMemory?: boolean;
}

export const DEFAULT_MEMORY_CAP_BYTES = 256 * 2 ** 20;

/**
 * Rewrites a guest's memory declaration before it is compiled: its maximum is
 * lowered to the cap (so memory.grow past it fails inside the guest, returning -1),
 * and unless poolMemory is false its memory becomes an import the executors fill
 * from a pool, with the limits recorded in a custom section.
 */
export function prepareModuleBytes(bytes: Uint8Array, name = 'module', opts: PrepareOptions = {}): Uint8Array {
  const capPages = Math.max(
    1,
    Math.min(MAX_PAGES, Math.floor((opts.memoryCapBytes ?? DEFAULT_MEMORY_CAP_BYTES) / PAGE_BYTES)),
  );
  const limits = { ...DEFAULT_MODULE_LIMITS, ...definedOnly(opts) };
  if (bytes.length > limits.maxModuleBytes) {
    throw new WasmModuleError(
      `${name}: the module is ${bytes.length} bytes, over the module size limit of ${limits.maxModuleBytes} bytes (maxModuleBytes)`,
    );
  }
  try {
    const data = dataSegmentBytes(bytes);
    if (data > limits.maxDataBytes)
      throw new WasmLimitError(
        'data',
        `its data segments hold ${data} bytes, over the data size limit of ${limits.maxDataBytes} bytes`,
      );
    const r = rewriteMemory(bytes, {
      capPages,
      capTableEntries: limits.maxTableEntries,
      ...(opts.poolMemory === false
        ? {}
        : { importMemoryAs: { module: MEMORY_IMPORT_MODULE, name: MEMORY_IMPORT_NAME } }),
    });
    if (!r.memoryImported || !r.memory) return r.bytes;
    return appendCustomSection(
      r.bytes,
      MEMORY_SPEC_SECTION,
      encodeMemorySpec({ initial: r.memory.min, maximum: r.memory.max ?? capPages }),
    );
  } catch (e) {
    if (e instanceof WasmLimitError) throw new WasmModuleError(`${name}: ${e.message} (${LIMIT_OPTION[e.limit]})`);
    if (e instanceof WasmBinaryError) throw new WasmModuleError(`${name}: invalid WebAssembly module (${e.message})`);
    throw e;
  }
}

const LIMIT_OPTION: Record<WasmLimitError['limit'], string> = {
  memory: 'memoryCapBytes',
  table: 'maxTableEntries',
  data: 'maxDataBytes',
};

function definedOnly(opts: PrepareOptions): Partial<ModuleLimits> {
  const out: Partial<ModuleLimits> = {};
  for (const k of ['maxModuleBytes', 'maxTableEntries', 'maxDataBytes'] as const)
    if (opts[k] !== undefined) out[k] = opts[k];
  return out;
}

/** Compiles (after prepareModuleBytes) and checks that the module is a WASI preview1 command this host can link. */
export async function compileCommand(
  bytes: Uint8Array,
  name = 'module',
  opts: PrepareOptions = {},
): Promise<WebAssembly.Module> {
  const prepared = prepareModuleBytes(bytes, name, opts);
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(prepared);
  } catch (e) {
    throw new WasmModuleError(`${name}: invalid WebAssembly module (${(e as Error).message})`);
  }
  checkCommand(module, name);
  return module;
}

export function checkCommand(module: WebAssembly.Module, name = 'module'): void {
  const start = WebAssembly.Module.exports(module).find((e) => e.name === '_start');
  if (!start || start.kind !== 'function')
    throw new WasmModuleError(`${name}: not a WASI command (no exported _start function)`);
  if (!WebAssembly.Module.exports(module).some((e) => e.name === 'memory' && e.kind === 'memory')) {
    throw new WasmModuleError(`${name}: exports no memory named "memory"`);
  }
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'memory' && imp.module === MEMORY_IMPORT_MODULE && imp.name === MEMORY_IMPORT_NAME) continue; // ours, see prepareModuleBytes
    if (!WASI_MODULES.has(imp.module) || imp.kind !== 'function' || !KNOWN.has(imp.name)) {
      throw new WasmModuleError(
        `${name}: imports ${imp.kind} ${imp.module}.${imp.name}, which this host does not provide (only WASI preview1 functions)`,
      );
    }
  }
}

/**
 * Appends a custom section with a nonce. V8 shares compiled code between modules
 * with identical bytes, so an app cold start measured twice in one process would
 * otherwise hit that cache; a custom section changes the bytes, not the code.
 */
export function withNonce(bytes: Uint8Array, nonce: number): Uint8Array {
  const payload = Buffer.alloc(8);
  payload.writeDoubleLE(nonce);
  return appendCustomSection(bytes, 'faasbench.nonce', payload);
}

/** Appends a custom section (id 0) named `name`. Names and payloads here are < 128 bytes. */
function appendCustomSection(bytes: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  const n = Buffer.from(name);
  const content = Buffer.concat([Buffer.from([n.length]), n, payload]);
  if (n.length > 127 || content.length > 127) throw new RangeError('custom section too large for this helper');
  return Buffer.concat([bytes, Buffer.from([0, content.length]), content]);
}
