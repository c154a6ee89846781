// Wizer pre-initialisation of a preview1 WAGI command module (the `wizer` preinit
// series, series.ts), done offline at prepare and cached by the input's SHA-256 under
// ~/.cache/faasbench/wizer (FAASBENCH_CACHE moves it), so a run pays for it once.
//
// Wizer (@bytecodealliance/wizer 10.0.0, its prebuilt binary from npm) instantiates a
// module, calls an init export, and writes the instance's memory and globals back out
// as a new module. A command built by clang for wasm32-wasi exports only `_start` and
// `memory`: there is no init export, and `_start` cannot be one (it runs main, which
// reads the request). So before Wizer runs, one function is added and exported as
// `wizer.initialize`: it calls the module's constructors (`__wasm_call_ctors`, found
// by the name section wasm-ld writes), or does nothing when the module has none.
// Wizer runs it with WASI allowed (wasi-libc's constructors read the environment:
// `--allow-wasi`, no variables, no directories, no stdio), snapshots, and drops the
// export again (`--keep-init-func` false). `_start` is untouched, so it still runs
// the constructors per request: that is what makes the snapshot correct for these
// modules (the only constructor wasi-libc links here, environ's, must read each
// request's CGI variables, so it has to run again), and it assumes constructors that
// may run twice, which holds for wasi-libc's own; wizer.test.ts checks every built-in
// workload answers byte-identically to its plain module. What it buys a C command is
// therefore small: a snapshot of the initial memory (data segments re-laid from it),
// not skipped work, and the measured series says how much that is.
//
// Why a hand-written export rewrite rather than a text round trip through wasm-tools:
// it is four small section edits over binary.ts's reader, keeps every other byte
// (names, producers) as it was, and needs no WASI shim to run a component tool.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WasmBinaryError, encodeU32, parseSections, readU32, type Section } from './binary.js';

export class WizerError extends Error {
  override name = 'WizerError';
}

/** The export Wizer calls by default. */
export const INIT_EXPORT = 'wizer.initialize';
/** Bumped when what we hand Wizer (or its flags) changes: old cache entries are then not used. */
const CACHE_FORMAT = 'wizer-10.0.0-ctors-1';
const WIZER_TIMEOUT_MS = 60_000;

export function wizerCacheDir(): string {
  return join(process.env['FAASBENCH_CACHE'] || join(homedir(), '.cache', 'faasbench'), 'wizer');
}

/** Path of Wizer's binary (the platform package @bytecodealliance/wizer installs beside itself). */
export async function wizerBinary(): Promise<string> {
  try {
    // A specifier in a variable: the package ships no types, its default export is the binary's path.
    const pkg: string = '@bytecodealliance/wizer';
    return ((await import(pkg)) as { default: string }).default;
  } catch (e) {
    throw new WizerError(`Wizer is not installed here (${(e as Error).message.split('\n')[0]}); run npm ci`);
  }
}

function readName(bytes: Uint8Array, pos: number): [string, number] {
  const [len, p] = readU32(bytes, pos);
  return [Buffer.from(bytes.subarray(p, p + len)).toString('utf8'), p + len];
}

function nameBytes(s: string): number[] {
  const b = Buffer.from(s, 'utf8');
  return [...encodeU32(b.length), ...b];
}

function sectionBytes(id: number, content: number[]): number[] {
  return [id, ...encodeU32(content.length), ...content];
}

/** Number of imported functions (they come first in the function index space). */
function importedFunctions(bytes: Uint8Array, s: Section | undefined): number {
  if (!s) return 0;
  const [count, first] = readU32(bytes, s.contentStart);
  let pos = first;
  let funcs = 0;
  for (let i = 0; i < count; i++) {
    [, pos] = readName(bytes, pos);
    [, pos] = readName(bytes, pos);
    const kind = bytes[pos++];
    if (kind === 0) {
      funcs++;
      [, pos] = readU32(bytes, pos);
    } else if (kind === 1) {
      pos++; // reference type
      const flags = bytes[pos++]!;
      [, pos] = readU32(bytes, pos);
      if (flags & 1) [, pos] = readU32(bytes, pos);
    } else if (kind === 2) {
      const flags = bytes[pos++]!;
      [, pos] = readU32(bytes, pos);
      if (flags & 1) [, pos] = readU32(bytes, pos);
    } else if (kind === 3) pos += 2;
    else throw new WasmBinaryError(`unsupported import kind ${kind}`);
  }
  return funcs;
}

/** The function index the name section gives `wanted`, or null. */
function functionNamed(bytes: Uint8Array, sections: Section[], wanted: string): number | null {
  for (const s of sections.filter((x) => x.id === 0)) {
    const [name, pos] = readName(bytes, s.contentStart);
    if (name !== 'name') continue;
    let p = pos;
    while (p < s.end) {
      const sub = bytes[p++]!;
      const [size, q] = readU32(bytes, p);
      if (sub === 1) {
        let [n, r] = readU32(bytes, q);
        for (; n > 0; n--) {
          let idx: number;
          let fn: string;
          [idx, r] = readU32(bytes, r);
          [fn, r] = readName(bytes, r);
          if (fn === wanted) return idx;
        }
      }
      p = q + size;
    }
  }
  return null;
}

