// Preparing a wasi:http component for serving, once per deployment (never per request):
// the checks that turn a bad file into one clear sentence, jco's transpiler (component
// → core modules + JS glue), the memory cap written into every core module, and
// compilation. The transpiled output is cached on disk by content hash (transpiling a
// 12 MB JS component takes ~10 s), so a second deployment of the same bytes only
// compiles.
//
// Why jco's transpiler and not our own component linker: it implements the canonical
// ABI (lifting/lowering every WIT type, resource tables, post-return) and is what
// preview2-shim is tested against; the glue it writes takes the host's import object
// and a core-instantiation hook at instantiate() time, which is exactly the seam a
// fresh-instance-per-request host needs.
//
// Why jco 1.12.0 (npm alias jco-sync-glue) and not the newest transpiler: from jco
// 1.13 on (and every @bytecodealliance/jco-transpile, 0.1–0.15) the sync glue carries
// the component-model async runtime (WASI 0.3: a task, a subtask and their promises
// created for every host call, some 4,000 lines of classes defined anew inside every
// instantiate()). For a WASI 0.2 handler that runtime does nothing but cost: measured
// on this machine, in process, one interleaved run, a fresh instance + request took
// 688 µs with jco-transpile 0.15's glue and 91 µs with jco 1.10–1.12's on the smallest
// component (wat.ts), 1,007 vs 311 µs on hello's C component, 8.4 vs 5.2 ms on its JS
// component. The newest transpiler stays as the measured baseline (transpiler:
// 'jco-transpile', scripts/bench-components.ts) and for its wasm-tools (wat.ts).

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { PAGE_BYTES, WasmBinaryError, rewriteMemory } from '../binary.js';
import { HOST_INTERFACES } from './host.js';
import { extractMemoryImage, type MemoryImage } from './memory-image.js';

export class ComponentError extends Error {
  override name = 'ComponentError';
}

/** jco's sync-mode entry point: instantiates the component's core modules and returns its exports. */
export type InstantiateFn = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, Record<string, unknown>>,
  instantiateCore?: (module: WebAssembly.Module, imports?: WebAssembly.Imports) => WebAssembly.Instance,
) => Record<string, unknown>;

export interface PreparedComponent {
  name: string;
  sha256: string;
  /** Directory holding the transpiled glue (fn.js) and core modules. */
  dir: string;
  /** e.g. "wasi:http/incoming-handler@0.2.10". */
  handlerExport: string;
  imports: string[];
  /** Core modules, compiled, with the memory cap applied. */
  modules: Map<string, WebAssembly.Module>;
  /** Initial memory images of the core modules rewritten to import their memory (memory-image.ts), by file. */
  images: Map<string, MemoryImage>;
  instantiate: InstantiateFn;
  /** Bytes of the component file. */
  bytes: number;
  /** The glue was compiled with V8's code cache (the code-cache preinit series): guest threads do the same. */
  codeCache?: boolean;
}

export interface ComponentPrepareOptions {
  /** Per-instance memory cap (every core memory's maximum is lowered to it). Default 256 MiB. */
  memoryCapBytes?: number;
  /** Where transpiled output is kept; default ~/.cache/faasbench/components (FAASBENCH_CACHE moves it). */
  cacheDir?: string;
  /**
   * Apply data segments once into an image at prepare and give every fresh instance a
   * memory holding it: one recycled from a finished instance when there is one
   * (memory-image.ts, MemoryPool), else a new one. Default true. Measured on the hello
   * JS component (9.5 MB of initial memory in 10,000 segments), in process, one
   * interleaved run: a fresh instance + request 3.2 ms with the pooled image, 5.8 ms
   * with V8 applying the segments (scripts/bench-components.ts, js vs js-segments).
   * Off for glue that registers finalizers (a finalizer of a finished instance could
   * run guest code on a memory handed on).
   */
  memoryImage?: boolean;
  /**
   * Which transpiler writes the glue: 'jco' (jco 1.12.0, the default, see above) or
   * 'jco-transpile' (jco-transpile 0.15.0, with the async runtime: the baseline).
   */
  transpiler?: Transpiler;
  /**
   * Compile the JS glue with V8's code cache (glueCachePath: made by a guest thread
   * after its first request, so it holds the functions that request compiled). The
   * code-cache preinit series; default false (the glue is parsed anew).
   */
  codeCache?: boolean;
}

