// A small reader/rewriter for the WebAssembly binary format: just enough to find and
// change a module's memory and tables before it is compiled, and to size its data
// segments. Two rewrites:
//   - cap: lower the memory's declared maximum to a per-function cap, so memory.grow
//     fails inside the guest (returns -1) instead of exhausting the host; the same for
//     tables (table.grow returns -1), whose entries V8 allocates per instance (8 bytes
//     each, up to 10M: 80 MB an instance) and whose declared size it does not bound;
//   - import: turn the module's own memory into an imported one, so the host can hand
//     each fresh instance a pooled, zeroed memory instead of allocating a new one.
// Everything else is copied byte for byte. Pure functions over bytes.

export class WasmBinaryError extends Error {
  override name = 'WasmBinaryError';
}

/** A well-formed module over one of the host's limits; `limit` says which. */
export class WasmLimitError extends WasmBinaryError {
  override name = 'WasmLimitError';
  constructor(
    readonly limit: 'memory' | 'table' | 'data',
    message: string,
  ) {
    super(message);
  }
}

export const PAGE_BYTES = 65536;
/** wasm32's largest memory: 65536 pages = 4 GiB. */
export const MAX_PAGES = 65536;

/** Unsigned LEB128 (up to 32 bits). Returns [value, position after it]. */
export function readU32(bytes: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (pos >= bytes.length) throw new WasmBinaryError(`truncated LEB128 at byte ${pos}`);
    const b = bytes[pos++]!;
    if (i === 4 && (b & 0x70) !== 0) throw new WasmBinaryError(`LEB128 at byte ${pos - 1} overflows 32 bits`);
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [result, pos];
  }
  throw new WasmBinaryError(`LEB128 at byte ${pos - 5} is longer than 5 bytes`);
}

