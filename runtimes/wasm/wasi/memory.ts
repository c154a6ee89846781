// The guest's linear memory as the host sees it: cached views, re-derived when
// memory.grow detaches the old buffer, and bounds checks for every guest pointer.

const decoder = new TextDecoder('utf-8', { fatal: true });

export class GuestMemory {
  private memory: WebAssembly.Memory | null = null;
  buffer: ArrayBuffer = new ArrayBuffer(0);
  view = new DataView(this.buffer);
  u8 = new Uint8Array(this.buffer);

  attach(memory: WebAssembly.Memory | null): void {
    this.memory = memory;
    if (memory) this.refresh();
    else {
      this.buffer = new ArrayBuffer(0);
      this.view = new DataView(this.buffer);
      this.u8 = new Uint8Array(this.buffer);
    }
  }

  /** memory.grow detaches the old ArrayBuffer: re-derive the views when it changed. */
  refresh(): void {
    const b = this.memory?.buffer;
    if (b && b !== this.buffer) {
      this.buffer = b as ArrayBuffer;
      this.view = new DataView(b);
      this.u8 = new Uint8Array(b);
    }
  }

  /**
   * True when [ptr, ptr+len) lies inside linear memory. ptr is a guest u32 (it may
   * arrive as a negative i32); len is a guest u32 or a host-computed size such as
   * count * 8, which may exceed 2^32 and must not wrap.
   */
  inBounds(ptr: number, len: number): boolean {
    this.refresh();
    ptr >>>= 0;
    if (len < 0) len >>>= 0;
    return ptr + len <= this.buffer.byteLength;
  }

  /** A guest string (ptr, len), or null when out of bounds. Throws TypeError on invalid UTF-8. */
  string(ptr: number, len: number): string | null {
    if (!this.inBounds(ptr, len)) return null;
    return decoder.decode(this.u8.subarray(ptr >>> 0, (ptr >>> 0) + (len >>> 0)));
  }
}