export const DEFAULT_COMPONENT_MEMORY_CAP = 256 * 2 ** 20;
const COMPONENT_LAYER = [0x0d, 0x00, 0x01, 0x00];
const HANDLER = /^wasi:http\/incoming-handler@0\.2\.\d+$/;
export type Transpiler = 'jco' | 'jco-transpile';
/** Per transpiler; bumped when what we write into the cache changes. */
const CACHE_FORMAT: Record<Transpiler, string> = {
  jco: 'jco-1.12.0-sync-2',
  'jco-transpile': 'jco-transpile-0.15.0-sync-2',
};

interface Transpiled {
  files: Record<string, Uint8Array>;
  imports: string[];
  exports: Array<[string, string]>;
}

async function transpile(bytes: Uint8Array, transpiler: Transpiler): Promise<Transpiled> {
  if (transpiler === 'jco-transpile') {
    const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
    return transpileBytes(bytes, {
      name: 'fn',
      instantiation: 'sync',
      emitTypescriptDeclarations: false,
      noComponentErrorWrapping: true,
    });
  }
  const { transpile: jco } = await import('jco-sync-glue');
  // `typescript: false` (no .d.ts files) is read by jco 1.12 but missing from its typed options.
  return (await jco(bytes, { name: 'fn', instantiation: 'sync', typescript: false } as Parameters<
    typeof jco
  >[1])) as Transpiled;
}

export function isComponent(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 8 &&
    bytes[0] === 0 &&
    bytes[1] === 0x61 &&
    bytes[2] === 0x73 &&
    bytes[3] === 0x6d &&
    COMPONENT_LAYER.every((b, i) => bytes[4 + i] === b)
  );
}

export function componentCacheDir(): string {
  return join(process.env['FAASBENCH_CACHE'] || join(homedir(), '.cache', 'faasbench'), 'components');
}

interface CacheMeta {
  imports: string[];
  exports: string[];
  files: string[];
  /** The glue registers finalizers (FinalizationRegistry): its memories must not be recycled (see memoryImage). */
  finalizers: boolean;
}

/** Transpiles (or finds in the cache) and checks; does not compile. */
async function transpiled(
  bytes: Uint8Array,
  name: string,
  sha256: string,
  cacheRoot: string,
  transpiler: Transpiler,
): Promise<{ dir: string; meta: CacheMeta }> {
  const dir = join(cacheRoot, `${sha256}-${CACHE_FORMAT[transpiler]}`);
  const metaPath = join(dir, 'meta.json');
  if (existsSync(metaPath)) return { dir, meta: JSON.parse(readFileSync(metaPath, 'utf8')) as CacheMeta };
  let out: Transpiled;
  try {
    out = await transpile(bytes, transpiler);
  } catch (e) {
    throw new ComponentError(`${name}: not a valid component (${firstLine(e)})`);
  }
  const glue = out.files['fn.js'];
  const meta: CacheMeta = {
    imports: out.imports,
    exports: out.exports.map(([n]) => n),
    files: Object.keys(out.files),
    finalizers: glue !== undefined && Buffer.from(glue).includes('FinalizationRegistry'),
  };
  // Written to a private temp directory and renamed in: a crash or a concurrent prepare never leaves half a cache entry.
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  for (const [f, b] of Object.entries(out.files)) writeFileSync(join(tmp, f), b);
  writeFileSync(join(tmp, 'meta.json'), JSON.stringify(meta));
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process won the race: its entry is the same
  }
  return { dir, meta };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split('\n')[0]!
    .slice(0, 300);
}

