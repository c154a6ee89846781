import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROC_EXIT, commandModule, guestModule, withData, withTable } from '../../test/wasm-fixtures.js';
import {
  WasmBinaryError,
  WasmLimitError,
  dataSegmentBytes,
  encodeU32,
  memories,
  parseSections,
  readU32,
  rewriteMemory,
  tables,
} from './binary.js';

const hello = readFileSync(new URL('../../workloads/hello/build/hello.wasm', import.meta.url));
const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** A module with one memory and nothing else (no import section). */
function bareMemoryModule(limits: number[]): Uint8Array {
  return Uint8Array.from([...header, 5, limits.length + 1, 1, ...limits]);
}

/** A module that imports env.mem with the given limits. */
function importedMemoryModule(limits: number[]): Uint8Array {
  const entry = [3, ...Buffer.from('env'), 3, ...Buffer.from('mem'), 0x02, ...limits];
  return Uint8Array.from([...header, 2, entry.length + 1, 1, ...entry]);
}

describe('LEB128', () => {
  it('round-trips edge values', () => {
    for (const n of [0, 1, 63, 64, 127, 128, 255, 16383, 16384, 65536, 2 ** 31, 0xffffffff]) {
      const enc = encodeU32(n);
      expect(readU32(Uint8Array.from(enc), 0)).toEqual([n, enc.length]);
    }
    expect(encodeU32(624485)).toEqual([0xe5, 0x8e, 0x26]);
  });
  it('reads non-minimal encodings and rejects overlong, overflowing and truncated ones', () => {
    expect(readU32(Uint8Array.from([0x82, 0x80, 0x00]), 0)).toEqual([2, 3]);
    expect(() => readU32(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), 0)).toThrow(WasmBinaryError);
    expect(() => readU32(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x1f]), 0)).toThrow(/overflows/);
    expect(() => readU32(Uint8Array.from([0x80, 0x80]), 0)).toThrow(/truncated/);
    expect(() => encodeU32(-1)).toThrow(RangeError);
  });
});

describe('sections', () => {
  it('walks every section of hello.wasm', () => {
    const s = parseSections(hello);
    expect(s[0]!.start).toBe(8);
    expect(s.at(-1)!.end).toBe(hello.length);
    expect(s.map((x) => x.id)).toContain(5);
  });
  it('rejects what is not a module or is cut short', () => {
    expect(() => parseSections(Buffer.from('#!/bin/sh\necho hi\n'))).toThrow(/magic/);
    expect(() => parseSections(Uint8Array.from([...header.slice(0, 4), 2, 0, 0, 0]))).toThrow(/version/);
    for (const cut of [9, 20, hello.length - 1])
      expect(() => parseSections(hello.subarray(0, cut))).toThrow(WasmBinaryError);
  });
  it('reads memory limits: hello has 2 pages and no maximum', () => {
    expect(memories(hello)).toEqual([{ imported: null, limits: { min: 2, max: null, shared: false } }]);
    expect(() => memories(bareMemoryModule([0x04, 1]))).toThrow(/64-bit/);
  });
});

