// Initial memory as one image instead of thousands of data segments per instance.
//
// A componentize-js component's main core module carries its initialised JS heap as
// ~10,000 active data segments (9 MiB): V8 applies them one by one on every
// instantiation. At prepare we apply them once into an image, drop the data section
// and turn the module's memory into an import; every fresh instance then gets a new
// memory of the same limits with the image copied in (one memcpy). The guest cannot
// tell: the bytes are those the segments would have written, and nothing of another
// request is in a new memory.
//
// Applies only when it is exactly equivalent: one defined memory, every segment active
// on it at an i32.const offset (no passive segment). The data count section goes with
// the data section; code that names a segment (memory.init, data.drop) then no longer
// validates, and prepare.ts compiles the module as it was instead.

import { PAGE_BYTES, parseSections, readU32, rewriteMemory, type Limits } from '../binary.js';

export const IMAGE_IMPORT = { module: 'faasbench:image', name: 'memory' } as const;

export interface MemoryImage {
  limits: Limits;
  /** Bytes from address 0 to the end of the last segment. */
  image: Uint8Array;
}

function readI32Const(bytes: Uint8Array, pos: number): [number, number] | null {
  if (bytes[pos] !== 0x41) return null;
  pos++;
  let result = 0;
  let shift = 0;
  let b: number;
  do {
    b = bytes[pos++]!;
    result |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80 && shift < 35);
  if (shift < 32 && b & 0x40) result |= -1 << shift;
  if (bytes[pos] !== 0x0b) return null;
  return [result >>> 0, pos + 1];
}

/** The rewritten module and its image, or null when the rewrite would not be exactly equivalent. */
export function extractMemoryImage(
  bytes: Uint8Array,
  capPages: number,
): { bytes: Uint8Array; image: MemoryImage } | null {
  const sections = parseSections(bytes);
  const data = sections.find((s) => s.id === 11);
  if (!data) return null;
  const segments: Array<{ offset: number; start: number; size: number }> = [];
  const [count, first] = readU32(bytes, data.contentStart);
  let pos = first;
  let extent = 0;
  for (let i = 0; i < count; i++) {
    let kind: number;
    [kind, pos] = readU32(bytes, pos);
    if (kind !== 0) return null; // passive, or another memory
    const c = readI32Const(bytes, pos);
    if (!c) return null; // global.get or extended-const offsets: left to V8
    const [offset, after] = c;
    let size: number;
    [size, pos] = readU32(bytes, after);
    segments.push({ offset, start: pos, size });
    pos += size;
    extent = Math.max(extent, offset + size);
  }
  if (pos !== data.end) return null;
  let rewritten;
  try {
    rewritten = rewriteMemory(bytes, { capPages, importMemoryAs: IMAGE_IMPORT });
  } catch {
    return null;
  }
  if (
    !rewritten.memoryImported ||
    !rewritten.memory ||
    rewritten.memory.shared ||
    extent > rewritten.memory.min * PAGE_BYTES
  )
    return null;
  const image = new Uint8Array(extent);
  for (const s of segments) image.set(bytes.subarray(s.start, s.start + s.size), s.offset);
  // Drop the data and data count sections from the rewritten bytes (found again: offsets moved).
  const out = rewritten.bytes;
  const keep = parseSections(out).filter((s) => s.id !== 11 && s.id !== 12);
  const stripped = Buffer.concat([out.subarray(0, 8), ...keep.map((s) => out.subarray(s.start, s.end))]);
  return { bytes: stripped, image: { limits: rewritten.memory, image } };
}

/** Bytes after the image a pooled memory may have to zero (see MemoryPool.give). */
const MAX_ZERO_TAIL = 4 * 2 ** 20;

/**
 * Memories of finished fresh instances, made fresh again for the next one. A new
 * memory costs its page faults: measured on this machine, a new 145-page memory with
 * hello's 9.5 MB JS image copied in took ~6 ms, and V8 applying the 10,000 segments
 * itself ~4 ms; overwriting a memory that already has its pages took ~1 ms. A memory
 * comes back only when the guest did not grow it (memory.size is the guest's to see,
 * and a Wasm memory cannot shrink); it is then overwritten whole, the image and zeros
 * after it, so the next instance sees exactly what a new memory would hold and nothing
 * of the request before (component.test.ts). A pool lives in one runner (one thread),
 * keeps one memory per image and at most a byte budget in all, least recently used
 * dropped first.
 */
export class MemoryPool {
  /** Free memories by image, least recently given first. */
  private readonly free = new Map<MemoryImage, WebAssembly.Memory[]>();
  private bytes = 0;
  /** Memories handed out again (for tests and profiles). */
  hits = 0;
  /**
   * @param budgetBytes what the free memories may hold in all (default 64 MiB): an idle
   *   app keeps nothing of its own here, so density (thousands of apps) is not charged
   *   a memory per app, and the pool of a thread stays a constant.
   * @param perImage free memories kept per image (one serves a thread's fresh instances
   *   one after another).
   */
  constructor(
    private readonly budgetBytes = 64 * 2 ** 20,
    private readonly perImage = 1,
  ) {}

  /** A memory holding the image, from the pool when one is there. */
  take(m: MemoryImage): WebAssembly.Memory {
    const list = this.free.get(m);
    const memory = list?.pop();
    if (!memory) return memoryFromImage(m);
    this.hits++;
    this.bytes -= memory.buffer.byteLength;
    if (list!.length === 0) this.free.delete(m);
    const bytes = new Uint8Array(memory.buffer);
    bytes.set(m.image);
    bytes.fill(0, m.image.length);
    return memory;
  }

  /** A memory no instance will touch again (its instance is gone): kept if it is as the image made it, size-wise. */
  give(m: MemoryImage, memory: WebAssembly.Memory): void {
    const size = memory.buffer.byteLength;
    if (size !== m.limits.min * PAGE_BYTES || size > this.budgetBytes) return;
    // Zeroing a long tail after the image touches every page of it; a new memory's zero
    // pages cost nothing until the guest touches them. Past MAX_ZERO_TAIL, new is cheaper.
    if (size - m.image.length > MAX_ZERO_TAIL) return;
    const list = this.free.get(m) ?? [];
    if (list.length >= this.perImage) return;
    list.push(memory);
    this.free.delete(m); // most recently given last
    this.free.set(m, list);
    this.bytes += size;
    for (const [img, l] of this.free) {
      if (this.bytes <= this.budgetBytes) break;
      for (const dropped of l) this.bytes -= dropped.buffer.byteLength;
      this.free.delete(img);
    }
  }

  /** Drops what is kept for these images (their component stopped). */
  forget(images: Iterable<MemoryImage>): void {
    for (const m of images) {
      for (const dropped of this.free.get(m) ?? []) this.bytes -= dropped.buffer.byteLength;
      this.free.delete(m);
    }
  }

  /** Bytes the free memories hold. */
  get heldBytes(): number {
    return this.bytes;
  }
}

/** A new memory holding the image: what the segments would have written into a fresh one. */
export function memoryFromImage(m: MemoryImage): WebAssembly.Memory {
  const memory = new WebAssembly.Memory({
    initial: m.limits.min,
    ...(m.limits.max !== null ? { maximum: m.limits.max } : {}),
  });
  new Uint8Array(memory.buffer).set(m.image);
  return memory;
}