/**
 * Everything that can be done once per deployment. Refuses, with one sentence: a core
 * module (not a component), a component without a wasi:http/incoming-handler@0.2.x
 * export, a component importing an interface this host does not provide (named), one
 * whose memory cannot start under the cap.
 */
export async function prepareComponent(
  bytes: Uint8Array,
  name = 'component',
  opts: ComponentPrepareOptions = {},
): Promise<PreparedComponent> {
  if (!isComponent(bytes)) {
    const module = bytes.length >= 8 && bytes[4] === 1 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0;
    throw new ComponentError(
      module
        ? `${name}: a core WebAssembly module, not a component (make one with \`jco new\`, or run it as a preview1 module with --wasm)`
        : `${name}: not a WebAssembly component (no component header)`,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const { dir, meta } = await transpiled(
    bytes,
    name,
    sha256,
    opts.cacheDir ?? componentCacheDir(),
    opts.transpiler ?? 'jco',
  );
  const handlerExport = meta.exports.find((e) => HANDLER.test(e));
  if (!handlerExport) {
    const list = meta.exports.filter((e) => e.includes(':')).join(', ') || 'nothing';
    throw new ComponentError(
      `${name}: the component does not export wasi:http/incoming-handler@0.2.x (it exports ${list})`,
    );
  }
  const missing = meta.imports.filter((i) => !HOST_INTERFACES.has(i));
  if (missing.length) {
    throw new ComponentError(`${name}: the component imports ${missing.join(', ')}, which this host does not provide`);
  }
  const capPages = Math.floor((opts.memoryCapBytes ?? DEFAULT_COMPONENT_MEMORY_CAP) / PAGE_BYTES);
  const modules = new Map<string, WebAssembly.Module>();
  const images = new Map<string, MemoryImage>();
  const imaging = opts.memoryImage !== false && !meta.finalizers;
  for (const f of meta.files.filter((f) => f.endsWith('.wasm'))) {
    let core: Uint8Array = readFileSync(join(dir, f));
    const imaged = imaging ? extractMemoryImage(core, capPages) : null;
    if (imaged) {
      try {
        modules.set(f, await WebAssembly.compile(imaged.bytes));
        images.set(f, imaged.image);
        continue;
      } catch {
        // The code names a data segment (memory.init / data.drop): keep the segments.
      }
    }
    try {
      core = rewriteMemory(core, { capPages }).bytes;
    } catch (e) {
      if (e instanceof WasmBinaryError) throw new ComponentError(`${name}: ${e.message}`);
      throw e;
    }
    modules.set(f, await WebAssembly.compile(core));
  }
  return {
    name,
    sha256,
    dir,
    handlerExport,
    imports: meta.imports,
    modules,
    images,
    instantiate: opts.codeCache
      ? loadGlueCached(join(dir, 'fn.js'), name).instantiate
      : loadGlue(join(dir, 'fn.js'), name),
    bytes: bytes.length,
    ...(opts.codeCache ? { codeCache: true } : {}),
  };
}

/**
 * Evaluates jco's sync-mode glue (an ES module of one `export function instantiate`,
 * with jco-transpile an empty `export const _util` too, no imports) as a plain function, not through import():
 * a module loader hook (tsx, vitest) would otherwise rewrite it (esbuild's keepNames
 * adds a call per function: ~30 % slower instantiation) and it would be a module
 * record held for the life of the process.
 */
export function loadGlue(
  path: string,
  name = 'component',
  opts: { jspiShadow?: boolean; debugLog?: boolean } = {},
): InstantiateFn {
  return new Function(`${glueSource(path, name, opts)}\n//# sourceURL=${pathToFileURL(path).href}`)() as InstantiateFn;
}

/** jco-transpile's debug logger, as its glue defines it (glueSource makes it do nothing). */
export const JCO_DEBUG_LOG =
  /const _debugLog = \(\.\.\.args\) => \{\s*if \(!globalThis\?\.process\?\.env\?\.JCO_DEBUG\) \{ return; \}\s*console\.debug\(\.\.\.args\);\s*\};?/;

/** The glue as the body of a function returning `instantiate` (see loadGlue). */
export function glueSource(path: string, name: string, opts: { jspiShadow?: boolean; debugLog?: boolean }): string {
  const src = readFileSync(path, 'utf8');
  const exportsSeen = src.match(/^(export|import)\b.*$/gm) ?? [];
  const util = /^export const _util\b/m.test(src); // jco-transpile's glue has it, jco 1.12's not
  if (exportsSeen.length !== (util ? 2 : 1) || !/^export function instantiate\(/m.test(src)) {
    throw new ComponentError(`${name}: unexpected transpiler output (${exportsSeen.length} import/export lines)`);
  }
  let body = src
    .replace(/^export function instantiate\(/m, 'function instantiate(')
    .replace(/^export const _util\b/m, 'const _util');
  // jco-transpile 0.15's glue calls _debugLog a dozen times per import call (jco 1.12's
  // defines it and never calls it), each
  // building its arguments and reading process.env.JCO_DEBUG (a lookup in the C++
  // environment every time): 14 % of a reused small component's request in a profile.
  // Unless JCO_DEBUG is set when the glue loads, it is a function that does nothing,
  // which V8 inlines away with its arguments. Glue of another shape is left as it is.
  if (opts.debugLog !== true && !process.env['JCO_DEBUG'])
    body = body.replace(JCO_DEBUG_LOG, 'const _debugLog = () => {};');
  // The glue calls WebAssembly.promising (JSPI) for each realloc export inside a try and
  // falls back to the plain export when it throws, as it does on Node 20. The throw, in
  // a 30,000-line function, cost ~10 ms per instance (over half of the glue's time on
  // a componentize-js component). The glue sees a WebAssembly whose promising() is the
  // identity where the engine has none: the same result, without the throw.
  const shadow =
    opts.jspiShadow === false
      ? ''
      : 'const WebAssembly = globalThis.WebAssembly.promising ? globalThis.WebAssembly : Object.assign(Object.create(globalThis.WebAssembly), { promising: (f) => f });';
  return `${shadow}\n${body}\nreturn instantiate;`;
}

/** Where V8's code cache of a component's glue is kept: beside the glue, per V8 version (V8 refuses another's). */
export function glueCachePath(gluePath: string): string {
  return `${gluePath}.v8-${process.versions.v8}.cache`;
}

/**
 * The glue compiled with V8's code cache (vm.Script cachedData), and a way to write
 * that cache. Measured on the 1 MB glue of a componentize-js component (hello), a few
 * runs in separate processes on the 2-core machine: parsing it took 40–80 ms, with the
 * cache 5–35 ms, and the first instance after it ~100–200 ms instead of ~230 ms (the
 * cache, written after a request ran, also holds the functions that request compiled
 * lazily). It changes what an app cold start and a guest thread's first request of an
 * app pay, not a running app's per-request instance (its glue is compiled already).
 * Not for the small hand-written components: their glue is a few KB.
 */
export function loadGlueCached(
  path: string,
  name = 'component',
): { instantiate: InstantiateFn; used: boolean; save: () => void } {
  const cachePath = glueCachePath(path);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(`(function () {\n${glueSource(path, name, {})}\n})`, {
    filename: pathToFileURL(path).href,
    ...(cachedData ? { cachedData } : {}),
  });
  const used = cachedData !== undefined && !script.cachedDataRejected;
  const instantiate = (script.runInThisContext() as () => InstantiateFn)();
  return {
    instantiate,
    used,
    // Written once, after a request ran (so lazily compiled functions are in it), under a private name and renamed in.
    save: () => {
      if (used) return;
      const tmp = `${cachePath}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      try {
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cachePath);
      } catch {
        rmSync(tmp, { force: true }); // a read-only cache: the next load parses anew, nothing breaks
      }
    },
  };
}

/** For tests and `clean`: cache entries present. */
export function cachedComponents(cacheDir = componentCacheDir()): string[] {
  return existsSync(cacheDir) ? readdirSync(cacheDir) : [];
}