export function encodeU32(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a u32: ${n}`);
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export interface Section {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  /** Offset of the contents (after id and size). */
  contentStart: number;
  /** Offset just past the contents. */
  end: number;
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

export function parseSections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || MAGIC.some((m, i) => bytes[i] !== m))
    throw new WasmBinaryError('not a WebAssembly module (no \\0asm magic number)');
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0)
    throw new WasmBinaryError(`unsupported binary version ${bytes[4]}`);
  const sections: Section[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos;
    const id = bytes[pos++]!;
    const [size, contentStart] = readU32(bytes, pos);
    const end = contentStart + size;
    if (end > bytes.length)
      throw new WasmBinaryError(`section ${id} at byte ${start} runs past the end of the module (truncated?)`);
    sections.push({ id, start, contentStart, end });
    pos = end;
  }
  return sections;
}

export interface Limits {
  /** Pages. */
  min: number;
  max: number | null;
  shared: boolean;
}

function readLimits(bytes: Uint8Array, pos: number): [Limits, number] {
  const flags = bytes[pos++];
  if (flags === undefined) throw new WasmBinaryError('truncated memory limits');
  if (flags & 0x04) throw new WasmBinaryError('64-bit memories are not supported');
  if (flags > 0x03) throw new WasmBinaryError(`unknown memory limits flags 0x${flags.toString(16)}`);
  let min: number;
  let max: number | null = null;
  [min, pos] = readU32(bytes, pos);
  if (flags & 0x01) [max, pos] = readU32(bytes, pos);
  return [{ min, max, shared: (flags & 0x02) !== 0 }, pos];
}

export function encodeLimits(l: Limits): number[] {
  const flags = (l.max !== null ? 0x01 : 0) | (l.shared ? 0x02 : 0);
  return [flags, ...encodeU32(l.min), ...(l.max !== null ? encodeU32(l.max) : [])];
}

function readName(bytes: Uint8Array, pos: number, end: number): [string, number] {
  const [len, p] = readU32(bytes, pos);
  if (p + len > end) throw new WasmBinaryError('truncated name');
  return [Buffer.from(bytes.buffer, bytes.byteOffset + p, len).toString('utf8'), p + len];
}

function encodeName(s: string): number[] {
  const b = Buffer.from(s, 'utf8');
  return [...encodeU32(b.length), ...b];
}

interface MemoryImport {
  module: string;
  name: string;
  limits: Limits;
  entryStart: number;
  limitsStart: number;
  limitsEnd: number;
}

/** The memory entries of the import section. */
function scanImports(bytes: Uint8Array, s: Section): { count: number; entriesStart: number; memories: MemoryImport[] } {
  const [count, first] = readU32(bytes, s.contentStart);
  let pos = first;
  const entriesStart = pos;
  const memories: MemoryImport[] = [];
  for (let i = 0; i < count; i++) {
    const entryStart = pos;
    let module: string;
    let name: string;
    [module, pos] = readName(bytes, pos, s.end);
    [name, pos] = readName(bytes, pos, s.end);
    const kind = bytes[pos++];
    switch (kind) {
      case 0x00: // function: type index
        [, pos] = readU32(bytes, pos);
        break;
      case 0x01: // table: reftype + limits
        [, , pos] = readTableType(bytes, pos);
        break;
      case 0x02: {
        const limitsStart = pos;
        let limits: Limits;
        [limits, pos] = readLimits(bytes, pos);
        memories.push({ module, name, limits, entryStart, limitsStart, limitsEnd: pos });
        break;
      }
      case 0x03: // global: valtype + mutability
        pos += 2;
        break;
      case 0x04: // tag: attribute + type index
        pos++;
        [, pos] = readU32(bytes, pos);
        break;
      default:
        throw new WasmBinaryError(`unknown import kind ${kind} in import ${module}.${name}`);
    }
    if (pos > s.end) throw new WasmBinaryError('import section runs past its end');
  }
  if (pos !== s.end) throw new WasmBinaryError('import section size mismatch');
  return { count, entriesStart, memories };
}

/** A table type: reftype, then limits (flags 0x00/0x01; table64 and initializer expressions refused). */
function readTableType(bytes: Uint8Array, pos: number): [Limits, number, number] {
  const ref = bytes[pos++];
  if (ref === 0x40) throw new WasmBinaryError('tables with an initializer expression are not supported');
  if (ref !== 0x70 && ref !== 0x6f)
    throw new WasmBinaryError(`unknown table element type 0x${ref?.toString(16) ?? '(end)'}`);
  const limitsStart = pos;
  const flags = bytes[pos++];
  if (flags === undefined) throw new WasmBinaryError('truncated table limits');
  if (flags & 0x04) throw new WasmBinaryError('64-bit tables are not supported');
  if (flags > 0x01) throw new WasmBinaryError(`unknown table limits flags 0x${flags.toString(16)}`);
  let min: number;
  let max: number | null = null;
  [min, pos] = readU32(bytes, pos);
  if (flags & 0x01) [max, pos] = readU32(bytes, pos);
  return [{ min, max, shared: false }, limitsStart, pos];
}

/** The tables the module defines (its table section), in order. */
export function tables(bytes: Uint8Array): Limits[] {
  const out: Limits[] = [];
  for (const s of parseSections(bytes)) {
    if (s.id !== 4) continue;
    const [count, first] = readU32(bytes, s.contentStart);
    let pos = first;
    for (let i = 0; i < count; i++) {
      let l: Limits;
      [l, , pos] = readTableType(bytes, pos);
      out.push(l);
    }
    if (pos !== s.end) throw new WasmBinaryError('table section size mismatch');
  }
  return out;
}

/** Skips a constant expression (a data segment's offset): i32/i64.const, global.get, extended-const arithmetic, end. */
function skipConstExpr(bytes: Uint8Array, pos: number, end: number): number {
  while (pos < end) {
    const op = bytes[pos++]!;
    if (op === 0x0b) return pos;
    if (op === 0x41 || op === 0x42) {
      while (pos < end && bytes[pos]! & 0x80) pos++;
      pos++;
    } else if (op === 0x23) [, pos] = readU32(bytes, pos);
    else if (![0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e].includes(op))
      throw new WasmBinaryError(`unsupported instruction 0x${op.toString(16)} in a data segment offset`);
  }
  throw new WasmBinaryError('data segment offset runs past the data section');
}

/** Sum of the sizes of the module's data segments (active and passive), in bytes. */
export function dataSegmentBytes(bytes: Uint8Array): number {
  let total = 0;
  for (const s of parseSections(bytes)) {
    if (s.id !== 11) continue;
    const [count, first] = readU32(bytes, s.contentStart);
    let pos = first;
    for (let i = 0; i < count; i++) {
      let kind: number;
      [kind, pos] = readU32(bytes, pos);
      if (kind === 2)
        [, pos] = readU32(bytes, pos); // memory index
      else if (kind !== 0 && kind !== 1) throw new WasmBinaryError(`unknown data segment kind ${kind}`);
      if (kind !== 1) pos = skipConstExpr(bytes, pos, s.end);
      let size: number;
      [size, pos] = readU32(bytes, pos);
      pos += size;
      if (pos > s.end) throw new WasmBinaryError('data segment runs past the data section');
      total += size;
    }
    if (pos !== s.end) throw new WasmBinaryError('data section size mismatch');
  }
  return total;
}

export interface MemoryInfo {
  /** Where the (single) memory comes from. */
  imported: { module: string; name: string } | null;
  limits: Limits;
}

/** The module's memories (imported first, then defined), in index order. */
export function memories(bytes: Uint8Array): MemoryInfo[] {
  const out: MemoryInfo[] = [];
  for (const s of parseSections(bytes)) {
    if (s.id === 2)
      for (const m of scanImports(bytes, s).memories)
        out.push({ imported: { module: m.module, name: m.name }, limits: m.limits });
    if (s.id === 5) {
      const [count, first] = readU32(bytes, s.contentStart);
      let pos = first;
      for (let i = 0; i < count; i++) {
        let limits: Limits;
        [limits, pos] = readLimits(bytes, pos);
        out.push({ imported: null, limits });
      }
      if (pos !== s.end) throw new WasmBinaryError('memory section size mismatch');
    }
  }
  return out;
}

export interface RewriteOptions {
  /** Lower every memory's maximum to this many pages (and give one to memories without). */
  capPages?: number;
  /** Turn the module's single defined memory into an import with this module/name. */
  importMemoryAs?: { module: string; name: string };
  /** Lower every defined table's maximum to this many entries (and give one to tables without); refuse a larger initial size. */
  capTableEntries?: number;
}

export interface RewriteResult {
  bytes: Uint8Array;
  /** The (single) memory's limits after the rewrite; null if the module has no memory. */
  memory: Limits | null;
  /** True when the memory is now imported under importMemoryAs. */
  memoryImported: boolean;
}

function cap(l: Limits, capPages: number | undefined): Limits {
  if (capPages === undefined) return l;
  if (l.min > capPages)
    throw new WasmLimitError(
      'memory',
      `the module needs ${l.min} pages of memory to start, over the cap of ${capPages} pages`,
    );
  return { ...l, max: l.max === null || l.max > capPages ? capPages : l.max };
}

function capTable(l: Limits, entries: number | undefined): Limits {
  if (entries === undefined) return l;
  if (l.min > entries)
    throw new WasmLimitError(
      'table',
      `its table needs ${l.min} entries to start, over the table size limit of ${entries} entries`,
    );
  return { ...l, max: l.max === null || l.max > entries ? entries : l.max };
}

function section(id: number, content: number[] | Uint8Array): Uint8Array {
  const head = [id, ...encodeU32(content.length)];
  const out = new Uint8Array(head.length + content.length);
  out.set(head, 0);
  out.set(content, head.length);
  return out;
}

/**
 * Rewrites the memory declarations. Throws WasmBinaryError on a malformed module or a
 * memory that cannot fit under the cap. The import rewrite applies only to a module
 * with exactly one memory, defined (not imported) and not shared; otherwise only the
 * cap is applied and memoryImported is false.
 */
export function rewriteMemory(bytes: Uint8Array, opts: RewriteOptions): RewriteResult {
  const sections = parseSections(bytes);
  const mems = memories(bytes);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  const asImport =
    opts.importMemoryAs && mems.length === 1 && mems[0]!.imported === null && !mems[0]!.limits.shared
      ? opts.importMemoryAs
      : undefined;
  const memory = mems.length === 1 ? cap(mems[0]!.limits, opts.capPages) : null;
  let importDone = false;
  const newImport = (): number[] => [
    ...encodeName(asImport!.module),
    ...encodeName(asImport!.name),
    0x02,
    ...encodeLimits(memory!),
  ];

  for (const s of sections) {
    if (asImport && !importDone && s.id !== 0 && s.id !== 1 && s.id !== 2) {
      // No import section: add one before the first section that must follow it.
      parts.push(section(2, [...encodeU32(1), ...newImport()]));
      importDone = true;
    }
    if (s.id === 2) {
      const { count, entriesStart, memories: ms } = scanImports(bytes, s);
      const body: number[] = [];
      let copied = entriesStart;
      for (const m of ms) {
        body.push(...bytes.subarray(copied, m.limitsStart), ...encodeLimits(cap(m.limits, opts.capPages)));
        copied = m.limitsEnd;
      }
      body.push(...bytes.subarray(copied, s.end));
      if (asImport) {
        body.push(...newImport());
        importDone = true;
      }
      parts.push(section(2, [...encodeU32(count + (asImport ? 1 : 0)), ...body]));
    } else if (s.id === 4 && opts.capTableEntries !== undefined) {
      const [count, first] = readU32(bytes, s.contentStart);
      let pos = first;
      const body: number[] = [...encodeU32(count)];
      for (let i = 0; i < count; i++) {
        const [l, limitsStart, after] = readTableType(bytes, pos);
        body.push(...bytes.subarray(pos, limitsStart), ...encodeLimits(capTable(l, opts.capTableEntries)));
        pos = after;
      }
      if (pos !== s.end) throw new WasmBinaryError('table section size mismatch');
      parts.push(section(4, body));
    } else if (s.id === 5) {
      if (asImport) continue; // the memory is now the import
      const [count, first] = readU32(bytes, s.contentStart);
      let pos = first;
      const body: number[] = [...encodeU32(count)];
      for (let i = 0; i < count; i++) {
        let l: Limits;
        [l, pos] = readLimits(bytes, pos);
        body.push(...encodeLimits(cap(l, opts.capPages)));
      }
      parts.push(section(5, body));
    } else {
      parts.push(bytes.subarray(s.start, s.end));
    }
  }
  if (asImport && !importDone) parts.push(section(2, [...encodeU32(1), ...newImport()]));
  return { bytes: Buffer.concat(parts), memory, memoryImported: asImport !== undefined };
}