describe('rewriteMemory', () => {
  it('caps a memory without a maximum, and one with a larger maximum', () => {
    for (const limits of [
      [0x00, 2],
      [0x01, 2, ...encodeU32(60000)],
    ]) {
      const r = rewriteMemory(bareMemoryModule(limits), { capPages: 16 });
      expect(WebAssembly.validate(r.bytes)).toBe(true);
      expect(memories(r.bytes)[0]!.limits).toEqual({ min: 2, max: 16, shared: false });
    }
  });
  it('keeps a smaller maximum as it is', () => {
    const r = rewriteMemory(bareMemoryModule([0x01, 1, 3]), { capPages: 16 });
    expect(memories(r.bytes)[0]!.limits.max).toBe(3);
  });
  it('refuses a module that needs more than the cap to start', () => {
    expect(() => rewriteMemory(bareMemoryModule([0x00, 40]), { capPages: 16 })).toThrow(/needs 40 pages.*cap of 16/);
  });
  it('caps an imported memory in the import section', () => {
    const r = rewriteMemory(importedMemoryModule([0x00, 1]), {
      capPages: 8,
      importMemoryAs: { module: 'x', name: 'y' },
    });
    expect(r.memoryImported).toBe(false); // already imported: only capped
    expect(memories(r.bytes)).toEqual([
      { imported: { module: 'env', name: 'mem' }, limits: { min: 1, max: 8, shared: false } },
    ]);
    expect(WebAssembly.validate(r.bytes)).toBe(true);
  });
  it('turns a defined memory into an import, with or without an import section', () => {
    for (const bytes of [bareMemoryModule([0x00, 1]), guestModule({ stdout: 'hi' }), hello]) {
      const r = rewriteMemory(bytes, { capPages: 32, importMemoryAs: { module: 'faasbench', name: 'memory' } });
      expect(r.memoryImported).toBe(true);
      const m = new WebAssembly.Module(r.bytes);
      expect(WebAssembly.Module.imports(m)).toContainEqual({ module: 'faasbench', name: 'memory', kind: 'memory' });
      expect(memories(r.bytes)).toHaveLength(1);
      expect(memories(r.bytes)[0]!.imported).toEqual({ module: 'faasbench', name: 'memory' });
    }
  });
  it('the rewritten module behaves the same, memory.grow stops at the cap', () => {
    const r = rewriteMemory(guestModule({ end: { kind: 'grow' } }), {
      capPages: 5,
      importMemoryAs: { module: 'faasbench', name: 'memory' },
    });
    const memory = new WebAssembly.Memory({ initial: r.memory!.min, maximum: r.memory!.max! });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(r.bytes), {
      faasbench: { memory },
      wasi_snapshot_preview1: { fd_write: () => 0, proc_exit: () => {} },
    });
    (inst.exports['_start'] as () => void)();
    expect(inst.exports['memory']).toBe(memory);
    expect(memory.buffer.byteLength).toBe(5 * 65536);
  });
});

describe('tables and data segments', () => {
  const empty = commandModule({ imports: [PROC_EXIT], pages: 2, code: [] });
  it('reads table limits and sums data segments', () => {
    expect(tables(withTable(empty, 7, 9))).toEqual([{ min: 7, max: 9, shared: false }]);
    expect(tables(empty)).toEqual([]);
    expect(dataSegmentBytes(withData(empty, 1000, 16))).toBe(1000);
    expect(dataSegmentBytes(guestModule({ stdout: 'hello' }))).toBe(5);
    expect(dataSegmentBytes(hello)).toBeGreaterThan(0);
    expect(dataSegmentBytes(empty)).toBe(0);
  });
  it('caps a table: its maximum lowered, a larger initial size refused as a limit', () => {
    for (const [min, max, capped] of [
      [5, undefined, 50],
      [5, 500, 50],
      [5, 20, 20],
    ] as const) {
      const r = rewriteMemory(withTable(empty, min, max), { capTableEntries: 50 });
      expect(WebAssembly.validate(r.bytes)).toBe(true);
      expect(tables(r.bytes)).toEqual([{ min, max: capped, shared: false }]);
    }
    const refuse = () => rewriteMemory(withTable(empty, 51), { capTableEntries: 50 });
    expect(refuse).toThrow(WasmLimitError);
    expect(refuse).toThrow('its table needs 51 entries to start, over the table size limit of 50 entries');
  });
  it('a data section cut short is a format error, not a crash', () => {
    const d = withData(empty, 100);
    const bad = Buffer.from(d);
    bad[bad.length - 101] = 0x7f; // the segment's size byte: 127 > what is left
    expect(() => dataSegmentBytes(bad)).toThrow(WasmBinaryError);
  });
});
