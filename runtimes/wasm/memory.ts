// Linear memories for fresh instances, pooled.
//
// A module prepared with a recycled memory imports it as faasbench.memory (see
// module.ts: the rewrite, and a `faasbench.memory` custom section recording its
// limits, so the limits travel with the WebAssembly.Module, even to a worker).
// Each instance gets a memory from the pool; after the run the memory comes back,
// is zeroed, and serves the next instance. Instantiation writes the data segments
// into it, exactly as it would into a new memory, so the guest cannot tell the
// difference and nothing of one request is visible to the next. A memory the guest
// grew is dropped (it cannot shrink). Measured on hello: instantiate + _start went
// from ~100 µs to ~10 µs, mostly the cost of allocating a memory and the GC work
// it drives.

import { PAGE_BYTES } from './binary.js';

export const MEMORY_IMPORT_MODULE = 'faasbench';
export const MEMORY_IMPORT_NAME = 'memory';
export const MEMORY_SPEC_SECTION = 'faasbench.memory';

export interface MemorySpec {
  /** Pages. */
  initial: number;
  maximum: number;
}

export function encodeMemorySpec(spec: MemorySpec): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(spec.initial, 0);
  b.writeUInt32LE(spec.maximum, 4);
  return b;
}

const specs = new WeakMap<WebAssembly.Module, MemorySpec | null>();

/** The pooled-memory spec of a prepared module, or null if it has its own memory. */
export function memorySpecOf(module: WebAssembly.Module): MemorySpec | null {
  let spec = specs.get(module);
  if (spec === undefined) {
    const [section] = WebAssembly.Module.customSections(module, MEMORY_SPEC_SECTION);
    const imported = WebAssembly.Module.imports(module).some(
      (i) => i.kind === 'memory' && i.module === MEMORY_IMPORT_MODULE && i.name === MEMORY_IMPORT_NAME,
    );
    if (section && section.byteLength === 8 && imported) {
      const v = new DataView(section);
      spec = { initial: v.getUint32(0, true), maximum: v.getUint32(4, true) };
    } else spec = null;
    specs.set(module, spec);
  }
  return spec;
}

/** Zeroed memories of one spec, ready for a new instance. Bounded. */
export class MemoryRecycler {
  private readonly free = new Map<string, WebAssembly.Memory[]>();
  constructor(private readonly perSpec = 16) {}

  take(spec: MemorySpec): WebAssembly.Memory {
    const list = this.free.get(key(spec));
    return list?.pop() ?? new WebAssembly.Memory({ initial: spec.initial, maximum: spec.maximum });
  }

  /** Hands a memory back after its instance is gone for good. */
  give(spec: MemorySpec, memory: WebAssembly.Memory): void {
    const buffer = memory.buffer;
    if (buffer.byteLength !== spec.initial * PAGE_BYTES) return; // grown: let it go
    let list = this.free.get(key(spec));
    if (!list) this.free.set(key(spec), (list = []));
    if (list.length >= this.perSpec) return;
    new Uint8Array(buffer).fill(0);
    list.push(memory);
  }

  size(): number {
    let n = 0;
    for (const l of this.free.values()) n += l.length;
    return n;
  }
}

const key = (s: MemorySpec): string => `${s.initial}/${s.maximum}`;