/** Type index of `[] -> []` in the type section, and the section's new content if it had to be added. */
function emptyType(bytes: Uint8Array, s: Section): { index: number; content: number[] | null } {
  const [count, entries] = readU32(bytes, s.contentStart);
  let pos = entries;
  for (let i = 0; i < count; i++) {
    if (bytes[pos] !== 0x60) throw new WasmBinaryError(`unsupported type form 0x${bytes[pos]?.toString(16)}`);
    const start = pos++;
    let params: number;
    let results: number;
    [params, pos] = readU32(bytes, pos);
    pos += params;
    [results, pos] = readU32(bytes, pos);
    pos += results;
    if (pos - start === 3 && params === 0 && results === 0) return { index: i, content: null };
  }
  return {
    index: count,
    content: [...encodeU32(count + 1), ...bytes.subarray(entries, s.end), 0x60, 0x00, 0x00],
  };
}

/** A vector section's content with `entry` appended (count + 1). */
function appended(bytes: Uint8Array, s: Section, entry: number[]): number[] {
  const [count, entries] = readU32(bytes, s.contentStart);
  return [...encodeU32(count + 1), ...bytes.subarray(entries, s.end), ...entry];
}

/**
 * `bytes` with a function added and exported as `wizer.initialize`: it calls
 * `__wasm_call_ctors` when the name section names one (taking and returning nothing),
 * else does nothing. Every other byte is kept; `hasCtors` says which it was.
 */
export function withInitExport(bytes: Uint8Array): { bytes: Uint8Array; hasCtors: boolean } {
  const sections = parseSections(bytes);
  const one = (id: number) => sections.find((s) => s.id === id);
  const types = one(1);
  const funcs = one(3);
  const exportsSection = one(7);
  const code = one(10);
  if (!types || !funcs || !exportsSection || !code)
    throw new WizerError('the module has no type, function, export or code section to add an init function to');
  const [defined] = readU32(bytes, funcs.contentStart);
  const newIndex = importedFunctions(bytes, one(2)) + defined;
  const ctors = functionNamed(bytes, sections, '__wasm_call_ctors');
  const type = emptyType(bytes, types);
  const body = [0x00, ...(ctors !== null ? [0x10, ...encodeU32(ctors)] : []), 0x0b];
  const replaced = new Map<Section, number[]>([
    [funcs, appended(bytes, funcs, encodeU32(type.index))],
    [exportsSection, appended(bytes, exportsSection, [...nameBytes(INIT_EXPORT), 0x00, ...encodeU32(newIndex)])],
    [code, appended(bytes, code, [...encodeU32(body.length), ...body])],
  ]);
  if (type.content) replaced.set(types, type.content);
  const out: number[] = [...bytes.subarray(0, 8)];
  for (const s of sections) {
    const content = replaced.get(s);
    if (content) out.push(...sectionBytes(s.id, content));
    else out.push(...bytes.subarray(s.start, s.end));
  }
  return { bytes: Uint8Array.from(out), hasCtors: ctors !== null };
}

export interface WizenResult {
  bytes: Uint8Array;
  /** True when it came from the cache (no Wizer run). */
  cached: boolean;
  /** Where the output is kept. */
  path: string;
}

/**
 * The pre-initialised form of a preview1 command module, from the cache or made now.
 * Throws a WizerError (one sentence, naming the module) when Wizer refuses it.
 */
export async function wizen(bytes: Uint8Array, name = 'module', cacheDir = wizerCacheDir()): Promise<WizenResult> {
  const sha = createHash('sha256').update(bytes).digest('hex');
  const path = join(cacheDir, `${sha}-${CACHE_FORMAT}.wasm`);
  if (existsSync(path)) return { bytes: readFileSync(path), cached: true, path };
  let input: Uint8Array;
  try {
    input = withInitExport(bytes).bytes;
  } catch (e) {
    throw new WizerError(`${name}: cannot be pre-initialised by Wizer: ${(e as Error).message}`, { cause: e });
  }
  mkdirSync(cacheDir, { recursive: true });
  // Written under private names and renamed in: a crash or a concurrent prepare never leaves half an entry.
  const tmpIn = `${path}.in-${process.pid}-${Date.now()}`;
  const tmpOut = `${path}.out-${process.pid}-${Date.now()}`;
  writeFileSync(tmpIn, input);
  try {
    await promisify(execFile)(
      await wizerBinary(),
      [
        '--allow-wasi',
        '--inherit-env',
        'false',
        '--inherit-stdio',
        'false',
        '--init-func',
        INIT_EXPORT,
        '--keep-init-func',
        'false',
        '-o',
        tmpOut,
        tmpIn,
      ],
      { timeout: WIZER_TIMEOUT_MS, maxBuffer: 1 << 20 },
    );
    renameSync(tmpOut, path);
  } catch (e) {
    const err = e as Error & { stderr?: string };
    const why = (err.stderr || err.message).trim().split('\n').filter(Boolean).slice(-1)[0] ?? 'failed';
    throw new WizerError(`${name}: Wizer could not pre-initialise it (${why})`, { cause: e });
  } finally {
    rmSync(tmpIn, { force: true });
    rmSync(tmpOut, { force: true });
  }
  return { bytes: readFileSync(path), cached: false, path };
}
