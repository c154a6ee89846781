// Loading a guest module: the checks that turn a bad file into one clear sentence
// before anything runs, and compilation.

import { readFileSync } from 'node:fs';
import { PREVIEW1_FUNCTIONS } from './wasi/host.js';

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

/** Compiles and checks that the module is a WASI preview1 command this host can link. */
export async function compileCommand(bytes: Uint8Array, name = 'module'): Promise<WebAssembly.Module> {
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes);
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
  const name = Buffer.from('faasbench.nonce');
  const payload = Buffer.alloc(8);
  payload.writeDoubleLE(nonce);
  const content = Buffer.concat([Buffer.from([name.length]), name, payload]);
  return Buffer.concat([bytes, Buffer.from([0, content.length]), content]);
}
