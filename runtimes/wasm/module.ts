// Loading a guest module: the checks that turn a bad file into one clear sentence
// before anything runs, and compilation.

import { readFileSync } from 'node:fs';
import { PREVIEW1_FUNCTIONS } from './wasi/host.js';
import { MAX_PAGES, PAGE_BYTES, WasmBinaryError, rewriteMemory } from './binary.js';
import { MEMORY_IMPORT_MODULE, MEMORY_IMPORT_NAME, MEMORY_SPEC_SECTION, encodeMemorySpec } from './memory.js';

export class WasmModuleError extends Error {
  override name = 'WasmModuleError';
}

const WASI_MODULES = new Set(['wasi_snapshot_preview1', 'wasi_unstable']);
const KNOWN = new Set<string>(PREVIEW1_FUNCTIONS);

export function readWasmFile(path: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new WasmModuleError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x0061736d) {
    throw new WasmModuleError(`${path}: not a WebAssembly module (no \\0asm magic number)`);
  }
  return bytes;
}

export interface PrepareOptions {
  /** Per-function memory cap in bytes (rounded down to whole pages). Default 256 MiB. */
  memoryCapBytes?: number;
  /** Import the memory from the host so instances can use pooled memories. Default true. */
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
  const capPages = Math.max(1, Math.min(MAX_PAGES, Math.floor((opts.memoryCapBytes ?? DEFAULT_MEMORY_CAP_BYTES) / PAGE_BYTES)));
  try {
    const r = rewriteMemory(bytes, { capPages, ...(opts.poolMemory === false ? {} : { importMemoryAs: { module: MEMORY_IMPORT_MODULE, name: MEMORY_IMPORT_NAME } }) });
    if (!r.memoryImported || !r.memory) return r.bytes;
    return appendCustomSection(r.bytes, MEMORY_SPEC_SECTION, encodeMemorySpec({ initial: r.memory.min, maximum: r.memory.max ?? capPages }));
  } catch (e) {
    if (e instanceof WasmBinaryError) throw new WasmModuleError(`${name}: invalid WebAssembly module (${e.message})`);
    throw e;
  }
}

/** Compiles (after prepareModuleBytes) and checks that the module is a WASI preview1 command this host can link. */
export async function compileCommand(bytes: Uint8Array, name = 'module', opts: PrepareOptions = {}): Promise<WebAssembly.Module> {
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
  if (!start || start.kind !== 'function') throw new WasmModuleError(`${name}: not a WASI command (no exported _start function)`);
  if (!WebAssembly.Module.exports(module).some((e) => e.name === 'memory' && e.kind === 'memory')) {
    throw new WasmModuleError(`${name}: exports no memory named "memory"`);
  }
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'memory' && imp.module === MEMORY_IMPORT_MODULE && imp.name === MEMORY_IMPORT_NAME) continue; // ours, see prepareModuleBytes
    if (!WASI_MODULES.has(imp.module) || imp.kind !== 'function' || !KNOWN.has(imp.name)) {
      throw new WasmModuleError(`${name}: imports ${imp.kind} ${imp.module}.${imp.name}, which this host does not provide (only WASI preview1 functions)`);
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
